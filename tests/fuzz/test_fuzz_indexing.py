"""Indexing against PyTorch: basic and advanced getitem/setitem (ints, slices, None, ellipsis,
integer and bool tensors, lists), gather/scatter/index_select/index_add/masked_fill/take, with
out-of-range indices compared by exception type."""
import numpy as np
from fuzzing import ALL, FLOAT, Pair, check, contiguous, dim, fuzz, inputs, shapes, st, tensor, torch
from hypothesis import given


def _index_tensor(data, size, shape, bad=True):
    """An int64 index Pair of `shape` into a dim of `size` (negative ones too; now and then out of range)."""
    lo, hi = -size, size - 1
    if bad and data.draw(st.integers(0, 9), label="out of range?") == 0:
        lo, hi = -size - 2, size + 1
    if hi < lo:
        hi, lo = 0, 0
    arr = np.array(data.draw(st.lists(st.integers(lo, hi), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))),
                   dtype=np.int64).reshape(shape)
    return Pair(arr, contiguous, shape, False)


def _key(data, x, tensors):
    """A random index key for x: per dim an int, a slice, None, an index tensor or list, or a bool mask;
    tensors are built in pairs (ember, torch) and returned through `tensors`."""
    key_e, key_t = [], []
    d = 0
    shape = x.e.shape
    while d < len(shape) and data.draw(st.booleans(), label="more"):
        kind = data.draw(st.sampled_from(["int", "slice", "none", "tensor", "list", "mask", "ellipsis"]), label="kind")
        n = shape[d]
        if kind == "int":
            i = data.draw(st.integers(-n - 1, n), label="int")
            key_e.append(i), key_t.append(i)
        elif kind == "slice":
            s = slice(data.draw(st.one_of(st.none(), st.integers(-n - 2, n + 2))),
                      data.draw(st.one_of(st.none(), st.integers(-n - 2, n + 2))),
                      data.draw(st.one_of(st.none(), st.integers(1, 3))))
            key_e.append(s), key_t.append(s)
        elif kind == "none":
            key_e.append(None), key_t.append(None)
            continue
        elif kind == "ellipsis":
            key_e.append(Ellipsis), key_t.append(Ellipsis)
            break
        elif kind == "list":
            lst = data.draw(st.lists(st.integers(-n, n - 1) if n else st.nothing(), max_size=3), label="list")
            key_e.append(lst), key_t.append(lst)
        elif kind == "mask":
            m = tensor(data, (n,), "bool", layouts=False)
            key_e.append(m.e), key_t.append(m.t)
        else:
            p = _index_tensor(data, n, data.draw(shapes(0, 2, 0, 3), label="index shape"))
            key_e.append(p.e), key_t.append(p.t)
        d += 1
    tensors.append(tuple(key_e))
    return tuple(key_t)


@fuzz
@given(data=st.data())
def test_getitem(data):
    (x,) = inputs(data, 1, ALL)
    holder = []
    key_t = _key(data, x, holder)
    key_e = holder[0]
    check(lambda a: a[key_t if isinstance(a, torch.Tensor) else key_e], x)


@fuzz
@given(data=st.data())
def test_getitem_with_full_bool_mask(data):
    (x,) = inputs(data, 1, ALL)
    m = tensor(data, tuple(x.e.shape), "bool")
    check(lambda a, mask: a[mask], x, m)


@fuzz
@given(data=st.data())
def test_setitem(data):
    (x,) = inputs(data, 1, FLOAT, grad=False)
    holder = []
    key_t = _key(data, x, holder)
    key_e = holder[0]
    try:
        target_shape = tuple(x.t[key_t].shape)
    except (IndexError, RuntimeError, ValueError, TypeError):
        target_shape = ()
    # a value of the target's shape, a broadcastable suffix of it, or a Python number
    vshape = target_shape[data.draw(st.integers(0, len(target_shape)), label="value rank cut"):]
    v = tensor(data, vshape, data.draw(st.sampled_from(["float32", "float64", "int64"])), "moderate")
    number = data.draw(st.one_of(st.none(), st.floats(-5, 5), st.integers(-5, 5)), label="number")

    def run(a, val):
        y = a.clone()
        y[key_t if isinstance(a, torch.Tensor) else key_e] = val if number is None else number
        return y

    check(run, x, v)


