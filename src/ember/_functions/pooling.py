"""2-D pooling of (N, C, H, W) or (C, H, W) tensors on the fused _C kernels. Backward calls the
kernels too, except while it records a graph (create_graph=True, see graph.py): then it is
composed of ember ops. Max pooling keeps flat argmax indices (into H*W, as PyTorch returns them)."""
from .. import _C, _creation, _ops
from .._tensor import wrap
from ..autograd.function import Function
from .conv import Col2Im
from .graph import builds_graph


def _avg_window_sizes(n, k, s, p, o, count_include_pad):
    """Per output position, how many elements its window averages (PyTorch's rule: padding counts
    when count_include_pad, but nothing past the right padding ever does)."""
    sizes = []
    for i in range(o):
        start = i * s - p
        end = min(start + k, n + p)
        sizes.append(end - start if count_include_pad else min(end, n) - max(start, 0))
    return sizes


def _avg_divisor(in_hw, kernel, stride, padding, out_hw, count_include_pad, divisor_override, like):
    """(oh, ow) divisors of the window sums, with the dtype and device of `like`."""
    if divisor_override is not None:
        return _creation.full(out_hw, float(divisor_override), dtype=like.dtype, device=like.device)
    rows, cols = (_avg_window_sizes(n, k, s, p, o, count_include_pad) for n, k, s, p, o in
                  zip(in_hw, kernel, stride, padding, out_hw))
    return _ops.outer(*(_creation.tensor(sizes, dtype=like.dtype, device=like.device) for sizes in (rows, cols)))


class MaxPool2DWithIndices(Function):
    """Returns (output, indices) when asked for the indices, else the output alone (so the common
    call takes Function.apply's single-output path); backward scatters to the argmax indices."""

    node_name = "MaxPool2DWithIndicesBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode, return_indices):
        out, indices = _C.max_pool2d(x._c, kernel, stride, padding, dilation, ceil_mode)
        out, indices = wrap(out), wrap(indices)
        ctx.save_for_backward(indices)
        ctx.in_shape = x._c.shape
        if not return_indices:
            return out
        ctx.mark_non_differentiable(indices)
        ctx.set_materialize_grads(False)  # no zeros for the indices' (never used) gradient
        return out, indices

    @staticmethod
    def backward(ctx, g, _=None):
        (indices,) = ctx.saved_tensors
        if not builds_graph(g):
            gx = wrap(_C.max_pool2d_backward(g._c, indices._c, ctx.in_shape))
        else:
            h, w = ctx.in_shape[-2:]
            idx = indices.reshape(-1, indices.shape[-2] * indices.shape[-1])
            gx = g.new_zeros(idx.shape[0], h * w).scatter_add(1, idx, g.reshape(idx.shape)).reshape(ctx.in_shape)
        return gx, None, None, None, None, None, None


class AvgPool2D(Function):
    """Window means; the composed backward spreads each gradient over its window (Col2Im) after
    dividing by the window's divisor (see _avg_divisor)."""

    node_name = "AvgPool2DBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        ctx.args = (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
        ctx.in_shape = x._c.shape
        return wrap(_C.avg_pool2d(x._c, *ctx.args))

    @staticmethod
    def backward(ctx, g):
        shape = ctx.in_shape
        if not builds_graph(g):
            return (wrap(_C.avg_pool2d_backward(g._c, shape, *ctx.args)),) + (None,) * 6
        kernel, stride, padding, _, count_include_pad, divisor_override = ctx.args
        out_hw = tuple(g.shape[-2:])
        divisor = _avg_divisor(shape[-2:], kernel, stride, padding, out_hw, count_include_pad, divisor_override, g)
        per_window = (g / divisor).reshape(-1, 1, out_hw[0] * out_hw[1])
        cols = per_window.expand(per_window.shape[0], kernel[0] * kernel[1], per_window.shape[2])
        gx = Col2Im.apply(cols, tuple(shape[-2:]), kernel, (1, 1), padding, stride, out_hw)
        return (gx.reshape(shape),) + (None,) * 6


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
    """Cell means; the composed backward is P_h^T @ g @ P_w with the averaging matrices P."""

    node_name = "AdaptiveAvgPool2DBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, out_hw):
        ctx.in_shape = x._c.shape
        return wrap(_C.adaptive_avg_pool2d(x._c, out_hw))

    @staticmethod
    def backward(ctx, g):
        shape = ctx.in_shape
        if not builds_graph(g):
            return wrap(_C.adaptive_avg_pool2d_backward(g._c, shape)), None
        ph = adaptive_matrix(shape[-2], g.shape[-2], g)
        pw = adaptive_matrix(shape[-1], g.shape[-1], g)
        return ph.t() @ g @ pw, None
