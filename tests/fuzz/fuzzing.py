"""Differential fuzzing against PyTorch: hypothesis draws shapes, dtypes, memory layouts and
values; `check` runs the same function on ember and on torch tensors holding the same data and
compares results, dtypes, raised exception types and (float64) gradients.

Budget: EMBER_FUZZ_EXAMPLES examples per test (default 40, CI); the release run uses
EMBER_FUZZ_EXAMPLES=2000. Runs are derandomized (a fixed seed per test) so CI is reproducible;
EMBER_FUZZ_RANDOM=1 draws fresh examples instead.
"""
import builtins
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

torch = pytest.importorskip("torch")

fuzz = settings(max_examples=int(os.environ.get("EMBER_FUZZ_EXAMPLES", "40")), deadline=None, database=None,
                derandomize=not os.environ.get("EMBER_FUZZ_RANDOM"), print_blob=True,
                suppress_health_check=list(HealthCheck))

FLOAT = ("float32", "float64")
INT = ("int64", "int32", "uint8")
ALL = FLOAT + INT + ("bool",)
NUMERIC = FLOAT + INT

# Tolerances per dtype for forward values and for gradients.
# float32 sums may be reassociated differently by each kernel (AVX2, AVX-512, generic), so the
# tolerance allows a few ulps of rounding beyond a single correctly-rounded op
TOL = {"float32": dict(rtol=2e-5, atol=1e-6), "float64": dict(rtol=1e-9, atol=1e-12)}


def ns(x):
    """The library a tensor belongs to, so one lambda can call ember.* or torch.*."""
    return ember if isinstance(x, ember.Tensor) else torch


# ---- values ----------------------------------------------------------------------------------
def _float_elements(dtype, values):
    width = 32 if dtype == "float32" else 64
    big = 3e38 if width == 32 else 1e308
    tiny = 1e-45 if width == 32 else 5e-324
    moderate = st.floats(-10, 10, width=width)
    if values == "moderate":  # reductions and matmul: sums whose order would decide the result stay out
        return st.one_of(moderate, st.sampled_from([0.0, -0.0, 1.0, -1.0]))
    if values == "positive":
        return st.floats(1e-3, 10, width=width)
    special = st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan, big, -big, tiny, -tiny, 1.0, -1.0, 0.5])
    if values == "special":  # moderate values with inf, nan and signed zeros
        return st.one_of(moderate, st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan]))
    return st.one_of(moderate, special, st.floats(width=width))


def _int_elements(dtype, values):
    info = np.iinfo(dtype)
    if values == "any":  # limits included: only for ops that cannot overflow
        return st.one_of(st.integers(-5, 5).filter(lambda v: info.min <= v), st.sampled_from([info.min, info.max]),
                         st.integers(info.min, info.max))
    if values == "positive":
        return st.integers(1, 9)
    return st.integers(builtins.max(info.min, -9), 9)


def elements(dtype, values):
    if dtype == "bool":
        return st.booleans()
    if dtype in FLOAT:
        return _float_elements(dtype, values)
    return _int_elements(dtype, values)


# ---- tensors ---------------------------------------------------------------------------------
def shapes(min_dims=0, max_dims=4, min_side=0, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


class Pair:
    """The same tensor in ember and torch, made through the same view (layout) of a base tensor."""

    def __init__(self, array, layout, shape, requires_grad):
        self.array = array
        self.e_base = ember.tensor(array, requires_grad=requires_grad)
        self.t_base = torch.tensor(array, requires_grad=requires_grad)
        self.e = layout(self.e_base, shape)
        self.t = layout(self.t_base, shape)


def contiguous(t, shape):
    return t


def _transposed(t, shape):
    return t.transpose(-1, -2)


def _sliced(t, shape):
    return t[(slice(1, None, 2),) * len(shape)]


def _expanded(t, shape):
    return t.expand(*shape)


def _base_shape(layout, shape):
    if layout is _transposed:
        return shape[:-2] + (shape[-1], shape[-2])
    if layout is _sliced:
        return tuple(2 * s + 1 for s in shape)
    return shape


def tensor(data, shape, dtype, values="any", requires_grad=False, layouts=True):
    """Draws one Pair of `shape` and `dtype` in a random layout."""
    choices = [contiguous]
    if layouts and len(shape) >= 2:
        choices.append(_transposed)
    if layouts and shape:
        choices.append(_sliced)
    layout = data.draw(st.sampled_from(choices), label="layout")
    base = _base_shape(layout, shape)
    if layouts and shape and layout is contiguous and data.draw(st.booleans(), label="expand"):
        layout = _expanded
        base = tuple(1 if data.draw(st.booleans()) else s for s in shape)
    array = data.draw(hnp.arrays(np.dtype(dtype), base, elements=elements(dtype, values)), label=f"{dtype}{list(shape)}")
    return Pair(array, layout, shape, requires_grad and dtype in FLOAT)


def scalar(data, kinds=("bool", "int", "float")):
    """A Python number operand, for type promotion with tensors."""
    kind = data.draw(st.sampled_from(kinds), label="scalar kind")
    if kind == "bool":
        return data.draw(st.booleans())
    if kind == "int":
        return data.draw(st.integers(-9, 9))
    return data.draw(st.one_of(st.floats(-10, 10), st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan])))


def dim(data, ndim, allow_bad=True):
    """A dim argument: valid (either sign) or, now and then, out of range."""
    hi = builtins.max(ndim, 1)
    if allow_bad and data.draw(st.integers(0, 9), label="bad dim?") == 0:
        return data.draw(st.sampled_from([hi, -hi - 1]), label="dim")
    return data.draw(st.integers(-hi, hi - 1), label="dim")


