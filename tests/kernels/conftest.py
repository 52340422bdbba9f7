"""The kernel tests import `from ember import _C`. Until the Python package exists, the
extension CMake built is loaded as the top-level module `_C` (from PYTHONPATH, e.g.
PYTHONPATH=build/dev, or else the newest build/*/_C*.so of this checkout) and registered as
`ember._C`. Sanitizer builds are skipped: they need their runtime preloaded."""
import importlib
import pathlib
import sys
import types


def sanitized(build_dir):
    """An EMBER_SANITIZE build only loads with the sanitizer runtime preloaded."""
    cache = build_dir / "CMakeCache.txt"
    return cache.exists() and "EMBER_SANITIZE:BOOL=ON" in cache.read_text()


try:
    import ember  # noqa: F401
except ImportError:
    try:
        _C = importlib.import_module("_C")
    except ImportError:
        root = pathlib.Path(__file__).resolve().parents[2]
        built = sorted((p for p in root.glob("build/*/_C*.so") if not sanitized(p.parent)),
                       key=lambda p: p.stat().st_mtime)
        if not built:
            raise ImportError("ember._C not found: install ember, or build it with CMake into build/<name> "
                              "(see CMakeLists.txt) or put the build folder on PYTHONPATH") from None
        sys.path.insert(0, str(built[-1].parent))
        _C = importlib.import_module("_C")
    ember = types.ModuleType("ember")
    ember.__path__ = []
    ember._C = _C
    sys.modules["ember"] = ember
    sys.modules["ember._C"] = _C
