"""The nn kernels of ember._C (conv2d, pooling, losses, fused optimizer steps), called directly.

Each is checked against a naive NumPy version (runs without torch) and, when torch imports,
against PyTorch in float64 (tight) and float32 (loose), on odd sizes, non-contiguous inputs and
every option; user mistakes must raise the exception PyTorch raises.
"""
import numpy as np
import pytest

from ember import _C

RNG = np.random.default_rng(1234)
TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=2e-4, atol=2e-4)}
DTYPES = [np.float64, np.float32]


def T(a):
    """An ember tensor sharing the array's memory (strides kept, so views stay non-contiguous)."""
    return _C.from_numpy(a)


def randn(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def assert_close(actual, expected, dtype=np.float64, **kw):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), **{**TOL[dtype], **kw})


def torch_or_skip():
    return pytest.importorskip("torch")


# ---- convolution -------------------------------------------------------------------------

def naive_conv2d(x, w, b, stride, padding, dilation, groups):
    """y[n, o] = sum over (c, kh, kw) of w * the strided, dilated window of padded x."""
    (sH, sW), (pH, pW), (dH, dW) = stride, padding, dilation
    N, C, H, W = x.shape
    O, Cg, kH, kW = w.shape
    OH = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1
    OW = (W + 2 * pW - dW * (kW - 1) - 1) // sW + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    y = np.zeros((N, O, OH, OW))
    Og = O // groups
    for g in range(groups):
        for kh in range(kH):
            for kw in range(kW):
                win = xp[:, g * Cg:(g + 1) * Cg, kh * dH:kh * dH + sH * (OH - 1) + 1:sH,
                         kw * dW:kw * dW + sW * (OW - 1) + 1:sW]
                y[:, g * Og:(g + 1) * Og] += np.einsum("nchw,oc->nohw", win, w[g * Og:(g + 1) * Og, :, kh, kw])
    return y if b is None else y + b[None, :, None, None]


def naive_conv2d_grads(gy, x, w, stride, padding, dilation, groups):
    """(grad_x, grad_w, grad_b) of naive_conv2d: the same windows, read backwards."""
    (sH, sW), (pH, pW), (dH, dW) = stride, padding, dilation
    N, C, H, W = x.shape
    O, Cg, kH, kW = w.shape
    OH, OW = gy.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    gxp = np.zeros_like(xp)
    gw = np.zeros_like(w)
    Og = O // groups
    for g in range(groups):
        gyg = gy[:, g * Og:(g + 1) * Og]
        for kh in range(kH):
            for kw in range(kW):
                idx = (slice(None), slice(g * Cg, (g + 1) * Cg), slice(kh * dH, kh * dH + sH * (OH - 1) + 1, sH),
                       slice(kw * dW, kw * dW + sW * (OW - 1) + 1, sW))
                gxp[idx] += np.einsum("nohw,oc->nchw", gyg, w[g * Og:(g + 1) * Og, :, kh, kw])
                gw[g * Og:(g + 1) * Og, :, kh, kw] = np.einsum("nohw,nchw->oc", gyg, xp[idx])
    return gxp[:, :, pH:pH + H, pW:pW + W], gw, gy.sum(axis=(0, 2, 3))


# (N, C, H, W, O, (kH, kW), stride, padding, dilation, groups): the direct kernel (unit-stride
# rows, small images), im2col + GEMM (strided, or many channels), pointwise, grouped, depthwise.
CONV_CASES = [
    (64, 1, 28, 28, 6, (5, 5), (1, 1), (0, 0), (1, 1), 1),    # LeNet conv1
    (64, 6, 12, 12, 16, (5, 5), (1, 1), (0, 0), (1, 1), 1),   # LeNet conv2
    (2, 3, 7, 9, 4, (3, 3), (1, 1), (0, 0), (1, 1), 1),
    (3, 4, 10, 11, 6, (3, 3), (2, 2), (1, 1), (1, 1), 2),
    (1, 6, 9, 8, 6, (2, 3), (2, 1), (1, 2), (2, 1), 3),
    (2, 4, 5, 5, 8, (1, 1), (1, 1), (0, 0), (1, 1), 1),       # pointwise
    (2, 4, 6, 7, 4, (1, 1), (2, 2), (1, 1), (1, 1), 4),       # strided 1x1, depthwise
    (1, 3, 13, 17, 5, (3, 3), (1, 1), (2, 1), (2, 3), 1),     # dilated, padded, batch 1
    (2, 8, 11, 10, 8, (3, 3), (1, 1), (1, 1), (1, 1), 8),     # depthwise, direct
    (2, 120, 6, 6, 5, (3, 3), (1, 1), (1, 1), (1, 1), 1),     # many channels: GEMM path
    (2, 3, 5, 5, 4, (1, 1), (1, 1), (1, 1), (1, 1), 1),       # padded 1x1: backward-input by col2im
    (3, 2, 4, 30, 3, (1, 5), (1, 1), (0, 2), (1, 1), 1),      # rows of 30: partial vectors
    (1, 2, 3, 3, 2, (3, 3), (1, 1), (0, 0), (1, 1), 1),       # 1x1 output
    (5, 3, 8, 8, 4, (3, 3), (3, 2), (0, 0), (1, 1), 1),
    (3, 4, 1, 50, 6, (1, 5), (1, 1), (0, 2), (1, 1), 2),      # conv1d as conv2d with H = 1
    (3, 4, 1, 50, 6, (1, 3), (1, 2), (0, 1), (1, 3), 1),      # strided, dilated conv1d
]


