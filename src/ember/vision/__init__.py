"""ember.vision: a small torchvision (datasets, transforms, make_grid/save_image).

Use it as torchvision: `from ember.vision import datasets, transforms`.
"""
from . import datasets, transforms, utils  # noqa: F401
