"""Datasets and random_split."""
import warnings

import pytest

import ember
from ember.utils.data import (ChainDataset, ConcatDataset, Dataset, IterableDataset, PreCollated, Subset,
                              TensorDataset, default_collate, random_split)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i


class Stream(IterableDataset):
    def __init__(self, values):
        self.values = values

    def __iter__(self):
        return iter(self.values)


def test_tensor_dataset_items_and_len():
    x, y = ember.arange(12.).reshape(6, 2), ember.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[2]
    assert a.tolist() == [4.0, 5.0] and b.item() == 2


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="Size mismatch"):
        TensorDataset(ember.zeros(3, 2), ember.zeros(4))


def test_tensor_dataset_getitems_is_one_gather_with_per_sample_view():
    x, y = ember.arange(12.).reshape(6, 2), ember.arange(6)
    ds = TensorDataset(x, y)
    batch = ds.__getitems__([4, 0, 5])
    assert isinstance(batch, PreCollated) and len(batch) == 3
    images, labels = default_collate(batch)
    assert images.tolist() == [[8.0, 9.0], [0.0, 1.0], [10.0, 11.0]] and labels.tolist() == [4, 0, 5]
    # A custom collate_fn sees exactly the samples dataset[i] would give.
    assert [s[1].item() for s in batch] == [4, 0, 5]
    assert batch[-1][0].tolist() == [10.0, 11.0]
    assert [s[1].item() for s in batch[1:]] == [0, 5]
    with pytest.raises(IndexError):
        batch[3]
    assert default_collate(list(batch))[0].tolist() == images.tolist()


def test_subset_maps_indices_and_forwards_getitems():
    ds = TensorDataset(ember.arange(10))
    sub = Subset(ds, [9, 3, 5])
    assert len(sub) == 3 and sub[0][0].item() == 9
    assert default_collate(sub.__getitems__([2, 0]))[0].tolist() == [5, 9]
    plain = Subset(Squares(10), [1, 2, 3])
    assert plain.__getitems__([0, 2]) == [1, 9]


def test_concat_dataset_and_add():
    ds = Squares(3) + Squares(2)
    assert isinstance(ds, ConcatDataset) and len(ds) == 5
    assert [ds[i] for i in range(5)] == [0, 1, 4, 0, 1]
    assert ds[-1] == 1 and ds.cumulative_sizes == [3, 5]
    with pytest.raises(ValueError, match="absolute value of index"):
        ds[-6]
    with pytest.raises(AssertionError, match="empty"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="IterableDataset"):
        ConcatDataset([Stream([1])])


def test_chain_dataset():
    ds = Stream([1, 2]) + Stream([3])
    assert isinstance(ds, ChainDataset) and list(ds) == [1, 2, 3]


def test_base_classes_raise():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(IterableDataset())


def test_random_split_lengths_is_a_partition_and_seeded():
    parts = random_split(Squares(10), [3, 7], generator=ember.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    again = random_split(Squares(10), [3, 7], generator=ember.Generator().manual_seed(1))
    assert again[0].indices == parts[0].indices
    ember.manual_seed(5)
    a = random_split(Squares(10), [5, 5])[0].indices
    ember.manual_seed(5)
    assert random_split(Squares(10), [5, 5])[0].indices == a


def test_random_split_fractions_like_pytorch():
    assert [len(p) for p in random_split(Squares(10), [0.5, 0.3, 0.2])] == [5, 3, 2]
    assert [len(p) for p in random_split(Squares(11), [0.5, 0.5])] == [6, 5]  # remainder round-robin
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(Squares(2), [1.0, 0.0])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(Squares(10), [3, 3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        random_split(Squares(4), [0.5, 0.5])


def test_random_split_matches_torch_sizes():
    torch = pytest.importorskip("torch")
    for n, fracs in [(10, [0.33, 0.33, 0.34]), (7, [0.1, 0.9]), (100, [0.8, 0.2])]:
        ours = [len(p) for p in random_split(Squares(n), fracs)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fracs)]
        assert ours == theirs
