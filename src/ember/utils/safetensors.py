"""The safetensors format, with the API of `safetensors.torch`: save_file / load_file / save / load.

Layout: an 8-byte little-endian header length N, N bytes of JSON
`{"__metadata__": {...}, name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}}`
padded with spaces to a multiple of 8, then the raw little-endian data. Tensors are laid out as
the reference implementation does (largest dtype first, then by name), so the bytes match it.
Loading checks every offset against the buffer before reading, since the file is untrusted.
"""
import json
import os
import struct

import numpy as np

from .. import _dtype
from .._creation import from_numpy
from .._tensor import Tensor

_NAME = {_dtype.bool: "BOOL", _dtype.uint8: "U8", _dtype.int32: "I32", _dtype.float32: "F32",
         _dtype.float64: "F64", _dtype.int64: "I64"}
_BY_NAME = {v: k for k, v in _NAME.items()}
_ORDER = ("BOOL", "U8", "I32", "F32", "F64", "I64")  # the reference's dtype order; files go largest first
_MAX_HEADER = 100_000_000


def save(tensors, metadata=None):
    """The safetensors bytes of a dict {name: tensor} (non-contiguous tensors are copied)."""
    _check_inputs(tensors, metadata)
    names = sorted(tensors, key=lambda n: (-_ORDER.index(_NAME[tensors[n].dtype]), n))
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in names:
        t = tensors[name].detach().cpu()
        blob = t.numpy().astype(t.dtype.numpy.newbyteorder("<"), order="C", copy=False)
        header[name] = {"dtype": _NAME[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + blob.nbytes]}
        blobs.append(blob.tobytes())
        offset += blob.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return b"".join([struct.pack("<Q", len(text)), text, *blobs])


def save_file(tensors, filename, metadata=None):
    data = save(tensors, metadata)
    with open(os.fspath(filename), "wb") as f:
        f.write(data)


def load(data):
    """{name: tensor} from safetensors bytes."""
    buf = bytearray(data)  # writable, so the tensors can share it without a copy each
    header, start = _parse_header(buf)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt, shape, (begin, end) = _check_entry(name, info, len(buf) - start)
        arr = np.frombuffer(buf, dtype=dt.numpy.newbyteorder("<"), count=(end - begin) // dt.itemsize,
                            offset=start + begin).reshape(shape)
        out[name] = from_numpy(arr if arr.dtype.isnative else arr.astype(dt.numpy))
    return out


def load_file(filename, device="cpu"):
    with open(os.fspath(filename), "rb") as f:
        tensors = load(f.read())
    return tensors if str(device) == "cpu" else {k: v.to(device) for k, v in tensors.items()}


def _check_inputs(tensors, metadata):
    if not isinstance(tensors, dict) or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in
                                                 tensors.items()):
        raise ValueError("tensors must be a dict {str: Tensor}")
    if "__metadata__" in tensors:
        raise ValueError("'__metadata__' is reserved for the metadata and cannot name a tensor")
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise ValueError("metadata must be a dict {str: str}")


def _parse_header(buf):
    if len(buf) < 8:
        raise ValueError(f"safetensors: {len(buf)} bytes is too short for the 8-byte header length")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > _MAX_HEADER or 8 + n > len(buf):
        raise ValueError(f"safetensors: header length {n} does not fit the {len(buf)}-byte buffer (truncated?)")
    try:
        header = json.loads(bytes(buf[8:8 + n]).decode())
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"safetensors: the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise ValueError("safetensors: the header must be a JSON object")
    spans = sorted(tuple(v["data_offsets"]) for k, v in header.items() if k != "__metadata__"
                   and isinstance(v, dict) and isinstance(v.get("data_offsets"), list) and len(v["data_offsets"]) == 2)
    pos = 0
    for begin, end in spans:  # the data must be tiled exactly, as the reference checks
        if begin != pos:
            raise ValueError(f"safetensors: data offsets leave a gap or overlap at byte {pos}")
        pos = end
    if pos != len(buf) - 8 - n:
        raise ValueError(f"safetensors: the tensors cover {pos} bytes of data, the buffer holds {len(buf) - 8 - n}")
    return header, 8 + n


def _check_entry(name, info, data_len):
    try:
        dtype_name, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    except (TypeError, KeyError):
        raise ValueError(f"safetensors: tensor {name!r} lacks dtype, shape or data_offsets") from None
    if dtype_name not in _BY_NAME:
        raise ValueError(f"safetensors: tensor {name!r} has dtype {dtype_name}, which ember does not support "
                         f"(it has {', '.join(_BY_NAME)})")
    if not (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)
            and isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
        raise ValueError(f"safetensors: tensor {name!r} has a malformed shape or data_offsets")
    dt = _BY_NAME[dtype_name]
    begin, end = offsets
    if not 0 <= begin <= end <= data_len or end - begin != int(np.prod(shape)) * dt.itemsize:
        raise ValueError(f"safetensors: tensor {name!r} ({dtype_name} {shape}) does not match its data offsets "
                         f"{offsets}")
    return dt, tuple(shape), (begin, end)