def conv_args(case):
    N, C, H, W, O, k, s, p, d, g = case
    return (N, C, H, W), (O, C // g) + k, dict(stride=s, padding=p, dilation=d, groups=g)


def call_conv(x, w, b, stride, padding, dilation, groups):
    return _C.conv2d(T(x), T(w), None if b is None else T(b), list(stride), list(padding), list(dilation), groups)


def call_conv_grads(gy, x, w, stride, padding, dilation, groups, bias_grad=True):
    args = (list(stride), list(padding), list(dilation), groups)
    gx = _C.conv2d_backward_input(T(gy), T(w), list(x.shape), *args)
    gw, gb = _C.conv2d_backward_weight(T(gy), T(x), list(w.shape), *args, bias_grad)
    return gx.numpy(), gw.numpy(), None if gb is None else gb.numpy()


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_naive_numpy(case):
    xs, ws, opts = conv_args(case)
    x, w, b = randn(*xs), randn(*ws), randn(ws[0])
    y = call_conv(x, w, b, **opts).numpy()
    assert_close(y, naive_conv2d(x, w, b, **opts))
    gy = randn(*y.shape)
    for got, want in zip(call_conv_grads(gy, x, w, **opts), naive_conv2d_grads(gy, x, w, **opts)):
        assert_close(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_torch(case, dtype):
    torch = torch_or_skip()
    xs, ws, opts = conv_args(case)
    x, w, b = randn(*xs, dtype=dtype), randn(*ws, dtype=dtype), randn(ws[0], dtype=dtype)
    y = call_conv(x, w, b, **opts).numpy()
    xt, wt, bt = map(torch.from_numpy, (x, w, b))
    assert_close(y, torch.nn.functional.conv2d(xt, wt, bt, **opts), dtype)
    gy = randn(*y.shape, dtype=dtype)
    want = torch.ops.aten.convolution_backward(torch.from_numpy(gy), xt, wt, [ws[0]], opts["stride"],
                                               opts["padding"], opts["dilation"], False, [0, 0], opts["groups"],
                                               [True, True, True])
    for got, exp in zip(call_conv_grads(gy, x, w, **opts), want):
        assert_close(got, exp, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv2d_columns_in_blocks_of_rows(dtype):
    """Many channels on a wide image: im2col columns are made a few output rows at a time, with a
    last, shorter block (own generator, so the shared one keeps feeding the other tests the same data)."""
    rng = np.random.default_rng(7)
    x, w, b = (rng.standard_normal(shape).astype(dtype) for shape in ((2, 64, 45, 61), (8, 32, 3, 3), (8,)))
    opts = dict(stride=(2, 2), padding=(1, 1), dilation=(1, 1), groups=2)
    y = call_conv(x, w, b, **opts).numpy()
    assert_close(y, naive_conv2d(x, w, b, **opts), dtype)
    gy = rng.standard_normal(y.shape).astype(dtype)
    sums = dict(rtol=1e-3, atol=1e-3) if dtype == np.float32 else {}  # weight grads sum 2 x 23 x 31 terms
    for got, want in zip(call_conv_grads(gy, x, w, **opts), naive_conv2d_grads(gy, x, w, **opts)):
        assert_close(got, want, dtype, **sums)


@pytest.mark.parametrize("channels", [20, 3])
def test_conv2d_direct_kernels_on_large_images(channels):
    """Unit-stride 3x3 on images larger than L2 still takes the direct kernels (the weight gradient
    goes to the GEMM with few input channels)."""
    rng = np.random.default_rng(8)
    x, w, b = (rng.standard_normal(shape) for shape in ((1, channels, 150, 170), (4, channels, 3, 3), (4,)))
    opts = dict(stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=1)
    y = call_conv(x, w, b, **opts).numpy()
    assert_close(y, naive_conv2d(x, w, b, **opts))
    gy = rng.standard_normal(y.shape)
    for got, want in zip(call_conv_grads(gy, x, w, **opts), naive_conv2d_grads(gy, x, w, **opts)):
        assert_close(got, want)


def test_conv2d_without_bias_and_bias_grad():
    x, w = randn(2, 3, 6, 6), randn(4, 3, 3, 3)
    opts = dict(stride=(1, 1), padding=(1, 1), dilation=(1, 1), groups=1)
    assert_close(call_conv(x, w, None, **opts).numpy(), naive_conv2d(x, w, None, **opts))
    gy = randn(2, 4, 6, 6)
    _, gw, gb = call_conv_grads(gy, x, w, **opts, bias_grad=False)
    assert gb is None
    assert_close(gw, naive_conv2d_grads(gy, x, w, **opts)[1])


@pytest.mark.parametrize("stride", [(1, 1), (2, 2)])
def test_conv2d_non_contiguous_inputs(stride):
    opts = dict(stride=stride, padding=(1, 1), dilation=(1, 1), groups=1)
    x = randn(3, 3, 10, 9)[:, :, ::2, :].transpose(0, 1, 3, 2)  # [3, 3, 9, 5]
    w = randn(4, 3, 3, 3).transpose(0, 1, 3, 2)
    b = randn(8)[::2]
    assert not T(x).is_contiguous() and not T(w).is_contiguous() and not T(b).is_contiguous()
    y = call_conv(x, w, b, **opts).numpy()
    assert_close(y, naive_conv2d(np.ascontiguousarray(x), np.ascontiguousarray(w), np.ascontiguousarray(b), **opts))
    gy = randn(*y.shape[::-1]).T  # non-contiguous grad_output
    want = naive_conv2d_grads(np.ascontiguousarray(gy), np.ascontiguousarray(x), np.ascontiguousarray(w), **opts)
    for got, exp in zip(call_conv_grads(gy, x, w, **opts), want):
        assert_close(got, exp)


def test_conv2d_unbatched_input():
    x, w, b = randn(3, 7, 6), randn(5, 3, 3, 2), randn(5)
    opts = dict(stride=(1, 1), padding=(0, 1), dilation=(1, 1), groups=1)
    y = call_conv(x, w, b, **opts).numpy()
    assert y.shape == (5, 5, 7)
    assert_close(y, naive_conv2d(x[None], w, b, **opts)[0])
    gy = randn(*y.shape)
    gx, gw, gb = call_conv_grads(gy, x, w, **opts)
    wx, ww, wb = naive_conv2d_grads(gy[None], x[None], w, **opts)
    assert gx.shape == x.shape
    assert_close(gx, wx[0]), assert_close(gw, ww), assert_close(gb, wb)


def test_conv2d_empty_batch():
    opts = dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1)
    x, w, b = randn(0, 3, 5, 5), randn(4, 3, 3, 3), randn(4)
    assert call_conv(x, w, b, **opts).shape == (0, 4, 3, 3)
    gx, gw, gb = call_conv_grads(randn(0, 4, 3, 3), x, w, **opts)
    assert gx.shape == (0, 3, 5, 5)
    assert_close(gw, np.zeros_like(w)), assert_close(gb, np.zeros(4))


def test_conv2d_weight_grad_ignores_inf_outside_the_windows():
    # Rows of 11 outputs end in a partial vector, whose spare lanes read the next row's first
    # pixel. An inf there must reach only the kernel taps that really read it (kw == 0).
    x, w = randn(1, 1, 6, 13), randn(2, 1, 3, 3)
    x[0, 0, 2, 0] = np.inf
    opts = dict(stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1)
    gy = randn(1, 2, 4, 11)
    _, gw, _ = call_conv_grads(gy, x, w, **opts)
    assert np.isfinite(gw[:, :, :, 1:]).all() and not np.isfinite(gw[:, :, :, 0]).all()
    with np.errstate(invalid="ignore"):
        want = naive_conv2d_grads(gy, x, w, **opts)[1]
    assert_close(gw[:, :, :, 1:], want[:, :, :, 1:])


CONV_ERRORS = [
    ((5, 5), (4, 3, 3, 3), {}, "Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to conv2d"),
    ((1, 3, 5, 5), (4, 3, 3), {}, "expected weight to be 4-D"),
    ((1, 3, 5, 5), (4, 2, 3, 3), {}, "expected input\\[1, 3, 5, 5\\] to have 2 channels, but got 3 channels"),
    ((1, 3, 5, 5), (4, 3, 7, 3), {}, "Kernel size can't be greater than actual input size"),
    ((1, 3, 5, 5), (4, 3, 0, 3), {}, "kernel size should be greater than zero, but got kernel_height: 0"),
    ((1, 3, 5, 5), (4, 3, 3, 3), dict(stride=[0, 1]), "non-positive stride is not supported"),
    ((1, 3, 5, 5), (4, 3, 3, 3), dict(padding=[-1, 0]), "negative padding is not supported"),
    ((1, 3, 5, 5), (4, 3, 3, 3), dict(dilation=[0, 0]), "dilation should be greater than zero"),
    ((1, 4, 5, 5), (4, 2, 3, 3), dict(groups=0), "non-positive groups is not supported"),
    ((1, 4, 5, 5), (4, 2, 3, 3), dict(groups=3), "expected weight to be divisible by 3 at dimension 0"),
    ((1, 3, 5, 5), (4, 3, 3, 3), dict(stride=[1, 1, 1]), "stride must either be a single int, or a tuple of two"),
    ((1, 3, 5, 5), (4, 3, 3, 3), dict(bias=5), "expected bias to be 1-dimensional with 4 elements"),
]


@pytest.mark.parametrize("xs, ws, opts, match", CONV_ERRORS)
def test_conv2d_errors(xs, ws, opts, match):
    kw = dict(stride=[1, 1], padding=[0, 0], dilation=[1, 1], groups=1)
    bias = T(randn(opts.pop("bias"))) if "bias" in opts else None
    kw.update(opts)
    with pytest.raises(RuntimeError, match=match):
        _C.conv2d(T(randn(*xs)), T(randn(*ws)), bias, kw["stride"], kw["padding"], kw["dilation"], kw["groups"])


def test_conv2d_dtype_errors():
    x, w = randn(1, 3, 5, 5), randn(4, 3, 3, 3)
    with pytest.raises(RuntimeError, match="expected weight to have the same dtype as input"):
        _C.conv2d(T(x), T(w.astype(np.float32)), None, [1], [0], [1], 1)
    with pytest.raises(RuntimeError, match="expected input to be float32 or float64, but got int64"):
        _C.conv2d(T(x.astype(np.int64)), T(w), None, [1], [0], [1], 1)


def test_conv2d_backward_shape_errors():
    w, gy = randn(4, 3, 3, 3), randn(1, 4, 3, 3)
    with pytest.raises(RuntimeError, match="expected grad_output of size \\[1, 4, 4, 4\\], but got \\[1, 4, 3, 3\\]"):
        _C.conv2d_backward_input(T(gy), T(w), [1, 3, 6, 6], [1], [0], [1], 1)
    with pytest.raises(RuntimeError, match="input_shape has a negative size"):
        _C.conv2d_backward_input(T(gy), T(w), [1, 3, -5, 5], [1], [0], [1], 1)
    with pytest.raises(RuntimeError, match="expected grad_output of size"):
        _C.conv2d_backward_weight(T(gy), T(randn(2, 3, 5, 5)), [4, 3, 3, 3], [1], [0], [1], 1, True)


# ---- pooling -----------------------------------------------------------------------------

# (shape, kernel, stride, padding, dilation, ceil_mode)
MAX_POOL_CASES = [
    ((64, 6, 24, 24), (2, 2), [], (0, 0), (1, 1), False),   # LeNet
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1), (1, 1), False),
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1), (1, 1), True),
    ((1, 2, 5, 5), (2, 2), (2, 2), (0, 0), (1, 1), True),
    ((2, 2, 11, 10), (3, 2), (2, 3), (1, 1), (2, 3), True),
    ((3, 6, 6), (2, 3), (1, 2), (1, 0), (1, 1), False),       # unbatched
    ((1, 1, 1, 1), (1, 1), [], (0, 0), (1, 1), False),
    ((2, 3, 9, 9), (2, 2), (3, 3), (1, 1), (3, 3), False),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", MAX_POOL_CASES)
