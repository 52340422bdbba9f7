"""The DataLoader worker process: it builds whole batches from the indices it is sent and sends
them back over its own pipe; errors travel back as ExceptionWrapper and are re-raised in the main
process with the worker's traceback.

The standard modules only workers need are imported where they are used, to keep `import ember`
fast (this module is loaded for get_worker_info).
"""
import os
import pickle
import sys

import numpy as np

_worker_info = None
_PARENT_POLL_S = 5.0  # how often an idle worker checks that the main process still exists


class WorkerInfo:
    """What `get_worker_info()` returns inside a worker: id, num_workers, seed, dataset."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)
        self._frozen = True

    def __setattr__(self, key, value):
        if getattr(self, "_frozen", False):
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        super().__setattr__(key, value)

    def __repr__(self):
        fields = ", ".join(f"{k}={getattr(self, k)}" for k in ("id", "num_workers", "seed", "dataset"))
        return f"WorkerInfo({fields})"


def get_worker_info():
    """The WorkerInfo of the current DataLoader worker, or None in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process with its traceback text."""

    def __init__(self, where):
        import traceback

        exc_type, exc, _ = sys.exc_info()
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, exc.__traceback__))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)  # KeyError would print the message's repr
        try:
            exc = self.exc_type(msg)
        except Exception:  # an exception type whose constructor takes other arguments
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    def __repr__(self):
        return self


class IterableEnd:
    """A worker's iterable dataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class Resume:
    """Start a new epoch with the same (persistent) workers."""


def _seed_everything(seed, worker_id):
    import random

    from ... import manual_seed, set_num_threads

    # One thread per worker: a forked child must not enter an OpenMP region (libgomp's pool does
    # not survive fork), and the workers already use the cores.
    set_num_threads(1)
    manual_seed(seed)
    random.seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, seed]).generate_state(1)[0])


def _send(conn, idx, data, where):
    """Pickle here, not in a queue's feeder thread, so an unpicklable batch becomes an error report
    instead of a batch that silently never arrives."""
    try:
        payload = pickle.dumps((idx, data), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        payload = pickle.dumps((idx, ExceptionWrapper(where)), protocol=pickle.HIGHEST_PROTOCOL)
    conn.send_bytes(payload)


def worker_loop(is_iterable, dataset, index_queue, result_conn, auto_collation, collate_fn, drop_last, seed, init_fn,
                worker_id, num_workers):
    import queue

    from ._fetch import make_fetcher

    global _worker_info
    _seed_everything(seed, worker_id)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    where = f"in DataLoader worker process {worker_id}"
    parent = os.getppid()
    error = fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher(dataset, is_iterable, auto_collation, collate_fn, drop_last)
    except Exception:
        error = ExceptionWrapper(where)  # reported for every batch this worker is asked for
    ended = False
    while True:
        try:
            task = index_queue.get(timeout=_PARENT_POLL_S)
        except queue.Empty:
            if os.getppid() != parent:  # the main process died without shutting us down
                break
            continue
        if task is None:
            break
        if isinstance(task, Resume):
            ended = False
            if error is None:
                fetcher = make_fetcher(dataset, is_iterable, auto_collation, collate_fn, drop_last)
            data = None
            idx = task
        else:
            idx, index = task
            if ended:
                continue  # the main process already knows this worker's stream has ended
            data, ended = _fetch(fetcher, index, error, is_iterable, worker_id, where)
        try:
            _send(result_conn, idx, data, where)
        except (BrokenPipeError, ConnectionError):  # the main process stopped listening: shut down
            break
        del data  # do not keep the last batch alive while waiting
    result_conn.close()


def _fetch(fetcher, index, error, is_iterable, worker_id, where):
    """(batch or error report, whether this worker's iterable stream has ended)."""
    if error is not None:
        return error, False
    try:
        return fetcher.fetch(index), False
    except StopIteration:
        if is_iterable:
            return IterableEnd(worker_id), True
        return ExceptionWrapper(where), False
    except Exception:
        return ExceptionWrapper(where), False

