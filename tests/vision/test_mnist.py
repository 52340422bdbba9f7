"""MNIST / FashionMNIST on generated IDX files, and on the real files when EMBER_DATA is set."""
import gzip
import os
import time

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, PreCollated, default_collate
from ember.vision import datasets, transforms
from ember.vision.datasets._idx import IDXError, read_idx
from ember.vision.transforms import transforms as T

NORMALIZE = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])


def test_reads_gzipped_files_from_root(fake_mnist):
    root, sets = fake_mnist
    ds = datasets.MNIST(root)
    images, labels = sets["train"]
    assert len(ds) == 12 and ds.data.dtype is ember.uint8 and ds.targets.dtype is ember.int64
    img, target = ds[3]
    assert isinstance(img, ember.Tensor) and img.dtype is ember.uint8 and img.shape == (6, 5)
    assert type(target) is int and target == labels[3]
    np.testing.assert_array_equal(img.numpy(), images[3])
    test = datasets.MNIST(root, train=False)
    assert len(test) == 5 and test.targets.tolist() == sets["t10k"][1].tolist()


def test_reads_raw_files_in_torchvision_layout(tmp_path, write_idx):
    raw = tmp_path / "FashionMNIST" / "raw"
    write_idx(raw / "train-images-idx3-ubyte", np.zeros((2, 3, 3), np.uint8), gz=False)
    write_idx(raw / "train-labels-idx1-ubyte", np.array([1, 9], np.uint8), gz=False)
    ds = datasets.FashionMNIST(tmp_path)
    assert ds.targets.tolist() == [1, 9] and ds.classes[9] == "Ankle boot"
    assert ds.class_to_idx["Trouser"] == 1 and ds.raw_folder == str(raw)


def test_missing_files_say_how_to_get_them(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found.*download=True"):
        datasets.MNIST(tmp_path)


def test_transforms_and_vectorised_batches_agree(fake_mnist):
    root, _ = fake_mnist
    ds = datasets.MNIST(root, transform=NORMALIZE)
    x, y = ds[0]
    assert x.shape == (1, 6, 5) and x.dtype is ember.float32
    batch = ds.__getitems__([4, 0, 7])
    assert isinstance(batch, PreCollated)
    images, targets = default_collate(batch)
    per_sample = default_collate([ds[i] for i in (4, 0, 7)])
    assert images.shape == (3, 1, 6, 5) and targets.dtype is ember.int64
    np.testing.assert_array_equal(images.numpy(), per_sample[0].numpy())  # bit for bit
    assert targets.tolist() == per_sample[1].tolist() == [b[1] for b in batch]
    raw = datasets.MNIST(root)
    imgs, _ = default_collate(raw.__getitems__([1, 2]))
    assert imgs.dtype is ember.uint8 and imgs.shape == (2, 6, 5)


def test_transforms_that_do_not_vectorise_fall_back_per_sample(fake_mnist):
    root, _ = fake_mnist
    flips = transforms.Compose([transforms.RandomHorizontalFlip(), transforms.ToTensor()])
    flip = datasets.MNIST(root, transform=flips)
    assert isinstance(flip.__getitems__([0, 1]), list)
    labelled = datasets.MNIST(root, transform=NORMALIZE, target_transform=lambda t: t + 100)
    batch = labelled.__getitems__([0, 1])
    assert isinstance(batch, list) and all(t >= 100 for _, t in batch)


def test_user_transforms_get_pil_images_when_pillow_is_there(fake_mnist, monkeypatch):
    pytest.importorskip("PIL")
    from PIL import Image

    root, sets = fake_mnist
    ds = datasets.MNIST(root, transform=lambda img: img)
    img, _ = ds[2]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (5, 6)
    np.testing.assert_array_equal(np.asarray(img), sets["train"][0][2])
    chained = datasets.MNIST(root, transform=transforms.Compose([transforms.Lambda(lambda i: i.rotate(0)),
                                                                 transforms.ToTensor()]))
    assert chained[0][0].shape == (1, 6, 5)  # PIL's rotate ran, then ToTensor took the PIL image
    monkeypatch.setattr(T, "_pillow_available", lambda: False)
    assert isinstance(ds[2][0], ember.Tensor)


def test_ember_transforms_get_tensors(fake_mnist):
    root, _ = fake_mnist
    ds = datasets.MNIST(root, transform=transforms.Compose([transforms.Pad(2), transforms.ToTensor()]))
    assert ds[0][0].shape == (1, 10, 9)


def test_data_loader_over_mnist(fake_mnist):
    root, _ = fake_mnist
    batches = list(DataLoader(datasets.MNIST(root, transform=NORMALIZE), batch_size=5, shuffle=True))
    assert [tuple(x.shape) for x, _ in batches] == [(5, 1, 6, 5), (5, 1, 6, 5), (2, 1, 6, 5)]
    assert sorted(sum((y.tolist() for _, y in batches), [])) == sorted(datasets.MNIST(root).targets.tolist())


def test_repr(fake_mnist):
    root, _ = fake_mnist
    text = repr(datasets.MNIST(root, train=False, transform=transforms.ToTensor()))
    assert text == (f"Dataset MNIST\n    Number of datapoints: 5\n    Root location: {root}\n    Split: Test\n"
                    "    StandardTransform\n    Transform: ToTensor()")


# ---- damaged IDX files -----------------------------------------------------------------------
def test_read_idx_other_element_types(tmp_path, write_idx):
    for dtype in (np.int8, np.int16, np.int32, np.float32, np.float64):
        arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
        got = read_idx(write_idx(tmp_path / f"{np.dtype(dtype).name}.idx", arr, gz=False))
        assert got.dtype == np.dtype(dtype) and got.dtype.isnative
        np.testing.assert_array_equal(got, arr)


@pytest.mark.parametrize("damage, match", [
    (lambda d: b"\x12\x34" + d[2:], "bad magic number 0x1234"),
    (lambda d: d[:2] + b"\x07" + d[3:], "bad magic number"),
    (lambda d: d[:3], "shorter than the 4-byte magic"),
    (lambda d: d[:10], "truncated IDX file: the header needs 16 bytes"),
    (lambda d: d[:-7], r"truncated IDX file: the header says shape \(12, 6, 5\)"),
    (lambda d: d + b"\x00", "corrupt IDX file"),
])
def test_damaged_idx_files_are_named(fake_mnist, damage, match):
    root, _ = fake_mnist
    path = root / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(damage(gzip.decompress(path.read_bytes()))))
    with pytest.raises(IDXError, match=match):
        datasets.MNIST(root)


