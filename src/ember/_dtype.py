"""ember's dtypes: one object per element type, named and compared as PyTorch's."""
import numpy as np


class dtype:
    __slots__ = ("name", "code", "itemsize", "is_floating_point", "is_signed", "numpy", "legacy_name")

    def __init__(self, name, code, itemsize, is_floating_point, is_signed, numpy_type, legacy_name):
        self.name = name
        self.code = code  # the C++ DType enum value
        self.itemsize = itemsize
        self.is_floating_point = is_floating_point
        self.is_signed = is_signed
        self.numpy = np.dtype(numpy_type)
        self.legacy_name = legacy_name  # "FloatTensor", ...

    @property
    def is_complex(self):
        return False

    def __repr__(self):
        return "torch." + self.name  # tutorials and PyTorch print dtypes as torch.float32

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


bool = dtype("bool", 0, 1, False, False, np.bool_, "BoolTensor")
uint8 = dtype("uint8", 1, 1, False, False, np.uint8, "ByteTensor")
int32 = dtype("int32", 2, 4, False, True, np.int32, "IntTensor")
int64 = dtype("int64", 3, 8, False, True, np.int64, "LongTensor")
float32 = dtype("float32", 4, 4, True, True, np.float32, "FloatTensor")
float64 = dtype("float64", 5, 8, True, True, np.float64, "DoubleTensor")

ALL = (bool, uint8, int32, int64, float32, float64)
BY_CODE = {d.code: d for d in ALL}
BY_NUMPY = {d.numpy: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"float": float32, "double": float64, "long": int64, "int": int32, "byte": uint8})


def _dtype_by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    try:
        return BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, int64, int32, uint8, and bool.") from None


_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    if d not in (float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d
