"""make_grid and save_image, as torchvision.utils (save_image writes PNG without Pillow)."""
import math
import os

from .. import _dtype
from .._ops import cat, stack
from .._tensor import Tensor
from ._png import encode_png


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile a batch (B, C, H, W) (or a list of (C, H, W)) into one (C, H', W') image, `nrow` per row.
    One-channel images become three-channel, as in torchvision."""
    if isinstance(tensor, list):
        tensor = stack(tensor, 0)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = cat((tensor, tensor, tensor), 1)
    if normalize:
        tensor = tensor.clone()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        for t in (tensor if scale_each else [tensor]):
            low, high = value_range if value_range is not None else (float(t.min()), float(t.max()))
            t.clamp_(min=low, max=high)
            t.sub_(low).div_(max(high - low, 1e-5))
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(nmaps / xmaps))
    height, width = tensor.size(2) + padding, tensor.size(3) + padding
    grid = tensor.new_full((tensor.size(1), height * ymaps + padding, width * xmaps + padding), pad_value)
    for k in range(nmaps):
        y, x = divmod(k, xmaps)
        grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = tensor[k]
    return grid


def save_image(tensor, fp, format=None, **kwargs):
    """Save a tensor (or a grid of a batch, see make_grid's kwargs) with values in [0, 1] as PNG.
    `fp` is a path or a binary file; only PNG is written."""
    name = os.fspath(fp) if isinstance(fp, (str, os.PathLike)) else None
    kind = (format or (os.path.splitext(name)[1][1:] if name else "png")).lower()
    if kind != "png":
        raise ValueError(f"ember.vision.utils.save_image writes PNG only, not {kind!r}")
    grid = make_grid(tensor, **kwargs)
    pixels = grid.detach().mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", _dtype.uint8).numpy()
    data = encode_png(pixels)
    if name is None:
        fp.write(data)
        return
    with open(name, "wb") as f:
        f.write(data)
