"""The ember.* functional API. Each function either calls the core directly (no input needs a
gradient: the fast path) or applies its autograd Function. They hold no math themselves."""
import builtins
import math
import numbers

from . import _C, _dtype
from ._functions import indexing as fi
from ._functions import linalg as fl
from ._functions import reduction as fr
from ._functions import shape as fs
from ._functions.elementwise import (RESULT_ONLY, B, U, UNARY_FUNCTIONS, Add, Atan2, Div, Maximum, Minimum, Mul, Rsub,
                                     RsubScalar, Sub, Where, binary_impl, operands_to_save, pow_function)
from ._tensor import Size, Tensor, wrap
from .autograd import grad_mode
from .autograd.function import FunctionCtx

_state = grad_mode.state
# record(node_cls, out, saved, args, *inputs): Function.apply's bookkeeping for a result the op
# already computed (csrc/python/autograd_apply.cpp); the hottest ops use it to skip forward's frame.
_record = _C.record
# tensor_binary(fn, op, a, b): _binary for two tensors, kernel and recording in one C call.
_tensor_binary = _C.tensor_binary
# tensor_unary(op, node_cls, result_only, x, *params): the unary kernel and, under autograd, the
# node Unary.forward would have made (saving (x, y), or only y when result_only; ctx.args = params).
_tensor_unary = _C.tensor_unary


def _tracked(*xs):
    if _state.enabled:
        for x in xs:  # a plain loop: no generator frame on every op
            if isinstance(x, Tensor) and x._requires_grad:
                return True
    return False


