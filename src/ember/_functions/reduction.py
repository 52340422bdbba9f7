"""Reductions. Backward re-expands the gradient over the reduced dims."""
import math

from .. import _C
from .._tensor import wrap
from ..autograd import grad_mode
from ..autograd.function import Function

SUM, PROD, MAX, MIN, ALL, ANY = range(6)


def expand_back(g, shape, dims, keepdim):
    """Gradient of a reduction over `dims` re-expanded to the input's `shape`."""
    nd = len(shape)
    if not keepdim and nd and dims:  # a full reduction's 0-d gradient expands as it is
        for d in sorted(d % nd for d in dims):
            g = g.unsqueeze(d)
    return g.expand(shape)


def reduced_count(shape, dims):
    n = 1
    for d in (dims if dims else range(len(shape))):
        n *= shape[d] if shape else 1
    return n


class Sum(Function):
    node_name = "SumBackward1"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.args = (x._c.shape, dims, keepdim)
        return wrap(_C.reduce(SUM, x._c, dims, keepdim, -1 if dtype is None else dtype.code))

    @staticmethod
    def backward(ctx, g):
        return expand_back(g, *ctx.args), None, None, None


class SumAll(Sum):
    node_name = "SumBackward0"


class Mean(Function):
    node_name = "MeanBackward1"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.args = (x.shape, dims, keepdim)
        return wrap(_C.mean(x._c, dims, keepdim, -1 if dtype is None else dtype.code))

    @staticmethod
    def backward(ctx, g):
        shape, dims, _ = ctx.args
        return expand_back(g, *ctx.args) / reduced_count(shape, dims), None, None, None


class MeanAll(Mean):
    node_name = "MeanBackward0"


class Prod(Function):
    node_name = "ProdBackward1"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        out = wrap(_C.reduce(PROD, x._c, dims, keepdim, -1 if dtype is None else dtype.code))
        ctx.save_for_backward(x, out)
        ctx.args = (dims, keepdim)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dims, keepdim = ctx.args
        out_full = expand_back(out, x.shape, dims, keepdim)
        g_full = expand_back(g, x.shape, dims, keepdim)
        zero = x == 0
        # Product of the other elements: out / x where x != 0; where x is the only zero of its
        # slice, the product of the non-zero rest.
        nonzero_prod = x.masked_fill(zero, 1).prod(dims if dims else None, keepdim=True) if dims else x.masked_fill(zero, 1).prod()
        zeros_in_slice = zero.sum(dims if dims else tuple(range(x.dim())), keepdim=True) if x.dim() else zero.long()
        others = (out_full / x.masked_fill(zero, 1)).where(~zero, nonzero_prod.expand(x.shape) * (zeros_in_slice == 1))
        return g_full * others, None, None, None


class ProdAll(Prod):
    node_name = "ProdBackward0"


class Extremum(Function):
    """amax/amin and max()/min() without dim: gradient shared evenly among tied extrema."""

    node_name = "AmaxBackward0"
    op = MAX
    graph_inputs = slice(0, 1)

    @classmethod
    def forward(cls, ctx, x, dims, keepdim):
        out = wrap(_C.reduce(cls.op, x._c, dims, keepdim, -1))
        ctx.save_for_backward(x, out)
        ctx.args = (dims, keepdim)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dims, keepdim = ctx.args
        mask = (x == expand_back(out, x.shape, dims, keepdim)).to(g.dtype)
        count = mask.sum(dims if dims else tuple(range(x.dim())), keepdim=True) if x.dim() else mask
        return expand_back(g, x.shape, dims, keepdim) * mask / count, None, None


class Amin(Extremum):
    node_name = "AminBackward0"
    op = MIN


class MaxAll(Extremum):
    node_name = "MaxBackward1"


class MinAll(Extremum):
    node_name = "MinBackward1"
    op = MIN


class MaxDim(Function):
    """max/min along a dim: (values, indices); the gradient goes to the chosen index."""

    node_name = "MaxBackward0"
    is_max = True
    graph_inputs = slice(0, 1)

    @classmethod
    def forward(cls, ctx, x, dim, keepdim):
        v, i = _C.max_dim(x._c, dim, keepdim, cls.is_max)
        values, indices = wrap(v), wrap(i)
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.args = (x.shape, dim, keepdim)
        return values, indices

    @staticmethod
    def backward(ctx, g, _):
        (indices,) = ctx.saved_tensors
        shape, dim, keepdim = ctx.args
        if not shape:
            return g, None, None
        if not keepdim:
            g, indices = g.unsqueeze(dim), indices.unsqueeze(dim)
        from .. import _creation

        if g.is_cuda:  # no CUDA scatter yet: the gradient goes where the position equals the index
            pos = _creation.arange(shape[dim], device=g.device).reshape([-1 if d == dim else 1 for d in range(len(shape))])
            return g * (pos == indices), None, None
        return _creation.zeros(shape, dtype=g.dtype).scatter(dim, indices, g), None, None


