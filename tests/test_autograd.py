"""Autograd: PyTorch's semantics, gradcheck of the differentiable ops, the tutorial snippets,
higher-order gradients, deep graphs and freeing of saved tensors."""
import gc
import weakref

import numpy as np
import pytest

import ember
from ember.autograd import Function, Variable, gradcheck, gradgradcheck
from memory_growth import rss_growth_kib


def d(*shape):
    return ember.randn(*shape, dtype=ember.float64, requires_grad=True)


GRADCHECK_CASES = {
    "add_broadcast": (lambda a, b: a + b, lambda: (d(3, 4), d(4))),
    "sub_scalar": (lambda a: 2 - a, lambda: (d(3),)),
    "mul_broadcast": (lambda a, b: a * b, lambda: (d(2, 1, 3), d(4, 1))),
    "div": (lambda a, b: a / (b * b + 1), lambda: (d(3, 2), d(3, 2))),
    "pow_scalar": (lambda a: (a * a + 1) ** 1.5, lambda: (d(4),)),
    "pow_tensor": (lambda a, b: (a * a + 1) ** b, lambda: (d(3), d(3))),
    "unary_chain": (lambda a: a.exp().sin().tanh() + a.sigmoid() * a.cos(), lambda: (d(5),)),
    "log_sqrt": (lambda a: (a * a + 1).log() + (a * a + 2).sqrt() + (a * a + 1).rsqrt(), lambda: (d(5),)),
    "relu_abs": (lambda a: a.relu() + a.abs(), lambda: (d(6) + 0.1,)),
    "clamp": (lambda a: a.clamp(-0.5, 0.5), lambda: (d(8),)),
    "maximum": (lambda a, b: ember.maximum(a, b), lambda: (d(5), d(5))),
    "where": (lambda a, b: ember.where(a > 0, a, b), lambda: (d(5), d(5))),
    "sum_dims": (lambda a: a.sum(1) + a.sum((0, 2), keepdim=True).sum(), lambda: (d(2, 3, 4),)),
    "mean_var_std": (lambda a: a.mean(0) + a.var(1).sum() + a.std(), lambda: (d(3, 4),)),
    "prod": (lambda a: a.prod(1), lambda: (d(3, 4),)),
    "max_dim": (lambda a: a.max(1)[0], lambda: (d(3, 4),)),
    "amax": (lambda a: a.amax(0), lambda: (d(3, 4),)),
    "norm": (lambda a: a.norm() + a.norm(p=1, dim=1).sum(), lambda: (d(3, 4),)),
    "cumsum": (lambda a: a.cumsum(1), lambda: (d(3, 4),)),
    "softmax": (lambda a: a.softmax(1), lambda: (d(3, 4),)),
    "log_softmax": (lambda a: a.log_softmax(0), lambda: (d(3, 4),)),
    "logsumexp": (lambda a: a.logsumexp(1), lambda: (d(3, 4),)),
    "matmul_batched": (lambda a, b: a @ b, lambda: (d(2, 3, 4), d(4, 5))),
    "matmul_vec": (lambda a, b: a @ b, lambda: (d(4), d(2, 4, 3))),
    "mm_t": (lambda a, b: a.t().mm(b), lambda: (d(4, 3), d(4, 2))),
    "dot_mv_outer": (lambda a, b: a.dot(b) + ember.mv(ember.outer(a, b), b).sum(), lambda: (d(3), d(3))),
    "linear": (lambda x, w, b: ember.linear(x, w, b), lambda: (d(2, 5, 3), d(4, 3), d(4))),
    "views": (lambda a: a.view(4, 6).t().reshape(2, 12).unsqueeze(0).expand(3, 2, 12).permute(2, 0, 1).squeeze(),
              lambda: (d(2, 3, 4),)),
    "index_basic": (lambda a: a[1:, ::2] * a[0, 1] + a[..., -1].sum(), lambda: (d(3, 4),)),
    "index_advanced": (lambda a: a[[0, 2, 0]] + a[:, [1, 1, 3, 0]].sum(), lambda: (d(3, 4),)),
    "mask": (lambda a: a[a > 0].sum() + a.masked_fill(a < 0, 0.0).sum(), lambda: (d(3, 4),)),
    "cat_stack_split": (lambda a, b: ember.cat([a, b], 1).split(2, 1)[1] * ember.stack([a, b]).sum(0).sum(),
                        lambda: (d(2, 3), d(2, 3))),
    "gather_scatter": (lambda a: a.gather(1, ember.tensor([[0, 2], [1, 1]])).sum() +
                       ember.zeros(2, 4, dtype=ember.float64).scatter(1, ember.tensor([[0], [3]]), a[:, :1]).sum(),
                       lambda: (d(2, 3),)),
    "index_select_flip_repeat": (lambda a: a.index_select(0, ember.tensor([1, 1])).flip(1).repeat(2, 1),
                                 lambda: (d(3, 4),)),
    "tril_diag": (lambda a: a.tril() + a.triu(1) * 2 + a.diagonal().sum(), lambda: (d(3, 3),)),
    "to_dtype": (lambda a: a.to(ember.float64, copy=True) * 2, lambda: (d(3),)),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK_CASES))
