"""Image functions behind the transforms, as torchvision.transforms.functional.

Tensor images are (..., C, H, W) or (H, W) and keep their dtype (uint8 results are rounded);
PIL images go through Pillow. NumPy arrays (H, W[, C]) are accepted by to_tensor only, as in
torchvision.
"""
import enum
import functools
import numbers
import sys

import numpy as np

from ... import _dtype
from ..._creation import as_tensor, from_numpy, full
from ..._tensor import Tensor


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


def _is_pil(img):
    image = sys.modules.get("PIL.Image")  # an image can only be PIL's if Pillow is already imported
    return image is not None and isinstance(img, image.Image)


def _check_image(img):
    if not (isinstance(img, Tensor) or _is_pil(img)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def get_dimensions(img):
    """[channels, height, width]."""
    _check_image(img)
    if isinstance(img, Tensor):
        return [1 if img.dim() == 2 else img.shape[-3], img.shape[-2], img.shape[-1]]
    return [len(img.getbands()), img.height, img.width]


# ---- to_tensor / normalize ----------------------------------------------------------------------
_PIL_NUMPY_TYPE = {"I": np.int32, "I;16": np.int32, "F": np.float32}  # ember has no int16: widen


def to_tensor(pic):
    """A PIL image or (H, W[, C]) array -> (C, H, W); also a uint8 tensor (H, W) or (C, H, W).
    uint8 data becomes the default float dtype scaled to [0, 1]; other dtypes keep their values."""
    if isinstance(pic, Tensor):
        if pic.dtype is not _dtype.uint8:
            raise TypeError(f"pic should be a uint8 tensor image, ndarray or PIL Image. Got a {pic.dtype} tensor")
        if pic.dim() not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.dim()} dimensions.")
        img = pic.unsqueeze(0) if pic.dim() == 2 else pic
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
        img = from_numpy(np.ascontiguousarray(arr.transpose((2, 0, 1))))
    elif _is_pil(pic):
        arr = np.array(pic, _PIL_NUMPY_TYPE.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            arr = arr * np.uint8(255)
        arr = arr.reshape(pic.height, pic.width, len(pic.getbands()))
        img = from_numpy(np.ascontiguousarray(arr.transpose((2, 0, 1))))
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if img.dtype is _dtype.uint8:
        return img.to(_dtype.get_default_dtype()).div(255)
    return img


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean) / std per channel of a float (..., C, H, W) tensor."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.dim() < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    if not inplace:
        tensor = tensor.clone()
    mean = as_tensor(mean, dtype=tensor.dtype, device=tensor.device)
    std = as_tensor(std, dtype=tensor.dtype, device=tensor.device)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if mean.dim() == 1:
        mean = mean.view(-1, 1, 1)
    if std.dim() == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


# ---- resize -------------------------------------------------------------------------------------
def resized_size(height, width, size, max_size=None):
    """torchvision's output size: an int (or 1-sequence) sets the shorter edge, keeping the aspect."""
    if isinstance(size, numbers.Integral):
        size = [size]
    if len(size) != 1:
        return [size[0], size[1]]
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the smaller "
                             f"edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return [new_long, new_short] if width <= height else [new_short, new_long]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    if interpolation not in (InterpolationMode.BILINEAR, "bilinear"):
        raise ValueError(f"ember.vision supports only bilinear interpolation, got {interpolation}")
    _, h, w = get_dimensions(img)
    out_h, out_w = resized_size(h, w, size, max_size)
    if (out_h, out_w) == (h, w):
        return img
    if _is_pil(img):
        return img.resize((out_w, out_h), sys.modules["PIL.Image"].Resampling.BILINEAR)
    compute = img.dtype if img.is_floating_point() else _dtype.float32
    rows = from_numpy(_bilinear_weights(h, out_h, antialias)).to(compute, device=img.device)
    cols = from_numpy(_bilinear_weights(w, out_w, antialias).T.copy()).to(compute, device=img.device)
    out = rows @ img.to(compute) @ cols  # separable: resample the rows, then the columns
    return out if img.is_floating_point() else out.round().clamp(0, 255).to(img.dtype)


