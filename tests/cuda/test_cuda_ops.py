"""Every op with a CUDA kernel, on the GPU against the same op on the CPU (forward, and the
gradient through autograd). Skips itself where no GPU is available.

EMBER_TEST_DEVICE=cpu dry-runs the same comparisons CPU against CPU: it checks the tests
themselves (names, shapes, tolerances) on a machine without a GPU; it says nothing about CUDA."""
import os

import numpy as np
import pytest

import ember
import ember.nn.functional as F

DEV = os.environ.get("EMBER_TEST_DEVICE", "cuda")
pytestmark = pytest.mark.skipif(DEV == "cuda" and not ember.cuda.is_available(), reason="no CUDA GPU available")
DRY_RUN = DEV == "cpu"


def np_of(t):
    return t.detach().cpu().numpy()


def rand(*shape, dtype=np.float32, low=-2.0, high=2.0):
    return np.random.uniform(low, high, shape).astype(dtype)


def both(arr, requires_grad=False):
    """The same data as a CPU tensor and a CUDA tensor (both leaves)."""
    c = ember.tensor(arr, requires_grad=requires_grad)
    g = ember.tensor(arr, device=DEV, requires_grad=requires_grad)
    return c, g


def close(cpu_t, gpu_t, rtol=1e-5, atol=1e-6):
    assert gpu_t.device.type == ember.device(DEV).type
    a, b = np_of(cpu_t), np_of(gpu_t)
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.dtype.kind in "biu":
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, equal_nan=True)


def check(fn, *arrays, grad=True, rtol=1e-5, atol=1e-6):
    """fn on CPU and GPU copies of arrays; compares outputs and, for float inputs, gradients."""
    grad = grad and all(a.dtype.kind == "f" for a in arrays)
    cpu, gpu = zip(*(both(a, requires_grad=grad) for a in arrays))
    out_c, out_g = fn(*cpu), fn(*gpu)
    close(out_c, out_g, rtol, atol)
    if grad and out_c.requires_grad:
        w = rand(*out_c.shape, dtype=np_of(out_c).dtype)
        (out_c * ember.tensor(w)).sum().backward()
        (out_g * ember.tensor(w, device=DEV)).sum().backward()
        for c, g in zip(cpu, gpu):
            if c.grad is not None:
                close(c.grad, g.grad, rtol * 10, atol * 10)


# ---- transfers, creation, fill, copy ----------------------------------------------------------

def test_round_trip_every_dtype():
    for dt in (np.bool_, np.uint8, np.int32, np.int64, np.float32, np.float64):
        a = (np.arange(24).reshape(2, 3, 4) % 3).astype(dt)
        g = ember.tensor(a).to(DEV)
        assert DRY_RUN or (g.is_cuda and g.device == ember.device("cuda:0"))
        np.testing.assert_array_equal(g.cpu().numpy(), a)


def test_creation_and_fill():
    close(ember.zeros(3, 4), ember.zeros(3, 4, device=DEV))
    close(ember.full((2, 5), 7.5), ember.full((2, 5), 7.5, device=DEV))
    close(ember.ones(4, dtype=ember.int64), ember.ones(4, dtype=ember.int64, device=DEV))
    close(ember.arange(10), ember.arange(10, device=DEV))
    close(ember.eye(3), ember.eye(3, device=DEV))
    g = ember.zeros(4, 6, device=DEV)
    g[:, ::2].fill_(3.0)
    c = ember.zeros(4, 6)
    c[:, ::2].fill_(3.0)
    close(c, g)


@pytest.mark.parametrize("src,dst", [("float32", "float64"), ("float64", "int32"), ("int64", "float32"),
                                     ("bool", "float32"), ("float32", "bool"), ("uint8", "int64")])
def test_casts(src, dst):
    a = (rand(5, 7) * 3).astype(getattr(np, src) if src != "bool" else np.bool_)
    c, g = both(a)
    close(c.to(getattr(ember, dst)), g.to(getattr(ember, dst)))


