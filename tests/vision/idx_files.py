"""Writing IDX files for the tests (the format MNIST ships in)."""
import struct

import numpy as np

_TYPE_BYTE = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B, np.dtype(np.int32): 0x0C,
              np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}


def idx_bytes(array):
    """An IDX file's bytes for `array` (big-endian, as the format requires)."""
    array = np.asarray(array)
    head = struct.pack(">HBB", 0, _TYPE_BYTE[array.dtype], array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()
