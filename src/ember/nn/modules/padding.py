"""Padding modules: F.pad with a fixed mode; `padding` is stored in F.pad's last-dim-first order."""
from .. import functional as F
from .module import Module
from .utils import _ntuple


class _PadNd(Module):
    _mode = "constant"
    _n = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(2 * self._n)(padding)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    _n = 1


class ConstantPad2d(_ConstantPadNd):
    _n = 2


class ConstantPad3d(_ConstantPadNd):
    _n = 3


class ZeroPad1d(_PadNd):
    _n = 1


class ZeroPad2d(_PadNd):
    _n = 2


class ZeroPad3d(_PadNd):
    _n = 3


def _mode_pad(name, mode, n):
    return type(name, (_PadNd,), {"_mode": mode, "_n": n, "__module__": __name__})


ReflectionPad1d = _mode_pad("ReflectionPad1d", "reflect", 1)
ReflectionPad2d = _mode_pad("ReflectionPad2d", "reflect", 2)
ReplicationPad1d = _mode_pad("ReplicationPad1d", "replicate", 1)
ReplicationPad2d = _mode_pad("ReplicationPad2d", "replicate", 2)
CircularPad1d = _mode_pad("CircularPad1d", "circular", 1)
CircularPad2d = _mode_pad("CircularPad2d", "circular", 2)