class MinDim(MaxDim):
    node_name = "MinBackward0"
    is_max = False



def _safe_div(a, b):
    """a / b with IEEE results for b == 0 (inf or nan), as the C++ formulas PyTorch uses."""
    return a / b if b else math.copysign(math.inf, a) if a else math.nan

class Var(Function):
    node_name = "VarBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.save_for_backward(x)
        ctx.args = (dims, correction, keepdim)
        return wrap(_C.var(x._c, dims, correction, keepdim))

    @staticmethod
    def backward(ctx, g):
        return var_backward(g, ctx.saved_tensors[0], *ctx.args), None, None, None


def var_backward(g, x, dims, correction, keepdim):
    n = reduced_count(x.shape, dims)
    mean = x.mean(dims if dims else None, keepdim=True) if dims else x.mean()
    scale = _safe_div(2.0, max(n - correction, 0))
    return expand_back(g, x.shape, dims, keepdim) * (x - mean) * scale


class Std(Function):
    """sqrt(var); where the deviation is 0 the gradient is 0 (PyTorch's mask), not inf * 0."""

    node_name = "StdBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        out = wrap(_C.var(x._c, dims, correction, keepdim)).sqrt_()
        ctx.save_for_backward(x, out)
        ctx.args = (dims, correction, keepdim)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        g_var = (g / (out * 2)).masked_fill(out == 0, 0.0)
        return var_backward(g_var, x, *ctx.args), None, None, None


class Cumsum(Function):
    node_name = "CumsumBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, dim, dtype):
        ctx.dim = dim
        return wrap(_C.cumulative(x._c, dim, False, -1 if dtype is None else dtype.code))

    @staticmethod
    def backward(ctx, g):
        if g.dim() == 0:
            return g, None, None
        return g.flip([ctx.dim]).cumsum(ctx.dim).flip([ctx.dim]), None, None


class Softmax(Function):
    node_name = "SoftmaxBackward0"
    log = False
    graph_inputs = slice(0, 1)

    @classmethod
    def forward(cls, ctx, x, dim):
        out = wrap(_C.softmax(x._c, dim, cls.log))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @classmethod
    def backward(cls, ctx, g):
        (out,) = ctx.saved_tensors
        if grad_mode.is_grad_enabled() and (g.requires_grad or out.requires_grad):
            if cls.log:
                return g - out.exp() * g.sum(ctx.dim, keepdim=True), None
            return out * (g - (g * out).sum(ctx.dim, keepdim=True)), None
        return wrap(_C.softmax_backward(g._c, out._c, ctx.dim, cls.log)), None


class LogSoftmax(Softmax):
    node_name = "LogSoftmaxBackward0"
    log = True


def norm_impl(x, p, dims, keepdim):
    """The p-norm of x over dims (all when empty); p is a float (inf allowed)."""
    if p == float("inf"):
        return x.abs().amax(dims, keepdim)
    if p == float("-inf"):
        return x.abs().amin(dims, keepdim)
    if p == 0:
        return (x != 0).to(x.dtype).sum(dims, keepdim)
    if p == 1:
        return x.abs().sum(dims, keepdim)
    if p == 2:
        return (x * x).sum(dims, keepdim).sqrt()
    return (x.abs() ** p).sum(dims, keepdim) ** (1.0 / p)


class Norm(Function):
    """Vector p-norm. Its gradient is 0 where the norm is 0 (as PyTorch), not the nan that
    differentiating sqrt(sum(x^2)) at 0 would give."""

    node_name = "LinalgVectorNormBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        out = norm_impl(x, p, dims, keepdim)
        ctx.save_for_backward(x, out)
        ctx.args = (p, dims, keepdim)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        p, dims, keepdim = ctx.args
        g = expand_back(g, x.shape, dims, keepdim)
        norm = expand_back(out, x.shape, dims, keepdim)
        if p == 0:
            return g * 0, None, None, None
        if p == 1:
            return g * x.sign(), None, None, None
        if p in (float("inf"), float("-inf")):
            # split evenly between the entries that attain the norm
            hits = (x.abs() == norm).to(g.dtype)
            count = expand_back(hits.sum(dims, keepdim), x.shape, dims, keepdim)
            return g * x.sign() * hits / count, None, None, None
        scale = x / norm if p == 2 else x * x.abs() ** (p - 2) / norm ** (p - 1)
        return g * scale.masked_fill(norm == 0, 0.0), None, None, None
