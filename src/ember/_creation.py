"""Tensor creation: from data, filled, ranges, random, and the legacy constructors."""
import numbers

import numpy as np

from . import _C, _dtype
from ._device import CPU, as_device, impl_args
from ._tensor import Size, Tensor, wrap


def _shape(size):
    """Sizes given as varargs or as one sequence: zeros(2, 3) and zeros((2, 3))."""
    if len(size) == 1 and not isinstance(size[0], numbers.Integral):
        size = size[0]
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise TypeError(f"empty(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__}")
        out.append(int(s))
    return out


def _size_arg(size, kwargs):
    """The shape given positionally or as `size=` (torch.rand(size=(2, 3)))."""
    if not size and "size" in kwargs:
        return (kwargs["size"],)
    return size


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dt(dtype, default=None):
    if dtype is None:
        return default if default is not None else _dtype.get_default_dtype()
    if isinstance(dtype, _dtype.dtype):
        return dtype
    if isinstance(dtype, type) and issubclass(dtype, (bool, int, float)):
        return {bool: _dtype.bool, int: _dtype.int64, float: _dtype.float64}[dtype]
    return _dtype.from_numpy_dtype(dtype)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, **kwargs):
    size = _size_arg(size, kwargs)
    d = _dt(dtype)
    return _finish(wrap(_C.empty(_shape(size), d.code, *impl_args(as_device(device)))), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, **_):
    if dtype is None:
        dtype = _dtype.bool if isinstance(fill_value, bool) else _dtype.int64 if isinstance(
            fill_value, numbers.Integral) else None
    d = _dt(dtype)
    return _finish(wrap(_C.full(_shape((size,)), float(fill_value), d.code, *impl_args(as_device(device)))),
                   requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    size = _size_arg(size, kwargs)
    return _finish(wrap(_C.full(_shape(size), 0.0, _dt(dtype).code, *impl_args(as_device(device)))), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    size = _size_arg(size, kwargs)
    return _finish(wrap(_C.full(_shape(size), 1.0, _dt(dtype).code, *impl_args(as_device(device)))), requires_grad)


def _like(t, dtype, device):
    return (dtype or t.dtype), (device if device is not None else t.device)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, **_):
    d, dev = _like(input, dtype, device)
    return empty(input.shape, dtype=d, device=dev, requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, **_):
    d, dev = _like(input, dtype, device)
    return zeros(input.shape, dtype=d, device=dev, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, **_):
    d, dev = _like(input, dtype, device)
    return ones(input.shape, dtype=d, device=dev, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, **_):
    d, dev = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=d, device=dev, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, **_):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if dtype is None:
        dtype = _dtype.int64 if all(isinstance(v, numbers.Integral) for v in vals) else None
    d = _dt(dtype)
    t = wrap(_C.arange(float(vals[0]), float(vals[1]), float(vals[2]), d.code, *impl_args(as_device(device))))
    return _finish(t, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, **_):
    d = _dt(dtype)
    return _finish(wrap(_C.linspace(float(start), float(end), int(steps), d.code, *impl_args(as_device(device)))),
                   requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    t = linspace(start, end, steps, dtype=_dtype.float64)
    return _finish((base ** t).to(_dt(dtype), device=device), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, **_):
    d = _dt(dtype)
    return _finish(wrap(_C.eye(int(n), int(n if m is None else m), d.code, *impl_args(as_device(device)))),
                   requires_grad)


# ---- from data --------------------------------------------------------------------------
def _infer_numpy(data, dtype):
    """NumPy array for nested Python data, with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        return data.detach().cpu().numpy()
    if isinstance(data, (list, tuple)) and _contains_tensor(data):
        data = _nested_tensors_to_lists(data)
    arr = np.asarray(data)
    if arr.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    from_numpy_type = isinstance(data, (np.ndarray, np.generic))  # NumPy data keeps its dtype
    if dtype is None:
        if arr.dtype.kind == "f" and not from_numpy_type:
            arr = arr.astype(_dtype.get_default_dtype().numpy)
        elif arr.dtype.kind in "iu" and not from_numpy_type and arr.dtype != np.uint8:
            arr = arr.astype(np.int64)
        elif arr.dtype.kind == "f" and arr.dtype.itemsize == 2:
            arr = arr.astype(np.float32)
        elif arr.dtype.kind in "US":
            raise TypeError(f"new(): invalid data type '{arr.dtype.kind == 'U' and 'str' or 'bytes'}'")
    return arr


def _contains_tensor(data):
    return any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x)) for x in data)


def _nested_tensors_to_lists(data):
    if isinstance(data, Tensor):
        if data.numel() != 1 and data.dim() != 0:
            return data.tolist()
        return data.item()
    return [_nested_tensors_to_lists(x) for x in data]


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    arr = _infer_numpy(data, dtype)
    d = _dt(dtype, _dtype.from_numpy_dtype(arr.dtype) if arr.dtype.kind != "f" or arr.dtype.itemsize > 2 else None)
    t = wrap(_C.copy_from_numpy(np.require(arr.astype(d.numpy, copy=False), requirements="C")))
    dev = as_device(device)
    if dev != CPU:
        t = t.to(dev)
    return _finish(t, requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data.to(dtype=dtype or data.dtype, device=device or data.device)
    if isinstance(data, np.ndarray) and (dtype is None or _dt(dtype).numpy == data.dtype) and device in (None, "cpu", CPU):
        try:
            return from_numpy(data)
        except (TypeError, ValueError):
            pass
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return wrap(_C.from_numpy(ndarray))


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return full((), s, dtype=_dt(dtype), device=device, requires_grad=requires_grad)


# ---- random -----------------------------------------------------------------------------
class Generator:
    """A Philox random number generator; `manual_seed` makes its stream reproducible."""

    def __init__(self, device="cpu"):
        self._impl = _C.GeneratorImpl()
        self.device = as_device(device)

    def manual_seed(self, seed):
        self._impl.seed = int(seed) & ((1 << 64) - 1)
        self._impl.offset = 0
        return self

    def seed(self):
        import random as _random

        s = _random.SystemRandom().getrandbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._impl.seed

    def get_state(self):
        return tensor([self._impl.seed & ((1 << 63) - 1), self._impl.seed >> 63, self._impl.offset], dtype=_dtype.int64)

    def set_state(self, state):
        lo, hi, off = (int(v) for v in state.tolist())
        self._impl.seed = lo | (hi << 63)
        self._impl.offset = off


default_generator = Generator()
default_generator._impl = _C.default_generator()


def manual_seed(seed):
    default_generator.manual_seed(seed)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _gen(generator):
    return (generator or default_generator)._impl


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kwargs):
    size = _size_arg(size, kwargs)
    t = empty(*size, dtype=dtype, device=device)  # drawn where it lives: CUDA runs the same Philox stream
    _C.uniform_(t._c, 0.0, 1.0, _gen(generator))
    return _finish(t, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kwargs):
    size = _size_arg(size, kwargs)
    t = empty(*size, dtype=dtype, device=device)
    _C.normal_(t._c, 0.0, 1.0, _gen(generator))
    return _finish(t, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False, **_):
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    t = empty(size, dtype=dtype or _dtype.int64, device=device)
    _C.random_int_(t._c, int(low), int(high), _gen(generator))
    return _finish(t, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, **_):
    t = wrap(_C.randperm(int(n), _gen(generator)))
    if dtype is not None:
        t = t.to(dtype)
    return _finish(t.to(as_device(device)) if device is not None else t, requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, **_):
    return rand(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, **_):
    return randn(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, **_):
    return randint(low, high, input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False, **_):
    """ember.normal(mean, std) with tensors (broadcast) or numbers plus `size`."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        shape = ref.shape if not (isinstance(mean, Tensor) and isinstance(std, Tensor)) else \
            Size(np.broadcast_shapes(tuple(mean.shape), tuple(std.shape)))
        z = randn(shape, generator=generator, dtype=ref.dtype)
        return _finish(z * std + mean, requires_grad)
    if size is None:
        raise TypeError("normal() missing required argument 'size' when mean and std are numbers")
    t = empty(_shape((size,)), dtype=dtype)
    _C.normal_(t._c, float(mean), float(std), _gen(generator))
    return _finish(t.to(as_device(device)) if device is not None else t, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    prob = input if p is None else p
    if isinstance(prob, Tensor):
        u = rand(input.shape, generator=generator, dtype=input.dtype)
        return (u < prob).to(input.dtype)
    t = empty(input.shape, dtype=input.dtype)
    _C.bernoulli_(t._c, float(prob), _gen(generator))
    return t


def multinomial(input, num_samples, replacement=False, *, generator=None):
    probs = input.detach().double().numpy()
    rows = probs.reshape(-1, probs.shape[-1])
    u = rand(rows.shape[0], num_samples, generator=generator, dtype=_dtype.float64).numpy()
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for r, row in enumerate(rows):
        w = row.copy()
        for k in range(num_samples):
            cdf = np.cumsum(w)
            if cdf[-1] <= 0:
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            out[r, k] = min(int(np.searchsorted(cdf, u[r, k] * cdf[-1], side="right")), len(w) - 1)
            if not replacement:
                w[out[r, k]] = 0
    return from_numpy(out.reshape(probs.shape[:-1] + (num_samples,)))


# ---- legacy constructors ----------------------------------------------------------------
def legacy_new(cls, *args, dtype=None, device=None, requires_grad=False):
    """Tensor(2, 3) (uninitialised), Tensor([1, 2]) (data), Tensor(tensor) (alias), Tensor()."""
    d = dtype or _dtype.get_default_dtype()
    if not args:
        t = empty(0, dtype=d, device=device)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        t = wrap(args[0]._c)
    elif all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args) or (
            len(args) == 1 and isinstance(args[0], Size)):
        t = empty(*args, dtype=d, device=device)
    else:
        if len(args) != 1:
            raise TypeError("new(): invalid arguments")
        t = tensor(args[0], dtype=d, device=device)
    if cls is not Tensor:
        t.__class__ = cls
    if requires_grad:
        t.requires_grad_(True)
    return t


class _LegacyTensorMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and not obj.is_cuda


def _legacy_type(name, dt):
    def __new__(cls, *args, device=None):
        return legacy_new(Tensor, *args, dtype=dt, device=device)

    return _LegacyTensorMeta(name, (), {"__new__": __new__, "dtype": dt, "__module__": "ember"})


FloatTensor = _legacy_type("FloatTensor", _dtype.float32)
DoubleTensor = _legacy_type("DoubleTensor", _dtype.float64)
LongTensor = _legacy_type("LongTensor", _dtype.int64)
IntTensor = _legacy_type("IntTensor", _dtype.int32)
ByteTensor = _legacy_type("ByteTensor", _dtype.uint8)
BoolTensor = _legacy_type("BoolTensor", _dtype.bool)
