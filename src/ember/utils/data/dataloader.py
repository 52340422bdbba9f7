"""DataLoader: batches from a dataset, in the main process or in worker processes.

Arguments, defaults, validation messages and iteration order follow torch.utils.data.DataLoader.
With num_workers > 0 each worker builds whole batches from index lists the main process sends it,
and batches come back in sampler order.
"""
import itertools
import pickle
import time
import warnings

from ... import cuda
from ..._creation import default_generator, randint
from . import _worker
from ._collate import default_collate, default_convert
from ._fetch import make_fetcher
from ._worker import ExceptionWrapper, IterableEnd, Resume
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

_JOIN_S = 1.0  # how long a worker may take to finish its batch and exit before it is terminated


class _InfiniteConstantSampler:
    """The 'sampler' of an iterable dataset: the dataset itself decides what comes next."""

    def __iter__(self):
        return itertools.repeat(None)


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                                     f"{name}={value}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)
        self.pin_memory = pin_memory  # host memory is what a CPU tensor already uses: nothing to pin
        if pin_memory and not cuda.is_available():
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=2)
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self._iterator = None

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return _MultiProcessIter(self)
        if self._iterator is None or self._iterator._shutdown:  # first epoch, or the last one failed
            self._iterator = _MultiProcessIter(self)
        else:
            self._iterator._reset(self)
        return self._iterator

    def __len__(self):
        if not self._is_iterable:
            return len(self._index_sampler)
        n = len(self.dataset)  # TypeError if the iterable dataset has no length, as in PyTorch
        if self.batch_size is not None:
            n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return n

    def _base_seed(self):
        return int(randint(0, 2 ** 62, (), generator=self.generator or default_generator))


class _BaseIter:
    # No reference back to the loader: a persistent loader holds its iterator, and a cycle would
    # leave shutting the workers down to the garbage collector, after their queues are finalised.
    def __init__(self, loader):
        self._index_sampler = loader._index_sampler
        self._sampler_iter = iter(self._index_sampler)
        # Drawn with or without workers, as PyTorch does, so both see the same shuffled order.
        self._base_seed = loader._base_seed()

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._index_sampler)


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._fetcher = make_fetcher(loader.dataset, loader._is_iterable, loader._auto_collation, loader.collate_fn,
                                     loader.drop_last)

    def __next__(self):
        return self._fetcher.fetch(next(self._sampler_iter))


class _MultiProcessIter(_BaseIter):
    """Keeps `prefetch_factor * num_workers` batches in flight, handed to workers round-robin, and
    returns them in the order they were asked for."""

    def __init__(self, loader):
        import multiprocessing  # here, not at the top: most programs never start workers; keep import ember fast

        super().__init__(loader)
        self._shutdown = False
        self._index_queues, self._workers, self._conns = [], [], []
        self._prefetch, self._timeout = loader.prefetch_factor, loader.timeout
        self._persistent = loader.persistent_workers
        n = loader.num_workers
        ctx = loader.multiprocessing_context
        ctx = multiprocessing.get_context(ctx) if isinstance(ctx, str) or ctx is None else ctx
        for wid in range(n):
            iq = ctx.Queue()
            iq.cancel_join_thread()  # never block exit on indices a dead worker will not read
            # One result pipe per worker: a worker that dies closes it, which wakes us at once.
            reader, writer = ctx.Pipe(duplex=False)
            w = ctx.Process(target=_worker.worker_loop, daemon=True, args=(
                loader._is_iterable, loader.dataset, iq, writer, loader._auto_collation, loader.collate_fn,
                loader.drop_last, self._base_seed + wid, loader.worker_init_fn, wid, n))
            w.start()
            writer.close()
            self._index_queues.append(iq)
            self._workers.append(w)
            self._conns.append(reader)
        self._reset(loader, first=True)

    def _reset(self, loader, first=False):
        self._index_sampler = loader._index_sampler
        self._sampler_iter = iter(self._index_sampler)
        self._send_idx = self._rcvd_idx = 0
        self._tasks = {}  # task index -> (worker id,) while pending, (worker id, data) once out of order
        self._active = [True] * len(self._workers)
        self._next_worker = itertools.cycle(range(len(self._workers)))
        if not first:  # persistent workers: drop last epoch's leftovers, restart iterable streams
            for iq in self._index_queues:
                iq.put(Resume())
            waiting = len(self._workers)
            while waiting:
                idx, _ = self._get()
                waiting -= isinstance(idx, Resume)
        for _ in range(self._prefetch * len(self._workers)):
            self._put_task()

    def _put_task(self):
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(len(self._workers)):
            wid = next(self._next_worker)
            if self._active[wid]:
                break
        else:
            return
        self._index_queues[wid].put((self._send_idx, index))
        self._tasks[self._send_idx] = (wid,)
        self._send_idx += 1

    def _get(self):
        """The next (task index, data) from any worker; raises if a worker died or on timeout."""
        from multiprocessing.connection import wait

        timeout = self._timeout or None
        ready = wait(self._conns, timeout)
        if not ready:
            self._shutdown_workers()
            raise RuntimeError(f"DataLoader timed out after {timeout} seconds")
        conn = ready[0]
        try:
            return pickle.loads(conn.recv_bytes())
        except EOFError:
            pid = self._workers[self._conns.index(conn)].pid
            self._shutdown_workers()
            raise RuntimeError(f"DataLoader worker (pid(s) {pid}) exited unexpectedly") from None

    def __next__(self):
        if self._shutdown:
            raise StopIteration
        while True:
            # Skip tasks of workers whose iterable stream has ended; they will never answer.
            while self._rcvd_idx < self._send_idx:
                task = self._tasks[self._rcvd_idx]
                if len(task) == 2 or self._active[task[0]]:
                    break
                del self._tasks[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._tasks[self._rcvd_idx]) == 2:  # arrived earlier, out of order
                return self._deliver(self._tasks.pop(self._rcvd_idx)[1])
            idx, data = self._get()
            if isinstance(data, IterableEnd):
                self._active[data.worker_id] = False
                self._put_task()
                continue
            if idx != self._rcvd_idx:
                self._tasks[idx] += (data,)
                continue
            del self._tasks[idx]
            return self._deliver(data)

    def _deliver(self, data):
        self._rcvd_idx += 1
        self._put_task()
        if isinstance(data, ExceptionWrapper):
            self._shutdown_workers()
            data.reraise()
        return data

    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        for iq in self._index_queues:
            iq.put(None)
        for conn in self._conns:  # a worker blocked sending a batch gets BrokenPipeError and exits
            conn.close()
        deadline = time.monotonic() + _JOIN_S
        for w in self._workers:
            w.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.is_alive():
                w.terminate()
                w.join()
        for iq in self._index_queues:
            iq.close()

    def __del__(self):
        if hasattr(self, "_shutdown"):
            self._shutdown_workers()
