"""Padding, resampling and pixel shuffling of ember.nn.functional. Non-constant padding and
interpolation are gathers along one dim at a time (index_select), so autograd comes free."""
import math
import warnings

import numpy as np

from ... import _creation, _dtype
from ..._functions.padding import ConstantPadNd
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d


def _select(x, dim, index):
    return x.index_select(dim, _creation.tensor(index, dtype=_dtype.int64, device=x.device))


def _source_index(mode, n, left, right):
    """Where each padded position reads from, for one dim of size n."""
    positions = np.arange(-left, n + right)
    if mode == "reflect":
        positions = np.abs(positions)
        return np.where(positions >= n, 2 * (n - 1) - positions, positions)
    if mode == "replicate":
        return np.clip(positions, 0, n - 1)
    return positions % n  # circular


def pad(input, pad, mode="constant", value=None):
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    pad = [int(p) for p in pad]
    if mode == "constant":
        return ConstantPadNd.apply(input, pad, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    out = input
    for i in range(len(pad) // 2):
        dim = input.dim() - 1 - i
        left, right, n = pad[2 * i], pad[2 * i + 1], input.shape[dim]
        if mode == "reflect" and (left >= n or right >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, but "
                               f"got: padding ({left}, {right}) at dimension {dim} of input {list(input.shape)}")
        if mode == "circular" and (left > n or right > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        out = _select(out, dim, _source_index(mode, n, left, right))
    return out


# ---- interpolate ---------------------------------------------------------------------------
_LINEAR_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3}


def _scale(n_in, n_out, scale_factor, align_corners, real):
    """PyTorch's area_pixel_compute_scale in the `real` type its CPU kernel computes with."""
    if align_corners:
        return real((n_in - 1) / (n_out - 1)) if n_out > 1 else real(0)
    return real(1.0 / scale_factor) if scale_factor else real(n_in / n_out)


def _nearest(x, dim, n_out, scale_factor, exact):
    """Source index floor((dst [+ 0.5]) * scale), in float32 for every dtype as PyTorch."""
    n_in = x.shape[dim]
    scale = _scale(n_in, n_out, scale_factor, False, np.float32)
    dst = np.arange(n_out, dtype=np.float32)
    src = np.floor((dst + np.float32(0.5 if exact else 0)) * scale).astype(np.int64)
    return _select(x, dim, np.minimum(src, n_in - 1))


def _linear(x, dim, n_out, scale_factor, align_corners):
    """Each output mixes the two nearest inputs, in x's precision (float32 math for float32)."""
    n_in = x.shape[dim]
    real = x.dtype.numpy.type
    scale = _scale(n_in, n_out, scale_factor, align_corners, real)
    dst = np.arange(n_out, dtype=real)
    src = scale * dst if align_corners else np.maximum(scale * (dst + real(0.5)) - real(0.5), 0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    shape = [1] * x.dim()
    shape[dim] = n_out
    w1 = _creation.tensor(src - i0, dtype=x.dtype, device=x.device).reshape(shape)
    return _select(x, dim, i0) * (1 - w1) + _select(x, dim, i1) * w1


def _output_sizes(input, size, scale_factor, n):
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * n
        if len(sizes) != n:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(input.shape[2:])} and output size of {sizes}. Please "
                             "provide "
                             "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                             "format.")
        return [int(s) for s in sizes], [None] * n
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    factors = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * n
    return [int(math.floor(float(d) * f)) for d, f in zip(input.shape[2:], factors)], factors


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    n = input.dim() - 2
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                         "bicubic | trilinear")
    sizes, factors = _output_sizes(input, size, scale_factor, n)
    if recompute_scale_factor:
        factors = [None] * n
    if mode == "area":
        return (adaptive_avg_pool1d if n == 1 else adaptive_avg_pool2d)(input, sizes)
    if mode == "bicubic":
        raise NotImplementedError("interpolate(mode='bicubic') is not supported by ember yet")
    if mode not in _LINEAR_DIMS and mode not in ("nearest", "nearest-exact"):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                                  "the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact "
                                  f"(got {mode})")
    linear = mode in _LINEAR_DIMS
    if linear and n != _LINEAR_DIMS[mode]:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_LINEAR_DIMS[mode] + 2}D input")
    out = input
    for i, (o, f) in enumerate(zip(sizes, factors)):
        out = _linear(out, 2 + i, o, f, bool(align_corners)) if linear else \
            _nearest(out, 2 + i, o, f, mode == "nearest-exact")
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input, upscale_factor):
    r = upscale_factor
    *lead, c, h, w = input.shape
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    r = downscale_factor
    *lead, c, h, w = input.shape
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    n = len(lead)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle"]
