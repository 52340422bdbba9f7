"""DataLoader in the main process: batching, order, options and their validation (against PyTorch)."""
import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


class Pairs(Dataset):
    """Sample i is (i as a float tensor pair, i): no __getitems__, so the per-sample path runs."""

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return ember.tensor([float(i), -float(i)]), i


class Count(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def labels(loader):
    return [b[1].tolist() for b in loader]


def test_batches_in_order_with_short_last_batch():
    loader = DataLoader(Pairs(), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    x, y = batches[0]
    assert x.shape == (4, 2) and x.dtype is ember.float32 and y.dtype is ember.int64
    assert labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_drop_last():
    loader = DataLoader(Pairs(), batch_size=4, drop_last=True)
    assert len(loader) == 2 and labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_tensor_dataset_fast_path_equals_per_sample_path():
    x = ember.randn(50, 3, 4)
    y = ember.randint(0, 10, (50,))
    gen = ember.Generator().manual_seed(0)
    fast = list(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, generator=gen))
    gen.manual_seed(0)
    slow = list(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, generator=gen,
                           collate_fn=lambda b: ember.utils.data.default_collate(list(b))))
    for (a, b), (c, d) in zip(fast, slow):
        assert a.tolist() == c.tolist() and b.tolist() == d.tolist()


def test_shuffle_reproducible_with_generator_and_manual_seed():
    ds = TensorDataset(ember.arange(100))

    def epoch(**kw):
        return [b[0].tolist() for b in DataLoader(ds, batch_size=10, shuffle=True, **kw)]

    a = epoch(generator=ember.Generator().manual_seed(1))
    assert a == epoch(generator=ember.Generator().manual_seed(1))
    assert sorted(sum(a, [])) == list(range(100)) and sum(a, []) != list(range(100))
    ember.manual_seed(7)
    b = epoch()
    ember.manual_seed(7)
    assert epoch() == b


def test_sampler_batch_sampler_and_collate_fn():
    loader = DataLoader(Pairs(), sampler=[9, 1], batch_size=2)
    assert labels(loader) == [[9, 1]]
    loader = DataLoader(Pairs(), batch_sampler=[[3], [1, 2]])
    assert labels(loader) == [[3], [1, 2]] and len(loader) == 2
    loader = DataLoader(Pairs(), batch_size=3, collate_fn=lambda batch: [i for _, i in batch])
    assert list(loader) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]


def test_batch_size_none_yields_converted_samples():
    loader = DataLoader([np.arange(2), np.arange(2) + 1], batch_size=None)
    out = list(loader)
    assert len(loader) == 2 and isinstance(out[0], ember.Tensor) and out[1].tolist() == [1, 2]


def test_iterable_dataset_batches():
    assert [b.tolist() for b in DataLoader(Count(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Count(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Count(7), batch_size=3)) == 3
    assert len(DataLoader(Count(7), batch_size=3, drop_last=True)) == 2
    assert list(DataLoader(Count(3), batch_size=None)) == [0, 1, 2]  # ints stay ints, as in PyTorch


def test_pin_memory_is_accepted():
    if ember.cuda.is_available():
        loader = DataLoader(Pairs(), batch_size=5, pin_memory=True)
    else:
        with pytest.warns(UserWarning, match="no accelerator is found"):  # as PyTorch warns
            loader = DataLoader(Pairs(), batch_size=5, pin_memory=True)
    assert labels(loader) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_shuffled_order_does_not_depend_on_num_workers():
    ds = TensorDataset(ember.arange(30))

    def order(workers):
        loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=workers,
                            generator=ember.Generator().manual_seed(2))
        return [b[0].tolist() for b in loader]

    assert order(0) == order(2)


def test_get_worker_info_is_none_in_main_process():
    assert get_worker_info() is None


def test_iterator_len_and_iter():
    it = iter(DataLoader(Pairs(), batch_size=4))
    assert len(it) == 3 and iter(it) is it


@pytest.mark.parametrize("kwargs", [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(persistent_workers=True),
    dict(sampler=[0], shuffle=True), dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
])
def test_conflicting_options_raise_like_torch(kwargs):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(ValueError) as ours:
        DataLoader(list(range(4)), **kwargs)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_rejects_sampling_options(kwargs):
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
        DataLoader(Count(3), **kwargs)


def test_len_of_iterable_without_len_raises():
    class NoLen(IterableDataset):
        def __iter__(self):
            return iter([1])

    with pytest.raises(TypeError):
        len(DataLoader(NoLen()))


def test_same_batches_as_torch_dataloader():
    torch = pytest.importorskip("torch")
    data = np.arange(40, dtype=np.float32).reshape(20, 2)
    ours = [b[0].numpy() for b in DataLoader(TensorDataset(ember.from_numpy(data)), batch_size=6)]
    theirs = [b[0].numpy() for b in torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(data)),
                                                                batch_size=6)]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
