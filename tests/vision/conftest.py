import gzip

import numpy as np
import pytest

from idx_files import idx_bytes


@pytest.fixture
def write_idx():
    def write(path, array, gz=True):
        data = idx_bytes(array)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(data) if gz else data)
        return path

    return write


@pytest.fixture
def fake_mnist(tmp_path, write_idx):
    """A small MNIST in tmp_path (gzipped files in the root itself): 12 train and 5 test images."""
    rng = np.random.default_rng(0)
    sets = {}
    for split, n in (("train", 12), ("t10k", 5)):
        images = rng.integers(0, 256, size=(n, 6, 5), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", images)
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", labels)
        sets[split] = (images, labels)
    return tmp_path, sets
