"""Indexing: getitem/setitem, gather/scatter, index_select, masked_fill."""
from .. import _C
from .._tensor import wrap
from ..autograd.function import Function


class Index(Function):
    """x[key]; the node name follows PyTorch: Select, Slice or Index (advanced)."""

    node_name = "IndexBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, key):
        from .._indexing import getitem

        ctx.in_shape, ctx.key = x.shape, key
        return getitem(x, key)

    @staticmethod
    def backward(ctx, g):
        return IndexGrad.apply(g, ctx.in_shape, ctx.key), None


class Select(Index):
    node_name = "SelectBackward0"


class Slice(Index):
    node_name = "SliceBackward0"


class NewAxis(Index):
    node_name = "UnsqueezeBackward0"


class Alias(Index):
    node_name = "AliasBackward0"


INDEX_FUNCTIONS = {"index": Index, "select": Select, "slice": Slice, "unsqueeze": NewAxis, "alias": Alias}


class IndexGrad(Function):
    """Scatters a gradient back into zeros of the indexed tensor's shape (summing repeats)."""

    node_name = "IndexBackwardBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, g, shape, key):
        from .. import _creation
        from .._indexing import setitem

        ctx.key = key
        out = _creation.zeros(shape, dtype=g.dtype, device=g.device)
        setitem(out, key, g, accumulate=True)
        return out

    @staticmethod
    def backward(ctx, gg):
        return Index.apply(gg, ctx.key), None, None


class IndexPut(Function):
    """out = x with out[key] = value (the autograd form of x[key] = value)."""

    node_name = "IndexPutBackward0"
    graph_inputs = (0, 2)

    @staticmethod
    def forward(ctx, x, key, value):
        from .._indexing import setitem

        ctx.key = key
        ctx.value_shape = value.shape
        out = wrap(_C.clone(x._c))
        setitem(out, key, value)
        return out

    @staticmethod
    def backward(ctx, g):
        from .._indexing import setitem

        need_x, _, need_v = ctx.needs_input_grad
        gx = None
        if need_x:
            gx = g.clone()
            setitem(gx, ctx.key, 0.0)
        gv = Index.apply(g, ctx.key) if need_v else None
        return gx, None, gv


class Gather(Function):
    node_name = "GatherBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.save_for_backward(index)
        ctx.in_shape, ctx.dim = x.shape, dim
        return wrap(_C.gather(x._c, dim, index._c))

    @staticmethod
    def backward(ctx, g):
        from .. import _creation

        (index,) = ctx.saved_tensors
        return _creation.zeros(ctx.in_shape, dtype=g.dtype, device=g.device).scatter_add(ctx.dim, index, g), None, None


class Scatter(Function):
    """out = x.clone().scatter_(dim, index, src) (reduce 0) or scatter_add_ (reduce 1)."""

    node_name = "ScatterBackward0"
    reduce = 0
    graph_inputs = (0, 3)

    @classmethod
    def forward(cls, ctx, x, dim, index, src):
        from .. import _creation

        ctx.save_for_backward(index)
        ctx.dim = dim
        out = wrap(_C.clone(x._c))
        s = src if not isinstance(src, (int, float, bool)) else _creation.full((), src, dtype=x.dtype)
        _C.scatter_(out._c, dim, index._c, s._c, cls.reduce)
        return out

    @classmethod
    def backward(cls, ctx, g):
        (index,) = ctx.saved_tensors
        need_x, _, _, need_src = ctx.needs_input_grad
        gx = (g if cls.reduce else g.scatter(ctx.dim, index, 0.0)) if need_x else None
        gs = g.gather(ctx.dim, index) if need_src else None
        return gx, None, None, gs


class ScatterValue(Scatter):
    """scatter with a number as the value: PyTorch's node has the input as its only edge."""

    node_name = "ScatterBackward1"
    graph_inputs = slice(0, 1)


class ScatterAdd(Scatter):
    node_name = "ScatterAddBackward0"
    reduce = 1


class IndexSelect(Function):
    node_name = "IndexSelectBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.save_for_backward(index)
        ctx.in_shape, ctx.dim = x.shape, dim
        return wrap(_C.index_select(x._c, dim, index._c))

    @staticmethod
    def backward(ctx, g):
        from .. import _creation

        (index,) = ctx.saved_tensors
        return _creation.zeros(ctx.in_shape, dtype=g.dtype, device=g.device).index_add(ctx.dim, index, g), None, None


class IndexAdd(Function):
    node_name = "IndexAddBackward0"
    graph_inputs = (0, 3)

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.save_for_backward(index)
        ctx.dim = dim
        out = wrap(_C.clone(x._c))
        _C.index_add_(out._c, dim, index._c, src._c)
        return out

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        need_x, _, _, need_src = ctx.needs_input_grad
        return (g if need_x else None), None, None, (g.index_select(ctx.dim, index) if need_src else None)


class MaskedFill(Function):
    """x.masked_fill(mask, number); MaskedFillTensor below takes a 0-d tensor value."""

    node_name = "MaskedFillBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, mask, value):
        from .._tensor import Tensor
        from .. import _creation

        ctx.save_for_backward(mask)
        v = value if isinstance(value, Tensor) else _creation.full((), value, dtype=x.dtype)
        return wrap(_C.masked_fill(x._c, mask._c, v._c))

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        need_x, _, need_v = ctx.needs_input_grad
        gx = g.masked_fill(mask, 0.0) if need_x else None
        gv = (g * mask).sum() if need_v else None
        return gx, None, gv


class MaskedFillTensor(MaskedFill):
    node_name = "MaskedFillBackward1"
    graph_inputs = (0, 2)