def test_gradcheck(name):
    fn, make = GRADCHECK_CASES[name]
    assert gradcheck(fn, make(), eps=1e-6, atol=1e-4)


@pytest.mark.parametrize("name", ["unary_chain", "mul_broadcast", "softmax", "matmul_batched", "index_basic",
                                  "mean_var_std"])
def test_gradgradcheck(name):
    fn, make = GRADCHECK_CASES[name]
    assert gradgradcheck(fn, make(), eps=1e-6, atol=1e-4)


torch = None
try:
    import torch
except ImportError:
    pass


# Cases written only with tensor methods and operators, so the same lambda runs on PyTorch.
METHOD_ONLY = sorted(set(GRADCHECK_CASES) - {"cat_stack_split", "dot_mv_outer", "linear", "maximum", "where", "to_dtype",
                                             "relu_abs"})


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("name", METHOD_ONLY)
def test_gradients_match_pytorch(name):
    fn, make = GRADCHECK_CASES[name]
    ins = make()
    t_ins = [torch.tensor(x.detach().numpy(), requires_grad=True) for x in ins]
    t_fn = {"gather_scatter": lambda a: a.gather(1, torch.tensor([[0, 2], [1, 1]])).sum() +
            torch.zeros(2, 4, dtype=torch.float64).scatter(1, torch.tensor([[0], [3]]), a[:, :1]).sum(),
            "index_select_flip_repeat": lambda a: a.index_select(0, torch.tensor([1, 1])).flip(1).repeat(2, 1)}
    out = fn(*ins)
    ref = t_fn.get(name, fn)(*t_ins)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6, atol=1e-8)
    g = ember.tensor(np.random.randn(*ref.shape))
    out.backward(g)
    ref.backward(torch.tensor(g.numpy()))
    for x, tx in zip(ins, t_ins):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-8)


def test_tutorial_autograd_basics():
    x = Variable(ember.ones(2, 2), requires_grad=True)
    y = x.sum()
    for _ in range(3):
        y.backward(retain_graph=True)
    assert x.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    x.grad.data.zero_()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    b = ember.ones(2, requires_grad=True)
    (ember.randn(2, 2) + b).sum().backward()
    assert b.grad.tolist() == [2.0, 2.0]
    out = ((x + 2) * (x + 2) * 3).mean()
    assert repr(out.grad_fn).startswith("<MeanBackward0 object at")
    out.backward()
    assert x.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    assert out.grad_fn.next_functions[0][0].name() == "MulBackward0"
    leaf = x.sum().grad_fn.next_functions[0][0]
    assert leaf.name() == "AccumulateGrad" and leaf.variable is x


def test_manual_gradient_descent_loop():
    w = ember.tensor([0.0, 0.0], requires_grad=True)
    X = ember.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = X @ ember.tensor([2.0, -1.0])
    for _ in range(500):
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        w.data = w.data - 0.1 * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(w.detach().numpy(), [2.0, -1.0], atol=1e-2)


