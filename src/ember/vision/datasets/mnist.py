"""MNIST and FashionMNIST, read from the canonical IDX files.

Files are looked for in `root` itself and in torchvision's layout `root/<Class>/raw`, gzipped
(`train-images-idx3-ubyte.gz`) or not (`train-images-idx3-ubyte`); `download=True` fetches the
missing ones from `mirrors` (torchvision's URLs and MD5s) and never touches the network when
they are all present.

What a sample's image is: torchvision gives a PIL image. Here the image is a uint8 tensor (H, W)
unless Pillow is installed and the transform's first step is not an ember transform (a user
function written for torchvision, say), which gets a PIL image ('L' mode) as it expects.
Every ember transform accepts the tensor, so no Pillow is needed, and `__getitems__` builds a
whole batch in one gather when the transform is None or made only of ToTensor/Normalize.
"""
import os

import numpy as np

from ..._creation import from_numpy
from ...utils.data import PreCollated
from ..transforms import transforms as T
from . import _download
from ._idx import IDXError, read_idx
from .vision import VisionDataset


class MNIST(VisionDataset):
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    download_timeout = 30.0  # seconds per connection attempt
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images = read_idx(self._find(f"{prefix}-images-idx3-ubyte"))
        labels = read_idx(self._find(f"{prefix}-labels-idx1-ubyte"))
        if images.dtype != np.uint8 or images.ndim != 3:
            raise IDXError(f"{prefix} images: expected a 3-d uint8 IDX array, got {images.ndim}-d {images.dtype}")
        if labels.dtype != np.uint8 or labels.ndim != 1 or len(labels) != len(images):
            raise IDXError(f"{prefix} labels: expected {len(images)} uint8 labels, got shape {labels.shape} "
                           f"{labels.dtype}")
        self.data = from_numpy(images)
        self.targets = from_numpy(labels.astype(np.int64))

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _candidates(self, name):
        return [os.path.join(folder, name + ext) for folder in (self.root, self.raw_folder) for ext in (".gz", "")]

    def _find(self, name):
        for path in self._candidates(name):
            if os.path.isfile(path):
                return path
        raise RuntimeError(f"Dataset not found: no {name}[.gz] in {self.root} or {self.raw_folder}. You can use "
                           "download=True to download it")

    def download(self):
        """Fetch the files that are missing into raw_folder (MD5-checked)."""
        for filename, md5 in self.resources:
            if not any(os.path.isfile(p) for p in self._candidates(filename[:-3])):
                _download.download(filename, md5, self.mirrors, self.raw_folder, self.download_timeout)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        if T.wants_pil(self.transform):
            from PIL import Image

            img = Image.fromarray(img.numpy())
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices):
        batch_fn = T.batched(self.transform)
        if batch_fn is None or self.target_transform is not None:
            return [self[i] for i in indices]
        idx = np.asarray(indices, dtype=np.int64)
        images = batch_fn(from_numpy(self.data.numpy()[idx]))
        targets = from_numpy(self.targets.numpy()[idx])
        return PreCollated([images, targets], lambda i: self[indices[i]])

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
