"""Transform classes with torchvision's names, arguments and reprs; the work is in functional.py.

Random transforms draw from ember's default generator, so `ember.manual_seed` makes them
reproducible.
"""
import functools
import numbers
from collections.abc import Sequence

from ... import _dtype
from ..._creation import rand, randint
from . import functional as F
from .functional import InterpolationMode


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return type(self).__name__ + "(" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class ToTensor:
    """PIL image / (H, W[, C]) uint8 array / uint8 tensor -> float (C, H, W) in [0, 1]."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Normalize:
    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    forward = __call__

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Resize:
    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size, self.interpolation, self.max_size, self.antialias = size, interpolation, max_size, antialias

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    forward = __call__

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


def _setup_size(size):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return size


class CenterCrop:
    def __init__(self, size):
        self.size = _setup_size(size)

    def __call__(self, img):
        return F.center_crop(img, self.size)

    forward = __call__

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class RandomCrop:
    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = tuple(_setup_size(size))
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img, output_size):
        """(top, left, height, width) of a random crop of `output_size`."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = int(randint(0, h - th + 1, size=(1,)).item())
        j = int(randint(0, w - tw + 1, size=(1,)).item())
        return i, j, th, tw

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:  # both sides by the shortfall, as torchvision
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    forward = __call__

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        if rand(1).item() < self.p:
            return F.hflip(img)
        return img

    forward = __call__

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class Pad:
    def __init__(self, padding, fill=0, padding_mode="constant"):
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in F._PAD_MODES:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                             "tuple")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    forward = __call__

    def __repr__(self):
        return f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class Lambda:
    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{type(self).__name__}()"


# ---- what datasets need to know about a transform ------------------------------------------------
_TAKES_TENSORS = (ToTensor, Normalize, Resize, CenterCrop, RandomCrop, RandomHorizontalFlip, Pad)


@functools.lru_cache(maxsize=None)
def _pillow_available():
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True


def wants_pil(transform):
    """Whether a dataset should hand `transform` a PIL image: Pillow is there and the first step
    is not an ember transform (all of which take tensors), so it may be code written for PIL."""
    while isinstance(transform, Compose) and transform.transforms:
        transform = transform.transforms[0]
    if transform is None or isinstance(transform, (_TAKES_TENSORS, Compose)):
        return False
    return _pillow_available()


def _to_tensor_batch(images):
    """ToTensor on uint8 samples stacked on dim 0: (B, H, W) or (B, C, H, W)."""
    if images.dim() == 3:
        images = images.unsqueeze(1)
    return images.to(_dtype.get_default_dtype()).div(255)


def batched(transform):
    """A function applying `transform` to a whole batch of uint8 tensor samples (stacked on dim 0)
    with the same result as one call per sample, or None if it is not known to vectorise. Only
    exact ToTensor/Normalize (and Compose of them) qualify: a subclass may do anything."""
    if transform is None:
        return lambda images: images
    if type(transform) is ToTensor:
        return _to_tensor_batch
    if type(transform) is Normalize:
        return transform  # per channel on (..., C, H, W): a batch is just more leading dims
    if type(transform) is Compose:
        steps = [batched(t) for t in transform.transforms]
        return None if None in steps else Compose(steps)
    return None