def test_max_pool2d_matches_torch(case, dtype):
    torch = torch_or_skip()
    shape, k, s, p, d, ceil = case
    x = randn(*shape, dtype=dtype)
    y, idx = _C.max_pool2d(T(x), list(k), list(s), list(p), list(d), ceil)
    xt = torch.from_numpy(x).requires_grad_()
    yt, it = torch.nn.functional.max_pool2d(xt, k, s or None, p, d, ceil, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), it.numpy())
    gy = randn(*yt.shape, dtype=dtype)
    yt.backward(torch.from_numpy(gy))
    assert_close(_C.max_pool2d_backward(T(gy), idx, list(shape)).numpy(), xt.grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(64, 16, 8, 8), (3, 5, 7, 9), (2, 1, 2, 34)])
def test_max_pool2d_2x2_vectors_across_rows_and_planes(shape, dtype):
    """The 2x2 stride-2 kernel fills its vectors across output rows and planes; odd sizes leave a
    row and a column unread. Ties, and NaNs (the last one wins, as in PyTorch), sit in its lanes."""
    torch = torch_or_skip()
    rng = np.random.default_rng(9)
    x = rng.integers(0, 4, size=shape).astype(dtype)
    x.reshape(-1)[rng.choice(x.size, size=x.size // 7, replace=False)] = np.nan
    y, idx = _C.max_pool2d(T(x), [2], [], [0], [1], False)
    yt, it = torch.nn.functional.max_pool2d(torch.from_numpy(x), 2, return_indices=True)
    np.testing.assert_array_equal(y.numpy(), yt.numpy())
    np.testing.assert_array_equal(idx.numpy(), it.numpy())


def test_max_pool2d_matches_numpy_and_picks_first_of_ties():
    x = RNG.integers(0, 3, size=(2, 3, 6, 8)).astype(np.float64)  # many ties
    y, idx = _C.max_pool2d(T(x), [2], [], [0], [1], False)
    windows = x.reshape(2, 3, 3, 2, 4, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 3, 4, 4)
    np.testing.assert_array_equal(y.numpy(), windows.max(-1))
    first = windows.argmax(-1)  # numpy also takes the first maximum
    oh, ow = np.meshgrid(np.arange(3), np.arange(4), indexing="ij")
    np.testing.assert_array_equal(idx.numpy(), (2 * oh + first // 2) * 8 + 2 * ow + first % 2)


def test_max_pool2d_propagates_nan():
    x = randn(1, 1, 4, 4)
    x[0, 0, 1, 0] = np.nan
    y, idx = _C.max_pool2d(T(x), [2], [], [0], [1], False)
    assert np.isnan(y.numpy()[0, 0, 0, 0]) and idx.numpy()[0, 0, 0, 0] == 4
    assert np.isfinite(y.numpy()[0, 0, 1:, :]).all()


def test_max_pool2d_non_contiguous_input():
    x = randn(2, 3, 9, 8).transpose(0, 1, 3, 2)[:, :, ::2, :]  # [2, 3, 4, 9]
    y, idx = _C.max_pool2d(T(x), [2], [], [0], [1], False)
    y2, idx2 = _C.max_pool2d(T(np.ascontiguousarray(x)), [2], [], [0], [1], False)
    np.testing.assert_array_equal(y.numpy(), y2.numpy())
    np.testing.assert_array_equal(idx.numpy(), idx2.numpy())


# (shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
AVG_POOL_CASES = [
    ((64, 6, 24, 24), (2, 2), [], (0, 0), False, True, None),
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1), False, True, None),
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1), True, False, None),
    ((2, 3, 7, 9), (3, 2), (2, 1), (1, 1), True, True, None),
    ((2, 3, 8, 5), (2, 3), (3, 2), (1, 1), True, True, 5),
    ((3, 6, 6), (4, 3), (1, 2), (2, 1), False, False, None),  # unbatched
    ((1, 2, 5, 5), (5, 5), [], (2, 2), True, False, -3),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", AVG_POOL_CASES)
def test_avg_pool2d_matches_torch(case, dtype):
    torch = torch_or_skip()
    shape, k, s, p, ceil, cip, div = case
    x = randn(*shape, dtype=dtype)
    y = _C.avg_pool2d(T(x), list(k), list(s), list(p), ceil, cip, div).numpy()
    xt = torch.from_numpy(x).requires_grad_()
    yt = torch.nn.functional.avg_pool2d(xt, k, s or None, p, ceil, cip, div)
    assert_close(y, yt.detach(), dtype)
    gy = randn(*yt.shape, dtype=dtype)
    yt.backward(torch.from_numpy(gy))
    gx = _C.avg_pool2d_backward(T(gy), list(shape), list(k), list(s), list(p), ceil, cip, div).numpy()
    assert_close(gx, xt.grad, dtype)


def test_avg_pool2d_matches_numpy():
    x = randn(2, 3, 6, 8)
    y = _C.avg_pool2d(T(x), [2], [], [0], False, True, None).numpy()
    assert_close(y, x.reshape(2, 3, 3, 2, 4, 2).mean(axis=(3, 5)))
    gx = _C.avg_pool2d_backward(T(np.ones_like(y)), list(x.shape), [2], [], [0], False, True, None).numpy()
    assert_close(gx, np.full_like(x, 0.25))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, out", [((2, 3, 7, 9), (3, 4)), ((2, 3, 7, 9), (1, 1)), ((2, 3, 5, 4), (7, 6)),
                                        ((3, 10, 10), (3, 3)), ((1, 2, 6, 6), (6, 6))])
