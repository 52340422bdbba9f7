"""2-D pooling over the last two dims of any (..., H, W) tensor, on the sliding-window view of
conv.py, until the fused _C pooling kernels are merged. The Functions take the kernels' arguments
(kernel, stride, padding, dilation, ceil_mode, ...), so the switch stays inside them. Max pooling
saves flat argmax indices (into H*W, as PyTorch returns them) and scatters the gradient back."""
from .. import _creation, _ops
from ..autograd.function import Function
from .conv import Col2Im, windows


def pool_out_size(n, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape: in ceil mode the last window must start inside the input
    or its left padding."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def pool_out_hw(x, kernel, stride, padding, dilation, ceil_mode):
    return tuple(pool_out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in
                 zip(x.shape[-2:], kernel, stride, padding, dilation))


def _avg_window_sizes(n, k, s, p, o, count_include_pad):
    """Per output position, how many elements its window averages (PyTorch's rule: padding counts
    when count_include_pad, but nothing past the right padding ever does)."""
    sizes = []
    for i in range(o):
        start = i * s - p
        end = min(start + k, n + p)
        sizes.append(end - start if count_include_pad else min(end, n) - max(start, 0))
    return sizes


def _avg_divisor(x, kernel, stride, padding, out_hw, count_include_pad, divisor_override):
    """(oh, ow) divisors of the window sums."""
    if divisor_override is not None:
        return _creation.full(out_hw, float(divisor_override), dtype=x.dtype, device=x.device)
    rows, cols = (_avg_window_sizes(n, k, s, p, o, count_include_pad) for n, k, s, p, o in
                  zip(x.shape[-2:], kernel, stride, padding, out_hw))
    return _ops.outer(*(_creation.tensor(sizes, dtype=x.dtype, device=x.device) for sizes in (rows, cols)))


def _planes(x):
    """x (..., H, W) as (B, 1, H, W): pooling treats every plane alike."""
    return x.reshape(-1, 1, x.shape[-2], x.shape[-1])


class MaxPool2DWithIndices(Function):
    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode):
        out_hw = pool_out_hw(x, kernel, stride, padding, dilation, ceil_mode)
        planes = _planes(x)
        b, w_in = planes.shape[0], x.shape[-1]
        (kh, kw), (oh, ow) = kernel, out_hw
        win = windows(planes, kernel, dilation, padding, stride, out_hw, fill=float("-inf"))
        values, arg = win.reshape(b, kh * kw, oh, ow).max(1)
        # window position -> flat index into the (H, W) plane
        rows = _creation.arange(oh, device=x.device).reshape(-1, 1) * stride[0] - padding[0] + (arg // kw) * dilation[0]
        cols = _creation.arange(ow, device=x.device) * stride[1] - padding[1] + (arg % kw) * dilation[1]
        indices = (rows * w_in + cols).reshape(x.shape[:-2] + (oh, ow))
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.in_shape = x.shape
        return values.reshape(x.shape[:-2] + (oh, ow)), indices

    @staticmethod
    def backward(ctx, g, _):
        (indices,) = ctx.saved_tensors
        h, w = ctx.in_shape[-2:]
        idx = indices.reshape(-1, indices.shape[-2] * indices.shape[-1])
        gx = g.new_zeros(idx.shape[0], h * w).scatter_add(1, idx, g.reshape(idx.shape))
        return gx.reshape(ctx.in_shape), None, None, None, None, None


class AvgPool2D(Function):
    """Window sums divided by each window's divisor (see _avg_divisor)."""

    node_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        out_hw = pool_out_hw(x, kernel, stride, padding, (1, 1), ceil_mode)
        divisor = _avg_divisor(x, kernel, stride, padding, out_hw, count_include_pad, divisor_override)
        ctx.args = (x.shape, kernel, stride, padding, out_hw, divisor)
        win = windows(_planes(x), kernel, (1, 1), padding, stride, out_hw)
        return (win.sum((1, 2, 3)) / divisor).reshape(x.shape[:-2] + tuple(out_hw))

    @staticmethod
    def backward(ctx, g):
        shape, kernel, stride, padding, out_hw, divisor = ctx.args
        per_window = (g / divisor).reshape(-1, 1, out_hw[0] * out_hw[1])
        cols = per_window.expand(per_window.shape[0], kernel[0] * kernel[1], per_window.shape[2])
        gx = Col2Im.apply(cols, tuple(shape[-2:]), kernel, (1, 1), padding, stride, out_hw)
        return gx.reshape(shape), None, None, None, None, None, None


def adaptive_bounds(n_in, n_out):
    """Adaptive pooling cells: cell i covers [floor(i*n/o), ceil((i+1)*n/o))."""
    return [((i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)) for i in range(n_out)]


def adaptive_matrix(n_in, n_out, like):
    """(n_out, n_in) matrix averaging each adaptive cell, with the dtype and device of `like`."""
    m = _creation.zeros(n_out, n_in, dtype=like.dtype, device=like.device)
    for i, (start, end) in enumerate(adaptive_bounds(n_in, n_out)):
        m[i, start:end] = 1.0 / (end - start)
    return m


class AdaptiveAvgPool2D(Function):
    """y = P_h @ x @ P_w^T with averaging matrices, so backward is P_h^T @ g @ P_w."""

    node_name = "AdaptiveAvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, out_hw):
        ph = adaptive_matrix(x.shape[-2], out_hw[0], x)
        pw = adaptive_matrix(x.shape[-1], out_hw[1], x)
        ctx.mats = (ph, pw)
        return ph @ x @ pw.t()

    @staticmethod
    def backward(ctx, g):
        ph, pw = ctx.mats
        return ph.t() @ g @ pw, None