def test_strided_copies():
    a = rand(6, 8)
    c, g = both(a)
    close(c.t().contiguous(), g.t().contiguous())
    close(c[::2, 1::3].clone(), g[::2, 1::3].clone())
    c2, g2 = ember.zeros(8, 6), ember.zeros(8, 6, device=DEV)
    c2.copy_(c.t())
    g2.copy_(g.t())
    close(c2, g2)
    # broadcast copy and cross-device copies into strided views
    c3, g3 = ember.zeros(4, 8), ember.zeros(4, 8, device=DEV)
    c3[1:3].copy_(c[0])
    g3[1:3].copy_(c[0])  # CPU source into a CUDA view
    close(c3, g3)
    host = ember.zeros(8, 6)
    host.copy_(g.t())  # CUDA source into a CPU tensor
    np.testing.assert_array_equal(host.numpy(), a.T)


# ---- elementwise -------------------------------------------------------------------------------

UNARY = [
    ("neg", lambda x: -x), ("abs", ember.abs), ("exp", ember.exp), ("sin", ember.sin), ("cos", ember.cos),
    ("tanh", ember.tanh), ("sigmoid", ember.sigmoid), ("relu", F.relu), ("erf", ember.erf),
    ("floor", ember.floor), ("round", ember.round), ("trunc", ember.trunc), ("sign", ember.sign),
    ("gelu", F.gelu), ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")), ("silu", F.silu),
    ("softplus", F.softplus), ("elu", F.elu), ("leaky_relu", lambda x: F.leaky_relu(x, 0.1)),
    ("clamp", lambda x: x.clamp(-0.5, 0.7)), ("pow2", lambda x: x ** 2), ("pow3.5", lambda x: x.abs() ** 3.5),
    ("atan", ember.atan), ("sinh", ember.sinh), ("expm1", ember.expm1),
]


@pytest.mark.parametrize("name,fn", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, fn):
    check(fn, rand(3, 5, 7))
    check(fn, rand(5, 7).T)  # a transposed (non-contiguous) input


@pytest.mark.parametrize("name,fn", [("log", ember.log), ("sqrt", ember.sqrt), ("rsqrt", ember.rsqrt),
                                     ("log1p", ember.log1p), ("reciprocal", ember.reciprocal)])
def test_unary_positive(name, fn):
    check(fn, rand(4, 9, low=0.1, high=3.0), rtol=1e-4)


def test_unary_float64_and_integers():
    check(ember.exp, rand(4, 4, dtype=np.float64))
    for fn in (lambda x: -x, ember.abs, lambda x: x.clamp(-3, 3), lambda x: x ** 3):
        check(fn, np.random.randint(-9, 9, (4, 5)).astype(np.int64))
    c, g = both(np.array([1.0, np.nan, np.inf, -np.inf], np.float32))
    for fn in (ember.isnan, ember.isinf, ember.isfinite, ember.logical_not):
        close(fn(c), fn(g))
    c, g = both(np.random.randint(0, 200, (6,)).astype(np.uint8))
    close(~c, ~g)


def test_unary_inplace():
    a = rand(4, 6)
    c, g = both(a)
    c[:, 1:].relu_()
    g[:, 1:].relu_()
    close(c, g)
    c.exp_()
    g.exp_()
    close(c, g)


BINARY = [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("maximum", ember.maximum), ("minimum", ember.minimum),
    ("atan2", ember.atan2), ("pow", lambda a, b: a.abs() ** b),
]


