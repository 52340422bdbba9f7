"""nn.init: gains and fans equal PyTorch's, deterministic initialisers give PyTorch's exact values,
random ones have the right bounds and moments (the random streams differ from PyTorch's)."""
import math

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import init
from nn_parity import assert_same_error, torch

tinit = torch.nn.init


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("conv_transpose2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None),
])
def test_calculate_gain(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == tinit.calculate_gain(nonlinearity, param)


def test_gain_and_fan_errors_match_pytorch():
    assert_same_error(lambda: init.calculate_gain("swish"), lambda: tinit.calculate_gain("swish"))
    assert_same_error(lambda: init.calculate_gain("leaky_relu", "x"), lambda: tinit.calculate_gain("leaky_relu", "x"))
    assert_same_error(lambda: init._calculate_fan_in_and_fan_out(ember.ones(3)),
                      lambda: tinit._calculate_fan_in_and_fan_out(torch.ones(3)))
    assert_same_error(lambda: init.kaiming_uniform_(ember.ones(3, 3), mode="fan_avg"),
                      lambda: tinit.kaiming_uniform_(torch.ones(3, 3), mode="fan_avg"))


@pytest.mark.parametrize("shape", [(3, 4), (6, 3, 5), (8, 4, 3, 2)])
def test_fans(shape):
    assert init._calculate_fan_in_and_fan_out(ember.empty(shape)) == \
        tinit._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_deterministic_initialisers_equal_pytorch():
    for shape in [(3, 5), (5, 3)]:
        assert init.eye_(ember.empty(shape)).tolist() == tinit.eye_(torch.empty(shape)).tolist()
    for shape, groups in [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((4, 2, 3, 3, 3), 1), ((2, 5, 3, 3), 1)]:
        assert init.dirac_(ember.empty(shape), groups).tolist() == tinit.dirac_(torch.empty(shape), groups).tolist()
    assert init.constant_(ember.empty(2, 3), 0.3).tolist() == tinit.constant_(torch.empty(2, 3), 0.3).tolist()
    assert init.ones_(ember.empty(2)).tolist() == [1.0, 1.0] and init.zeros_(ember.empty(2)).tolist() == [0.0, 0.0]
    assert_same_error(lambda: init.eye_(ember.empty(3)), lambda: tinit.eye_(torch.empty(3)))
    assert_same_error(lambda: init.dirac_(ember.empty(3, 3)), lambda: tinit.dirac_(torch.empty(3, 3)))


def test_initialisers_work_in_place_on_parameters_without_recording_history():
    p = nn.Parameter(ember.empty(50, 40))
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_,
               init.kaiming_normal_, init.orthogonal_, init.trunc_normal_, lambda t: init.constant_(t, 2.0),
               init.eye_, lambda t: init.sparse_(t, 0.5)):
        out = fn(p)
        assert out is p and p.grad_fn is None and p.is_leaf and p.requires_grad


def _moments(t):
    a = t.detach().numpy().ravel()
    return a.min(), a.max(), a.mean(), a.std()


def test_random_initialisers_have_pytorchs_bounds_and_spread():
    t = ember.empty(400, 300)  # fan_in 300, fan_out 400
    lo, hi, mean, _ = _moments(init.uniform_(t, -0.3, 0.7))
    assert -0.3 <= lo < -0.29 and 0.69 < hi <= 0.7 and abs(mean - 0.2) < 0.01
    _, _, mean, std = _moments(init.normal_(t, 1.0, 0.5))
    assert abs(mean - 1) < 0.01 and abs(std - 0.5) < 0.01
    bound = math.sqrt(6 / 700) * 2
    lo, hi, _, _ = _moments(init.xavier_uniform_(t, gain=2))
    assert -bound <= lo < -0.99 * bound and 0.99 * bound < hi <= bound
    _, _, _, std = _moments(init.xavier_normal_(t))
    assert abs(std - math.sqrt(2 / 700)) < 0.01 * math.sqrt(2 / 700) * 5
    bound = math.sqrt(3) * tinit.calculate_gain("leaky_relu", math.sqrt(5)) / math.sqrt(300)
    lo, hi, _, _ = _moments(init.kaiming_uniform_(t, a=math.sqrt(5)))
    assert -bound <= lo < -0.99 * bound and 0.99 * bound < hi <= bound
    _, _, _, std = _moments(init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"))
    assert abs(std - math.sqrt(2 / 400)) < 0.02 * math.sqrt(2 / 400)


def test_kaiming_on_zero_element_tensor_warns():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(ember.empty(0, 3))


def test_trunc_normal_moments_and_erfinv():
    t = init.trunc_normal_(ember.empty(200000), mean=0.5, std=2.0, a=-1.0, b=3.0)
    lo, hi, mean, std = _moments(t)
    alpha, beta = (-1 - 0.5) / 2, (3 - 0.5) / 2
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    true_mean = 0.5 + 2 * (phi(alpha) - phi(beta)) / z
    true_var = 4 * (1 + (alpha * phi(alpha) - beta * phi(beta)) / z - ((phi(alpha) - phi(beta)) / z) ** 2)
    assert -1 <= lo and hi <= 3
    assert abs(mean - true_mean) < 0.01 and abs(std - math.sqrt(true_var)) < 0.01
    y = np.linspace(-0.999, 0.999, 101)
    assert init._erfinv_(ember.tensor(y)).tolist() == pytest.approx(torch.erfinv(torch.tensor(y)).tolist(), abs=1e-12)


@pytest.mark.parametrize("shape", [(3, 7), (7, 3), (4, 2, 3, 3)])
def test_orthogonal(shape):
    w = init.orthogonal_(ember.empty(shape), gain=2.0).numpy().reshape(shape[0], -1)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, 4 * np.eye(min(rows, cols)), atol=1e-5)
    assert_same_error(lambda: init.orthogonal_(ember.empty(3)), lambda: tinit.orthogonal_(torch.empty(3)))


def test_sparse_zeroes_a_fraction_of_each_column():
    w = init.sparse_(ember.empty(10, 6), sparsity=0.3, std=0.5).numpy()
    assert ((w == 0).sum(0) >= 3).all()


def test_generator_makes_initialisation_reproducible():
    a = init.kaiming_uniform_(ember.empty(4, 4), generator=ember.Generator().manual_seed(7))
    b = init.kaiming_uniform_(ember.empty(4, 4), generator=ember.Generator().manual_seed(7))
    assert a.tolist() == b.tolist()


def test_deprecated_names_warn():
    with pytest.warns(FutureWarning, match=r"`nn.init.xavier_uniform` is now deprecated in favor of "
                                           r"`nn.init.xavier_uniform_`."):
        init.xavier_uniform(ember.empty(3, 3))
