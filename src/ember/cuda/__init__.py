"""ember.cuda: device queries and memory statistics; all safe to call on a machine without a GPU."""
from .. import _C

_cuda = _C.cuda


def is_available():
    return _cuda.is_built() and _cuda.device_count() > 0


def device_count():
    return _cuda.device_count()


def _check():
    if not _cuda.is_built():
        raise AssertionError("Torch not compiled with CUDA enabled")
    if _cuda.device_count() == 0:
        raise RuntimeError("Found no NVIDIA driver on your system or no CUDA GPU is available")


def current_device():
    _check()
    return _cuda.current_device()


def set_device(device):
    _check()
    from .._device import as_device

    d = as_device(device)
    _cuda.set_device(d.index or 0)


def synchronize(device=None):
    _check()
    _cuda.synchronize(_index(device))


def _index(device):
    if device is None:
        return 0
    from .._device import as_device

    return as_device(device).index or 0


def memory_allocated(device=None):
    return _cuda.memory_allocated(_index(device))


def max_memory_allocated(device=None):
    return _cuda.max_memory_allocated(_index(device))


def memory_reserved(device=None):
    return _cuda.memory_reserved(_index(device))


def reset_peak_memory_stats(device=None):
    _cuda.reset_peak_memory_stats(_index(device))


def empty_cache():
    _cuda.empty_cache()


def manual_seed(seed):
    """CUDA tensors draw from the same Philox stream as the CPU, so this seeds that stream."""
    from .._creation import manual_seed as _seed

    _seed(seed)


manual_seed_all = manual_seed