@pytest.mark.parametrize("name,fn", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("sa,sb", [((4, 5), (4, 5)), ((3, 1, 5), (4, 5)), ((4, 1), (1, 6)), ((), (3, 2)),
                                   ((7,), ())])
def test_binary_broadcast(name, fn, sa, sb):
    check(fn, rand(*sa), rand(*sb), rtol=1e-4)


def test_binary_noncontiguous_and_scalars():
    a, b = rand(6, 4), rand(4, 6)
    check(lambda x, y: x.T * y, a, b)
    check(lambda x, y: x[::2] + y[:, ::2].T, a, b)
    check(lambda x: x * 2.5 + 1, a)
    check(lambda x: 3 - x, a)
    check(lambda x: x / 4, a)
    # a 0-d CPU tensor joins a CUDA tensor, as in PyTorch
    g = ember.tensor(a, device=DEV)
    close(ember.tensor(a) * ember.tensor(2.0), g * ember.tensor(2.0))


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"])
def test_comparisons(op):
    a = np.random.randint(-2, 3, (5, 6)).astype(np.float32)
    b = np.random.randint(-2, 3, (6,)).astype(np.float32)
    check(getattr(ember, op), a, b, grad=False)


def test_integer_binary():
    a = np.random.randint(-20, 20, (5, 6)).astype(np.int64)
    b = np.random.randint(1, 7, (5, 6)).astype(np.int64)
    for fn in (lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x // y, lambda x, y: x % y,
               lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y, lambda x, y: x / y):
        check(fn, a, b)
    c, g = both(a)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        g // ember.zeros(5, 6, dtype=ember.int64, device=DEV)
    close(c * 3, g * 3)
    close(c.float() + 1, g.float() + 1)


def test_binary_inplace():
    a, b = rand(4, 6), rand(6)
    c, g = both(a)
    cb, gb = both(b)
    c[1:] += cb
    g[1:] += gb
    close(c, g)
    c.mul_(2)
    g.mul_(2)
    close(c, g)


def test_where():
    a, b = rand(4, 5), rand(5)
    cond = rand(4, 5) > 0
    cc, gc = both(cond)
    check(lambda x, y: ember.where(gc if x.is_cuda else cc, x, y), a, b)
    g = ember.tensor(a, device=DEV)
    close(ember.where(cc, ember.tensor(a), 0.0), ember.where(gc, g, 0.0))
    close(ember.tensor(a).masked_fill(cc, -1.0), g.masked_fill(gc, -1.0))


# ---- reductions --------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,dims", [((5, 7), None), ((5, 7), 0), ((5, 7), 1), ((3, 4, 5), (0, 2)),
                                        ((2, 3, 4), -1), ((1 << 20,), None), ((3, 1 << 16), 1),
                                        ((1 << 14, 3), 0), ((0, 4), 0), ((), None)])
def test_sum_mean(shape, dims):
    a = rand(*shape)
    kw = {} if dims is None else {"dim": dims}
    check(lambda x: x.sum(**kw), a, rtol=1e-4, atol=1e-4)
    if a.size:
        check(lambda x: x.mean(**kw), a, rtol=1e-4, atol=1e-5)
    check(lambda x: x.sum(**kw, keepdim=True) if dims is not None else x.sum(), a, rtol=1e-4, atol=1e-4)


def test_sum_noncontiguous_and_dtypes():
    a = rand(6, 8, 10)
    check(lambda x: x.permute(2, 0, 1).sum(1), a, rtol=1e-4)
    check(lambda x: x[:, ::2].sum((0, 2)), a, rtol=1e-4)
    check(lambda x: x.sum(), rand(100, dtype=np.float64))
    check(lambda x: x.sum(0), np.random.randint(-5, 5, (50, 3)).astype(np.int32))  # int64 result
    check(lambda x: x.sum(), np.random.rand(40) > 0.5)


@pytest.mark.parametrize("op", ["prod", "amax", "amin", "all", "any", "var", "std"])
def test_other_reductions(op):
    a = rand(4, 6, low=0.5, high=1.5)
    if op in ("all", "any"):
        for arr in (a > 1.0, (a > 0).astype(np.uint8)):
            c, g = both(arr)
            close(getattr(ember, op)(c), getattr(ember, op)(g))
            close(getattr(ember, op)(c, 1), getattr(ember, op)(g, 1))
        return
    fn = getattr(ember, op)
    check(lambda x: fn(x), a, rtol=1e-4)
    check(lambda x: fn(x, 1), a, rtol=1e-4)
    check(lambda x: fn(x.T, 1), a, rtol=1e-4)


def test_max_min_argmax_with_ties_and_nan():
    a = np.random.randint(0, 4, (7, 33)).astype(np.float32)  # many ties: the first index wins
    c, g = both(a)
    for dim in (0, 1):
        for f in (ember.max, ember.min):
            vc, ic = f(c, dim)
            vg, ig = f(g, dim)
            close(vc, vg)
            close(ic, ig)
        close(c.argmax(dim), g.argmax(dim))
        close(c.argmin(dim, keepdim=True), g.argmin(dim, keepdim=True))
    close(c.argmax(), g.argmax())
    close(c.max(), g.max())
    a[2, 5] = np.nan
    c, g = both(a)
    close(c.max(1)[0], g.max(1)[0])
    close(c.max(1)[1], g.max(1)[1])
    close(c.amax(), g.amax())
    big = rand(1 << 18)
    c, g = both(big)
    close(c.argmax(), g.argmax())
    check(lambda x: x.max(1)[0], rand(5, 9))  # gradient flows through the chosen index