# ---- comparing -------------------------------------------------------------------------------
def _builtin_base(exc):
    base = next(c for c in type(exc).__mro__ if c.__module__ == "builtins")
    # PyTorch raises either for "not implemented for dtype"; the two are one family in Python too
    return RuntimeError if base is NotImplementedError else base


def _compare(e, t, where="output", ignore_zero_sign=False):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{where}: ember gave {type(e).__name__}"
        assert tuple(e.shape) == tuple(t.shape), f"{where}: shape {tuple(e.shape)} vs torch {tuple(t.shape)}"
        ea, ta = e.detach().numpy(), t.detach().numpy()
        assert ea.dtype == ta.dtype, f"{where}: dtype {ea.dtype} vs torch {ta.dtype}"
        if ta.dtype.kind == "f":
            tol = TOL[ta.dtype.name]
            np.testing.assert_allclose(ea, ta, equal_nan=True, err_msg=where, rtol=tol["rtol"], atol=tol["atol"])
            # -0.0 and 0.0 compare equal above; their signs matter for division and atan2
            zero = (ta == 0) & (ea == 0)
            assert ignore_zero_sign or (np.signbit(ea) == np.signbit(ta))[zero].all(), \
                f"{where}: sign of zero differs"
        else:
            np.testing.assert_array_equal(ea, ta, err_msg=where)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"{where}: {e!r} vs torch {t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            _compare(a, b, f"{where}[{i}]", ignore_zero_sign)
    elif isinstance(t, float) and math.isnan(t):
        assert isinstance(e, float) and math.isnan(e), f"{where}: {e!r} vs torch {t!r}"
    else:
        assert type(e) is type(t) and e == t, f"{where}: {e!r} vs torch {t!r}"


def _float_tensors(out):
    if isinstance(out, torch.Tensor) or isinstance(out, ember.Tensor):
        return [out] if out.dtype.is_floating_point and out.requires_grad else []
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _float_tensors(o)]
    return []


def check(fn, *pairs, extra=(), ignore_zero_sign=False):
    """Runs fn on the torch and the ember tensors (plus the same `extra` Python arguments) and
    compares: the exception type if torch raises, otherwise outputs and then gradients.
    ignore_zero_sign: for ops whose sign of a zero result is a known difference."""
    try:
        t_out = fn(*[p.t for p in pairs], *extra)
    except Exception as exc:  # torch's verdict decides what ember must raise
        assume("INTERNAL ASSERT" not in str(exc))  # a PyTorch bug: nothing to compare with
        expected = _builtin_base(exc)
        with pytest.raises(expected):
            fn(*[p.e for p in pairs], *extra)
        return
    e_out = fn(*[p.e for p in pairs], *extra)
    _compare(e_out, t_out, ignore_zero_sign=ignore_zero_sign)
    t_outs, e_outs = _float_tensors(t_out), _float_tensors(e_out)
    leaves = [p for p in pairs if p.t_base.requires_grad]
    if not t_outs or not leaves:
        return
    assert len(e_outs) == len(t_outs), "outputs that require grad differ"
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(tuple(o.shape)) for o in t_outs]
    try:
        t_grads = torch.autograd.grad(t_outs, [p.t_base for p in leaves], [torch.tensor(g) for g in grads],
                                      allow_unused=True)
    except RuntimeError:  # PyTorch's backward fails where its forward passed (e.g. broadcasting to size 0)
        return
    e_grads = ember.autograd.grad(e_outs, [p.e_base for p in leaves], [ember.tensor(g) for g in grads],
                                  allow_unused=True)
    for i, (eg, tg) in enumerate(zip(e_grads, t_grads)):
        if tg is None:
            assert eg is None or not eg.detach().numpy().any(), f"grad of input {i}: torch has none"
        else:
            if eg is None and tg.numel() == 0:
                continue  # ember skips the gradient of an empty input; there is nothing to compare
            assert eg is not None, f"grad of input {i}: ember has none"
            # gradients of zero carry no meaningful sign (PyTorch's own kernels disagree on it)
            _compare(eg, tg, f"grad of input {i}", ignore_zero_sign=True)


def inputs(data, n=1, dtypes=FLOAT, values="any", grad=True, broadcast=True, min_dims=0, max_dims=4, min_side=0,
           same_dtype=False, mismatch=True):
    """n Pairs with mutually broadcastable shapes (or, now and then, shapes that are not, so the
    error is compared too) and dtypes drawn from `dtypes`."""
    if n > 1 and broadcast:
        if mismatch and data.draw(st.integers(0, 9), label="mismatch?") == 0:
            shape_list = [data.draw(shapes(min_dims, max_dims, min_side)) for _ in range(n)]
        else:
            bs = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=min_dims, max_dims=max_dims,
                                                             min_side=min_side, max_side=4))
            shape_list = list(bs.input_shapes)
    else:
        first = data.draw(shapes(min_dims, max_dims, min_side))
        shape_list = [first] * n
    first_dtype = data.draw(st.sampled_from(dtypes), label="dtype")
    requires_grad = grad and first_dtype == "float64" and data.draw(st.booleans(), label="requires_grad")
    out = []
    for s in shape_list:
        dt = first_dtype if same_dtype or not out else data.draw(st.sampled_from(dtypes), label="dtype")
        out.append(tensor(data, s, dt, values, requires_grad))
    return out


__all__ = ["ALL", "FLOAT", "INT", "NUMERIC", "Pair", "assume", "contiguous", "check", "dim", "fuzz", "inputs", "ns", "scalar", "shapes",
           "st", "tensor", "torch"]