def test_truncated_and_corrupt_gzip(fake_mnist):
    root, _ = fake_mnist
    path = root / "train-images-idx3-ubyte.gz"
    good = path.read_bytes()
    path.write_bytes(good[:len(good) // 2])
    with pytest.raises(IDXError, match="truncated gzip file"):
        datasets.MNIST(root)
    path.write_bytes(good[:20] + bytes(len(good) - 20))
    with pytest.raises(IDXError, match="corrupt gzip file"):
        datasets.MNIST(root)


def test_labels_must_match_images(fake_mnist, write_idx):
    root, _ = fake_mnist
    write_idx(root / "train-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(IDXError, match="expected 12 uint8 labels"):
        datasets.MNIST(root)
    write_idx(root / "train-images-idx3-ubyte.gz", np.zeros((12, 4), np.uint8))
    with pytest.raises(IDXError, match="expected a 3-d uint8 IDX array"):
        datasets.MNIST(root)


# ---- the real files ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mnist_root():
    root = os.environ.get("EMBER_DATA")
    if not root:
        pytest.skip("EMBER_DATA is not set (it names the folder holding mnist/)")
    path = os.path.join(root, "mnist")
    if not os.path.isdir(path):
        pytest.skip(f"no MNIST in {path}")
    return path


def test_real_mnist(mnist_root):
    train, test = datasets.MNIST(mnist_root), datasets.MNIST(mnist_root, train=False)
    assert (len(train), len(test)) == (60000, 10000)
    assert train[0][1] == 5 and test[0][1] == 7 and train.data.shape == (60000, 28, 28)
    assert np.bincount(train.targets.numpy()).tolist()[:2] == [5923, 6742]
    pixels = train.data.numpy() / 255.0
    assert abs(pixels.mean() - 0.1307) < 1e-4 and abs(pixels.std() - 0.3081) < 1e-4  # the usual Normalize constants


def test_real_mnist_in_torchvision_layout(mnist_root, tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in os.listdir(mnist_root):
        (raw / name).symlink_to(os.path.join(mnist_root, name))
    assert len(datasets.MNIST(tmp_path, train=False, download=True)) == 10000  # present: no download


def test_real_mnist_epoch(mnist_root):
    ds = datasets.MNIST(mnist_root, transform=NORMALIZE)
    start = time.perf_counter()
    shapes = [tuple(x.shape) for x, _ in DataLoader(ds, batch_size=64, shuffle=True)]
    elapsed = time.perf_counter() - start
    assert len(shapes) == 938 and shapes[0] == (64, 1, 28, 28) and shapes[-1] == (32, 1, 28, 28)
    print(f"MNIST train epoch of loading (batch 64, ToTensor+Normalize): {elapsed:.3f} s")