def test_node_names_match_pytorch():
    a, b = ember.ones(2, 2, requires_grad=True), ember.ones(2, 2, requires_grad=True)
    assert (a + b).grad_fn.name() == "AddBackward0"
    assert (a * b).grad_fn.name() == "MulBackward0"
    assert a.sum().grad_fn.name() == "SumBackward0"
    assert a.sum(0).grad_fn.name() == "SumBackward1"
    assert a.mm(b).grad_fn.name() == "MmBackward0"
    assert ember.linear(a, b, ember.ones(2, requires_grad=True)).grad_fn.name() == "AddmmBackward0"
    assert a.view(4).grad_fn.name() == "ViewBackward0"
    assert a.t().grad_fn.name() == "TBackward0"
    assert a[0].grad_fn.name() == "SelectBackward0"
    assert a[:, 1:].grad_fn.name() == "SliceBackward0"
    assert a.relu().grad_fn.name() == "ReluBackward0"


def test_backward_errors():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.ones(2).sum().backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ember.tensor([1, 2]).requires_grad_()


def test_inplace_modification_of_saved_tensor_is_detected():
    a = ember.ones(3, requires_grad=True)
    b = a * 2
    c = b.sigmoid()
    c.mul_(2)  # sigmoid saved its output
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_inplace_ops_are_differentiable():
    a = ember.randn(4, dtype=ember.float64, requires_grad=True)
    b = a * 2
    b.add_(1).mul_(3)
    b[0] = 0.0
    b.sum().backward()
    assert a.grad.tolist() == [0.0, 6.0, 6.0, 6.0]
    v = ember.randn(2, 3, requires_grad=True)
    h = v * 1
    h[:, 0].mul_(0)
    h.sum().backward()
    assert v.grad.tolist() == [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]


def test_grad_modes_and_detach():
    x = ember.ones(2, requires_grad=True)
    with ember.no_grad():
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ember.is_grad_enabled()

    @ember.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    with ember.inference_mode():
        assert not (x + 1).requires_grad
    d_ = (x * 2).detach()
    assert not d_.requires_grad and d_.is_leaf
    assert not x.data.requires_grad


def test_hooks_retain_grad_and_inputs():
    x = ember.ones(3, requires_grad=True)
    y = x * 2
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()))
    x.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    assert y.grad.tolist() == [4.0, 4.0, 4.0]
    assert seen[0].tolist() == [4.0, 4.0, 4.0]
    assert x.grad.tolist() == [80.0, 80.0, 80.0]
    a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad is not None and b.grad is None


def test_higher_order_gradients():
    x = ember.tensor(1.5, dtype=ember.float64, requires_grad=True)
    y = x ** 4
    g1, = ember.autograd.grad(y, x, create_graph=True)
    g2, = ember.autograd.grad(g1, x, create_graph=True)
    g3, = ember.autograd.grad(g2, x)
    assert np.allclose([g1.item(), g2.item(), g3.item()], [4 * 1.5 ** 3, 12 * 1.5 ** 2, 24 * 1.5])
    t = ember.tensor(0.3, dtype=ember.float64, requires_grad=True)
    th = t.tanh()
    d1, = ember.autograd.grad(th, t, create_graph=True)
    d2, = ember.autograd.grad(d1, t)
    tv = np.tanh(0.3)
    assert np.isclose(d1.item(), 1 - tv ** 2) and np.isclose(d2.item(), -2 * tv * (1 - tv ** 2))
    # Hessian-vector product of f(w) = sum(w^3): H = diag(6w)
    w = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    v = ember.tensor([1.0, 1.0], dtype=ember.float64)
    g, = ember.autograd.grad((w ** 3).sum(), w, create_graph=True)
    hv, = ember.autograd.grad(g, w, grad_outputs=v)
    assert hv.tolist() == [6.0, 12.0]


def test_autograd_grad_allow_unused():
    a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        ember.autograd.grad((a * 2).sum(), [a, b])
    ga, gb = ember.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)
    assert ga.tolist() == [2.0, 2.0] and gb is None
    assert a.grad is None


def test_custom_function():
    class MyReLU(Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x.clamp(min=0) * scale

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return g * (x > 0) * ctx.scale, None

    x = ember.tensor([-1.0, 2.0], requires_grad=True)
    y = MyReLU.apply(x, 3.0)
    assert y.grad_fn.name() == "MyReLUBackward"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 3.0]
    assert gradcheck(lambda t: MyReLU.apply(t, 2.0), (ember.tensor([-1.0, 0.5, 2.0], dtype=ember.float64,
                                                                  requires_grad=True),))