def test_adaptive_avg_pool2d_matches_torch(shape, out, dtype):
    torch = torch_or_skip()
    x = randn(*shape, dtype=dtype)
    y = _C.adaptive_avg_pool2d(T(x), list(out)).numpy()
    xt = torch.from_numpy(x).requires_grad_()
    yt = torch.nn.functional.adaptive_avg_pool2d(xt, out)
    assert y.shape == tuple(yt.shape)
    assert_close(y, yt.detach(), dtype)
    gy = randn(*yt.shape, dtype=dtype)
    yt.backward(torch.from_numpy(gy))
    assert_close(_C.adaptive_avg_pool2d_backward(T(gy), list(shape)).numpy(), xt.grad, dtype)


def test_adaptive_avg_pool2d_to_an_empty_output():
    y = _C.adaptive_avg_pool2d(T(randn(2, 3, 4, 4)), [0, 2])
    assert y.shape == (2, 3, 0, 2)
    gx = _C.adaptive_avg_pool2d_backward(y, [2, 3, 4, 4]).numpy()  # torch refuses this; nothing flows back
    np.testing.assert_array_equal(gx, np.zeros((2, 3, 4, 4)))


def test_adaptive_avg_pool2d_matches_numpy():
    x = randn(2, 3, 6, 9)
    assert_close(_C.adaptive_avg_pool2d(T(x), [2, 3]).numpy(), x.reshape(2, 3, 2, 3, 3, 3).mean(axis=(3, 5)))
    assert_close(_C.adaptive_avg_pool2d(T(x), [1, 1]).numpy(), x.mean(axis=(2, 3), keepdims=True))


