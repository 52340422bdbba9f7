"""Attaches the functional API to Tensor as methods and operators (ember.exp(x) == x.exp())."""
import numbers

from . import _dtype, _ops
from ._functions.elementwise import B, Add, Div, Mul, Sub
from ._device import as_device
from ._functions import shape as fs
from ._tensor import Tensor, wrap

# Functions whose first argument is the tensor become methods of the same name.
_SAME_NAME = """
add sub subtract mul multiply div divide true_divide floor_divide remainder fmod pow float_power maximum minimum
fmax fmin atan2 arctan2 eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_or
logical_xor logical_not bitwise_and bitwise_or bitwise_xor bitwise_not equal isclose allclose neg negative abs
absolute exp log log1p expm1 log2 log10 sqrt rsqrt sin cos tan tanh sigmoid relu floor ceil trunc fix round
reciprocal erf asin acos atan arcsin arccos arctan sinh cosh sign square frac isnan isinf isfinite isposinf isneginf
clamp clip clamp_min clamp_max lerp sum mean nansum nanmean prod max min amax amin argmax argmin all any var std norm
logsumexp cumsum cumprod softmax log_softmax reshape view permute transpose swapaxes swapdims t movedim moveaxis
expand squeeze unsqueeze flatten unflatten ravel narrow select split chunk tensor_split unbind flip fliplr flipud roll
repeat repeat_interleave tile clone contiguous diagonal diag trace tril triu sum_to_size matmul mm bmm mv dot inner
outer ger addmm index_select gather take_along_dim take scatter scatter_add index_add index_put masked_fill
masked_select nonzero argwhere count_nonzero dist broadcast_to
add_ sub_ mul_ div_ pow_ neg_ abs_ exp_ log_ sqrt_ sin_ cos_ tanh_ sigmoid_ relu_ floor_ ceil_ trunc_ reciprocal_
sign_ round_ log1p_ rsqrt_ clamp_ clip_ zero_ fill_ copy_ masked_fill_ scatter_ scatter_add_ index_add_ index_fill_
index_put_ addcmul addcdiv addcmul_ addcdiv_ lerp_
""".split()
for _name in _SAME_NAME:
    setattr(Tensor, _name, getattr(_ops, _name))


def _where(self, condition, other):
    return _ops.where(condition, self, other)


def _view_as(self, other):
    return _ops.view(self, other.shape)


def _reshape_as(self, other):
    return _ops.reshape(self, other.shape)


def _expand_as(self, other):
    return _ops.expand(self, other.shape)


def _to(self, *args, **kwargs):
    """to(dtype), to(device), to(device, dtype), to(other), with non_blocking/copy accepted."""
    dtype = kwargs.get("dtype")
    device = kwargs.get("device")
    copy = kwargs.get("copy", False)
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, bool):
            continue
        elif a is not None:
            device = a
    device = as_device(device) if device is not None else None
    same_dtype = dtype is None or dtype is self.dtype
    same_device = device is None or device == self.device or (device.type == self.device.type and device.index in (None, 0)
                                                              and self.device.index in (None, 0))
    if same_dtype and same_device and not copy:
        return self
    if _ops._tracked(self):
        return fs.ToCopy.apply(self, dtype, device)
    return fs.ToCopy.forward(_ops._Ctx(), self, dtype, device)


