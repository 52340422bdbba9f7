"""View and shape ops. Views share storage with their input; their backward reshapes the gradient."""
from .. import _C
from .._tensor import wrap
from ..autograd.function import Function


class View(Function):
    node_name = "ViewBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        return wrap(_C.view(x._c, shape))

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


class Reshape(Function):
    node_name = "ViewBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x._c.shape
        return wrap(_C.reshape(x._c, shape))

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


class Permute(Function):
    node_name = "PermuteBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dims):
        nd = x.dim()
        ctx.inverse = [0] * nd
        for i, d in enumerate(dims):
            ctx.inverse[d % nd if nd else 0] = i
        return wrap(_C.permute(x._c, dims))

    @staticmethod
    def backward(ctx, g):
        return g.permute(ctx.inverse), None


class Transpose(Function):
    node_name = "TransposeBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.dims = (d0, d1)
        return wrap(_C.transpose(x._c, d0, d1))

    @staticmethod
    def backward(ctx, g):
        return g.transpose(*ctx.dims), None, None


class T(Transpose):
    node_name = "TBackward0"


class Expand(Function):
    node_name = "ExpandBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, sizes):
        ctx.in_shape = x.shape
        return wrap(_C.expand(x._c, sizes))

    @staticmethod
    def backward(ctx, g):
        return g.sum_to_size(ctx.in_shape), None


class Squeeze(Function):
    node_name = "SqueezeBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dims):
        ctx.in_shape = x.shape
        return wrap(_C.squeeze(x._c, dims))

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


class SqueezeDim(Squeeze):
    node_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    node_name = "SqueezeBackward2"


def squeeze_function(dim):
    """PyTorch's node for squeeze(), squeeze(int) and squeeze(tuple)."""
    return Squeeze if dim is None else SqueezeDims if isinstance(dim, (tuple, list)) else SqueezeDim


class Unsqueeze(Function):
    node_name = "UnsqueezeBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim if dim >= 0 else dim + x.dim() + 1
        return wrap(_C.unsqueeze(x._c, dim))

    @staticmethod
    def backward(ctx, g):
        return g.squeeze(ctx.dim), None


class Cat(Function):
    node_name = "CatBackward0"
    graph_inputs = slice(1, None)

    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        ctx.sizes = [t.shape[dim] if t.dim() else 0 for t in tensors]
        ctx.skipped = [t.dim() == 1 and t.numel() == 0 for t in tensors]
        return wrap(_C.cat([t._c for t in tensors], dim))

    @staticmethod
    def backward(ctx, g):
        grads, pos = [None], 0
        for size, skipped in zip(ctx.sizes, ctx.skipped):
            if skipped:
                grads.append(None)
                continue
            grads.append(g.narrow(ctx.dim, pos, size))
            pos += size
        return tuple(grads)


class Stack(Cat):
    node_name = "StackBackward0"

    @staticmethod
    def forward(ctx, dim, *tensors):
        if not tensors:
            raise RuntimeError("stack expects a non-empty TensorList")
        for i, t in enumerate(tensors):
            if t.shape != tensors[0].shape:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                                   f"entry 0 and {list(t.shape)} at entry {i}")
        nd = tensors[0].dim() + 1
        ctx.dim = dim if dim >= 0 else dim + nd
        return wrap(_C.cat([_C.unsqueeze(t._c, dim) for t in tensors], dim))

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(g.unbind(ctx.dim))


class Flip(Function):
    node_name = "FlipBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return wrap(_C.flip(x._c, dims))

    @staticmethod
    def backward(ctx, g):
        return g.flip(ctx.dims), None


class Repeat(Function):
    node_name = "RepeatBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, repeats):
        ctx.in_shape = x.shape
        ctx.repeats = repeats
        return wrap(_C.repeat(x._c, repeats))

    @staticmethod
    def backward(ctx, g):
        lead = len(ctx.repeats) - len(ctx.in_shape)
        padded = [1] * lead + list(ctx.in_shape)
        split = []
        for r, s in zip(ctx.repeats, padded):
            split += [r, s]
        g = g.reshape(split).sum(tuple(range(0, 2 * len(padded), 2)))
        return g.reshape(ctx.in_shape), None


class Clone(Function):
    node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x):
        return wrap(_C.clone(x._c))

    @staticmethod
    def backward(ctx, g):
        return g


class ToCopy(Function):
    node_name = "ToCopyBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dtype, device):
        from .._device import impl_args

        ctx.in_dtype, ctx.in_device = x.dtype, x.device
        c = x._c
        if device is not None and device != x.device:
            c = _C.to_device(c, *impl_args(device))
        if dtype is not None and dtype is not x.dtype:
            c = _C.to_dtype(c, dtype.code)
        if c is x._c:
            c = _C.clone(c)
        return wrap(c)

    @staticmethod
    def backward(ctx, g):
        return g.to(dtype=ctx.in_dtype, device=ctx.in_device), None, None


class Diagonal(Function):
    node_name = "DiagonalBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, offset, d0, d1):
        ctx.in_shape, ctx.args = x.shape, (offset, d0, d1)
        return wrap(_C.diagonal(x._c, offset, d0, d1))

    @staticmethod
    def backward(ctx, g):
        from .. import _creation

        gx = _creation.zeros(ctx.in_shape, dtype=g.dtype, device=g.device)
        _C.copy_(_C.diagonal(gx._c, *ctx.args), g._c)
        return gx, None, None, None


class Tril(Function):
    node_name = "TrilBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, k, upper):
        ctx.k, ctx.upper = k, upper
        return wrap(_C.tril(x._c, k, upper))

    @staticmethod
    def backward(ctx, g):
        return g.triu(ctx.k) if ctx.upper else g.tril(ctx.k), None, None


class Triu(Tril):
    node_name = "TriuBackward0"
