"""Parameter (a Tensor that a Module registers when assigned), Buffer, and the uninitialized
placeholders of lazy modules."""
from .. import _creation, _dtype
from .._device import as_device
from .._tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is registered as a module parameter when assigned as a Module attribute.
    It shares `data`'s memory and requires grad by default (also under no_grad, as PyTorch)."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _creation.empty(0)
        if requires_grad and not data.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t = object.__new__(cls)
        t._c = data._c
        t._requires_grad = requires_grad
        return t

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


class _BufferMeta(type):
    def __instancecheck__(cls, instance):
        return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """`self.x = nn.Buffer(t)` registers `t` as a buffer (persistent unless told otherwise)."""

    def __new__(cls, data=None, *, persistent=True):
        t = (_creation.empty(0) if data is None else data).detach()
        t._is_buffer = True
        t.persistent = persistent
        return t


_UNINITIALIZED = ("Attempted to use an uninitialized parameter. This error happens when you are using a `LazyModule` "
                  "or explicitly manipulating `torch.nn.parameter.UninitializedParameter` objects. When using "
                  "LazyModules Call `forward` with a dummy batch to initialize the parameters before calling torch "
                  "functions")


class UninitializedTensorMixin:
    """No data yet: only dtype/device changes and `materialize(shape)` are allowed."""

    cls_to_become = None

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        t = object.__new__(cls)
        t._requires_grad = requires_grad
        t._lazy_dtype = dtype or _dtype.get_default_dtype()
        t._lazy_device = as_device(device if device is not None else "cpu")
        return t

    @property
    def _c(self):
        raise ValueError(_UNINITIALIZED)

    @property
    def dtype(self):
        return self._lazy_dtype

    @property
    def device(self):
        return self._lazy_device

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
                           "in `load_state_dict` when trying to load an uninitialized parameter into an initialized "
                           "one. Call `forward` to initialize the parameters before accessing their attributes.")

    def size(self, dim=None):
        return self.shape

    def materialize(self, shape, device=None, dtype=None):
        """Gives the placeholder real (uninitialized) memory and turns it into its target class."""
        data = _creation.empty(shape, device=device or self._lazy_device, dtype=dtype or self._lazy_dtype)
        self.__class__ = self.cls_to_become
        self._c = data._c

    def to(self, *args, **kwargs):
        probe = _creation.empty(0, dtype=self._lazy_dtype, device=self._lazy_device).to(*args, **kwargs)
        return type(self)(self._requires_grad, probe.device, probe.dtype)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to(device if device is not None else "cuda")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __deepcopy__(self, memo):
        return type(self)(self._requires_grad, self._lazy_device, self._lazy_dtype)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    cls_to_become = Parameter


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        return UninitializedTensorMixin.__new__(cls, requires_grad, device, dtype)


def is_lazy(param):
    return isinstance(param, UninitializedTensorMixin)
