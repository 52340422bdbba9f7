"""Convolution and its transpose on the fused _C kernels, and F.unfold/F.fold (Im2Col/Col2Im).

The three helpers `conv`, `input_grad` and `weight_grad` call `_C.conv2d*`, except while a
backward records a graph (create_graph=True, see graph.py): then they compose Im2Col/Col2Im and
matmul, which differentiate again. Im2Col reads the sliding windows of the (padded) input as an
`as_strided` view (N, C, kh, kw, oh, ow); Col2Im adds columns back into those windows, one strided
add per kernel offset.
"""
from .. import _C
from .._tensor import wrap
from ..autograd.function import Function
from .graph import builds_graph


def out_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _padded_extent(n, k, s, p, d, o):
    """Rows the windows touch, counted from -p: at least n + 2p, more in ceil mode."""
    return max(n + 2 * p, (o - 1) * s + d * (k - 1) + 1)


def windows(x, kernel, dilation, padding, stride, out_hw):
    """The (N, C, kh, kw, oh, ow) view of x's (N, C, H, W) sliding windows; padding reads zeros."""
    n, c, h, w = x.shape
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (oh, ow) = kernel, dilation, padding, stride, out_hw
    hp, wp = _padded_extent(h, kh, sh, ph, dh, oh), _padded_extent(w, kw, sw, pw, dw, ow)
    if (hp, wp) != (h, w):
        xp = x.new_zeros((n, c, hp, wp))
        xp[:, :, ph:ph + h, pw:pw + w] = x
        x = xp
    s_n, s_c, s_h, s_w = x.stride()
    return wrap(_C.as_strided(x._c, [n, c, kh, kw, oh, ow], [s_n, s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw],
                              x.storage_offset()))


def add_windows(cols, input_hw, kernel, dilation, padding, stride):
    """col2im: sums (N, C, kh, kw, oh, ow) window values into an (N, C, H, W) tensor."""
    n, c, kh, kw, oh, ow = cols.shape
    (h, w), (dh, dw), (ph, pw), (sh, sw) = input_hw, dilation, padding, stride
    hp, wp = _padded_extent(h, kh, sh, ph, dh, oh), _padded_extent(w, kw, sw, pw, dw, ow)
    out = cols.new_zeros(n, c, hp, wp)
    s_n, s_c, s_h, s_w = out.stride()
    for i in range(kh):
        for j in range(kw):
            # Within one kernel offset the windows never overlap, so one strided add is exact.
            offset = i * dh * s_h + j * dw * s_w
            view = wrap(_C.as_strided(out._c, [n, c, oh, ow], [s_n, s_c, s_h * sh, s_w * sw], offset))
            view += cols[:, :, i, j]
    if (hp, wp) == (h, w):
        return out
    return out[:, :, ph:ph + h, pw:pw + w].contiguous()


class Im2Col(Function):
    """F.unfold: (N, C, H, W) -> (N, C*kh*kw, oh*ow)."""

    node_name = "Im2ColBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride, out_hw):
        ctx.args = (tuple(x.shape[-2:]), kernel, dilation, padding, stride, out_hw)
        n, c = x.shape[:2]
        return windows(x, kernel, dilation, padding, stride, out_hw).reshape(n, c * kernel[0] * kernel[1], -1)

    @staticmethod
    def backward(ctx, g):
        return (Col2Im.apply(g, *ctx.args),) + (None,) * 5


class Col2Im(Function):
    """F.fold: (N, C*kh*kw, oh*ow) -> (N, C, H, W), summing overlapping windows."""

    node_name = "Col2ImBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, cols, input_hw, kernel, dilation, padding, stride, out_hw):
        ctx.args = (kernel, dilation, padding, stride, out_hw)
        n = cols.shape[0]
        c = cols.shape[1] // (kernel[0] * kernel[1])
        return add_windows(cols.reshape(n, c, kernel[0], kernel[1], out_hw[0], out_hw[1]), input_hw, kernel, dilation,
                           padding, stride)

    @staticmethod
    def backward(ctx, g):
        return (Im2Col.apply(g, *ctx.args),) + (None,) * 6