# ---- matrix products ---------------------------------------------------------------------------

@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (7, 13, 5), (64, 64, 64), (128, 128, 128), (257, 129, 65),
                                   (300, 1000, 200), (5, 0, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mm(m, k, n, dtype):
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    check(ember.mm, rand(m, k, dtype=dtype), rand(k, n, dtype=dtype), **tol)
    check(lambda a, b: a.T @ b.T, rand(k, m, dtype=dtype), rand(n, k, dtype=dtype), **tol)


def test_addmm_bmm_matmul_linear():
    tol = dict(rtol=1e-4, atol=1e-4)
    check(lambda c, a, b: ember.addmm(c, a, b, beta=0.5, alpha=2.0), rand(9, 11), rand(9, 20), rand(20, 11), **tol)
    check(lambda c, a, b: ember.addmm(c, a, b), rand(11), rand(9, 20), rand(20, 11), **tol)
    check(ember.bmm, rand(4, 9, 20), rand(4, 20, 11), **tol)
    check(ember.matmul, rand(2, 3, 9, 20), rand(20, 11), **tol)
    check(ember.matmul, rand(3, 1, 9, 20), rand(4, 20, 11), **tol)
    check(ember.matmul, rand(20), rand(20, 11), **tol)
    check(ember.matmul, rand(9, 20), rand(20), **tol)
    check(ember.matmul, rand(20), rand(20), **tol)
    check(lambda x, w, b: F.linear(x, w, b), rand(16, 84), rand(10, 84), rand(10), **tol)
    check(lambda x, w: F.linear(x, w), rand(2, 5, 84), rand(10, 84), **tol)


@pytest.mark.skipif(DRY_RUN, reason="CUDA-only behaviour")
def test_integer_matmul_is_refused_clearly():
    g = ember.ones(3, 3, dtype=ember.int64, device=DEV)
    with pytest.raises(NotImplementedError, match="matmul.*CUDA.*int64"):
        g @ g


def test_mlp_training_step_matches_cpu():
    ember.manual_seed(0)
    layers_c = [ember.nn.Linear(30, 40), ember.nn.Linear(40, 10)]
    layers_g = [ember.nn.Linear(30, 40), ember.nn.Linear(40, 10)]
    for lc, lg in zip(layers_c, layers_g):
        lg.load_state_dict(lc.state_dict())
        lg.to(DEV)
    x = rand(16, 30)

    def forward(layers, inp):
        h = F.relu(layers[0](inp))
        return (layers[1](h) ** 2).mean()

    lc_ = forward(layers_c, ember.tensor(x))
    lg_ = forward(layers_g, ember.tensor(x, device=DEV))
    lc_.backward()
    lg_.backward()
    close(lc_, lg_, rtol=1e-4)
    for lc, lg in zip(layers_c, layers_g):
        close(lc.weight.grad, lg.weight.grad, rtol=1e-4, atol=1e-5)
        close(lc.bias.grad, lg.bias.grad, rtol=1e-4, atol=1e-5)


# ---- devices and errors ------------------------------------------------------------------------

DEVICE_MISMATCH = "Expected all tensors to be on the same device, but found at least two devices"


@pytest.mark.skipif(DRY_RUN, reason="needs two devices")
@pytest.mark.parametrize("fn", [lambda g, c: g + c, lambda g, c: c * g, lambda g, c: ember.mm(g, c),
                                lambda g, c: ember.matmul(c, g), lambda g, c: ember.where(g > 0, g, c),
                                lambda g, c: F.linear(g, c), lambda g, c: ember.cat([g, c]),
                                lambda g, c: g.add_(c), lambda g, c: c.add_(g)])
def test_mixing_devices_raises(fn):
    g = ember.ones(3, 3, device=DEV)
    c = ember.ones(3, 3)
    with pytest.raises(RuntimeError, match=DEVICE_MISMATCH):
        fn(g, c)


@pytest.mark.skipif(DRY_RUN, reason="CUDA-only behaviour")
@pytest.mark.parametrize("fn,name", [
    (lambda g: g[ember.tensor([0, 1], device="cuda")], "index"),
    (lambda g: g[g > 0], "index"),
    (lambda g: ember.gather(g, 0, ember.zeros(3, 3, dtype=ember.int64, device="cuda")), "gather"),
])
def test_ops_without_a_cuda_kernel_say_so(fn, name):
    g = ember.ones(3, 3, device=DEV)
    with pytest.raises(NotImplementedError, match=f"(?s){name}.*cuda:0"):
        fn(g)


# ---- random: the CPU's Philox stream -----------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda dev: ember.rand(1001, device=dev),
    lambda dev: ember.rand(3, 333, dtype=ember.float64, device=dev),
    lambda dev: ember.randint(-5, 17, (999,), device=dev),
    lambda dev: ember.empty(1000, device=dev).uniform_(-3, 2),
    lambda dev: ember.empty(1000, device=dev).bernoulli_(0.3),
    lambda dev: F.dropout(ember.ones(1000, device=dev), 0.4),
])
def test_same_seed_same_stream(make):
    ember.manual_seed(1234)
    c = make("cpu")
    ember.manual_seed(1234)
    g = make(DEV)
    np.testing.assert_array_equal(np_of(g), np_of(c))


