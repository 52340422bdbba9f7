"""grad_fn names and next_functions, the graph tutorials walk (`loss.grad_fn.next_functions[0][0]`).

One edge per tensor of the op's PyTorch signature: dims, flags, index and mask tensors are not
graph inputs; a Python number in + - * / keeps its (None, 0) slot, as PyTorch wraps it in a tensor.
The ops whose graph is deliberately shaped differently are listed in docs/known_differences.md."""
import pytest

import ember


def _graph(out):
    # class names: PyTorch's AccumulateGrad.name() is "torch::autograd::AccumulateGrad"
    fn = out.grad_fn
    return type(fn).__name__, [(type(n).__name__ if n is not None else None) for n, _ in fn.next_functions]


# name -> f(lib, F, x, y, z, m, img, w) with x, y, m, img, w requiring grad and z not.
CASES = {
    "x + y": lambda t, F, x, y, z, m, img, w: x + y,
    "x + z": lambda t, F, x, y, z, m, img, w: x + z,
    "x + 2": lambda t, F, x, y, z, m, img, w: x + 2,
    "2 + x": lambda t, F, x, y, z, m, img, w: 2 + x,
    "3 - x": lambda t, F, x, y, z, m, img, w: 3 - x,
    "rsub tensor": lambda t, F, x, y, z, m, img, w: t.rsub(x, y),
    "2 * x": lambda t, F, x, y, z, m, img, w: 2 * x,
    "2 / x": lambda t, F, x, y, z, m, img, w: 2 / x,
    "x ** 2": lambda t, F, x, y, z, m, img, w: x ** 2,
    "2 ** x": lambda t, F, x, y, z, m, img, w: 2 ** x,
    "x ** y": lambda t, F, x, y, z, m, img, w: x ** y,
    "pow_ tensor": lambda t, F, x, y, z, m, img, w: (x * 1).pow_(y),
    "sum": lambda t, F, x, y, z, m, img, w: x.sum(),
    "sum dim": lambda t, F, x, y, z, m, img, w: x.sum(0, keepdim=True),
    "mean dim": lambda t, F, x, y, z, m, img, w: x.mean((0, 1)),
    "max dim": lambda t, F, x, y, z, m, img, w: x.max(0)[0],
    "var": lambda t, F, x, y, z, m, img, w: x.var(0),
    "std": lambda t, F, x, y, z, m, img, w: x.std(),
    "norm": lambda t, F, x, y, z, m, img, w: x.norm(p=1, dim=0),
    "cumsum": lambda t, F, x, y, z, m, img, w: x.cumsum(1),
    "softmax": lambda t, F, x, y, z, m, img, w: t.softmax(x, 1),
    "clamp": lambda t, F, x, y, z, m, img, w: x.clamp(-1, 1),
    "where number": lambda t, F, x, y, z, m, img, w: t.where(x > 0, x, 0.0),
    "where": lambda t, F, x, y, z, m, img, w: t.where(x > 0, x, y),
    "squeeze": lambda t, F, x, y, z, m, img, w: x[None].squeeze(),
    "squeeze int": lambda t, F, x, y, z, m, img, w: x[None].squeeze(0),
    "squeeze tuple": lambda t, F, x, y, z, m, img, w: x[None].squeeze((0,)),
    "view": lambda t, F, x, y, z, m, img, w: x.view(12),
    "transpose": lambda t, F, x, y, z, m, img, w: x.transpose(0, 1),
    "cat": lambda t, F, x, y, z, m, img, w: t.cat([x, z, y]),
    "stack": lambda t, F, x, y, z, m, img, w: t.stack([x, y]),
    "x[None]": lambda t, F, x, y, z, m, img, w: x[None],
    "x[..., 0]": lambda t, F, x, y, z, m, img, w: x[..., 0],
    "x[...]": lambda t, F, x, y, z, m, img, w: x[...],
    "x[:]": lambda t, F, x, y, z, m, img, w: x[:],
    "in-place on a non-leaf": lambda t, F, x, y, z, m, img, w: (x * 1).mul_(y),
    "index tensor": lambda t, F, x, y, z, m, img, w: x[t.tensor([0, 2])],
    "gather": lambda t, F, x, y, z, m, img, w: x.gather(0, t.tensor([[0, 1, 2, 0]])),
    "scatter": lambda t, F, x, y, z, m, img, w: x.scatter(0, t.tensor([[0, 1, 2, 0]]), y),
    "scatter value": lambda t, F, x, y, z, m, img, w: x.scatter(0, t.tensor([[0, 1, 2, 0]]), 1.5),
    "masked_fill": lambda t, F, x, y, z, m, img, w: x.masked_fill(x > 0, 0.0),
    "masked_fill tensor": lambda t, F, x, y, z, m, img, w: x.masked_fill(x > 0, y[0, 0]),
    "mm": lambda t, F, x, y, z, m, img, w: x @ m,
    "addmm": lambda t, F, x, y, z, m, img, w: t.addmm(m[0], x, m),
    "outer": lambda t, F, x, y, z, m, img, w: t.outer(x[0], y[0]),
    "linear without bias": lambda t, F, x, y, z, m, img, w: F.linear(x, m.t()),
    "conv2d": lambda t, F, x, y, z, m, img, w: F.conv2d(img, w),
    "conv2d bias": lambda t, F, x, y, z, m, img, w: F.conv2d(img, w, w.view(-1)[:2]),
    "max_pool2d": lambda t, F, x, y, z, m, img, w: F.max_pool2d(img, 2),
    "mse_loss": lambda t, F, x, y, z, m, img, w: F.mse_loss(x, z),
    "nll_loss": lambda t, F, x, y, z, m, img, w: F.nll_loss(x, t.tensor([0, 1, 3])),
    "bce": lambda t, F, x, y, z, m, img, w: F.binary_cross_entropy(x.sigmoid(), z.sigmoid()),
    "embedding": lambda t, F, x, y, z, m, img, w: F.embedding(t.tensor([0, 2]), m),
    "pad": lambda t, F, x, y, z, m, img, w: F.pad(x, (1, 1)),
}