def _cast(dtype):
    def method(self, memory_format=None):
        return _to(self, dtype)

    return method


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    from ._creation import tensor

    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _new_factory(name):
    from . import _creation

    factory = getattr(_creation, name)

    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return factory(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    return method


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    from ._creation import full

    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _uniform_(self, a=0.0, b=1.0, generator=None):
    from . import _C
    from ._creation import _gen

    _C.uniform_(self._c, float(a), float(b), _gen(generator))
    self._c.bump_version()
    return self


def _normal_(self, mean=0.0, std=1.0, generator=None):
    from . import _C
    from ._creation import _gen

    _C.normal_(self._c, float(mean), float(std), _gen(generator))
    self._c.bump_version()
    return self


def _bernoulli_(self, p=0.5, generator=None):
    from . import _C
    from ._creation import _gen

    _C.bernoulli_(self._c, float(p), _gen(generator))
    self._c.bump_version()
    return self


def _random_(self, from_=0, to=None, generator=None):
    from . import _C
    from ._creation import _gen

    if to is None:
        from_, to = 0, from_ if from_ else 2 ** 24
    _C.random_int_(self._c, int(from_), int(to), _gen(generator))
    self._c.bump_version()
    return self


def _exponential_(self, lambd=1.0, generator=None):
    _uniform_(self, 0, 1, generator)
    self.copy_((1 - self).log() / -lambd)
    return self


def _cpu(self, memory_format=None):
    return _to(self, "cpu")


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    return _to(self, as_device(device if device is not None else "cuda:0") if not isinstance(device, int) else
               as_device(device))


def _T(self):
    return _ops.permute(self, list(range(self.dim() - 1, -1, -1)))


def _mT(self):
    return _ops.transpose(self, -2, -1)


def _resize_(self, *size):
    from . import _creation

    new = _creation.empty(*size, dtype=self.dtype, device=self.device)
    self._c = new._c
    return self


def _apply_(self, fn):
    flat = self.flatten().tolist()
    self.copy_(self.new_tensor([fn(v) for v in flat]).reshape(self.shape))
    return self


def _unfold(self, dimension, size, step):
    d = dimension % max(self.dim(), 1)
    n = (self.shape[d] - size) // step + 1
    from . import _C

    sizes = list(self.shape)
    strides = list(self.stride())
    sizes[d] = n
    new_strides = strides[:]
    new_strides[d] = strides[d] * step
    return wrap(_C.as_strided(self._c, sizes + [size], new_strides + [strides[d]], self.storage_offset()))


_METHODS = {
    "where": _where, "view_as": _view_as, "reshape_as": _reshape_as, "expand_as": _expand_as, "to": _to,
    "float": _cast(_dtype.float32), "double": _cast(_dtype.float64), "long": _cast(_dtype.int64),
    "int": _cast(_dtype.int32), "bool": _cast(_dtype.bool), "byte": _cast(_dtype.uint8),
    "new_tensor": _new_tensor, "new_zeros": _new_factory("zeros"), "new_ones": _new_factory("ones"),
    "new_empty": _new_factory("empty"), "new_full": _new_full, "uniform_": _uniform_, "normal_": _normal_,
    "bernoulli_": _bernoulli_, "random_": _random_, "exponential_": _exponential_, "cpu": _cpu, "cuda": _cuda,
    "resize_": _resize_, "apply_": _apply_, "unfold": _unfold,
    "__getitem__": _ops.getitem, "__setitem__": _ops.setitem,
}
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.H = Tensor.T
Tensor.is_shared = lambda self: False
Tensor.pin_memory = lambda self: self
Tensor.share_memory_ = lambda self: self


# ---- operators -----------------------------------------------------------------------------
def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    return method


def _checked(fn):
    def method(self, other):
        if not isinstance(other, (Tensor, numbers.Number)):
            return NotImplemented
        return fn(self, other)

    return method


def _checked_number(fn):
    def method(self, other):
        if not isinstance(other, numbers.Number):
            return NotImplemented
        return fn(self, other)

    return method


def _rtruediv(self, other):
    return _ops.reciprocal(self) * other


_binop = _ops._operator
_OPERATORS = {
    # Reflected forms build PyTorch's graphs: number + x is x + number, number - x is rsub,
    # number / x is x.reciprocal() * number.
    "__add__": _binop(Add, B["add"]), "__radd__": _checked_number(_ops.add),
    "__sub__": _binop(Sub, B["sub"]), "__rsub__": _checked_number(_ops.rsub),
    "__mul__": _binop(Mul, B["mul"]), "__rmul__": _checked_number(_ops.mul),
    "__truediv__": _binop(Div, B["div"]), "__rtruediv__": _checked_number(_rtruediv),
    "__pow__": _checked(_ops.pow), "__rpow__": _checked_number(_reflected(_ops.pow)),
    "__floordiv__": _checked(_ops.floor_divide), "__rfloordiv__": _reflected(_ops.floor_divide),
    "__mod__": _checked(_ops.remainder), "__rmod__": _reflected(_ops.remainder),
    "__matmul__": _ops.matmul, "__rmatmul__": _reflected(_ops.matmul),
    "__eq__": _checked(_ops.eq), "__ne__": _checked(_ops.ne), "__lt__": _checked(_ops.lt),
    "__le__": _checked(_ops.le), "__gt__": _checked(_ops.gt), "__ge__": _checked(_ops.ge),
    "__and__": _checked(_ops.bitwise_and), "__rand__": _checked(_ops.bitwise_and),
    "__or__": _checked(_ops.bitwise_or), "__ror__": _checked(_ops.bitwise_or),
    "__xor__": _checked(_ops.bitwise_xor), "__rxor__": _checked(_ops.bitwise_xor),
    "__iadd__": _ops.add_, "__isub__": _ops.sub_, "__imul__": _ops.mul_, "__itruediv__": _ops.div_,
    "__ipow__": _ops.pow_,
    "__neg__": _ops.neg, "__abs__": _ops.abs, "__invert__": _ops.bitwise_not, "__pos__": lambda self: self,
}
for _name, _fn in _OPERATORS.items():
    setattr(Tensor, _name, _fn)


def _ifloordiv(self, other):
    return self.copy_(self // other)


def _imod(self, other):
    return self.copy_(self % other)


def _iand(self, other):
    return self.copy_(self & other)


def _ior(self, other):
    return self.copy_(self | other)


Tensor.__ifloordiv__ = _ifloordiv
Tensor.__imod__ = _imod
Tensor.__iand__ = _iand
Tensor.__ior__ = _ior
