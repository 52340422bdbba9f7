"""A PNG encoder on the standard library (zlib, struct): 8-bit grey, grey+alpha, RGB or RGBA."""
import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels):
    """PNG bytes for a uint8 array (H, W) or (H, W, C) with C in 1..4."""
    if pixels.dtype != np.uint8:
        raise TypeError(f"encode_png expects uint8 pixels, got {pixels.dtype}")
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    height, width, channels = pixels.shape
    if channels not in _COLOR_TYPE:
        raise ValueError(f"a PNG holds 1 to 4 channels, got {channels}")
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # each row: filter byte 0, then pixels
    rows[:, 1:] = pixels.reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPE[channels], 0, 0, 0)
    return (_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
            + _chunk(b"IEND", b""))
