"""Samplers: order, reproducibility, distributions and argument checks."""
import collections

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, RandomSampler, SequentialSampler, SubsetRandomSampler,
                              WeightedRandomSampler)

DATA = list(range(10))


def test_sequential():
    s = SequentialSampler(DATA)
    assert list(s) == DATA and len(s) == 10


def test_random_is_a_permutation_reproducible_with_a_generator():
    a = list(RandomSampler(DATA, generator=ember.Generator().manual_seed(3)))
    b = list(RandomSampler(DATA, generator=ember.Generator().manual_seed(3)))
    assert a == b and sorted(a) == DATA and a != DATA


def test_random_without_generator_follows_manual_seed():
    ember.manual_seed(11)
    a = list(RandomSampler(DATA))
    ember.manual_seed(11)
    assert list(RandomSampler(DATA)) == a


def test_random_epochs_differ():
    s = RandomSampler(DATA, generator=ember.Generator().manual_seed(0))
    assert list(s) != list(s)


def test_random_num_samples_and_replacement():
    s = RandomSampler(DATA, num_samples=25)
    got = list(s)
    assert len(s) == 25 and len(got) == 25
    assert collections.Counter(got) == collections.Counter(DATA * 2 + got[20:]) and sorted(got[:10]) == DATA
    r = list(RandomSampler(DATA, replacement=True, num_samples=1000))
    assert len(r) == 1000 and set(r) == set(DATA)


def test_random_argument_checks():
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(DATA, replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(DATA, num_samples=0)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler([])


def test_subset_random():
    s = SubsetRandomSampler([7, 3, 5], generator=ember.Generator().manual_seed(0))
    assert sorted(s) == [3, 5, 7] and len(s) == 3


def test_weighted_with_replacement_follows_weights():
    w = [0.0, 1.0, 3.0]
    got = np.array(list(WeightedRandomSampler(w, 20000, generator=ember.Generator().manual_seed(0))))
    counts = np.bincount(got, minlength=3) / len(got)
    assert counts[0] == 0 and abs(counts[2] - 0.75) < 0.02


def test_weighted_without_replacement_is_distinct_and_skips_zero_weights():
    got = list(WeightedRandomSampler([1.0, 0.0, 2.0, 5.0], 3, replacement=False))
    assert sorted(got) == [0, 2, 3]
    heavy_first = [list(WeightedRandomSampler([1.0, 100.0], 1, replacement=False))[0] for _ in range(200)]
    assert heavy_first.count(1) > 180
    with pytest.raises(RuntimeError, match="not enough non-negative category"):
        list(WeightedRandomSampler([1.0, 0.0, 2.0], 3, replacement=False))


def test_weighted_argument_checks():
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        WeightedRandomSampler([1.0], 1, replacement=None)
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 1)
    with pytest.raises(RuntimeError, match="invalid multinomial distribution"):
        list(WeightedRandomSampler([-1.0, 2.0], 2))


@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(drop_last):
    torch = pytest.importorskip("torch")
    ours = BatchSampler(SequentialSampler(DATA), 3, drop_last)
    theirs = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(DATA), 3, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_batch_sampler_argument_checks():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        BatchSampler(DATA, 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(DATA, 2, 0)
