"""Shape ops against PyTorch: views, reshapes, permutations, cat/stack/split and friends, on
random layouts, with size-0 dims and bad arguments compared by exception type."""
from fuzzing import ALL, FLOAT, check, dim, fuzz, inputs, ns, shapes, st, tensor
from hypothesis import given


@fuzz
@given(data=st.data())
def test_reshape_and_view(data):
    (x,) = inputs(data, 1, ALL)
    target = list(data.draw(shapes(0, 4, 0, 6), label="target"))
    if target and data.draw(st.booleans(), label="infer"):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    check(lambda a: a.reshape(target), x)
    check(lambda a: a.view(target), x)
    check(lambda a: a.flatten(), x)


@fuzz
@given(data=st.data())
def test_permute_transpose_movedim(data):
    (x,) = inputs(data, 1, ALL, min_dims=1)
    nd = x.e.dim()
    perm = data.draw(st.permutations(range(nd)), label="perm")
    check(lambda a: a.permute(perm), x)
    d0, d1 = dim(data, nd), dim(data, nd)
    check(lambda a: a.transpose(d0, d1), x)
    check(lambda a: a.movedim(d0 % nd, d1 % nd), x)
    check(lambda a: a.mT if a.dim() >= 2 else a.T, x)


@fuzz
@given(data=st.data())
def test_squeeze_unsqueeze_expand(data):
    (x,) = inputs(data, 1, ALL)
    nd = x.e.dim()
    check(lambda a: a.squeeze(), x)
    sd = dim(data, nd)
    check(lambda a: a.squeeze(sd), x)
    d = data.draw(st.integers(-nd - 1, nd), label="unsqueeze dim")
    check(lambda a: a.unsqueeze(d), x)
    extra = data.draw(shapes(0, 2, 0, 3), label="leading")
    target = list(extra) + [s if s != 1 or not data.draw(st.booleans()) else data.draw(st.integers(0, 3))
                            for s in x.e.shape]
    check(lambda a: a.expand(target), x)


@fuzz
@given(data=st.data())
def test_cat_and_stack(data):
    n = data.draw(st.integers(1, 3), label="n")
    base = data.draw(shapes(1, 3, 0, 3), label="shape")
    d = data.draw(st.integers(0, len(base) - 1), label="dim")
    pairs = []
    for _ in range(n):
        s = list(base)
        s[d] = data.draw(st.integers(0, 3))
        if data.draw(st.integers(0, 9), label="mismatch?") == 0:
            s = list(data.draw(shapes(1, 3, 0, 3)))
        p = tensor(data, tuple(s), data.draw(st.sampled_from(["float64", "float32", "int64"])), "moderate",
                   data.draw(st.booleans()))
        pairs.append(p)
    check(lambda *ts: ns(ts[0]).cat(ts, d), *pairs)
    check(lambda *ts: ns(ts[0]).cat(ts, d - len(base)), *pairs)
    sd = data.draw(st.integers(-len(base) - 1, len(base)), label="stack dim")
    check(lambda *ts: ns(ts[0]).stack(ts, sd), *pairs)


@fuzz
@given(data=st.data())
def test_split_chunk_unbind(data):
    (x,) = inputs(data, 1, FLOAT, min_dims=1)
    nd = x.e.dim()
    d = dim(data, nd, allow_bad=False)
    size = x.e.shape[d]
    step = data.draw(st.integers(1, 4), label="split size")
    check(lambda a: a.split(step, d), x)
    sections = data.draw(st.lists(st.integers(0, 3), max_size=4), label="sections")
    check(lambda a: a.split(sections, d), x)
    chunks = data.draw(st.integers(1, 4), label="chunks")
    check(lambda a: a.chunk(chunks, d), x)
    check(lambda a: a.unbind(d), x)
    start, length = data.draw(st.integers(-size, size), label="start"), data.draw(st.integers(0, size), label="length")
    check(lambda a: a.narrow(d, start, length), x)


@fuzz
@given(data=st.data())
def test_flip_roll_repeat_tile(data):
    (x,) = inputs(data, 1, ALL, min_dims=1, max_dims=3)
    nd = x.e.dim()
    dims = data.draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique_by=lambda v: v % nd))
    check(lambda a: a.flip(dims), x)
    shift = data.draw(st.integers(-5, 5), label="shift")
    check(lambda a: a.roll(shift, dims[0]), x)
    check(lambda a: a.roll(shift), x)
    reps = data.draw(st.lists(st.integers(0, 3), min_size=nd, max_size=nd + 1), label="repeats")
    check(lambda a: a.repeat(reps), x)
    check(lambda a: a.tile(reps[:nd]), x)
    r = data.draw(st.integers(0, 3), label="r")
    check(lambda a: a.repeat_interleave(r, dims[0]), x)


@fuzz
@given(data=st.data())
def test_tril_triu_diagonal(data):
    (x,) = inputs(data, 1, ALL, min_dims=2, max_dims=3)
    k = data.draw(st.integers(-4, 4), label="diagonal")
    check(lambda a: (a.tril(k), a.triu(k)), x)
    check(lambda a: a.diagonal(k, -2, -1), x)
    check(lambda a: a.diagonal(k, 0, 1).sum() if a.dtype.is_floating_point else a.diagonal(k), x)


@fuzz
@given(data=st.data())
def test_clone_contiguous_detach(data):
    (x,) = inputs(data, 1, ALL)
    check(lambda a: (a.clone(), a.contiguous(), a.contiguous().is_contiguous(), a * 1 if a.dtype != ns(a).bool else a), x)