@fuzz
@given(data=st.data())
def test_gather_and_take_along_dim(data):
    (x,) = inputs(data, 1, ALL, min_dims=1, max_dims=3)
    d = dim(data, x.e.dim())
    n = x.e.shape[d % x.e.dim()] if -x.e.dim() <= d < x.e.dim() else 1
    shape = tuple(data.draw(st.integers(0, s)) if i != d % x.e.dim() else data.draw(st.integers(0, 4))
                  for i, s in enumerate(x.e.shape))
    idx = _index_tensor(data, n, shape)
    check(lambda a, i: a.gather(d, i), x, idx)


@fuzz
@given(data=st.data())
def test_index_select(data):
    (x,) = inputs(data, 1, ALL, min_dims=1, max_dims=3)  # 0-d input: docs/known_differences.md
    d = dim(data, x.e.dim())
    n = x.e.shape[d % x.e.dim()] if -x.e.dim() <= d < x.e.dim() else 1
    idx = _index_tensor(data, n, data.draw(st.sampled_from([(), (0,), (1,), (3,)]), label="index shape"))
    check(lambda a, i: a.index_select(d, i), x, idx)


@fuzz
@given(data=st.data())
def test_scatter_family(data):
    (x,) = inputs(data, 1, FLOAT, min_dims=1, max_dims=3, grad=True)
    nd = x.e.dim()
    d = dim(data, nd, allow_bad=False)
    n = x.e.shape[d]
    shape = tuple(data.draw(st.integers(0, s)) for s in x.e.shape)
    idx = _index_tensor(data, n, shape)
    src = tensor(data, shape, x.array.dtype.name, "moderate", x.t_base.requires_grad)
    # scatter with duplicate indices keeps an unspecified one in PyTorch: only scatter_add there
    if len(set(np.asarray(idx.array).ravel().tolist())) == idx.array.size:
        check(lambda a, i, s: a.scatter(d, i % max(n, 1), s), x, idx, src)
    check(lambda a, i, s: a.scatter_add(d, i, s), x, idx, src)
    value = data.draw(st.floats(-3, 3), label="value")
    check(lambda a, i: a.scatter(d, i, value), x, idx)


@fuzz
@given(data=st.data())
def test_index_add_and_fill(data):
    # size-0 dims: PyTorch fails inside its storage code (docs/known_differences.md)
    (x,) = inputs(data, 1, FLOAT, min_dims=1, max_dims=3, min_side=1)
    nd = x.e.dim()
    d = dim(data, nd, allow_bad=False)
    idx = _index_tensor(data, x.e.shape[d], (data.draw(st.integers(0, 4), label="k"),))
    src_shape = tuple(idx.array.shape[0] if i == d else s for i, s in enumerate(x.e.shape))
    src = tensor(data, src_shape, x.array.dtype.name, "moderate", x.t_base.requires_grad)
    check(lambda a, i, s: a.index_add(d, i, s, alpha=2), x, idx, src)
    check(lambda a, i: a.clone().detach().index_fill_(d, i, -1.5), x, idx)


@fuzz
@given(data=st.data())
def test_masked_fill_and_select(data):
    x, m = inputs(data, 2, ALL)
    m.e, m.t = m.e.bool(), m.t.bool()
    value = data.draw(st.one_of(st.integers(-3, 3), st.floats(-3, 3), st.booleans()), label="value")
    check(lambda a, mask: a.masked_fill(mask, value), x, m)
    m2 = tensor(data, tuple(x.e.shape), "bool")  # masked_select on shapes that broadcast
    check(lambda a, mask: a.masked_select(mask), x, m2)


@fuzz
@given(data=st.data())
def test_nonzero_and_take(data):
    (x,) = inputs(data, 1, ALL)
    check(lambda a: (a.nonzero(), a.nonzero(as_tuple=True)), x)
    idx = _index_tensor(data, max(x.e.numel(), 1) if x.e.numel() else 0, data.draw(shapes(0, 2, 0, 3)))
    check(lambda a, i: a.take(i), x, idx)
