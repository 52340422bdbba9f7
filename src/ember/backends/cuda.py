from .. import _C


def is_built():
    """True when this build of ember contains the CUDA backend (a GPU may still be absent)."""
    return _C.cuda.is_built()
