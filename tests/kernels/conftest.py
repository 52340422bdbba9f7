"""The kernel tests import `from ember import _C`. Until the Python package exists, the
extension CMake built (put its folder on PYTHONPATH, e.g. PYTHONPATH=build/dev) is loaded as
the top-level module `_C` and registered as `ember._C`."""
import importlib
import sys
import types

try:
    import ember  # noqa: F401
except ImportError:
    try:
        _C = importlib.import_module("_C")
    except ImportError as e:
        raise ImportError("ember._C not found: install ember, or build it with CMake and put the build "
                          "folder on PYTHONPATH (PYTHONPATH=build/dev)") from e
    ember = types.ModuleType("ember")
    ember.__path__ = []
    ember._C = _C
    sys.modules["ember"] = ember
    sys.modules["ember._C"] = _C