def test_deep_chain_has_no_recursion_limit():
    x = ember.ones(1, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1
    y.sum().backward()
    assert x.grad.item() == 1.0


def test_graph_is_freed_without_the_garbage_collector():
    gc.disable()
    try:
        x = ember.randn(100, requires_grad=True)
        y = (x * 2).exp()
        ref = weakref.ref(y.grad_fn)
        y.sum().backward()
        del y
        assert ref() is None
        for _ in range(200):
            (x.sigmoid() * x).sum().backward()
        assert x.grad is not None
    finally:
        gc.enable()


def test_saved_outputs_do_not_keep_results_alive():
    """exp saves its own output: the node keeps it without a reference cycle, and unpacks it with
    itself as grad_fn, so second derivatives still flow through it."""
    gc.disable()
    try:
        x = ember.randn(100, dtype=ember.float64, requires_grad=True)
        y = x.exp()
        ref = weakref.ref(y)
        del y
        assert ref() is None
        (g,) = ember.autograd.grad(x.exp().sum(), [x], create_graph=True)
        (gg,) = ember.autograd.grad(g.sum(), [x])
        np.testing.assert_allclose(gg.numpy(), np.exp(x.detach().numpy()), rtol=1e-12)
    finally:
        gc.enable()


def test_anomaly_mode_names_the_forward_op():
    x = ember.tensor([0.0], requires_grad=True)
    with ember.autograd.detect_anomaly():
        y = x.sqrt() * 0  # d sqrt at 0 is inf; times 0 is nan
        with pytest.raises(RuntimeError, match="returned nan values"), pytest.warns(UserWarning):
            (y.sqrt()).sum().backward()


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/status"), reason="needs /proc (Linux)")
def test_ten_thousand_training_steps_hold_constant_memory():
    x = ember.randn(32, 64)
    w1 = ember.randn(64, 64, requires_grad=True)
    w2 = ember.randn(64, 1, requires_grad=True)

    def step():
        loss = ((x @ w1).relu() @ w2).pow(2).mean()
        loss.backward()
        with ember.no_grad():
            w1.sub_(w1.grad * 1e-4)
            w2.sub_(w2.grad * 1e-4)
        w1.grad = None
        w2.grad = None

    grown = rss_growth_kib(step, warmup=500)
    assert grown < 2048, f"RSS grew by {grown} KiB over 10,000 steps"  # tolerance: 2 MiB


def test_grad_output_is_cast_to_the_output_dtype():
    # PyTorch's engine casts a root gradient to its output's dtype before backward: a float64
    # grad_output for a float32 output reaches a float64 leaf rounded through float32
    # (found by EMBER_FUZZ_EXAMPLES=300, test_binary_tensors[sub])
    a = ember.zeros((), dtype=ember.float64, requires_grad=True)
    out = a - ember.zeros(1, dtype=ember.float32)
    assert out.dtype == ember.float32
    (g,) = ember.autograd.grad([out], [a], [ember.tensor([0.1257300000123], dtype=ember.float64)])
    assert g.dtype == ember.float64
    assert g.item() == float(np.float32(0.1257300000123))


@pytest.mark.parametrize("shape, dim", [((), 0), ((), -1), ((0, 3), 1), ((2, 0), 0)])
def test_cumprod_of_0d_and_empty_tensors_that_require_grad(shape, dim):
    # the differentiable cumprod narrowed a 0-d tensor (RuntimeError) (found by the fuzz run)
    x = ember.zeros(shape, dtype=ember.float64, requires_grad=True)
    y = x.cumprod(dim)
    assert y.shape == x.shape
    (g,) = ember.autograd.grad([y], [x], [ember.ones(shape, dtype=ember.float64)], allow_unused=True)
    assert g is None or g.shape == x.shape
    if x.dim() == 0:
        assert g.item() == 1.0
    with pytest.raises(IndexError):
        ember.zeros((), requires_grad=True).cumprod(1)
