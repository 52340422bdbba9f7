"""The C paths that record graph nodes (csrc/python/autograd_apply.cpp, fast_binary.cpp,
pytensor.cpp): Function.apply, record() for built-in ops and tensor-tensor operators must build
the same graph the Python code did, with PyTorch's semantics, in the corner cases."""
import pytest

import ember
from ember.autograd import Function

torch = pytest.importorskip("torch")


def both(*shape, requires_grad=True):
    t = torch.randn(*shape, dtype=torch.float64)
    return ember.tensor(t.numpy(), requires_grad=requires_grad), t.clone().requires_grad_(requires_grad)


class ManyArgs(Function):
    """More arguments than the C stack buffer holds, tensors and numbers mixed, and keywords."""

    @staticmethod
    def forward(ctx, *args, scale=1.0):
        ctx.save_for_backward(*[a for a in args if isinstance(a, ember.Tensor)])
        ctx.scale = scale
        out = args[0] * scale
        for a in args[1:]:
            out = out + a
        return out

    @staticmethod
    def backward(ctx, g):
        return tuple(g * ctx.scale if i == 0 else g for i in range(len(ctx.needs_input_grad)))


def test_apply_with_many_arguments_and_keywords():
    xs = [ember.randn(3, requires_grad=i % 3 == 0) for i in range(9)]
    args = xs[:5] + [2.0] + xs[5:]
    out = ManyArgs.apply(*args, scale=3.0)
    assert out.grad_fn.name() == "ManyArgsBackward"
    assert out.grad_fn.needs_input_grad == tuple(isinstance(a, ember.Tensor) and a.requires_grad for a in args)
    assert len(out.grad_fn.next_functions) == len(args)
    out.sum().backward()
    assert xs[0].grad.tolist() == [3.0] * 3
    assert xs[3].grad.tolist() == [1.0] * 3
    assert xs[1].grad is None


def test_forward_that_raises_restores_grad_mode():
    class Boom(Function):
        @staticmethod
        def forward(ctx, x):
            assert not ember.is_grad_enabled()
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        Boom.apply(ember.randn(2, requires_grad=True))
    assert ember.is_grad_enabled()


def test_apply_under_no_grad_records_nothing():
    x = ember.randn(2, requires_grad=True)
    with ember.no_grad():
        y = ManyArgs.apply(x, x)
    assert y.grad_fn is None and not y.requires_grad


def test_builtin_nodes_have_pytorch_names_and_edges():
    (ea, ta), (eb, tb) = both(3), both(3, requires_grad=False)
    cases = [(lambda a, b: a + b), (lambda a, b: a - b), (lambda a, b: a * b), (lambda a, b: a / b),
             (lambda a, b: ember.maximum(a, b) if isinstance(a, ember.Tensor)
                                          else torch.maximum(a, b)),
             (lambda a, b: a.relu()), (lambda a, b: a.exp()), (lambda a, b: a.sum()), (lambda a, b: a.sum(0))]
    for f in cases:
        e, t = f(ea, eb), f(ta, tb)
        assert e.grad_fn.name() == t.grad_fn.name()
        assert [n is None for n, _ in e.grad_fn.next_functions] == [n is None for n, _ in t.grad_fn.next_functions]


def test_binary_saved_operand_modified_in_place_raises():
    a, b = ember.randn(3, requires_grad=True), ember.randn(3)
    y = a * b
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_relu_keeps_only_its_result_as_pytorch():
    """Changing relu's input in place afterwards is fine (only the result is saved); changing
    the result is not."""
    for lib in (ember, torch):
        a = lib.ones(3, requires_grad=True)
        h = a * 2
        y = h.relu()
        h.add_(1)
        y.sum().backward()
        assert a.grad.tolist() == [2.0] * 3
        z = (a * 2).relu()
        z.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_relu_result_does_not_keep_itself_alive():
    import gc
    import weakref

    gc.disable()
    try:
        y = ember.randn(3, requires_grad=True).relu()
        ref = weakref.ref(y)
        del y
        assert ref() is None  # freed by reference counting, no cycle through its grad_fn
    finally:
        gc.enable()


def test_leaf_edge_follows_a_new_shape():
    a = ember.randn(3, requires_grad=True)
    (a * 2).sum().backward()
    a.data = ember.randn(2, 2)
    a.grad = None
    (a * 2).sum().backward()
    assert a.grad.shape == (2, 2)


def test_operator_errors_and_dtypes_as_pytorch():
    ea, eb = ember.randn(3, requires_grad=True), ember.randn(4)
    with pytest.raises(RuntimeError):
        ea + eb
    i = ember.arange(3) + ember.arange(3)  # integer tensors never require grad
    assert i.dtype == ember.int64 and not i.requires_grad
    p = ember.nn.Parameter(ember.randn(3))  # a Tensor subclass takes the same path
    y = p * ember.randn(3)
    assert y.grad_fn.name() == "MulBackward0"
    assert (ember.randn(3) + 1).grad_fn is None


def test_sum_to_integer_dtype_records_nothing():
    a = ember.randn(3, requires_grad=True)
    s = a.sum(dtype=ember.float64)
    assert s.grad_fn.name() == "SumBackward0" and s.dtype == ember.float64
    s.backward()
    assert a.grad.dtype == ember.float32


def test_anomaly_mode_records_creation_of_builtin_nodes():
    a = ember.randn(3, requires_grad=True)
    with ember.autograd.detect_anomaly():
        for y in (a + a, a.relu(), a.sum(), a * 2):
            assert "traceback_" in y.grad_fn.metadata


def test_higher_order_through_recorded_nodes():
    (ea, ta) = both(4)
    for x in (ea, ta):
        y = (x * x).relu().sum()
        (g,) = (ember if x is ea else torch).autograd.grad(y, x, create_graph=True)
        g.sum().backward()
    assert ea.grad.tolist() == pytest.approx(ta.grad.tolist())
