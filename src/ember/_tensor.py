"""class Tensor: wraps a C++ TensorImpl (`_c`) and holds the autograd metadata.

Hot attributes are plain instance attributes over class-level defaults, so wrapping a kernel's
result costs one object and one attribute store. The math lives in _functions/ and _ops.py;
this file holds metadata, conversions, autograd entry points and indexing.
"""
import numbers
import weakref

import numpy as np

from . import _C, _dtype
from ._device import CPU, as_device, device, impl_args
from . import autograd
from .autograd import grad_mode
from .autograd import function
from .autograd.function import AccumulateGrad


# wrap(c): a Tensor around a TensorImpl returned by the core; object.__new__(Tensor) plus `_c`,
# in C (csrc/python/pytensor.cpp) because every op's result passes through it.
wrap = _C.wrap


def scalar_kind(v):
    """How the core should read a Python number: 0 bool, 1 int, 2 float."""
    if isinstance(v, (bool, np.bool_)):
        return 0
    if isinstance(v, numbers.Integral):
        return 1
    if isinstance(v, numbers.Real):
        return 2
    raise TypeError(f"unsupported operand type: '{type(v).__name__}'")


def edge_of(t):
    """The graph edge a gradient for `t` flows into: (node, output index, (shape, dtype code))."""
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr, t._c.meta()
    if t._requires_grad:
        node = t._accumulator
        if node is None:
            node = t._accumulator = AccumulateGrad(t)
        return node, 0, t._c.meta()
    return None


class Tensor:
    # Defaults shared by every instance until set on one.
    _requires_grad = False
    grad_fn = None
    _output_nr = 0
    _grad = None
    _accumulator = None
    _hooks = None
    _post_accumulate_hooks = None
    _retains_grad = False
    __array_priority__ = 1000  # numpy scalars defer to our reflected operators

    def __new__(cls, *args, **kwargs):
        from . import _creation

        return _creation.legacy_new(cls, *args, **kwargs)

    # ---- metadata -----------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._c.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._c.shape)
        return self._c.size(dim)

    @property
    def dtype(self):
        return _dtype.BY_CODE[self._c.dtype_code]

    @property
    def device(self):
        if self._c.device_type == "cpu":
            return CPU
        return device("cuda", self._c.device_index)

    @property
    def is_cuda(self):
        return self._c.device_type == "cuda"

    @property
    def is_cpu(self):
        return self._c.device_type == "cpu"

    @property
    def ndim(self):
        return self._c.ndim

    def dim(self):
        return self._c.ndim

    ndimension = dim

    def numel(self):
        return self._c.numel()

    nelement = numel

    def element_size(self):
        return self.dtype.itemsize

    def stride(self, dim=None):
        s = self._c.strides
        if dim is None:
            return s
        return s[_wrap_dim(dim, len(s))]

    def storage_offset(self):
        return self._c.offset

    def is_contiguous(self, memory_format=None):
        return self._c.is_contiguous()

    def data_ptr(self):
        return self._c.data_ptr()

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return False

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def layout(self):
        return "torch.strided"

    @property
    def _version(self):
        return self._c.version

    def __len__(self):
        if self._c.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._c.shape[0]

    __hash__ = object.__hash__  # identity, as PyTorch's id(self), without a Python call (dict keys in optimizers)

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            prefix = "torch.cuda." if self.is_cuda else "torch."
            return prefix + self.dtype.legacy_name
        if isinstance(dtype, str):
            return self.to(_legacy_dtype_from_name(dtype))
        if isinstance(dtype, _dtype.dtype):
            return self.to(dtype)
        return self.to(dtype.dtype)  # a legacy type class such as ember.FloatTensor

    def type_as(self, other):
        return self.to(other.dtype)

    # ---- autograd metadata --------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self.grad_fn is not None:
            if not value:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                                   "computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return
        if value and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad:
            import warnings

            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                          "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                          "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.",
                          UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of a different size: {list(value.shape)} vs "
                                   f"{list(self.shape)}")
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @property
    def data(self):
        t = wrap(self._c)
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._c = value._c

    def detach(self):
        return wrap(self._c)

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                g = grad.detach().clone()
                t._grad = g if t._grad is None else t._grad + g

        self.grad_fn._register_tensor_hook(self._output_nr, keep)

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._register_tensor_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        from .autograd.function import _RemovableHandle

        return _RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        from .autograd.function import _RemovableHandle

        return _RemovableHandle(self._post_accumulate_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ---- conversion ---------------------------------------------------------------------
    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if force and self.is_cuda:
            return self.cpu()._c.numpy()
        return self._c.numpy()

    def __array__(self, dtype=None, copy=None):
        a = self.detach().cpu()._c.numpy()
        return a.astype(dtype) if dtype is not None else a

    def item(self):
        return self._c.item()

    def tolist(self):
        a = self.detach().cpu()._c.numpy()
        return a.tolist()

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._c.item())

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._c.item())

    def _scalar(self, what):
        if self.numel() != 1:
            raise TypeError(f"only one element tensors can be converted to Python scalars")
        return self._c.item()

    def __complex__(self):
        return complex(self._scalar("complex"))

    def __format__(self, spec):
        if self._c.ndim == 0:
            return self._c.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __iter__(self):
        if self._c.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._c.shape[0]))

    def __reduce_ex__(self, proto):
        from .serialization import _reduce_tensor

        return _reduce_tensor(self)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        with grad_mode.no_grad():
            new = self.clone()
        if type(self) is not Tensor:
            new = type(self)(new, requires_grad=self._requires_grad)
        else:
            new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = self._grad.clone()
        memo[id(self)] = new
        return new

    # ---- in-place helper used by the engine and optimizers (no autograd, no checks) -------
    def _inplace_add(self, other):
        _C.binary_(0, self._c, other._c)
        return self


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def _legacy_dtype_from_name(name):
    base = name.rsplit(".", 1)[-1]
    for d in _dtype.ALL:
        if d.legacy_name == base:
            return d
    raise ValueError(f"invalid type: '{name}'")


_C.bind_tensor_class(Tensor)
function.bind_tensor(Tensor, edge_of, wrap)


class Size(tuple):
    """torch.Size: a tuple that prints as torch.Size([2, 3])."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))
