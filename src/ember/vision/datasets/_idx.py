"""Reading IDX files (the MNIST format), gzip-compressed or raw, with errors that say what is wrong."""
import gzip
import struct
import zlib

import numpy as np

# IDX type byte -> big-endian element type
_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class IDXError(RuntimeError):
    """An IDX file that is not one, or is truncated or corrupt."""


def read_idx(path):
    """The array an IDX file holds, in native byte order."""
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXError(f"{path}: not an IDX file: {len(raw)} bytes is shorter than the 4-byte magic number")
    zero, kind, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or kind not in _TYPES or not 1 <= ndim <= 4:
        raise IDXError(f"{path}: not an IDX file: bad magic number 0x{raw[:4].hex()} (expected 0000 then a type byte "
                       "08/09/0b/0c/0d/0e and 1-4 dimensions)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{path}: truncated IDX file: the header needs {header} bytes, the file has {len(raw)}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_TYPES[kind])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        what = "truncated" if len(raw) - header < expected else "corrupt"
        raise IDXError(f"{path}: {what} IDX file: the header says shape {shape} ({expected} bytes of data), the file "
                       f"holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise IDXError(f"{path}: truncated gzip file (the compressed stream ends early)") from None
    except (gzip.BadGzipFile, zlib.error) as e:
        raise IDXError(f"{path}: corrupt gzip file ({e})") from None
