"""DataLoader with worker processes: same batches, errors, shutdown, seeding, persistence."""
import gc
import os
import time

import pytest

import ember
from ember.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


class Indexed(Dataset):
    """Sample i is i; odd samples are slow, so batches finish out of order."""

    def __init__(self, n=20, slow=0.0):
        self.n, self.slow = n, slow

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i % 2:
            time.sleep(self.slow)
        return i


class FailsAt(Indexed):
    def __getitem__(self, i):
        if i == 7:
            raise ValueError("sample 7 is broken")
        return i


class DiesAt(Indexed):
    def __getitem__(self, i):
        if i == 5:
            os._exit(3)
        return i


class Info(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return info.id, info.num_workers, info.seed, float(ember.rand(1)), os.environ.get("EMBER_TEST_INIT", "")


class Shard(IterableDataset):
    """Each worker reads its own slice of range(n), as PyTorch's docs recommend."""

    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


def flat(loader):
    return sum((b.tolist() for b in loader), [])


def gone(processes, wait=10.0):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and any(p.is_alive() for p in processes):
        time.sleep(0.05)
    return not any(p.is_alive() for p in processes)


def test_same_batches_as_single_process_in_order():
    ds = Indexed(slow=0.01)
    ours = [b.tolist() for b in DataLoader(ds, batch_size=3, num_workers=2)]
    assert ours == [b.tolist() for b in DataLoader(ds, batch_size=3)]


def test_tensor_dataset_with_workers_and_shuffle():
    ds = TensorDataset(ember.arange(50), ember.arange(50) * 2)
    batches = list(DataLoader(ds, batch_size=8, shuffle=True, num_workers=2))
    xs = sum((b[0].tolist() for b in batches), [])
    assert sorted(xs) == list(range(50)) and all(b[1].tolist() == [2 * v for v in b[0].tolist()] for b in batches)


def test_workers_exit_after_the_epoch():
    it = iter(DataLoader(Indexed(), batch_size=4, num_workers=2))
    workers = list(it._workers)
    assert len(list(it)) == 5
    assert gone(workers)


def test_worker_exception_is_reraised_with_its_traceback_and_workers_stop():
    it = iter(DataLoader(FailsAt(), batch_size=2, num_workers=2))
    workers = list(it._workers)
    with pytest.raises(ValueError) as e:
        list(it)
    msg = str(e.value)
    assert "Caught ValueError in DataLoader worker process 1" in msg
    assert "Original Traceback" in msg and "sample 7 is broken" in msg and "__getitem__" in msg
    assert gone(workers)


def test_key_error_message_is_readable():
    class Missing(Indexed):
        def __getitem__(self, i):
            return {}[i]

    with pytest.raises(KeyError) as e:
        list(DataLoader(Missing(4), batch_size=2, num_workers=1))
    assert "\n" in str(e.value)  # the traceback text, not its repr


def test_early_break_and_deletion_shut_workers_down():
    loader = DataLoader(Indexed(200), batch_size=2, num_workers=2)
    it = iter(loader)
    next(it)
    workers = list(it._workers)
    del it
    gc.collect()
    assert gone(workers)
    for _ in loader:
        break
    gc.collect()
    assert gone(workers)


def test_dead_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(DataLoader(DiesAt(), batch_size=1, num_workers=2))


def test_timeout():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        list(DataLoader(Indexed(4, slow=5.0), batch_size=2, num_workers=1, timeout=0.3))


def test_unpicklable_batch_becomes_an_error_not_a_hang():
    with pytest.raises(Exception, match="Caught .* in DataLoader worker process 0"):
        list(DataLoader(Indexed(2), batch_size=2, num_workers=1, collate_fn=lambda b: lambda: b, timeout=30))


def test_worker_info_seeds_and_init_fn():
    def init(worker_id):
        os.environ["EMBER_TEST_INIT"] = f"init{worker_id}"

    def run(seed):
        loader = DataLoader(Info(), batch_size=None, num_workers=2, worker_init_fn=init,
                            generator=ember.Generator().manual_seed(seed))
        return list(loader)

    samples = run(0)
    assert {(s[0], s[1], s[4]) for s in samples} == {(0, 2, "init0"), (1, 2, "init1")}
    seeds = {s[0]: s[2] for s in samples}
    assert seeds[1] == seeds[0] + 1
    assert len({s[3] for s in samples}) == len(samples)  # workers draw different random numbers
    assert run(0) == samples and run(1) != samples  # and reproducibly so
    assert os.environ.get("EMBER_TEST_INIT") is None  # worker_init_fn ran in the workers only


def test_failing_worker_init_fn_is_reported():
    def init(worker_id):
        raise RuntimeError("no init for you")

    with pytest.raises(RuntimeError, match="no init for you"):
        list(DataLoader(Indexed(4), batch_size=2, num_workers=2, worker_init_fn=init))


def test_iterable_dataset_sharded_by_worker_info():
    assert sorted(flat(DataLoader(Shard(10), batch_size=2, num_workers=3))) == list(range(10))
    # Without sharding every worker yields the whole stream, as in PyTorch.
    assert sorted(flat(DataLoader(Shard(4, shard=False), batch_size=2, num_workers=2))) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_persistent_workers_survive_epochs_and_restart_streams():
    loader = DataLoader(Indexed(10), batch_size=3, num_workers=2, persistent_workers=True)
    first = [b.tolist() for b in loader]
    pids = [w.pid for w in loader._iterator._workers]
    for _ in loader:  # an interrupted epoch must not leak into the next one
        break
    assert [b.tolist() for b in loader] == first and [w.pid for w in loader._iterator._workers] == pids
    stream = DataLoader(Shard(6), batch_size=2, num_workers=2, persistent_workers=True)
    assert sorted(flat(stream)) == sorted(flat(stream)) == list(range(6))
    workers = list(loader._iterator._workers) + list(stream._iterator._workers)
    del loader, stream
    gc.collect()
    assert gone(workers)


def test_spawn_context():
    ds = TensorDataset(ember.arange(6))
    loader = DataLoader(ds, batch_size=4, num_workers=1, multiprocessing_context="spawn")
    assert [b[0].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5]]
