"""float32 numerics at the edges, against PyTorch (and float64 references): sums over a million
elements, softmax/log_softmax/cross_entropy at logits of +-1e4, all finite and accurate."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F

torch = pytest.importorskip("torch")


def pair(a):
    return ember.tensor(a), torch.tensor(a)


@pytest.mark.parametrize("n", [1_000_000, 4_194_305])
def test_large_float32_sums_are_accurate(n):
    a = np.random.default_rng(0).uniform(0, 1, n).astype(np.float32)  # all positive: no cancellation to hide errors
    e, t = pair(a)
    exact = a.astype(np.float64).sum()
    assert abs(float(e.sum()) - exact) / exact < 1e-6
    assert abs(float(e.mean()) - exact / n) / (exact / n) < 1e-6
    np.testing.assert_allclose(float(e.sum()), float(t.sum()), rtol=1e-6)
    rows = a[: 1000 * (n // 1000)].reshape(1000, -1)
    er, tr = pair(rows)
    np.testing.assert_allclose(er.sum(1).numpy(), tr.sum(1).numpy(), rtol=1e-5)
    np.testing.assert_allclose(er.sum(0).numpy(), tr.sum(0).numpy(), rtol=1e-5)


def extreme_logits():
    g = np.random.default_rng(1)
    x = g.standard_normal((64, 1000)).astype(np.float32)
    x[::2] *= 1e4  # rows of logits around +-1e4
    x[1::4, 0] = 1e4
    x[3::4, :] = -1e4  # a row where every logit is -1e4
    return x


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_at_extreme_logits(name, dim):
    e, t = pair(extreme_logits())
    eo, to = getattr(F, name)(e, dim=dim), getattr(torch.nn.functional, name)(t, dim=dim)
    assert np.isfinite(eo.numpy()).all()
    np.testing.assert_allclose(eo.numpy(), to.numpy(), rtol=1e-5, atol=1e-6)


def test_cross_entropy_at_extreme_logits_forward_and_backward():
    x = extreme_logits()
    target = np.random.default_rng(2).integers(0, 1000, 64)
    e, t = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    el, tl = F.cross_entropy(e, ember.tensor(target)), torch.nn.functional.cross_entropy(t, torch.tensor(target))
    assert np.isfinite(float(el))
    np.testing.assert_allclose(float(el), float(tl), rtol=1e-5)
    el.backward()
    tl.backward()
    assert np.isfinite(e.grad.numpy()).all()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_large_softmax_rows_sum_to_one():
    x = np.random.default_rng(3).standard_normal((2, 1_000_000)).astype(np.float32) * 30
    e, t = pair(x)
    s = F.softmax(e, dim=1)
    np.testing.assert_allclose(s.sum(1).numpy(), [1.0, 1.0], rtol=1e-5)
    np.testing.assert_allclose(F.log_softmax(e, 1).numpy(), torch.log_softmax(t, 1).numpy(), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid"])
def test_float32_exp_family_at_nan_and_inf(name):
    # the vectorised float32 exp/tanh once converted NaN to int32 (undefined behaviour, reported by
    # UBSan as a left shift of a negative value in pow2i); 37 elements cover vector bodies and tails
    vals = np.array([np.nan, np.inf, -np.inf, 1e30, -1e30, 88.8, -104.0, 0.0, -0.0, 1.0] * 4, dtype=np.float32)[:37]
    got = getattr(ember, name)(ember.tensor(vals)).numpy()
    with np.errstate(over="ignore"):
        want = {"exp": np.exp, "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[name](vals.astype(np.float64))
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-6, atol=0, equal_nan=True)