def test_normal_stream_matches_within_rounding():
    ember.manual_seed(7)
    c = ember.randn(4097)
    ember.manual_seed(7)
    g = ember.randn(4097, device=DEV)
    np.testing.assert_allclose(np_of(g), np_of(c), rtol=1e-6, atol=1e-7)


# ---- cumulative, triangular ------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_cumprod(dim):
    check(lambda x: ember.cumsum(x, dim), rand(4, 5, 6), rtol=1e-5)
    check(lambda x: ember.cumprod(x, dim), rand(4, 5, 6, low=0.5, high=1.5), rtol=1e-5)
    check(lambda x: ember.cumsum(x, dim), np.random.randint(-5, 5, (4, 5, 6)).astype(np.int32))


@pytest.mark.parametrize("k", [-1, 0, 2])
def test_tril_triu(k):
    check(lambda x: ember.tril(x, k), rand(3, 4, 5))
    check(lambda x: ember.triu(x, k), rand(4, 5))
    check(lambda x: ember.triu(x, k), np.random.randint(-5, 5, (5, 3)).astype(np.int64))


# ---- nn kernels: softmax, conv, pooling, losses, optimizers -----------------------------------

@pytest.mark.parametrize("shape,dim", [((4, 10), 1), ((4, 10), 0), ((2, 5, 3, 3), 1), ((3, 70), -1), ((6,), 0)])
def test_softmax_log_softmax(shape, dim):
    check(lambda x: F.softmax(x, dim), rand(*shape), rtol=1e-5)
    check(lambda x: F.log_softmax(x, dim), rand(*shape), rtol=1e-5)
    check(lambda x: F.log_softmax(x, dim), rand(*shape, dtype=np.float64))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2), dict(padding=1), dict(padding=2, dilation=2),
                                dict(stride=(2, 1), padding=(1, 0)), dict(groups=2)])
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(kw, bias):
    x, w = rand(3, 4, 9, 8), rand(6, 4 // kw.get("groups", 1), 3, 3)
    if bias:
        check(lambda x_, w_, b_: F.conv2d(x_, w_, b_, **kw), x, w, rand(6), rtol=1e-4, atol=1e-5)
    else:
        check(lambda x_, w_: F.conv2d(x_, w_, **kw), x, w, rtol=1e-4, atol=1e-5)
    check(lambda x_, w_: F.conv2d(x_, w_, **kw), x.astype(np.float64), w.astype(np.float64), rtol=1e-9)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=1), dict(kernel_size=2, ceil_mode=True),
                                dict(kernel_size=3, stride=2, dilation=2)])
def test_max_pool2d(kw):
    x = np.random.randint(0, 5, (2, 3, 9, 11)).astype(np.float32)  # ties: the first tap wins on both
    check(lambda t: F.max_pool2d(t, **kw), x)
    c, g = both(x)
    vc, ic = F.max_pool2d(c, return_indices=True, **kw)
    vg, ig = F.max_pool2d(g, return_indices=True, **kw)
    close(ic, ig)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=2, divisor_override=3)])
