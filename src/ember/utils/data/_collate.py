"""default_collate / default_convert: PyTorch's rules for merging samples into a batch.

Tensors stack along a new first dimension, NumPy arrays and numbers become tensors, strings stay
lists, and containers (dicts, namedtuples, tuples, lists) are collated field by field; a batch of
tuples gives a list, as in PyTorch.
"""
import collections.abc
import copy
import re

import numpy as np

from ..._creation import as_tensor, tensor
from ..._ops import stack
from ..._tensor import Tensor
from ... import _dtype

_STR_OR_OBJECT = re.compile(r"[SaUO]")  # NumPy dtypes with no tensor equivalent

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


class PreCollated(collections.abc.Sequence):
    """A batch a dataset's `__getitems__` has already collated in one vectorised step.

    default_collate returns `collated` as is; any other collate_fn sees the usual sequence of
    samples, each produced lazily by `get_sample(i)` exactly as `dataset[indices[i]]` would.
    """

    def __init__(self, collated, get_sample):
        self.collated = collated
        self._get_sample = get_sample
        self._len = len(collated[0]) if isinstance(collated, (list, tuple)) else len(collated)

    def __len__(self):
        return self._len

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._get_sample(j) for j in range(*i.indices(self._len))]
        if not -self._len <= i < self._len:
            raise IndexError("batch index out of range")
        return self._get_sample(i % self._len)


def _collate_tensor(batch, *, collate_fn_map=None):
    return stack(batch, 0)


def _collate_numpy_array(batch, *, collate_fn_map=None):
    if _STR_OR_OBJECT.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def _collate_numpy_scalar(batch, *, collate_fn_map=None):
    return as_tensor(np.asarray(batch))


def _collate_float(batch, *, collate_fn_map=None):
    return tensor(batch, dtype=_dtype.float64)


def _collate_int(batch, *, collate_fn_map=None):
    return tensor(batch)


def _collate_str(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {
    Tensor: _collate_tensor,
    np.ndarray: _collate_numpy_array,
    np.memmap: _collate_numpy_array,
    (np.bool_, np.number): _collate_numpy_scalar,
    float: _collate_float,
    int: _collate_int,  # also bool, whose batch becomes a bool tensor
    str: _collate_str,
    bytes: _collate_str,
}


def _lookup(elem, collate_fn_map):
    fn = collate_fn_map.get(type(elem))
    if fn is not None:
        return fn
    for types, fn in collate_fn_map.items():
        if isinstance(elem, types):
            return fn
    return None


def collate(batch, *, collate_fn_map=None):
    """Collate `batch` with per-type functions from `collate_fn_map`, recursing into containers."""
    elem = batch[0]
    fn = _lookup(elem, collate_fn_map) if collate_fn_map is not None else None
    if fn is not None:
        return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        merged = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
        return _same_mapping_type(elem, merged)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        return fields if isinstance(elem, tuple) else _same_sequence_type(elem, fields)
    raise TypeError(_ERR.format(type(elem)))


def default_collate(batch):
    """Merge a list of samples into a batch (see the module docstring)."""
    if isinstance(batch, PreCollated):
        return batch.collated
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """What the DataLoader applies to single samples when batching is off: arrays become tensors."""
    if isinstance(data, Tensor):
        return data
    t = type(data)
    if t.__module__ == "numpy" and t.__name__ not in ("str_", "bytes_", "string_"):
        if isinstance(data, np.ndarray) and _STR_OR_OBJECT.search(data.dtype.str) is not None:
            return data
        return as_tensor(np.asarray(data))  # a NumPy scalar keeps its dtype only as a 0-d array
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping_type(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return t(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_sequence_type(data, [default_convert(d) for d in data])
    return data


def _same_mapping_type(like, items):
    """`items` in a mapping of like's type (a copy keeps an OrderedDict's or subclass's extras)."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            out = copy.copy(like)
            out.update(items)
            return out
        return type(like)(items)
    except TypeError:  # a mapping type that cannot be copied or built from a dict
        return items


def _same_sequence_type(like, items):
    try:
        if isinstance(like, collections.abc.MutableSequence):
            out = copy.copy(like)
            for i, v in enumerate(items):
                out[i] = v
            return out
        return type(like)(items)
    except TypeError:
        return items