def _inputs(lib):
    lib.manual_seed(0)
    return (lib.randn(3, 4, requires_grad=True), lib.randn(3, 4, requires_grad=True), lib.randn(3, 4),
            lib.randn(4, 5, requires_grad=True), lib.randn(2, 1, 8, 8, requires_grad=True),
            lib.randn(2, 1, 3, 3, requires_grad=True))


@pytest.mark.parametrize("case", CASES)
def test_graph_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    got = _graph(CASES[case](ember, ember.nn.functional, *_inputs(ember)))
    want = _graph(CASES[case](torch, torch.nn.functional, *_inputs(torch)))
    assert got == want


def test_graph_without_pytorch():
    x = ember.randn(3, requires_grad=True)
    assert _graph(x.sum(0)) == ("SumBackward1", ["AccumulateGrad"])
    assert _graph(x * 2) == ("MulBackward0", ["AccumulateGrad", None])
    assert _graph(3 - x) == ("RsubBackward1", ["AccumulateGrad"])
    assert _graph(ember.where(x > 0, x, 0.0)) == ("WhereBackward0", ["AccumulateGrad", None])


def test_linear_layer_lists_bias_first():
    """PyTorch's addmm(bias, input, weight.t()): a tutorial's next_functions[0][0] is the bias leaf."""
    layer = ember.nn.Linear(4, 2)
    out = layer(ember.randn(3, 4, requires_grad=True))
    name, edges = _graph(out)
    assert name == "AddmmBackward0" and edges == ["AccumulateGrad"] * 3
    assert out.grad_fn.next_functions[0][0].variable is layer.bias
    assert out.grad_fn.next_functions[2][0].variable is layer.weight


def test_custom_function_lists_every_argument():
    class Scale(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    name, edges = _graph(Scale.apply(ember.ones(2, requires_grad=True), 2))
    assert name == "ScaleBackward" and edges == ["AccumulateGrad", None]


def test_needs_input_grad_still_follows_forward_arguments():
    seen = []

    class Probe(ember.autograd.Function):
        @staticmethod
        def forward(ctx, a, dim, b):
            return a.sum(dim) + b.sum(dim)

        @staticmethod
        def backward(ctx, g):
            seen.append(ctx.needs_input_grad)
            return g.expand(3), None, None

    Probe.apply(ember.ones(3, requires_grad=True), 0, ember.ones(3)).backward()
    assert seen == [(True, False, False)]