def test_avg_pool2d(kw):
    check(lambda t: F.avg_pool2d(t, **kw), rand(2, 3, 9, 11), rtol=1e-5)


@pytest.mark.parametrize("out", [1, 2, (3, 5), (4, 7), (9, 11)])
def test_adaptive_avg_pool2d(out):
    check(lambda t: F.adaptive_avg_pool2d(t, out), rand(2, 3, 9, 11), rtol=1e-5)


@pytest.mark.parametrize("kw", [dict(), dict(reduction="sum"), dict(reduction="none"), dict(ignore_index=2),
                                dict(label_smoothing=0.1), dict(weight=True), dict(weight=True, label_smoothing=0.2)])
def test_cross_entropy_and_nll(kw):
    x = rand(8, 5)
    t = np.random.randint(0, 5, 8).astype(np.int64)
    w = rand(5, low=0.5, high=1.5)
    tc, tg = both(t)

    def loss_kw(on_gpu):
        k = dict(kw)
        if k.pop("weight", False):
            k["weight"] = ember.tensor(w, device=DEV if on_gpu else "cpu")
        return k

    check(lambda xx: F.cross_entropy(xx, tg if xx.is_cuda else tc, **loss_kw(xx.is_cuda)), x, rtol=1e-5)
    if "label_smoothing" not in kw:
        check(lambda xx: F.nll_loss(F.log_softmax(xx, 1), tg if xx.is_cuda else tc, **loss_kw(xx.is_cuda)), x,
              rtol=1e-5)
    # spatial targets
    xs, ts = rand(2, 5, 3, 4), np.random.randint(0, 5, (2, 3, 4)).astype(np.int64)
    tsc, tsg = both(ts)
    check(lambda xx: F.cross_entropy(xx, tsg if xx.is_cuda else tsc, **loss_kw(xx.is_cuda)), xs, rtol=1e-5)


def test_cross_entropy_bad_target_is_refused():
    g = ember.zeros(2, 3, device=DEV)
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        F.cross_entropy(g, ember.tensor([0, 7], device=DEV))
    if DRY_RUN:
        return
    with pytest.raises(RuntimeError, match=DEVICE_MISMATCH):
        F.cross_entropy(g, ember.tensor([0, 1]))


@pytest.mark.parametrize("make", [
    lambda ps: ember.optim.SGD(ps, lr=0.1),
    lambda ps: ember.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    lambda ps: ember.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: ember.optim.Adam(ps, lr=0.01),
    lambda ps: ember.optim.Adam(ps, lr=0.01, weight_decay=0.1, amsgrad=True),
    lambda ps: ember.optim.AdamW(ps, lr=0.01),
])
def test_optimizer_steps(make):
    a, b = rand(5, 4), rand(7)
    pc = [ember.nn.Parameter(ember.tensor(a)), ember.nn.Parameter(ember.tensor(b))]
    pg = [ember.nn.Parameter(ember.tensor(a, device=DEV)), ember.nn.Parameter(ember.tensor(b, device=DEV))]
    oc, og = make(pc), make(pg)
    for step in range(3):
        for ps, opt in ((pc, oc), (pg, og)):
            opt.zero_grad()
            ((ps[0] ** 2).sum() + (ps[1] * ps[1].sin()).sum()).backward()
            opt.step()
        for c, g in zip(pc, pg):
            close(c, g, rtol=1e-5, atol=1e-6)


def test_lenet_training_matches_cpu():
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
    from lenet_mnist import build

    ember.manual_seed(0)
    net_c = build(ember)
    net_g = build(ember)
    net_g.load_state_dict(net_c.state_dict())
    net_g.to(DEV)
    images, labels = rand(16, 1, 28, 28), np.random.randint(0, 10, 16).astype(np.int64)
    final = {}
    for net, dev in ((net_c, "cpu"), (net_g, DEV)):
        opt = ember.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        x, y = ember.tensor(images, device=dev), ember.tensor(labels, device=dev)
        for _ in range(3):
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
        final[dev] = loss.item()
    assert abs(final["cpu"] - final[DEV]) < 1e-4 * max(1.0, abs(final["cpu"]))
    for (name, pc), (_, pg) in zip(net_c.named_parameters(), net_g.named_parameters()):
        close(pc, pg, rtol=1e-3, atol=1e-4)
