"""Reductions, scans, softmax and norms against PyTorch: every dim (and out-of-range ones), with
and without keepdim, on empty and 0-d inputs."""
import pytest
from fuzzing import ALL, FLOAT, NUMERIC, check, dim, fuzz, inputs, st
from hypothesis import given

# name -> (dtypes, value profile)
REDUCE_DIM = {
    "sum": (ALL, "moderate"), "mean": (FLOAT, "moderate"), "prod": (NUMERIC, "moderate"), "amax": (ALL, "special"),
    "amin": (ALL, "special"), "all": (ALL, "any"), "any": (ALL, "any"), "nansum": (FLOAT, "special"),
    "nanmean": (FLOAT, "special"), "logsumexp": (FLOAT, "special"), "count_nonzero": (ALL, "any"),
}


@pytest.mark.parametrize("name", sorted(REDUCE_DIM))
@fuzz
@given(data=st.data())
def test_reduce_dim(name, data):
    dtypes, values = REDUCE_DIM[name]
    (x,) = inputs(data, 1, dtypes, values=values, max_dims=3)
    d = dim(data, x.e.dim())
    keepdim = data.draw(st.booleans(), label="keepdim")
    if name == "count_nonzero":
        check(lambda a: a.count_nonzero(d), x)
    else:
        check(lambda a: getattr(a, name)(d, keepdim=keepdim), x)


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "amin", "all", "any", "nansum"])
@fuzz
@given(data=st.data())
def test_reduce_all(name, data):
    dtypes, values = REDUCE_DIM[name]
    (x,) = inputs(data, 1, dtypes, values=values, max_dims=3)
    check(lambda a: getattr(a, name)(), x)


@fuzz
@given(data=st.data())
def test_reduce_dim_lists(data):
    (x,) = inputs(data, 1, FLOAT, values="moderate", min_dims=2, max_dims=4)
    nd = x.e.dim()
    dims = data.draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique=True), label="dims")
    keepdim = data.draw(st.booleans(), label="keepdim")
    check(lambda a: (a.sum(dims, keepdim=keepdim), a.mean(dims, keepdim=keepdim), a.amax(dims, keepdim=keepdim)), x)


@pytest.mark.parametrize("name", ["max", "min"])
@fuzz
@given(data=st.data())
def test_max_min(name, data):
    (x,) = inputs(data, 1, NUMERIC, values="special", max_dims=3)
    d = dim(data, x.e.dim())
    keepdim = data.draw(st.booleans(), label="keepdim")
    # indices of ties are implementation-defined in PyTorch too: compare values, and gather by the indices
    check(lambda a: (lambda v, i: (v, a.gather(d, i if keepdim else i.unsqueeze(d)) if a.dim() else v))(
        *getattr(a, name)(d, keepdim=keepdim)), x)
    check(lambda a: getattr(a, name)(), x)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@fuzz
@given(data=st.data())
def test_argmax_argmin(name, data):
    # distinct values: which of several equal maxima wins is PyTorch's implementation detail
    (x,) = inputs(data, 1, NUMERIC, values="moderate", max_dims=3)
    if x.t.numel() != x.t.unique().numel():
        return
    d = data.draw(st.one_of(st.none(), st.just(dim(data, x.e.dim()))), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    check(lambda a: getattr(a, name)(d, keepdim), x)


@pytest.mark.parametrize("name", ["var", "std"])
@fuzz
@given(data=st.data())
def test_var_std(name, data):
    (x,) = inputs(data, 1, FLOAT, values="moderate", max_dims=3)
    d = data.draw(st.one_of(st.none(), st.just(dim(data, x.e.dim()))), label="dim")
    correction = data.draw(st.sampled_from([0, 1, 2]), label="correction")
    keepdim = data.draw(st.booleans(), label="keepdim")
    check(lambda a: getattr(a, name)(d, correction=correction, keepdim=keepdim), x)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@fuzz
@given(data=st.data())
def test_cumulative(name, data):
    (x,) = inputs(data, 1, NUMERIC + ("bool",), values="moderate", max_dims=3)
    d = dim(data, x.e.dim())
    check(lambda a: getattr(a, name)(d), x)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@fuzz
@given(data=st.data())
def test_softmax(name, data):
    (x,) = inputs(data, 1, FLOAT, values="any", max_dims=3)
    d = dim(data, x.e.dim())
    check(lambda a: getattr(a, name)(d), x)


@fuzz
@given(data=st.data())
def test_norm(data):
    (x,) = inputs(data, 1, FLOAT, values="moderate", max_dims=3)
    p = data.draw(st.sampled_from([1, 2, 3, 0.5, float("inf"), float("-inf"), 0, "fro"]), label="p")
    d = data.draw(st.one_of(st.none(), st.just(dim(data, x.e.dim()))), label="dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    # the gradient of a p-norm at an all-zero slice is PyTorch's choice (0); compared too
    check(lambda a: a.norm(p, d, keepdim), x)
