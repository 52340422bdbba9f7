"""ImageFolder (needs Pillow to decode images)."""
import numpy as np
import pytest

from ember.vision import datasets, transforms
from ember.vision._png import encode_png

pytest.importorskip("PIL")


def make_tree(root, layout):
    for cls, names in layout.items():
        (root / cls).mkdir(parents=True)
        for i, name in enumerate(names):
            (root / cls / name).write_bytes(encode_png(np.full((3, 4, 3), 10 * i, np.uint8)))


def test_image_folder(tmp_path):
    make_tree(tmp_path, {"dog": ["b.png", "a.PNG"], "cat": ["x.png"]})
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(tmp_path, transform=transforms.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [p.rsplit("/", 2)[1:] for p, _ in ds.samples] == [["cat", "x.png"], ["dog", "a.PNG"], ["dog", "b.png"]]
    assert ds.targets == [0, 1, 1] and ds.imgs is ds.samples and len(ds) == 3
    img, target = ds[2]
    assert img.shape == (3, 3, 4) and target == 1
    assert np.allclose(img.numpy(), 0.0)  # b.png was written first: all zeros


def test_image_folder_errors_and_options(tmp_path):
    make_tree(tmp_path, {"a": ["1.png"], "b": []})
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes b"):
        datasets.ImageFolder(tmp_path)
    assert len(datasets.ImageFolder(tmp_path, allow_empty=True)) == 1
    only_none = datasets.ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith("1.png"), allow_empty=True)
    assert len(only_none) == 1
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path / "a")
