"""Python indexing on tensors: basic indices (ints, slices, None, ...) become one strided view;
tensor/list/bool indices go to the core's advanced indexing, exactly as NumPy and PyTorch."""
import numbers

import numpy as np

from . import _C
from ._tensor import Tensor, wrap


def _is_advanced(k):
    return isinstance(k, (list, np.ndarray)) or (isinstance(k, Tensor) and (k.dim() > 0 or k.dtype.name == "bool"))


def _is_bool_scalar(k):
    return isinstance(k, Tensor) and k.dim() == 0 and k.dtype.name == "bool"


def _to_index_tensor(k):
    from ._creation import tensor

    if isinstance(k, Tensor):
        return k
    if isinstance(k, np.ndarray):
        return tensor(k)
    t = tensor(k)
    if t.numel() == 0:
        t = t.long()
    return t


def _normalize(x, key):
    if not isinstance(key, tuple):
        key = (key,)
    # Python bools and scalar bool tensors act as a new dim of size 1 (True) or 0 (False).
    ndim_used = sum(0 if k is None or k is Ellipsis or isinstance(k, bool) or _is_bool_scalar(k) else 1 for k in key)
    ndim_used += sum(k.dim() - 1 for k in key if isinstance(k, Tensor) and k.dtype.name in ("bool", "uint8") and k.dim() > 1)
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if Ellipsis in [k for k in key if k is Ellipsis]:
        i = next(i for i, k in enumerate(key) if k is Ellipsis)
        key = key[:i] + (slice(None),) * (x.dim() - ndim_used) + key[i + 1:]
    if ndim_used > x.dim():
        raise IndexError(f"too many indices for tensor of dimension {x.dim()}")
    return key


def _plan(x, key):
    """Applies the basic part of `key` as one view; returns (view, advanced indices per view dim)."""
    key = _normalize(x, key)
    has_adv = any(_is_advanced(k) for k in key)
    sizes, strides, offset = list(x._c.shape), list(x._c.strides), x._c.offset
    out_sizes, out_strides = [], []
    adv = []
    d = 0
    for k in key:
        if k is None:
            out_sizes.append(1)
            out_strides.append(0)
            adv.append(None)
        elif isinstance(k, bool):
            out_sizes.append(1)
            out_strides.append(0)
            adv.append(None if k else _to_index_tensor([]).long())
            if not k:
                has_adv = True
        elif isinstance(k, numbers.Integral) or (isinstance(k, Tensor) and k.dim() == 0 and k.dtype.name != "bool" and not has_adv):
            i = int(k)
            if not -sizes[d] <= i < sizes[d]:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {sizes[d]}")
            if has_adv:  # mixed with tensors, an int acts as an advanced index (NumPy's rule)
                out_sizes.append(sizes[d])
                out_strides.append(strides[d])
                adv.append(_to_index_tensor(i))
            else:
                offset += (i + sizes[d] if i < 0 else i) * strides[d]
            d += 1
        elif isinstance(k, slice):
            start, stop, step = k.start, k.stop, k.step
            step = 1 if step is None else int(step)
            if step <= 0:
                raise ValueError("step must be greater than zero")
            n = sizes[d]
            start = 0 if start is None else int(start)
            stop = n if stop is None else int(stop)
            start = min(max(start + n if start < 0 else start, 0), n)
            stop = min(max(stop + n if stop < 0 else stop, 0), n)
            length = max(0, (stop - start + step - 1) // step)
            offset += start * strides[d] if length else 0
            out_sizes.append(length)
            out_strides.append(strides[d] * step)
            adv.append(None)
            d += 1
        elif _is_advanced(k):
            t = _to_index_tensor(k)
            if t.dtype.name in ("bool", "uint8") and t.dim() > 0:
                for j in range(t.dim()):
                    out_sizes.append(sizes[d + j])
                    out_strides.append(strides[d + j])
                adv.append(t)
                adv.extend(["mask-cont"] * (t.dim() - 1))
                d += t.dim()
            elif t.dtype.name == "bool":  # 0-d bool tensor
                out_sizes.append(1)
                out_strides.append(0)
                adv.append(None if t.item() else _to_index_tensor([]).long())
            else:
                if t.dtype.is_floating_point:
                    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
                out_sizes.append(sizes[d])
                out_strides.append(strides[d])
                adv.append(t)
                d += 1
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             f"valid indices (got {type(k).__name__})")
    out_sizes += sizes[d:]
    out_strides += strides[d:]
    adv += [None] * (len(sizes) - d)
    view = _C.as_strided(x._c, out_sizes, out_strides, offset)
    # A multi-dim mask spans several view dims: the core expects it once, at the first of them.
    packed = [a._c if isinstance(a, Tensor) else None for a in adv if not isinstance(a, str)]
    return view, (packed if any(p is not None for p in packed) else None)


def getitem(x, key):
    view, adv = _plan(x, key)
    if adv is None:
        return wrap(view)
    return wrap(_C.index(view, adv))


def setitem(x, key, value, accumulate=False):
    from ._creation import tensor

    view, adv = _plan(x, key)
    if not isinstance(value, Tensor):
        value = tensor(value, dtype=x.dtype)
    if adv is None:
        if accumulate:
            _C.binary_(0, view, value._c)
        else:
            _C.copy_(view, value._c)
    else:
        _C.index_put_(view, adv, value._c, accumulate)
    x._c.bump_version()


def node_kind(x, key):
    """Which PyTorch node indexing with `key` ends in: 'index' (advanced), else the node of the last
    step that does something ('select', 'slice', 'unsqueeze'), or 'alias' when none does."""
    keys = key if isinstance(key, tuple) else (key,)
    if any(_is_advanced(k) or isinstance(k, bool) for k in keys):
        return "index"
    if keys == (slice(None),):
        return "slice"  # x[:] is PyTorch's one full slice that records a SliceBackward0
    for k in reversed(keys):
        if k is None:
            return "unsqueeze"
        if isinstance(k, numbers.Integral) or isinstance(k, Tensor):
            return "select"
        if isinstance(k, slice) and (k.start, k.stop, k.step or 1) != (None, None, 1):
            return "slice"
    return "alias"