POOL_ERRORS = [
    (lambda: _C.max_pool2d(T(randn(5, 5)), [2], [], [0], [1], False), "3D or 4D"),
    (lambda: _C.max_pool2d(T(randn(1, 3, 5, 5)), [7], [], [0], [1], False), "Output size is too small"),
    (lambda: _C.max_pool2d(T(randn(1, 3, 5, 5)), [2], [], [2], [1], False), "pad should be at most half"),
    (lambda: _C.max_pool2d(T(randn(1, 3, 9, 9)), [2], [], [2], [3], False), "pad should be smaller than or equal"),
    (lambda: _C.max_pool2d(T(randn(1, 3, 5, 5)), [2], [], [-1], [1], False), "pad must be non-negative"),
    (lambda: _C.max_pool2d(T(randn(1, 3, 5, 5)), [2], [0], [0], [1], False), "stride should not be zero"),
    (lambda: _C.max_pool2d(T(randn(1, 3, 5, 5)), [0], [1], [0], [1], False), "kernel size should be greater than zero"),
    (lambda: _C.max_pool2d(T(randn(1, 3, 5, 5)), [2], [], [0], [0], False), "dilation should be greater than zero"),
    (lambda: _C.max_pool2d(T(randn(1, 3, 5, 5)), [2, 2, 2], [], [0], [1], False), "kernel_size must either be"),
    (lambda: _C.max_pool2d(T(randn(1, 3, 0, 5)), [2], [], [0], [1], False), "optional 0 dim batch size"),
    (lambda: _C.avg_pool2d(T(randn(1, 3, 5, 5)), [2], [], [0], False, True, 0), "divisor must be not zero"),
    (lambda: _C.avg_pool2d(T(randn(1, 3, 5, 5)), [7], [], [0], False, True, None), "Output size is too small"),
    (lambda: _C.adaptive_avg_pool2d(T(randn(1, 3, 5, 5)), [1, 2, 3]), "output_size must be 2"),
    (lambda: _C.adaptive_avg_pool2d(T(randn(1, 3, 5, 5)), [-1, 2]), "must be greater than or equal to 0"),
    (lambda: _C.adaptive_avg_pool2d(T(randn(1, 3, 0, 5)), [1, 2]), "non-zero size for non-batch dimensions"),
    (lambda: _C.avg_pool2d_backward(T(randn(1, 3, 3, 3)), [1, 3, 5, 5], [2], [], [0], False, True, None),
     "expected grad_output of size \\[1, 3, 2, 2\\], but got \\[1, 3, 3, 3\\]"),
    (lambda: _C.max_pool2d_backward(T(randn(1, 3, 2, 2)), T(np.zeros((1, 3, 2, 3), np.int64)), [1, 3, 4, 4]),
     "expected indices of the same size as grad_output"),
]


@pytest.mark.parametrize("fn, match", POOL_ERRORS)
def test_pool_errors(fn, match):
    with pytest.raises(RuntimeError, match=match):
        fn()


def test_max_pool2d_backward_rejects_bad_indices():
    idx = np.zeros((1, 1, 2, 2), np.int64)
    idx[0, 0, 1, 1] = 16
    with pytest.raises(IndexError, match="index 16 is out of bounds for an input plane of 4x4"):
        _C.max_pool2d_backward(T(randn(1, 1, 2, 2)), T(idx), [1, 1, 4, 4])


# ---- losses ------------------------------------------------------------------------------

REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def np_log_softmax(x, axis=1):
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def test_cross_entropy_matches_numpy():
    x, t = randn(7, 5), RNG.integers(0, 5, size=7)
    loss, lsm = _C.cross_entropy(T(x), T(t), None, -100, 0.0, 1)
    want_lsm = np_log_softmax(x)
    assert_close(lsm.numpy(), want_lsm)
    assert_close(loss.numpy(), -want_lsm[np.arange(7), t].mean())
    g = _C.cross_entropy_backward(T(np.array(1.0)), lsm, T(t), None, -100, 0.0, 1).numpy()
    assert_close(g, (np.exp(want_lsm) - np.eye(5)[t]) / 7)


def ce_case(shape, dtype, ignore):
    x = randn(*shape, dtype=dtype)
    C = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = RNG.integers(0, C, size=tshape)
    if ignore is not None and t.ndim:
        t.flat[::3] = ignore
    return x, t, C


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 5), (4, 3, 2, 3), (1, 10), (5,), (3, 4, 5)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_cross_entropy_matches_torch(shape, weighted, ignore_index, label_smoothing, reduction, dtype):
    torch = torch_or_skip()
    x, t, C = ce_case(shape, dtype, ignore_index)
    w = RNG.uniform(0.5, 2.0, size=C).astype(dtype) if weighted else None
    loss, lsm = _C.cross_entropy(T(x), T(t), None if w is None else T(w), ignore_index, label_smoothing,
                                 REDUCTIONS[reduction])
    xt = torch.from_numpy(x).requires_grad_()
    lt = torch.nn.functional.cross_entropy(xt, torch.from_numpy(t), None if w is None else torch.from_numpy(w),
                                           ignore_index=ignore_index, reduction=reduction,
                                           label_smoothing=label_smoothing)
    assert loss.shape == tuple(lt.shape)
    assert_close(loss.numpy(), lt.detach(), dtype)
    assert_close(lsm.numpy(), torch.log_softmax(xt.detach(), dim=0 if x.ndim == 1 else 1), dtype)
    gl = randn(*lt.shape, dtype=dtype)
    lt.backward(torch.from_numpy(gl))
    g = _C.cross_entropy_backward(T(gl), lsm, T(t), None if w is None else T(w), ignore_index, label_smoothing,
                                  REDUCTIONS[reduction])
    assert_close(g.numpy(), xt.grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(6, 5), (4, 3, 2, 3), (5,)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_nll_loss_matches_torch(shape, weighted, reduction, dtype):
    torch = torch_or_skip()
    x, t, C = ce_case(shape, dtype, -100)
    w = RNG.uniform(0.5, 2.0, size=C).astype(dtype) if weighted else None
    loss = _C.nll_loss(T(x), T(t), None if w is None else T(w), -100, REDUCTIONS[reduction])
    xt = torch.from_numpy(x).requires_grad_()
    lt = torch.nn.functional.nll_loss(xt, torch.from_numpy(t), None if w is None else torch.from_numpy(w),
                                      ignore_index=-100, reduction=reduction)
    assert loss.shape == tuple(lt.shape)
    assert_close(loss.numpy(), lt.detach(), dtype)
    gl = randn(*lt.shape, dtype=dtype)
    lt.backward(torch.from_numpy(gl))
    g = _C.nll_loss_backward(T(gl), T(x), T(t), None if w is None else T(w), -100, REDUCTIONS[reduction])
    assert_close(g.numpy(), xt.grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_is_stable_at_large_logits(dtype):
    torch = torch_or_skip()
    x = (np.array([[1e4, -1e4, 0.0, 9999.5], [-1e4, -1e4, -1e4, -9999.0]]) * np.ones(1)).astype(dtype)
    t = np.array([3, 2])
    loss, lsm = _C.cross_entropy(T(x), T(t), None, -100, 0.1, 0)
    xt = torch.from_numpy(x).requires_grad_()
    lt = torch.nn.functional.cross_entropy(xt, torch.from_numpy(t), reduction="none", label_smoothing=0.1)
    assert np.isfinite(loss.numpy()).all()
    assert_close(loss.numpy(), lt.detach(), dtype, rtol=1e-6)
    lt.sum().backward()
    g = _C.cross_entropy_backward(T(np.ones(2, dtype)), lsm, T(t), None, -100, 0.1, 0).numpy()
    assert np.isfinite(g).all()
    assert_close(g, xt.grad, dtype)


def test_losses_with_every_target_ignored_or_no_samples():
    x = randn(3, 4)
    ignored = np.full(3, -100)
    assert np.isnan(_C.cross_entropy(T(x), T(ignored), None, -100, 0.0, 1)[0].item())
    assert _C.cross_entropy(T(x), T(ignored), None, -100, 0.0, 2)[0].item() == 0.0
    g = _C.cross_entropy_backward(T(np.array(1.0)), _C.cross_entropy(T(x), T(ignored), None, -100, 0, 2)[1],
                                  T(ignored), None, -100, 0.0, 2).numpy()
    np.testing.assert_array_equal(g, np.zeros_like(x))
    assert np.isnan(_C.nll_loss(T(x), T(ignored), None, -100, 1).item())
    empty = _C.cross_entropy(T(randn(0, 4)), T(np.zeros(0, np.int64)), None, -100, 0.0, 1)[0]
    assert np.isnan(empty.item())
    assert _C.cross_entropy(T(randn(0, 4)), T(np.zeros(0, np.int64)), None, -100, 0.0, 0)[0].shape == (0,)


def test_cross_entropy_accepts_uint8_targets_and_non_contiguous_logits():
    x, t = randn(5, 6).T, RNG.integers(0, 5, size=6)  # logits [6, 5], transposed view
    loss = _C.cross_entropy(T(x), T(t.astype(np.uint8)), None, -100, 0.0, 1)[0].item()
    assert_close(loss, -np_log_softmax(x)[np.arange(6), t].mean())


LOSS_ERRORS = [
    (lambda: _C.cross_entropy(T(randn(3, 5)), T(np.array([1, 2, 12])), None, -100, 0.0, 1), IndexError,
     "^Target 12 is out of bounds.$"),
    (lambda: _C.cross_entropy(T(randn(3, 5)), T(np.array([1, 2, -3])), None, -100, 0.0, 1), IndexError,
     "^Target -3 is out of bounds.$"),
    (lambda: _C.nll_loss(T(randn(3, 5)), T(np.array([5, 0, 0])), None, -100, 1), IndexError,
     "Target 5 is out of bounds."),
    (lambda: _C.cross_entropy(T(randn(3, 5)), T(np.array([1, 2])), None, -100, 0.0, 1), ValueError,
     "Expected input batch_size \\(3\\) to match target batch_size \\(2\\)."),
    (lambda: _C.cross_entropy(T(randn(3, 5)), T(np.zeros((3, 1), np.int64)), None, -100, 0.0, 1), RuntimeError,
     "multi-target not supported"),
    (lambda: _C.cross_entropy(T(randn(3, 5, 2)), T(np.zeros((3, 3), np.int64)), None, -100, 0.0, 1), RuntimeError,
     "Expected target size \\[3, 2\\], got \\[3, 3\\]"),
    (lambda: _C.cross_entropy(T(randn(3, 5)), T(np.zeros(3)), None, -100, 0.0, 1), RuntimeError,
     "expected target dtype to be Long or Byte, but got Double"),
    (lambda: _C.cross_entropy(T(randn(3, 5)), T(np.zeros(3, np.int64)), T(np.ones(4)), -100, 0.0, 1), RuntimeError,
     "weight tensor should be defined either for all 5 classes or no classes"),
    (lambda: _C.cross_entropy(T(randn(3, 5)), T(np.zeros(3, np.int64)), T(np.ones(5, np.float32)), -100, 0.0, 1),
     RuntimeError, "expected scalar type Double but found Float"),
    (lambda: _C.cross_entropy(T(randn(3, 5)), T(np.zeros(3, np.int64)), None, -100, 1.5, 1), RuntimeError,
     "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    (lambda: _C.cross_entropy(T(np.array(1.0)), T(np.array(0)), None, -100, 0.0, 1), ValueError,
     "Expected 1 or more dimensions \\(got 0\\)"),
    (lambda: _C.cross_entropy(T(randn(5)), T(np.array([1, 2])), None, -100, 0.0, 1), ValueError,
     "For 1D input, 1D target must have size 1"),
    (lambda: _C.cross_entropy(T(randn(3, 5)), T(np.zeros(3, np.int64)), None, -100, 0.0, 3), ValueError,
     "reduction must be 0 \\(none\\), 1 \\(mean\\) or 2 \\(sum\\)"),
    (lambda: _C.cross_entropy_backward(T(randn(2)), T(randn(3, 5)), T(np.zeros(3, np.int64)), None, -100, 0.0, 0),
     RuntimeError, "expected grad_output of size \\[3\\], but got \\[2\\]"),
]


@pytest.mark.parametrize("fn, exc, match", LOSS_ERRORS)
def test_loss_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


# ---- fused optimizer steps ---------------------------------------------------------------

PARAM_SHAPES = [(4, 3), (5,), (), (0, 2), (70001,)]  # the last spans the parallel split


def trajectory(torch, opt_cls, kwargs, init, grads):
    params = [torch.tensor(p.copy(), requires_grad=True) for p in init]
    opt = opt_cls(params, foreach=False, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in params]


def problem(dtype, steps=5):
    init = [randn(*s, dtype=dtype) for s in PARAM_SHAPES]
    grads = [[randn(*s, dtype=dtype) for s in PARAM_SHAPES] for _ in range(steps)]
    return init, grads


def ember_sgd(init, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    params = [p.copy() for p in init]
    bufs = [np.zeros_like(p) for p in init] if momentum else []
    for i, step_grads in enumerate(grads):
        _C.sgd_step([T(p) for p in params], [T(g) for g in step_grads], [T(b) for b in bufs], lr, momentum,
                    dampening, weight_decay, nesterov, maximize, i == 0)
    return params


SGD_CONFIGS = [dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.3),
               dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
               dict(lr=0.1, weight_decay=0.1, maximize=True), dict(lr=0.01, momentum=0.5, maximize=True)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("config", SGD_CONFIGS)
def test_sgd_step_matches_torch(config, dtype):
    torch = torch_or_skip()
    init, grads = problem(dtype)
    want = trajectory(torch, torch.optim.SGD, config, init, grads)
    for got, exp in zip(ember_sgd(init, grads, **config), want):
        assert_close(got, exp, dtype)


def test_sgd_step_matches_numpy():
    init, grads = problem(np.float64, steps=2)
    got = ember_sgd(init, grads, lr=0.1, momentum=0.9, weight_decay=0.01)
    for p0, g0, g1, p in zip(init, grads[0], grads[1], got):
        d0 = g0 + 0.01 * p0
        p1 = p0 - 0.1 * d0
        buf = 0.9 * d0 + (g1 + 0.01 * p1)
        assert_close(p, p1 - 0.1 * buf)


def ember_adam(init, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
               maximize=False, decoupled=False):
    params = [p.copy() for p in init]
    m, v = [np.zeros_like(p) for p in init], [np.zeros_like(p) for p in init]
    vmax = [np.zeros_like(p) for p in init] if amsgrad else []
    for i, step_grads in enumerate(grads):
        _C.adam_step([T(p) for p in params], [T(g) for g in step_grads], [T(a) for a in m], [T(a) for a in v],
                     [T(a) for a in vmax], i + 1, lr, betas[0], betas[1], eps, weight_decay, amsgrad, maximize,
                     decoupled)
    return params


ADAM_CONFIGS = [dict(lr=1e-2), dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6), dict(lr=1e-2, amsgrad=True),
                dict(lr=5e-3, weight_decay=0.1), dict(lr=1e-2, weight_decay=0.1, amsgrad=True, maximize=True),
                dict(lr=1e-2, betas=(0.3, 0.9))]  # beta1 < 0.5: the other branch of lerp


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("decoupled", [False, True])
@pytest.mark.parametrize("config", ADAM_CONFIGS)
def test_adam_step_matches_torch(config, decoupled, dtype):
    torch = torch_or_skip()
    init, grads = problem(dtype)
    config = {"weight_decay": 1e-2 if decoupled else 0.0, **config}  # AdamW's default decay is 1e-2
    want = trajectory(torch, torch.optim.AdamW if decoupled else torch.optim.Adam, config, init, grads)
    for got, exp in zip(ember_adam(init, grads, decoupled=decoupled, **config), want):
        assert_close(got, exp, dtype)


def test_optimizer_steps_bump_versions_and_take_non_contiguous_grads():
    p, buf = randn(3, 4), np.zeros((3, 4))
    g = randn(4, 3).T
    P, B = T(p), T(buf)
    v0 = (P.version, B.version)
    _C.sgd_step([P], [T(g)], [B], 0.1, 0.9, 0.0, 0.0, False, False, True)
    assert P.version > v0[0] and B.version > v0[1]
    assert_close(buf, g)
    m, v = np.zeros(5), np.zeros(5)
    q, M, V = T(randn(5)), T(m), T(v)
    versions = (q.version, M.version, V.version)
    _C.adam_step([q], [T(randn(5))], [M], [V], [], 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False, False)
    assert all(t.version > old for t, old in zip((q, M, V), versions))


def test_optimizer_steps_write_through_non_contiguous_params_and_state():
    a, buf = randn(4, 3), np.zeros((4, 3))
    g = randn(3, 4)
    want = a.T - 0.1 * g
    _C.sgd_step([T(a.T)], [T(g)], [T(buf.T)], 0.1, 0.9, 0.0, 0.0, False, False, True)
    assert_close(a.T, want)  # the transposed views wrote into the arrays' own memory
    assert_close(buf.T, g)


OPTIM_ERRORS = [
    (lambda: _C.sgd_step([T(randn(3))], [], [], 0.1, 0.0, 0.0, 0.0, False, False, False), ValueError,
     "expected as many grads as params \\(1\\), but got 0"),
    (lambda: _C.sgd_step([T(randn(3))], [T(randn(3))], [], 0.1, 0.9, 0.0, 0.0, False, False, False), ValueError,
     "expected as many momentum_buffers as params"),
    (lambda: _C.sgd_step([T(randn(3))], [T(randn(4))], [], 0.1, 0.0, 0.0, 0.0, False, False, False), RuntimeError,
     "grads\\[0\\] has shape \\[4\\] but its param has shape \\[3\\]"),
    (lambda: _C.sgd_step([T(randn(3))], [T(randn(3, dtype=np.float32))], [], 0.1, 0.0, 0.0, 0.0, False, False,
                         False), RuntimeError, "expected grads to have the same dtype as params"),
    (lambda: _C.sgd_step([T(randn(3))], [T(randn(3))], [], 0.1, 0.0, 0.0, 0.0, True, False, False), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda: _C.sgd_step([T(np.zeros(3, np.int64))], [T(np.zeros(3, np.int64))], [], 0.1, 0.0, 0.0, 0.0, False,
                         False, False), RuntimeError, "expected params to be float32 or float64"),
    (lambda: _C.adam_step([T(randn(3))], [T(randn(3))], [T(randn(3))], [T(randn(3))], [], 0, 1e-3, 0.9, 0.999,
                          1e-8, 0.0, False, False, False), RuntimeError, "step .* must be >= 1"),
    (lambda: _C.adam_step([T(randn(3))], [T(randn(3))], [T(randn(3))], [T(randn(3))], [], 1, 1e-3, 0.9, 0.999,
                          1e-8, 0.0, True, False, False), ValueError, "expected as many max_exp_avg_sqs as params"),
    (lambda: _C.adam_step([T(randn(3))], [T(randn(3))], [T(randn(2))], [T(randn(3))], [], 1, 1e-3, 0.9, 0.999,
                          1e-8, 0.0, False, False, False), RuntimeError, "exp_avgs\\[0\\] has shape \\[2\\]"),
]


@pytest.mark.parametrize("fn, exc, match", OPTIM_ERRORS)
def test_optimizer_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


# ---- bindings ----------------------------------------------------------------------------

def test_bindings_default_to_torch_functional_defaults():
    x, w, t = randn(2, 3, 8, 8), randn(4, 3, 3, 3), np.array([1, 0])
    assert_close(_C.conv2d(T(x), T(w)).numpy(), _C.conv2d(T(x), T(w), None, [1], [0], [1], 1).numpy())
    y, idx = _C.max_pool2d(T(x), [2])
    np.testing.assert_array_equal(idx.numpy(), _C.max_pool2d(T(x), [2], [2], [0], [1], False)[1].numpy())
    assert_close(_C.avg_pool2d(T(x), [3]).numpy(), _C.avg_pool2d(T(x), [3], [3], [0], False, True, None).numpy())
    logits = T(randn(2, 5))
    assert _C.cross_entropy(logits, T(t))[0].item() == _C.cross_entropy(logits, T(t), None, -100, 0.0, 1)[0].item()
    assert _C.nll_loss(logits, T(t)).item() == _C.nll_loss(logits, T(t), None, -100, 1).item()