@functools.lru_cache(maxsize=64)
def _bilinear_weights(in_size, out_size, antialias):
    """The (out, in) matrix of bilinear resampling, align_corners=False. With antialias the
    triangle filter widens by the downscale factor, as PIL and PyTorch's antialiased mode do;
    weights cut off at the border are renormalised, which is also plain bilinear's edge clamp."""
    scale = in_size / out_size
    support = max(scale, 1.0) if antialias else 1.0
    weights = np.zeros((out_size, in_size))
    for i in range(out_size):
        center = scale * (i + 0.5)
        lo, hi = max(int(center - support + 0.5), 0), min(int(center + support + 0.5), in_size)
        w = np.maximum(0.0, 1.0 - np.abs((np.arange(lo, hi) - center + 0.5) / support))
        weights[i, lo:hi] = w / w.sum()
    weights.flags.writeable = False  # shared through the cache
    return weights


# ---- crop / pad / flip --------------------------------------------------------------------------
def crop(img, top, left, height, width):
    """The (height, width) window at (top, left); parts outside the image are zero."""
    _check_image(img)
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    h, w = img.shape[-2], img.shape[-1]
    bottom, right = top + height, left + width
    if left < 0 or top < 0 or right > w or bottom > h:
        inside = img[..., max(top, 0):max(bottom, 0), max(left, 0):max(right, 0)]
        padding = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0), max(right - max(w, left), 0),
                   max(bottom - max(h, top), 0)]
        return pad(inside, padding, fill=0)
    return img[..., top:bottom, left:right]


def center_crop(img, output_size):
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, h, w = get_dimensions(img)
    th, tw = output_size
    if tw > w or th > h:  # pad first, as torchvision does, so the crop stays centred
        img = pad(img, [(tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                        (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0], fill=0)
        _, h, w = get_dimensions(img)
        if (th, tw) == (h, w):
            return img
    return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)


def _ltrb(padding):
    if isinstance(padding, numbers.Integral):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    return list(padding)


_PAD_MODES = ("constant", "edge", "reflect", "symmetric")


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad (left, top, right, bottom); an int pads all sides, a pair pads left/right and top/bottom.
    Modes: constant (fill), edge, reflect (mirror without the edge), symmetric (with it)."""
    _check_image(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in _PAD_MODES:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _ltrb(padding)
    if _is_pil(img):
        return _pad_pil(img, left, top, right, bottom, fill, padding_mode)
    h, w = img.shape[-2], img.shape[-1]
    img = img[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]  # negative pads crop
    left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
    h, w = img.shape[-2], img.shape[-1]
    if padding_mode == "constant":
        if not isinstance(fill, numbers.Number):
            raise TypeError("tensor images take a number as fill")
        out = full(tuple(img.shape[:-2]) + (h + top + bottom, w + left + right), fill, dtype=img.dtype,
                   device=img.device)
        out[..., top:top + h, left:left + w] = img
        return out
    if padding_mode == "reflect" and (max(left, right) >= w or max(top, bottom) >= h):
        raise RuntimeError(f"Padding size should be less than the corresponding input dimension, but got padding "
                           f"{(left, top, right, bottom)} for an image of size {(h, w)}")
    # Every non-constant mode is a gather: NumPy's pad of the index range names the source pixels.
    rows = from_numpy(np.pad(np.arange(h), (top, bottom), mode=padding_mode)).to(device=img.device)
    cols = from_numpy(np.pad(np.arange(w), (left, right), mode=padding_mode)).to(device=img.device)
    return img.index_select(-2, rows).index_select(-1, cols)


def _pad_pil(img, left, top, right, bottom, fill, padding_mode):
    from PIL import Image

    if padding_mode == "constant":
        bands = len(img.getbands())
        fill = tuple(fill) if isinstance(fill, (tuple, list)) else fill if bands == 1 else (fill,) * bands
        canvas = Image.new(img.mode, (img.width + left + right, img.height + top + bottom), fill)
        canvas.paste(img, (left, top))
        return canvas
    arr = np.asarray(img)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
    return Image.fromarray(np.pad(arr, widths, mode=padding_mode))


def hflip(img):
    _check_image(img)
    if _is_pil(img):
        return img.transpose(sys.modules["PIL.Image"].Transpose.FLIP_LEFT_RIGHT)
    return img.flip(-1)