def conv(x, w, b, geom):
    """conv2d(x (N, C, H, W), w (O, C/groups, kh, kw)) + b, geom = (stride, padding, dilation, groups)."""
    if not builds_graph(x, w, b):
        return wrap(_C.conv2d(x._c, w._c, None if b is None else b._c, *geom))
    stride, padding, dilation, groups = geom
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = out_size(h, kh, stride[0], padding[0], dilation[0]), out_size(wd, kw, stride[1], padding[1], dilation[1])
    cols = Im2Col.apply(x, (kh, kw), dilation, padding, stride, (oh, ow))
    y = (w.reshape(groups, o // groups, -1) @ cols.reshape(n, groups, -1, oh * ow)).reshape(n, o, oh, ow)
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def input_grad(gy, w, input_shape, geom):
    """d conv / d input applied to gy (N, O, oh, ow): also the transposed convolution of gy."""
    if not builds_graph(gy, w):
        return wrap(_C.conv2d_backward_input(gy._c, w._c, input_shape, *geom))
    stride, padding, dilation, groups = geom
    n, o, oh, ow = gy.shape
    gcols = w.reshape(groups, o // groups, -1).transpose(1, 2) @ gy.reshape(n, groups, o // groups, oh * ow)
    return Col2Im.apply(gcols.reshape(n, -1, oh * ow), tuple(input_shape[-2:]), tuple(w.shape[-2:]), dilation,
                        padding, stride, (oh, ow))


def weight_grad(gy, x, weight_shape, geom, bias_grad):
    """(d conv / d weight, d conv / d bias or None) applied to gy (N, O, oh, ow), for input x."""
    if not builds_graph(gy, x):
        gw, gb = _C.conv2d_backward_weight(gy._c, x._c, weight_shape, *geom, bias_grad)
        return wrap(gw), None if gb is None else wrap(gb)
    stride, padding, dilation, groups = geom
    n, o, oh, ow = gy.shape
    cols = Im2Col.apply(x, tuple(weight_shape[-2:]), dilation, padding, stride, (oh, ow))
    gw = gy.reshape(n, groups, o // groups, oh * ow) @ cols.reshape(n, groups, -1, oh * ow).transpose(2, 3)
    return gw.sum(0).reshape(weight_shape), bias_of(gy) if bias_grad else None


def bias_of(gy):
    """d conv / d bias applied to gy (N, O, oh, ow)."""
    return gy.sum((0, 2, 3))


class Convolution(Function):
    """conv2d (and conv1d, given (N, C, L) input and (O, C/g, k) weight: a view with height 1)."""

    node_name = "ConvolutionBackward0"
    graph_inputs = slice(0, 3)

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.geom = (stride, padding, dilation, groups)
        if x.dim() == 3:
            return conv(x.unsqueeze(2), w.unsqueeze(2), b, ctx.geom).squeeze(2)
        return conv(x, w, b, ctx.geom)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        one_d = x.dim() == 3
        if one_d:
            x, w, g = x.unsqueeze(2), w.unsqueeze(2), g.unsqueeze(2)
        gx = input_grad(g, w, x.shape, ctx.geom) if need_x else None
        gw = None
        if need_w:
            gw, gb = weight_grad(g, x, w.shape, ctx.geom, need_b)
        else:
            gb = bias_of(g) if need_b else None
        if one_d:
            gx = gx.squeeze(2) if gx is not None else None
            gw = gw.squeeze(2) if gw is not None else None
        return gx, gw, gb, None, None, None, None


class ConvTranspose(Function):
    """conv_transpose2d: the input-gradient of conv2d, so its backward is a conv2d."""

    node_name = "ConvolutionBackward0"
    graph_inputs = slice(0, 3)

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, output_padding, groups, dilation):
        ctx.save_for_backward(x, w)
        ctx.geom = (stride, padding, dilation, groups)
        out_hw = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in
                       zip(x.shape[-2:], stride, padding, dilation, w.shape[-2:], output_padding))
        y = input_grad(x, w, (x.shape[0], w.shape[1] * groups) + out_hw, ctx.geom)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = conv(g, w, None, ctx.geom) if need_x else None
        gw = weight_grad(x, g, w.shape, ctx.geom, False)[0] if need_w else None
        gb = bias_of(g) if need_b else None
        return gx, gw, gb, None, None, None, None, None
