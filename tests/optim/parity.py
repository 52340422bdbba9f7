"""Shared by the optim tests: one training loop written against the torch API, run on ember and
on PyTorch with the same starting parameters and data."""
import numpy as np

RNG = np.random.default_rng(1234)
WEIGHT = RNG.standard_normal((4, 3))
BIAS = RNG.standard_normal(3)
X = RNG.standard_normal((8, 4))
Y = RNG.standard_normal((8, 3))


def make_params(mod, dtype="float64", transposed=False):
    """The weight and bias; `transposed` makes the weight a non-contiguous leaf (the transpose of
    a contiguous tensor), whose optimizer state PyTorch also lays out transposed."""
    dt = getattr(mod, dtype)
    if transposed:
        weight = mod.tensor(WEIGHT.T, dtype=dt).t().requires_grad_()
    else:
        weight = mod.tensor(WEIGHT, dtype=dt, requires_grad=True)
    return [weight, mod.tensor(BIAS, dtype=dt, requires_grad=True)]


def loss_fn(mod, params, dtype="float64"):
    w, b = params
    x, y = (mod.tensor(a, dtype=getattr(mod, dtype)) for a in (X, Y))
    return ((x @ w + b).tanh() - y).pow(2).mean()


def train(mod, opt_name, kwargs, steps=20, dtype="float64", groups=None, transposed=False):
    """Parameter values after each step, and the optimizer. `groups(params)` builds param groups."""
    params = make_params(mod, dtype, transposed)
    opt = getattr(mod.optim, opt_name)(groups(params) if groups else params, **kwargs)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(mod, params, dtype).backward()
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history, opt, params


def assert_trajectories_close(a, b, dtype="float64"):
    rtol, atol = (1e-10, 1e-12) if dtype == "float64" else (2e-4, 2e-5)
    for step, (pa, pb) in enumerate(zip(a, b)):
        for x, y in zip(pa, pb):
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=f"step {step + 1}")


def to_numpy_tree(value):
    """A state_dict with every tensor replaced by a NumPy array (framework-neutral)."""
    if hasattr(value, "detach"):
        return value.detach().numpy().copy()
    if isinstance(value, dict):
        return {k: to_numpy_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_numpy_tree(v) for v in value)
    return value


def from_numpy_tree(mod, value):
    if isinstance(value, np.ndarray):
        return mod.tensor(value)
    if isinstance(value, dict):
        return {k: from_numpy_tree(mod, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(from_numpy_tree(mod, v) for v in value)
    return value
