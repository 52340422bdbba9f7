"""Datasets with torchvision's names and constructors."""
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = ["DatasetFolder", "FashionMNIST", "ImageFolder", "MNIST", "VisionDataset"]
