"""The pickle half of PyTorch's checkpoint format: which global names a pickle uses for tensors,
storages, dtypes and devices, and how they map to ember objects.

Writing: ember tensors are pickled as `torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, requires_grad, OrderedDict())`, the storage being a persistent id
`('storage', torch.FloatStorage, key, location, numel)`, so `torch.load` reads the file without
ember installed. The names are written as raw GLOBAL opcodes, which needs the pure-Python pickler
(the C one insists on importing each global it writes).

Reading: the same names (and the rest of what `torch.save` writes) map back to ember functions.
With `weights_only=True` nothing outside that table is resolved, so a file cannot run code.
"""
import _codecs
import _compat_pickle
import collections
import importlib
import pickle

from . import _C, _dtype
from ._device import device
from ._tensor import Size, Tensor, wrap


class Global:
    """A module-level name written into the pickle as is (it need not be importable here)."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's save_reduce insists that the function be callable
        raise TypeError(f"{self.module}.{self.name} is only a name to write into a pickle")


_REBUILD_TENSOR = Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = Global("torch._utils", "_rebuild_parameter")
_SIZE = Global("torch", "Size")
_DEVICE = Global("torch", "device")
_DTYPE_GLOBAL = {d: Global("torch", d.name) for d in _dtype.ALL}
STORAGE_NAME = {d: d.legacy_name.replace("Tensor", "Storage") for d in _dtype.ALL}  # float32 -> FloatStorage
_STORAGE_GLOBAL = {d: Global("torch", name) for d, name in STORAGE_NAME.items()}


def parameter_class():
    """ember.nn.Parameter, or None while ember has no nn package."""
    try:
        return importlib.import_module("ember.nn").Parameter
    except (ImportError, AttributeError):
        return None


class StorageRef:
    """Stands for one storage in the pickle; the file holds its bytes under `key`."""

    __slots__ = ("key", "base", "dtype", "location", "numel")

    def __init__(self, key, base, dtype, location, numel):
        self.key, self.base, self.dtype, self.location, self.numel = key, base, dtype, location, numel


class TorchNamePickler(pickle._Pickler):
    """Pickles ember objects under PyTorch's names; collects the storages tensors refer to."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = []  # StorageRef, in key order
        self._by_ptr = {}  # storage data pointer -> StorageRef (views of one storage share it)
        self._parameter = parameter_class()

    def persistent_id(self, obj):
        if type(obj) is StorageRef:
            return ("storage", _STORAGE_GLOBAL[obj.dtype], obj.key, obj.location, obj.numel)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):  # Tensor subclasses other than Parameter are saved as plain tensors
            if self._parameter is not None and isinstance(obj, self._parameter):
                return _REBUILD_PARAMETER, (obj.detach(), obj.requires_grad, collections.OrderedDict())
            args = (self._storage_of(obj), obj.storage_offset(), tuple(obj.shape), tuple(obj.stride()),
                    obj.requires_grad, collections.OrderedDict())
            return _REBUILD_TENSOR, args
        if isinstance(obj, Size):
            return _SIZE, (tuple(obj),)
        if isinstance(obj, device):
            return _DEVICE, (str(obj),)
        return NotImplemented

    def _storage_of(self, t):
        c = t._c
        ptr, nbytes = c.storage_ptr(), c.storage_nbytes()
        ref = self._by_ptr.get(ptr) if nbytes else None
        if ref is not None and ref.base._c.same_storage(c):
            if ref.dtype is not t.dtype:
                raise RuntimeError("Cannot save multiple tensors or storages that view the same data as different "
                                   "types")
            return ref
        base = wrap(_C.as_strided(c, [nbytes // t.dtype.itemsize], [1], 0))  # the whole storage, flat
        ref = StorageRef(str(len(self.storages)), base, t.dtype, str(t.device), nbytes // t.dtype.itemsize)
        self.storages.append(ref)
        if nbytes:
            self._by_ptr[ptr] = ref
        return ref

    def _save_global_name(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("ascii"))
        self.memoize(obj)

    def _save_dtype(self, obj):
        self.save(_DTYPE_GLOBAL[obj])

    dispatch[Global] = _save_global_name
    dispatch[_dtype.dtype] = _save_dtype


# ---- reading ----------------------------------------------------------------------------------
class StorageType:
    """What `torch.FloatStorage` (etc.) unpickles to: the dtype of the storage's elements."""

    def __init__(self, dtype):
        self.dtype = dtype


def _check_view(storage, offset, size, stride):
    """A file's view must lie inside the memory it views: as_strided does not check, and memory
    safety must not depend on the file being honest. The bound is the underlying storage's, since a
    crafted file can pass a rebuilt (say, expanded) tensor where a storage belongs."""
    if not isinstance(storage, Tensor):
        raise pickle.UnpicklingError(f"corrupt checkpoint: a tensor is rebuilt from a {type(storage).__name__}, "
                                     "not a storage")
    limit = storage._c.storage_nbytes() // storage.dtype.itemsize
    ok = (isinstance(offset, int) and offset >= 0 and len(size) == len(stride)
          and all(isinstance(v, int) and v >= 0 for v in (*size, *stride)))
    if ok and all(size):
        ok = offset + sum((n - 1) * s for n, s in zip(size, stride)) < limit
    if not ok:
        raise RuntimeError(f"corrupt checkpoint: a tensor view (offset {offset}, size {tuple(size)}, stride "
                           f"{tuple(stride)}) does not fit its storage of {limit} elements")


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    size, stride = tuple(size), tuple(stride)
    _check_view(storage, storage_offset, size, stride)
    return wrap(_C.as_strided(storage._c, list(size), list(stride), storage_offset))


def _rebuild_parameter(data, requires_grad, backward_hooks):
    cls = parameter_class()
    if cls is None:
        return data.requires_grad_(requires_grad) if requires_grad else data
    return cls(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    _set_state(p, state)
    return p


def _rebuild_from_type_v2(func, new_type, args, state):
    t = func(*args)
    if type(t) is not new_type:
        if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
            raise pickle.UnpicklingError(f"cannot rebuild a tensor as {new_type!r}")
        if new_type is parameter_class():
            t = new_type(t, t.requires_grad)
        else:
            t.__class__ = new_type  # a Tensor subclass without its own constructor protocol
    _set_state(t, state)
    return t


def _set_state(obj, state):
    if isinstance(state, tuple):  # (dict state, slots state)
        state = {**(state[0] or {}), **(state[1] or {})}
    for k, v in (state or {}).items():
        setattr(obj, k, v)


def _encode(s, encoding="latin1"):
    """How protocol-2 pickles spell bytes; only the text codecs pickle itself uses."""
    if encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise pickle.UnpicklingError(f"unsupported codec in a weights-only load: {encoding}")
    return _codecs.encode(s, encoding)


def _parameter_global():
    cls = parameter_class()
    if cls is None:
        raise pickle.UnpicklingError("this file holds an nn.Parameter, which needs ember.nn")
    return cls


_UNSUPPORTED_DTYPES = ("float16", "half", "bfloat16", "int8", "int16", "short", "complex64", "complex128", "cfloat",
                       "cdouble", "float8_e4m3fn", "float8_e5m2", "uint16", "uint32", "uint64")
_UNSUPPORTED_STORAGES = ("HalfStorage", "BFloat16Storage", "CharStorage", "ShortStorage", "ComplexFloatStorage",
                         "ComplexDoubleStorage")

# (module, name) -> the ember object it stands for. This table is the weights-only allowlist.
SAFE_GLOBALS = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("torch", "Tensor"): Tensor,
    ("torch", "Size"): Size,
    ("torch", "device"): device,
    ("torch", "UntypedStorage"): StorageType(_dtype.uint8),
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "Counter"): collections.Counter,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "bytearray"): bytearray,
    ("_codecs", "encode"): _encode,
}
SAFE_GLOBALS.update({("torch", d.name): d for d in _dtype.ALL})
SAFE_GLOBALS.update({("torch", name): StorageType(d) for d, name in STORAGE_NAME.items()})
_LAZY_GLOBALS = {("torch.nn.parameter", "Parameter"): _parameter_global}


class TorchNameUnpickler(pickle.Unpickler):
    """Unpickles PyTorch's names as ember objects; with `weights_only`, refuses every other global."""

    def __init__(self, file, weights_only, persistent_load):
        super().__init__(file)
        self.weights_only = weights_only
        self._persistent_load = persistent_load

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], StorageType)
                and isinstance(pid[2], str) and isinstance(pid[3], str) and isinstance(pid[4], int)):
            raise pickle.UnpicklingError(f"unsupported persistent id in checkpoint: {pid!r}")
        return self._persistent_load(pid[1].dtype, pid[2], pid[3], pid[4])

    def find_class(self, module, name):
        # Protocol 2 spells some builtins the Python 2 way (__builtin__.set); read them as Python 3's.
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        key = (module, name)
        if key in SAFE_GLOBALS:
            return SAFE_GLOBALS[key]
        if key in _LAZY_GLOBALS:
            return _LAZY_GLOBALS[key]()
        if module == "torch" and (name in _UNSUPPORTED_DTYPES or name in _UNSUPPORTED_STORAGES):
            raise RuntimeError(f"this file holds torch.{name} data; ember supports the dtypes float32, float64, "
                               "int64, int32, uint8 and bool")
        if self.weights_only:
            raise pickle.UnpicklingError(
                f"Weights only load failed. Unsupported global: GLOBAL {module}.{name} was not an allowed global by "
                "default. A weights-only load resolves only tensors, storages, dtypes and plain containers, so a "
                "file cannot run code. If you trust the file's source, load it with weights_only=False; that "
                "runs whatever the file names.")
        if module == "torch" or module.startswith("torch."):  # a PyTorch class: use ember's twin if it has one
            return self._ember_twin(module, name)
        return super().find_class(module, name)

    def _ember_twin(self, module, name):
        ember_module = "ember" + module[len("torch"):]
        try:
            return getattr(importlib.import_module(ember_module), name)
        except (ImportError, AttributeError):
            raise pickle.UnpicklingError(f"the file needs {module}.{name}, which ember does not provide "
                                         f"(looked for {ember_module}.{name})") from None
