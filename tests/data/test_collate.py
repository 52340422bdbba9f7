"""default_collate / default_convert against PyTorch's on the same samples."""
import collections

import numpy as np
import pytest

import ember
from ember.utils.data import default_collate, default_convert

torch = pytest.importorskip("torch")

Point = collections.namedtuple("Point", "x y")


def same(ours, theirs):
    """Structure, container types, dtypes and values agree."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ember.Tensor), type(ours)
        assert repr(ours.dtype) == str(theirs.dtype) and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours).__name__ == type(theirs).__name__ and list(ours) == list(theirs)
        for k in theirs:
            same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
    else:
        assert type(ours) is type(theirs) and ours == theirs


def as_torch(sample):
    """The same sample with ember tensors replaced by torch tensors."""
    if isinstance(sample, ember.Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, Point):
        return Point(*map(as_torch, sample))
    if isinstance(sample, collections.OrderedDict):
        return collections.OrderedDict((k, as_torch(v)) for k, v in sample.items())
    if isinstance(sample, dict):
        return {k: as_torch(v) for k, v in sample.items()}
    if isinstance(sample, (list, tuple)):
        return type(sample)(as_torch(v) for v in sample)
    return sample


BATCHES = {
    "tensors": [ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])],
    "int tensors 0-d": [ember.tensor(1), ember.tensor(2)],
    "numpy": [np.arange(3, dtype=np.float32), np.arange(3, dtype=np.float32)],
    "numpy scalars": [np.float64(1.5), np.float64(2.5)],
    "numpy ints": [np.int32(1), np.int32(2)],
    "floats": [1.0, 2.5],
    "ints": [1, 2],
    "bools": [True, False],
    "strings": ["a", "b"],
    "tuples": [(ember.ones(2), 1), (ember.zeros(2), 0)],
    "lists": [[1, 2.0], [3, 4.0]],
    "dicts": [{"img": ember.ones(2, 2), "label": 3, "name": "x"}, {"img": ember.zeros(2, 2), "label": 4,
                                                                    "name": "y"}],
    "ordered dicts": [collections.OrderedDict(b=1, a=2.0), collections.OrderedDict(b=3, a=4.0)],
    "namedtuples": [Point(1, ember.ones(1)), Point(2, ember.zeros(1))],
    "nested": [{"pair": (1, [2, 3]), "t": ember.tensor([1])}, {"pair": (4, [5, 6]), "t": ember.tensor([2])}],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_matches_torch(name):
    batch = BATCHES[name]
    same(default_collate(batch), torch.utils.data.default_collate(as_torch(batch)))


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_convert_matches_torch(name):
    sample = BATCHES[name][0]
    same(default_convert(sample), torch.utils.data.default_convert(as_torch(sample)))


def test_errors_match_torch():
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers, dicts or lists; found "
                                        "<class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([ember.ones(2), ember.ones(3)])


def test_string_arrays_are_left_alone_by_convert():
    arr = np.array(["a", "b"])
    assert default_convert(arr) is arr
