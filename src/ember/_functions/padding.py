"""Constant padding (negative amounts crop), so its gradient is the opposite padding of the gradient."""
from ..autograd.function import Function


def _regions(shape, pad):
    """Slices of the source and of the padded result that hold the same values, and the new shape.
    `pad` is (left, right) pairs starting from the last dim, as F.pad takes it."""
    nd = len(shape)
    src, dst, new_shape = [slice(None)] * nd, [slice(None)] * nd, list(shape)
    for i in range(len(pad) // 2):
        d = nd - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        new_shape[d] = shape[d] + left + right
        src[d] = slice(max(-left, 0), shape[d] - max(-right, 0))
        if src[d].stop < src[d].start:  # cropped away more than the dim holds
            raise RuntimeError("narrow(): length must be non-negative.")
        dst[d] = slice(max(left, 0), max(left, 0) + src[d].stop - src[d].start)
    return tuple(src), tuple(dst), new_shape


class ConstantPadNd(Function):
    node_name = "ConstantPadNdBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, pad, value):
        ctx.pad = pad
        src, dst, new_shape = _regions(tuple(x.shape), pad)
        out = x.new_full(new_shape, value)
        if out.numel() and x.numel():
            out[dst] = x[src]
        return out

    @staticmethod
    def backward(ctx, g):
        return ConstantPadNd.apply(g, [-p for p in ctx.pad], 0), None, None
