"""Image transforms with torchvision's names: `from ember.vision import transforms`."""
from . import functional  # noqa: F401
from .functional import InterpolationMode
from .transforms import (CenterCrop, Compose, Lambda, Normalize, Pad, RandomCrop, RandomHorizontalFlip, Resize,
                         ToTensor)

__all__ = ["CenterCrop", "Compose", "InterpolationMode", "Lambda", "Normalize", "Pad", "RandomCrop",
           "RandomHorizontalFlip", "Resize", "ToTensor"]