def _check_tensor(x, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


# ---- arithmetic ---------------------------------------------------------------------------
def _binary(fn, op, a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return _tensor_binary(fn, op, a, b)
    if _state.enabled and ((isinstance(a, Tensor) and a._requires_grad) or (isinstance(b, Tensor) and b._requires_grad)):
        saves = fn.saves_operands
        if saves is None:
            return fn.apply(a, b)
        # The kernel call forward would make, then forward's bookkeeping in one C call.
        out = binary_impl(op, a, b)
        if saves:
            saved, scalars = operands_to_save(a, b)
            return _record(fn._backward_cls, out, saved, scalars, a, b)
        return _record(fn._backward_cls, out, None, None, a, b)
    return binary_impl(op, a, b)


def _operator(fn, op):
    """A Tensor operator: NotImplemented for operands ember does not know (Python's protocol)."""
    def method(self, other):
        if isinstance(other, Tensor):
            return _tensor_binary(fn, op, self, other)
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return _binary(fn, op, self, other)
    return method


_OPERAND_TYPES = (Tensor, numbers.Number)


def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha)
    return _out(_binary(Add, B["add"], input, other), out)


def sub(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha)
    return _out(_binary(Sub, B["sub"], input, other), out)


subtract = sub


def rsub(input, other, *, alpha=1):
    if alpha != 1:
        input = mul(input, alpha)
    if _tracked(input, other):
        return (Rsub if isinstance(other, Tensor) else RsubScalar).apply(input, other)
    return binary_impl(B["sub"], other, input)


def mul(input, other, *, out=None):
    return _out(_binary(Mul, B["mul"], input, other), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        return _out(_binary(Div, B["div"], input, other), out)
    if rounding_mode == "floor":
        return _out(floor_divide(input, other), out)
    if rounding_mode == "trunc":
        a = input if isinstance(input, Tensor) else other
        q = _binary(Div, B["div"], input, other).trunc()
        both_int = not a.dtype.is_floating_point and not builtins.any(
            isinstance(v, float) or (isinstance(v, Tensor) and v.dtype.is_floating_point) for v in (input, other))
        return _out(q.to(result_type(input, other)) if both_int else q, out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


divide = true_divide = div


def floor_divide(input, other):
    return binary_impl(B["floor_divide"], input, other)


def remainder(input, other):
    return binary_impl(B["remainder"], input, other)


def fmod(input, other):
    q = div(input, other, rounding_mode="trunc")
    return input - q * other


def pow(input, exponent):
    return _binary(pow_function(input, exponent), B["pow"], input, exponent)


def float_power(input, exponent):
    return pow(input.double() if isinstance(input, Tensor) else input,
               exponent.double() if isinstance(exponent, Tensor) else exponent)


def _check_other(other, op):
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")


def maximum(input, other):
    _check_other(other, "maximum")
    return _binary(Maximum, B["maximum"], input, other)


def minimum(input, other):
    _check_other(other, "minimum")
    return _binary(Minimum, B["minimum"], input, other)


fmax, fmin = maximum, minimum


def atan2(input, other):
    _check_other(other, "atan2")
    return _binary(Atan2, B["atan2"], input, other)


arctan2 = atan2


def _out(result, out):
    if out is None:
        return result
    if out.shape != result.shape:
        out.resize_(result.shape)
    _C.copy_(out._c, result._c)
    return out


def _compare(name):
    op = B[name]

    def compare(input, other, *, out=None):
        return _out(binary_impl(op, input, other), out)

    compare.__name__ = name
    return compare


eq, ne, lt, le, gt, ge = (_compare(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
def _logical(name):
    op = B[name]

    def logical(input, other, *, out=None):
        _check_other(other, name)  # PyTorch takes no Python number here
        return _out(binary_impl(op, input, other), out)

    logical.__name__ = name
    return logical


logical_and, logical_or, logical_xor = (_logical(n) for n in ("logical_and", "logical_or", "logical_xor"))
bitwise_and, bitwise_or, bitwise_xor = (_compare(n) for n in ("bitwise_and", "bitwise_or", "bitwise_xor"))


def equal(input, other):
    return input.shape == other.shape and bool((input == other).all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    close = (input - other).abs() <= atol + rtol * other.abs()
    close = close | (input == other)
    if equal_nan:
        close = close | (input.isnan() & other.isnan())
    return close


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def where(condition, input=None, other=None):
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    ref = input if isinstance(input, Tensor) else other
    a = input if isinstance(input, Tensor) else _scalar_like(input, ref, other)
    b = other if isinstance(other, Tensor) else _scalar_like(other, ref, input)
    if _tracked(a, b):
        return Where.apply(condition, a, b)
    return wrap(_C.where(condition._c, a._c, b._c))


def _scalar_like(value, ref, partner):
    """A Python number in where(): takes the other operand's dtype category rules."""
    c = _C.wrap_scalar(float(value), 0 if isinstance(value, bool) else 1 if isinstance(value, numbers.Integral) else 2)
    return wrap(c)


# ---- unary ---------------------------------------------------------------------------------
def _unary(op, x, *params):
    return _tensor_unary(U[op], _UNARY_NODES[op], op in RESULT_ONLY, x, *params)


_UNARY_NODES = {op: fn._backward_cls for op, fn in UNARY_FUNCTIONS.items()}


def _make_unary(op):
    code, node, result_only = U[op], _UNARY_NODES[op], op in RESULT_ONLY

    def fn(input, *, out=None):
        r = _tensor_unary(code, node, result_only, input)
        return r if out is None else _out(r, out)

    fn.__name__ = op
    return fn


(neg, abs, exp, log, log1p, expm1, log2, log10, sqrt, rsqrt, sin, cos, tan, tanh, sigmoid, relu, floor, ceil, trunc,
 reciprocal, erf, asin, acos, atan, sinh, cosh, sign) = (
    _make_unary(op) for op in ("neg", "abs", "exp", "log", "log1p", "expm1", "log2", "log10", "sqrt", "rsqrt", "sin",
                               "cos", "tan", "tanh", "sigmoid", "relu", "floor", "ceil", "trunc", "reciprocal", "erf",
                               "asin", "acos", "atan", "sinh", "cosh", "sign"))
negative, absolute, arcsin, arccos, arctan, fix = neg, abs, asin, acos, atan, trunc


def round(input, *, decimals=0):
    if decimals:
        scale = 10.0 ** decimals
        return _unary("round", input * scale) / scale
    return _unary("round", input)


def square(input):
    return mul(input, input)


def frac(input):
    return input - input.trunc()


def _predicate(op):
    def fn(input):
        return wrap(_C.unary(U[op], input._c, []))

    fn.__name__ = op
    return fn


isnan, isinf, isfinite, logical_not = (_predicate(op) for op in ("isnan", "isinf", "isfinite", "logical_not"))


def bitwise_not(input):
    return wrap(_C.unary(U["bitwise_not"], input._c, []))


def isposinf(input):
    return input.isinf() & (input > 0)


def isneginf(input):
    return input.isinf() & (input < 0)


def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        r = input
        if min is not None:
            r = _binary(Maximum, B["maximum"], r, min)
        if max is not None:
            r = _binary(Minimum, B["minimum"], r, max)
        return _out(r, out)
    lo = float(min) if min is not None else 0.0
    hi = float(max) if max is not None else 0.0
    r = _unary("clamp", input, lo, hi, float(min is not None), float(max is not None))
    if not input.dtype.is_floating_point and builtins.any(isinstance(v, float) for v in (min, max)):
        r = _unary("clamp", input.float(), lo, hi, float(min is not None), float(max is not None))
    return _out(r, out)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def lerp(input, end, weight):
    # PyTorch's two-sided formula: exact at both ends, and inf - inf does not appear for |weight| >= 0.5
    diff = end - input
    if isinstance(weight, Tensor):
        return where(weight.abs() < 0.5, input + weight * diff, end - diff * (1 - weight))
    return input + weight * diff if builtins.abs(weight) < 0.5 else end - diff * (1 - weight)


def _to_result_shape(input, tensor1, tensor2):
    # PyTorch's fused addcmul/addcdiv compute tensor1 (op) tensor2 at the result's shape, so their
    # gradients are summed after the product/quotient: over an empty result they are 0, where a
    # gradient summed first and then divided by a 0-d zero gave 0/0 = NaN (fuzz, addcdiv)
    if isinstance(input, Tensor) and isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor):
        shape = broadcast_shapes(input.shape, tensor1.shape, tensor2.shape)
        if tensor1.shape != shape:
            tensor1 = tensor1.expand(shape)
        if tensor2.shape != shape:
            tensor2 = tensor2.expand(shape)
    return tensor1, tensor2


def addcmul(input, tensor1, tensor2, *, value=1):
    tensor1, tensor2 = _to_result_shape(input, tensor1, tensor2)
    return add(input, mul(tensor1, tensor2), alpha=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    tensor1, tensor2 = _to_result_shape(input, tensor1, tensor2)
    if value == 1:
        return add(input, div(tensor1, tensor2))
    # (value * tensor1) / tensor2, in PyTorch's order: a tiny value times a huge quotient would
    # round otherwise (value * inf = inf where PyTorch's 0 / 0 gives NaN)
    return add(input, div(mul(tensor1, value), tensor2))


# ---- reductions ----------------------------------------------------------------------------
def _dims(dim):
    if dim is None:
        return []
    if isinstance(dim, numbers.Integral):
        return [int(dim)]
    return [int(d) for d in dim]


def sum(input, dim=None, keepdim=False, *, dtype=None):
    # tensor_sum: the kernel and, under autograd, Sum.forward's node (csrc/python/fast_reduce.cpp).
    if dim is None:
        return _tensor_sum(_SUM_ALL_NODE, input, [], keepdim, -1 if dtype is None else dtype.code)
    dims = _dims(dim)
    return _tensor_sum(_SUM_NODE if dims else _SUM_ALL_NODE, input, dims, keepdim, -1 if dtype is None else dtype.code)


_tensor_sum = _C.tensor_sum
_SUM_NODE, _SUM_ALL_NODE = fr.Sum._backward_cls, fr.SumAll._backward_cls


def mean(input, dim=None, keepdim=False, *, dtype=None):
    dims = _dims(dim)
    if _tracked(input):
        return (fr.Mean if dims else fr.MeanAll).apply(input, dims, keepdim, dtype)
    return wrap(_C.mean(input._c, dims, keepdim, -1 if dtype is None else dtype.code))


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    return sum(input.masked_fill(input.isnan(), 0), dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    valid = ~input.isnan()
    return nansum(input, dim, keepdim, dtype=dtype) / valid.sum(dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    dims = _dims(dim)
    if _tracked(input):
        return (fr.Prod if dims else fr.ProdAll).apply(input, dims, keepdim, dtype)
    return wrap(_C.reduce(fr.PROD, input._c, dims, keepdim, -1 if dtype is None else dtype.code))


class _ValuesIndices(tuple):
    """torch.return_types.max: a (values, indices) tuple with named fields."""

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self):
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"

    _name = "max"


def _named(name, pair):
    r = _ValuesIndices(pair)
    r._name = name
    return r


def max(input, dim=None, keepdim=False, *, out=None):
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        if _tracked(input):
            return fr.MaxAll.apply(input, [], False)
        return wrap(_C.reduce(fr.MAX, input._c, [], False, -1))
    if _tracked(input):
        return _named("max", fr.MaxDim.apply(input, int(dim), keepdim))
    v, i = _C.max_dim(input._c, int(dim), keepdim, True)
    return _named("max", (wrap(v), wrap(i)))


def min(input, dim=None, keepdim=False, *, out=None):
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("min(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        if _tracked(input):
            return fr.MinAll.apply(input, [], False)
        return wrap(_C.reduce(fr.MIN, input._c, [], False, -1))
    if _tracked(input):
        return _named("min", fr.MinDim.apply(input, int(dim), keepdim))
    v, i = _C.max_dim(input._c, int(dim), keepdim, False)
    return _named("min", (wrap(v), wrap(i)))


def amax(input, dim=(), keepdim=False):
    dims = _dims(dim)
    if _tracked(input):
        return fr.Extremum.apply(input, dims, keepdim)
    return wrap(_C.reduce(fr.MAX, input._c, dims, keepdim, -1))


def amin(input, dim=(), keepdim=False):
    dims = _dims(dim)
    if _tracked(input):
        return fr.Amin.apply(input, dims, keepdim)
    return wrap(_C.reduce(fr.MIN, input._c, dims, keepdim, -1))


def argmax(input, dim=None, keepdim=False):
    return wrap(_C.argmax(input._c, dim, keepdim, True))


def argmin(input, dim=None, keepdim=False):
    return wrap(_C.argmax(input._c, dim, keepdim, False))


def all(input, dim=None, keepdim=False):
    return wrap(_C.reduce(fr.ALL, input._c, _dims(dim), keepdim, -1))


def any(input, dim=None, keepdim=False):
    return wrap(_C.reduce(fr.ANY, input._c, _dims(dim), keepdim, -1))


def _var_args(dim, unbiased, correction):
    """(dims, correction) from var/std's overloaded arguments."""
    if isinstance(unbiased, bool) and correction is None:
        correction = 1 if unbiased else 0
    elif unbiased is not None and not isinstance(unbiased, bool):  # var(x, 0): dim given positionally
        dim, unbiased = unbiased if dim is None else dim, None
    correction = 1 if correction is None else correction
    return _dims(dim), float(correction)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dims, correction = _var_args(dim, unbiased, correction)
    if _tracked(input):
        return fr.Var.apply(input, dims, correction, keepdim)
    return wrap(_C.var(input._c, dims, correction, keepdim))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if _tracked(input):
        dims, correction = _var_args(dim, unbiased, correction)
        return fr.Std.apply(input, dims, correction, keepdim)
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    x = input if dtype is None else input.to(dtype)
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise NotImplementedError("norm(p='nuc') needs an SVD, which ember does not have")
    dims = _dims(dim)
    if _tracked(x):
        return fr.Norm.apply(x, float(p), dims, keepdim)
    return fr.norm_impl(x, float(p), dims, keepdim)


def dist(input, other, p=2):
    return norm(input - other, p)


def logsumexp(input, dim, keepdim=False):
    m = amax(input.detach(), dim, keepdim=True)
    m = m.masked_fill(m.isinf(), 0)
    out = (input - m).exp().sum(dim, keepdim=True).log() + m
    return out if keepdim else out.squeeze(dim)


def cumsum(input, dim, *, dtype=None):
    if _tracked(input):
        return fr.Cumsum.apply(input, int(dim), dtype)
    return wrap(_C.cumulative(input._c, int(dim), False, -1 if dtype is None else dtype.code))


def cumprod(input, dim, *, dtype=None):
    if _tracked(input):
        # Built from products of slices so every zero is handled exactly by autograd.
        x = input if dtype is None else input.to(dtype)
        if x.dim() == 0 or x.numel() == 0:  # one element or none: narrow below cannot take these
            _C.cumulative(x.detach()._c, int(dim), True, -1)  # checks dim with PyTorch's message
            return x.clone()
        parts = [x.narrow(dim, 0, 1)]
        for i in range(1, x.shape[dim]):
            parts.append(parts[-1] * x.narrow(dim, i, 1))
        return cat(parts, dim)
    return wrap(_C.cumulative(input._c, int(dim), True, -1 if dtype is None else dtype.code))


def softmax(input, dim=None, dtype=None, **_):
    x = input if dtype is None else input.to(dtype)
    if _tracked(x):
        return fr.Softmax.apply(x, dim)
    return wrap(_C.softmax(x._c, dim, False))


def log_softmax(input, dim=None, dtype=None, **_):
    x = input if dtype is None else input.to(dtype)
    if _tracked(x):
        return fr.LogSoftmax.apply(x, dim)
    return wrap(_C.softmax(x._c, dim, True))


# ---- shape ---------------------------------------------------------------------------------
def _shape_args(shape):
    if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
        shape = shape[0]
    return [int(s) for s in shape]


def reshape(input, *shape):
    s = _shape_args(shape)
    if _tracked(input):
        return fs.Reshape.apply(input, s)
    return wrap(_C.reshape(input._c, s))


def view(input, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise NotImplementedError("view(dtype) is not supported")
    s = _shape_args(shape)
    if _tracked(input):
        return fs.View.apply(input, s)
    return wrap(_C.view(input._c, s))


def permute(input, *dims):
    d = _shape_args(dims)
    if _tracked(input):
        return fs.Permute.apply(input, d)
    return wrap(_C.permute(input._c, d))


def transpose(input, dim0, dim1):
    if _tracked(input):
        return fs.Transpose.apply(input, dim0, dim1)
    return wrap(_C.transpose(input._c, dim0, dim1))


swapaxes = swapdims = transpose


def t(input):
    if input.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    if input.dim() < 2:
        return input if not _tracked(input) else fs.T.apply(input, 0, 0)
    if _tracked(input):
        return fs.T.apply(input, 0, 1)
    return wrap(_C.transpose(input._c, 0, 1))


def movedim(input, source, destination):
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    nd = input.dim()
    src = [s % nd for s in src]
    dst = [d % nd for d in dst]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim


def expand(input, *sizes):
    s = _shape_args(sizes)
    if _tracked(input):
        return fs.Expand.apply(input, s)
    return wrap(_C.expand(input._c, s))


def broadcast_to(input, size):
    return expand(input, size)


def squeeze(input, dim=None):
    dims = _dims(dim)
    if _tracked(input):
        return fs.squeeze_function(dim).apply(input, dims)
    return wrap(_C.squeeze(input._c, dims))


def unsqueeze(input, dim):
    if _tracked(input):
        return fs.Unsqueeze.apply(input, int(dim))
    return wrap(_C.unsqueeze(input._c, int(dim)))


def flatten(input, start_dim=0, end_dim=-1):
    shape = input._c.shape
    nd = len(shape)
    if nd == 0:
        return reshape(input, 1)
    s, e = start_dim % nd, end_dim % nd
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return reshape(input, shape[:s] + (-1 if 0 not in shape[s:e + 1] else 0,) + shape[e + 1:])


def unflatten(input, dim, sizes):
    shape = list(input.shape)
    d = dim % input.dim()
    return reshape(input, shape[:d] + list(sizes) + shape[d + 1:])


def ravel(input):
    return reshape(input, -1)


def narrow(input, dim, start, length):
    d = dim % builtins.max(input.dim(), 1)
    if isinstance(start, Tensor):
        start = int(start)
    wrap(_C.narrow(input._c, dim, start, length))  # validates with PyTorch's messages
    start = start + input.shape[d] if start < 0 else start
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


def select(input, dim, index):
    d = dim % builtins.max(input.dim(), 1)
    wrap(_C.select(input._c, dim, index))  # validates
    return getitem(input, (slice(None),) * d + (int(index),))


def split(tensor, split_size_or_sections, dim=0):
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, numbers.Integral):
        step = int(split_size_or_sections)
        if step <= 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        sections = [builtins.min(step, size - i) for i in range(0, size, step)] if size else [0]
    else:
        sections = list(split_size_or_sections)
        if builtins.sum(sections) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {dim}), but got split_sizes={sections}")
    out, pos = [], 0
    for s in sections:
        out.append(narrow(tensor, dim, pos, s))
        pos += s
    return tuple(out)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    size = input.shape[dim]
    if size == 0:  # PyTorch gives `chunks` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, -(-size // chunks), dim)


def tensor_split(input, indices_or_sections, dim=0):
    size = input.shape[dim]
    if isinstance(indices_or_sections, numbers.Integral):
        n = int(indices_or_sections)
        q, r = divmod(size, n)
        sections = [q + 1] * r + [q] * (n - r)
    else:
        bounds = [0] + list(indices_or_sections) + [size]
        sections = [builtins.max(0, builtins.min(b, size) - builtins.min(a, size)) for a, b in zip(bounds, bounds[1:])]
    return split(input, sections, dim)


def unbind(input, dim=0):
    return tuple(select(input, dim, i) for i in range(input.shape[dim]))


def cat(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    if _tracked(*tensors):
        return _out(fs.Cat.apply(dim, *tensors), out)
    return _out(wrap(_C.cat([t._c for t in tensors], dim)), out)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    return _out(fs.Stack.apply(dim, *tensors) if _tracked(*tensors) else fs.Stack.forward(_Ctx(), dim, *tensors), out)


class _Ctx(FunctionCtx):
    """A throwaway ctx for calling a Function's forward directly on the fast path."""


def hstack(tensors):
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].dim() == 1 else 1)


def vstack(tensors):
    return cat([atleast_2d(t) for t in tensors], 0)


row_stack = vstack


def column_stack(tensors):
    return hstack([t.reshape(-1, 1) if t.dim() <= 1 else t for t in tensors])


def dstack(tensors):
    return cat([atleast_3d(t) for t in tensors], 2)


def atleast_1d(t):
    return t.reshape(1) if t.dim() == 0 else t


def atleast_2d(t):
    return t.reshape(1, -1) if t.dim() < 2 else t


def atleast_3d(t):
    if t.dim() == 0:
        return t.reshape(1, 1, 1)
    if t.dim() == 1:
        return t.reshape(1, -1, 1)
    if t.dim() == 2:
        return t.unsqueeze(-1)
    return t


def flip(input, dims):
    d = [dims] if isinstance(dims, numbers.Integral) else list(dims)
    if _tracked(input):
        return fs.Flip.apply(input, d)
    return wrap(_C.flip(input._c, d))


def fliplr(input):
    return flip(input, [1])


def flipud(input):
    return flip(input, [0])


def roll(input, shifts, dims=None):
    if dims is None:
        return roll(input.flatten(), shifts, 0).view(input.shape)
    shifts = [shifts] if isinstance(shifts, numbers.Integral) else list(shifts)
    dims = [dims] if isinstance(dims, numbers.Integral) else list(dims)
    out = input
    for s, d in zip(shifts, dims):
        n = out.shape[d]
        if n == 0:
            continue
        s %= n
        if s:
            out = cat([out.narrow(d, n - s, s), out.narrow(d, 0, n - s)], d)
    return out


def repeat(input, *sizes):
    s = _shape_args(sizes)
    if _tracked(input):
        return fs.Repeat.apply(input, s)
    return wrap(_C.repeat(input._c, s))


def repeat_interleave(input, repeats, dim=None):
    x = input.flatten() if dim is None else input
    d = 0 if dim is None else dim % x.dim()
    n = x.shape[d]
    if isinstance(repeats, Tensor):
        repeats = repeats.tolist()
    reps = [int(repeats)] * n if isinstance(repeats, numbers.Integral) else list(repeats)
    from ._creation import tensor as _tensor

    idx = _tensor([i for i, r in enumerate(reps) for _ in range(r)], dtype=_dtype.int64)
    return index_select(x, d, idx)


def tile(input, dims):
    dims = list(dims)
    dims = [1] * (input.dim() - len(dims)) + dims
    return repeat(input, dims)


def clone(input, *, memory_format=None):
    if _tracked(input):
        return fs.Clone.apply(input)
    return wrap(_C.clone(input._c))


def contiguous(input, memory_format=None):
    if input._c.is_contiguous():
        return input
    return clone(input)


def diagonal(input, offset=0, dim1=0, dim2=1):
    if _tracked(input):
        return fs.Diagonal.apply(input, offset, dim1, dim2)
    return wrap(_C.diagonal(input._c, offset, dim1, dim2))


def diag(input, diagonal=0):
    """The diagonal of a matrix, or a matrix with a vector on its diagonal."""
    if input.dim() != 1:
        return globals()["diagonal"](input, diagonal)
    from ._creation import arange, zeros

    n = input.shape[0] + builtins.abs(diagonal)
    idx = arange(input.shape[0])
    out = zeros(n, n, dtype=input.dtype)
    return index_put(out, (idx + builtins.max(-diagonal, 0), idx + builtins.max(diagonal, 0)), input)


def trace(input):
    return diagonal(input).sum()


def tril(input, diagonal=0):
    if _tracked(input):
        return fs.Tril.apply(input, diagonal, False)
    return wrap(_C.tril(input._c, diagonal, False))


def triu(input, diagonal=0):
    if _tracked(input):
        return fs.Triu.apply(input, diagonal, True)
    return wrap(_C.tril(input._c, diagonal, True))


def sum_to_size(input, *size):
    shape = _shape_args(size)
    lead = input.dim() - len(shape)
    dims = list(range(lead)) + [lead + i for i, s in enumerate(shape) if s == 1 and input.shape[lead + i] != 1]
    if not dims:
        return input
    r = sum(input, dims, keepdim=True)
    return r.reshape(shape) if lead else r


# ---- linear algebra ------------------------------------------------------------------------
def matmul(input, other, *, out=None):
    if _tracked(input, other):
        fn = fl.Mm if input.dim() == 2 and other.dim() == 2 else fl.Dot if input.dim() == 1 and other.dim() == 1 \
            else fl.Mv if input.dim() == 2 and other.dim() == 1 else fl.Matmul
        return _out(fn.apply(input, other), out)
    return _out(wrap(_C.matmul(input._c, other._c)), out)


def mm(input, mat2, *, out=None):
    if _tracked(input, mat2):
        return _out(fl.Mm.apply(input, mat2), out)
    return _out(wrap(_C.mm(input._c, mat2._c)), out)


def bmm(input, mat2, *, out=None):
    if _tracked(input, mat2):
        return _out(fl.Bmm.apply(input, mat2), out)
    return _out(wrap(_C.bmm(input._c, mat2._c)), out)


def mv(input, vec, *, out=None):
    if _tracked(input, vec):
        return _out(fl.Mv.apply(input, vec), out)
    return _out(wrap(_C.mv(input._c, vec._c)), out)


def dot(input, other, *, out=None):
    if _tracked(input, other):
        return _out(fl.Dot.apply(input, other), out)
    return _out(wrap(_C.dot(input._c, other._c)), out)


vdot = dot


def inner(input, other):
    """Sums over the last dim of both: shape input.shape[:-1] + other.shape[:-1]."""
    if input.dim() == 0 or other.dim() == 0:
        return mul(input, other)
    k = input.shape[-1]
    if other.shape[-1] != k:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    out = mm(input.reshape(math.prod(input.shape[:-1]), k), other.reshape(math.prod(other.shape[:-1]), k).t())
    return out.reshape(tuple(input.shape[:-1]) + tuple(other.shape[:-1]))


def outer(input, vec2):
    for name, v in (("self", input), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.dim()}-D")
    return input.reshape(-1, 1) * vec2  # PyTorch's graph for it


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    if _tracked(input, mat1, mat2):
        return fl.Addmm.apply(input, mat1, mat2, float(beta), float(alpha))
    return wrap(_C.addmm(input._c, mat1._c, mat2._c, float(beta), float(alpha)))


def linear(input, weight, bias=None):
    if _tracked(input, weight, bias):
        return (fl.Linear if bias is not None else fl.LinearNoBias).apply(input, weight, bias)
    return wrap(_C.linear(input._c, weight._c, bias._c if bias is not None else None))


def einsum(equation, *operands):
    """einsum by broadcasting every operand over all letters, multiplying and summing the
    contracted ones: exact for any equation, memory-hungry for large contractions."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, _, output = equation.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if not _:
        letters = sorted(set("".join(terms)) - {l for l in "".join(terms) if "".join(terms).count(l) > 1})
        output = "".join(letters)
    if len(terms) != len(operands):
        raise RuntimeError(f"einsum(): {len(terms)} operands in the equation but {len(operands)} were given")
    if builtins.any(len(set(term)) != len(term) for term in terms):
        raise NotImplementedError("einsum(): a letter repeated within one operand (a diagonal) is not supported")
    all_letters = []
    for term in terms:
        for ch in term:
            if ch not in all_letters:
                all_letters.append(ch)
    expanded = []
    for term, op in zip(terms, operands):
        perm = [term.index(ch) for ch in all_letters if ch in term]
        x = op.permute(perm) if perm else op
        expanded.append(x.reshape([op.shape[term.index(ch)] if ch in term else 1 for ch in all_letters]))
    prod_ = expanded[0]
    for e in expanded[1:]:
        prod_ = prod_ * e
    reduce_dims = [i for i, ch in enumerate(all_letters) if ch not in output]
    r = sum(prod_, reduce_dims) if reduce_dims else prod_
    kept = [ch for ch in all_letters if ch in output]
    return r.permute([kept.index(ch) for ch in output]) if kept else r


def cdist(x1, x2, p=2.0, compute_mode=None):
    """p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): (..., P, R)."""
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, but got p={p}")
    return norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


# ---- indexing ------------------------------------------------------------------------------
def getitem(x, key):
    from ._indexing import getitem as raw, node_kind

    if _tracked(x):
        kind = node_kind(x, key)
        out = fi.INDEX_FUNCTIONS[kind].apply(x, key)
        out._view_of = (x, key) if kind != "index" else None
        return out
    return raw(x, key)


def setitem(x, key, value):
    from ._indexing import setitem as raw

    if _tracked(x, value):
        if x.grad_fn is None and x._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        from ._creation import tensor as _tensor

        v = value if isinstance(value, Tensor) else _tensor(value, dtype=x.dtype)
        _rebase_inplace(x, lambda src: fi.IndexPut.apply(src, key, v))
        return
    raw(x, key, value)


def index_select(input, dim, index):
    if _tracked(input):
        return fi.IndexSelect.apply(input, dim, index)
    return wrap(_C.index_select(input._c, dim, index._c))


def gather(input, dim, index, *, sparse_grad=False):
    if _tracked(input):
        return fi.Gather.apply(input, dim, index)
    return wrap(_C.gather(input._c, dim, index._c))


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return gather(input.flatten(), 0, indices.flatten())
    return gather(input, dim, indices.expand(*[builtins.max(a, b) if i != dim % input.dim() else b for i, (a, b) in
                                              enumerate(zip(input.shape, indices.shape))]))


def take(input, index):
    if input.numel() == 0 and index.numel():
        raise IndexError("take(): tried to take from an empty tensor")
    flat = index.flatten()
    flat = where(flat < 0, flat + input.numel(), flat)  # take counts from the end; gather does not
    return gather(input.flatten(), 0, flat).reshape(index.shape)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    s = value if src is None else src
    if reduce == "add":
        return scatter_add(input, dim, index, s)
    fn = fi.Scatter if isinstance(s, Tensor) else fi.ScatterValue
    return fn.apply(input, dim, index, s) if _tracked(input, s) else fn.forward(_Ctx(), input, dim, index, s)


def scatter_add(input, dim, index, src):
    return fi.ScatterAdd.apply(input, dim, index, src) if _tracked(input, src) else \
        fi.ScatterAdd.forward(_Ctx(), input, dim, index, src)


def index_add(input, dim, index, source, *, alpha=1):
    if alpha != 1:
        source = source * alpha
    return fi.IndexAdd.apply(input, dim, index, source) if _tracked(input, source) else \
        fi.IndexAdd.forward(_Ctx(), input, dim, index, source)


def index_put(input, indices, values, accumulate=False):
    out = clone(input)
    if accumulate:
        from ._indexing import setitem as raw

        raw(out, tuple(indices), values, accumulate=True)
        return out
    setitem(out, tuple(indices), values)
    return out


def masked_fill(input, mask, value):
    if _tracked(input, value):
        return (fi.MaskedFillTensor if isinstance(value, Tensor) else fi.MaskedFill).apply(input, mask, value)
    return fi.MaskedFill.forward(_Ctx(), input, mask, value)


def masked_select(input, mask):
    return getitem(input.expand(*_broadcast(input.shape, mask.shape)), mask.expand(*_broadcast(input.shape, mask.shape)))


def _broadcast(a, b):
    return list(_infer_size(tuple(a), tuple(b)))


def nonzero(input, *, as_tuple=False):
    nz = wrap(_C.nonzero(input._c))
    if as_tuple:
        if input.dim() == 0:
            return (nz.reshape(-1),)
        return tuple(nz[:, i] for i in range(input.dim()))
    return nz


def argwhere(input):
    return nonzero(input)


def count_nonzero(input, dim=None):
    return sum(input != 0, dim)


# ---- dtype / device --------------------------------------------------------------------------
def result_type(tensor1, tensor2):
    def impl(v):
        if isinstance(v, Tensor):
            return v._c
        from ._tensor import scalar_kind

        return _C.wrap_scalar(float(v), scalar_kind(v))

    return _dtype.BY_CODE[_C.result_type([impl(tensor1), impl(tensor2)])]


def promote_types(type1, type2):
    from ._creation import empty

    return result_type(empty(1, dtype=type1), empty(1, dtype=type2))


def can_cast(from_, to):
    if from_.is_floating_point and not to.is_floating_point:
        return False
    if from_ is not _dtype.bool and to is _dtype.bool:
        return False
    return True


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.dtype.is_floating_point


def numel(input):
    return input.numel()


def broadcast_tensors(*tensors):
    shape = ()
    for t in tensors:
        shape = _infer_size(shape, tuple(t.shape))
    return tuple(t.expand(shape) for t in tensors)


def _infer_size(a, b):
    """The broadcast of two shapes, failing with PyTorch's infer_size message."""
    n = builtins.max(len(a), len(b))
    out = []
    for i in range(n):
        size_a = a[i - n + len(a)] if i - n + len(a) >= 0 else 1
        size_b = b[i - n + len(b)] if i - n + len(b) >= 0 else 1
        if size_a != size_b and size_a != 1 and size_b != 1:
            raise RuntimeError(f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at "
                               f"non-singleton dimension {i}")
        out.append(size_b if size_a == 1 else size_a)
    return Size(out)


def broadcast_shapes(*shapes):
    return Size(_broadcast_all(shapes))


def _broadcast_all(shapes):
    import numpy as np

    try:
        return np.broadcast_shapes(*[tuple(s) for s in shapes])
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: {list(shapes)}") from None


# ---- in-place --------------------------------------------------------------------------------
_VIEW_NODES = ("ViewBackward0", "PermuteBackward0", "TransposeBackward0", "TBackward0", "ExpandBackward0",
               "SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2", "UnsqueezeBackward0", "DiagonalBackward0")


def _rebase_inplace(x, compute):
    """In-place under autograd: compute out of place from a copy of x, write the result into x's
    memory and give x the new history. A view made by indexing writes through its base."""
    view_of = getattr(x, "_view_of", None)
    if view_of is not None and view_of[0]._requires_grad:
        base, key = view_of
        new = compute(_copy_with_history(x))
        setitem(base, key, new)
        fresh = getitem(base, key)
        x.grad_fn, x._output_nr, x._requires_grad = fresh.grad_fn, fresh._output_nr, True
        x._view_of = fresh._view_of
        return x
    if x.grad_fn is not None and x.grad_fn.name() in _VIEW_NODES:
        raise RuntimeError(f"in-place operation on a view ({x.grad_fn.name()}) of a tensor that requires grad is not "
                           "supported by ember yet; use the out-of-place op or clone() the view first")
    result = compute(_copy_with_history(x) if x._requires_grad else x.detach())
    _C.copy_(x._c, result._c)
    x.grad_fn, x._output_nr, x._requires_grad = result.grad_fn, result._output_nr, result._requires_grad
    return x


def _copy_with_history(x):
    """A copy of x that stands for x in the graph: the in-place op's node then points at x's own
    history (as PyTorch's does), and what it saves is not overwritten when the result is written back."""
    copy = wrap(_C.clone(x._c))
    copy.grad_fn, copy._output_nr, copy._requires_grad = x.grad_fn, x._output_nr, True
    return copy


def _check_leaf(x):
    if x.grad_fn is None and x._requires_grad and _state.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def _binary_inplace(name, fn):
    """fn: the autograd Function, or a function of the operands that picks one (pow)."""
    op = B[name]

    def method(self, other, *, alpha=1):
        if alpha != 1:
            other = other * alpha
        if _tracked(self, other):
            _check_leaf(self)
            function = fn if isinstance(fn, type) else fn(self, other)
            return _rebase_inplace(self, lambda src: function.apply(src, other))
        if isinstance(other, Tensor):
            _C.binary_(op, self._c, other._c)
        else:
            from ._tensor import scalar_kind

            _C.binary_scalar_(op, self._c, float(other), scalar_kind(other))
        return self

    method.__name__ = name + "_"
    return method


add_ = _binary_inplace("add", Add)
sub_ = _binary_inplace("sub", Sub)
mul_ = _binary_inplace("mul", Mul)
div_ = _binary_inplace("div", Div)
pow_ = _binary_inplace("pow", pow_function)


def addcmul_(self, tensor1, tensor2, *, value=1):
    return add_(self, mul(tensor1, tensor2), alpha=value)


def addcdiv_(self, tensor1, tensor2, *, value=1):
    return add_(self, div(tensor1, tensor2), alpha=value)


def lerp_(self, end, weight):
    return copy_(self, lerp(self, end, weight))


def _unary_inplace(op):
    def method(self):
        if _tracked(self):
            _check_leaf(self)
            return _rebase_inplace(self, lambda src: UNARY_FUNCTIONS[op].apply(src))
        _C.unary_(U[op], self._c, [])
        return self

    method.__name__ = op + "_"
    return method


(neg_, abs_, exp_, log_, sqrt_, sin_, cos_, tanh_, sigmoid_, relu_, floor_, ceil_, trunc_, reciprocal_, sign_, round_,
 log1p_, rsqrt_) = (_unary_inplace(op) for op in ("neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid",
                                                    "relu", "floor", "ceil", "trunc", "reciprocal", "sign", "round",
                                                    "log1p", "rsqrt"))


def clamp_(self, min=None, max=None):
    if _tracked(self) or isinstance(min, Tensor) or isinstance(max, Tensor):
        _check_leaf(self)
        return _rebase_inplace(self, lambda src: clamp(src, min, max))
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    _C.unary_(U["clamp"], self._c, [float(min or 0), float(max or 0), float(min is not None), float(max is not None)])
    return self


clip_ = clamp_


def zero_(self):
    return fill_(self, 0)


def fill_(self, value):
    if _tracked(self, value):
        _check_leaf(self)
        return _rebase_inplace(self, lambda src: src * 0 + value)
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.dim()} "
                               "dimensions.")
        value = value.item()
    _C.fill_(self._c, float(value))
    return self


def copy_(self, src, non_blocking=False):
    if _tracked(self, src):
        _check_leaf(self)
        return _rebase_inplace(self, lambda dst: dst * 0 + src.to(self.dtype).expand(self.shape))
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' must be Tensor, not {type(src).__name__}")
    _C.copy_(self._c, src._c)
    return self


def masked_fill_(self, mask, value):
    if _tracked(self, value):
        _check_leaf(self)
        return _rebase_inplace(self, lambda src: masked_fill(src, mask, value))
    from ._creation import full

    v = value if isinstance(value, Tensor) else full((), value, dtype=self.dtype)
    _C.masked_fill_(self._c, mask._c, v._c)
    return self


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    s = value if src is None else src
    if _tracked(self, s):
        _check_leaf(self)
        return _rebase_inplace(self, lambda t: scatter(t, dim, index, s, reduce=reduce))
    from ._creation import full

    st = s if isinstance(s, Tensor) else full((), s, dtype=self.dtype)
    _C.scatter_(self._c, dim, index._c, st._c, 1 if reduce == "add" else 0)
    return self


def scatter_add_(self, dim, index, src):
    return scatter_(self, dim, index, src, reduce="add")


def index_add_(self, dim, index, source, *, alpha=1):
    if alpha != 1:
        source = source * alpha
    if _tracked(self, source):
        _check_leaf(self)
        return _rebase_inplace(self, lambda t: index_add(t, dim, index, source))
    _C.index_add_(self._c, dim, index._c, source._c)
    return self


def index_fill_(self, dim, index, value):
    key = (slice(None),) * (dim % self.dim()) + (index,)
    setitem(self, key, value)
    return self


def index_put_(self, indices, values, accumulate=False):
    if accumulate:
        from ._indexing import setitem as raw

        raw(self, tuple(indices), values, accumulate=True)
        return self
    setitem(self, tuple(indices), values)
    return self
