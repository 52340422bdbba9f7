"""Each optimizer against PyTorch: 20 steps of the same training loop from the same start, with
several option combinations, param groups, and state_dicts moved between the two."""
import numpy as np
import pytest

import ember
from parity import assert_trajectories_close, from_numpy_tree, loss_fn, make_params, to_numpy_tree, train

torch = pytest.importorskip("torch")

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.02, "maximize": True, "amsgrad": True, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.5, "maximize": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "weight_decay": 0.1, "eps": 1e-6}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "maximize": True, "weight_decay": 0.05}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6, "maximize": True}),
    ("Adagrad", {"lr": 0.2, "lr_decay": 0.5, "weight_decay": 0.05, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1}),
    ("Adadelta", {"eps": 1e-4, "maximize": True}),
    ("Adadelta", {"lr": 0.5, "rho": 0.95, "weight_decay": 0.1, "maximize": True}),
]


def _id(case):
    return case[0] + "-" + "-".join(f"{k}={v}" for k, v in case[1].items())


@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "transposed"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_trajectory_matches_torch(case, dtype, transposed):
    name, kwargs = case
    ours, opt, _ = train(ember, name, kwargs, dtype=dtype, transposed=transposed)
    theirs, topt, _ = train(torch, name, kwargs, dtype=dtype, transposed=transposed)
    assert_trajectories_close(ours, theirs, dtype)
    ours_state, theirs_state = to_numpy_tree(opt.state_dict()), to_numpy_tree(topt.state_dict())
    assert ours_state["param_groups"] == theirs_state["param_groups"]
    assert ours_state["state"].keys() == theirs_state["state"].keys()
    for i, s in theirs_state["state"].items():
        assert ours_state["state"][i].keys() == s.keys()
        for key, value in s.items():
            assert ours_state["state"][i][key].dtype == value.dtype, key
            assert ours_state["state"][i][key].shape == value.shape, key  # step: a 0-d tensor
            scale = 1e-10 if dtype == "float64" else 1e-4  # float32: centered RMSprop cancels digits
            np.testing.assert_allclose(ours_state["state"][i][key], value, rtol=scale,
                                       atol=scale * np.abs(value).max(), err_msg=key)


def _two_groups(params):
    return [{"params": params[:1], "lr": 0.02}, {"params": params[1:], "weight_decay": 0.1}]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_param_groups_with_their_own_options(name):
    kwargs = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    ours, opt, _ = train(ember, name, kwargs, groups=_two_groups)
    theirs, topt, _ = train(torch, name, kwargs, groups=_two_groups)
    assert_trajectories_close(ours, theirs)
    assert [g["lr"] for g in opt.param_groups] == [0.02, 0.1]


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.05, "amsgrad": True}),
                                         ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {}),
                                         ("Adadelta", {})])
def test_state_dict_round_trip_continues_identically(name, kwargs):
    ours, opt, params = train(ember, name, kwargs, steps=10)
    saved = opt.state_dict()
    # A fresh model and optimizer loaded from the saved state take the same next steps.
    params2 = [p.detach().clone().requires_grad_() for p in params]
    opt2 = getattr(ember.optim, name)(params2, **kwargs)
    opt2.load_state_dict(saved)
    for _ in range(10):
        for o, ps in ((opt, params), (opt2, params2)):
            o.zero_grad()
            loss_fn(ember, ps).backward()
            o.step()
        for a, b in zip(params, params2):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    # Loading copies the state: the two optimizers do not share buffers.
    s1, s2 = opt.state[params[0]], opt2.state[params2[0]]
    assert all(s1[k] is not s2[k] for k in s1)


SWAP_CASES = [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.05}), ("RMSprop", {"momentum": 0.5}),
              ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.1}),
              ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}), ("Adadelta", {"weight_decay": 0.1})]


@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "transposed"])
@pytest.mark.parametrize("name,kwargs", SWAP_CASES, ids=[_id(c) for c in SWAP_CASES])
def test_state_dict_moves_between_ember_and_torch(name, kwargs, transposed):
    # Transposed: PyTorch's state tensors come in transposed, and the fused steps update them so.
    _, opt, params = train(ember, name, kwargs, steps=5, transposed=transposed)
    _, topt, tparams = train(torch, name, kwargs, steps=5, transposed=transposed)
    # Swap the states: PyTorch continues from ember's and ember from PyTorch's.
    ours, theirs = to_numpy_tree(opt.state_dict()), to_numpy_tree(topt.state_dict())
    topt.load_state_dict(from_numpy_tree(torch, ours))
    opt.load_state_dict(from_numpy_tree(ember, theirs))
    for _ in range(5):
        for mod, o, ps in ((ember, opt, params), (torch, topt, tparams)):
            o.zero_grad()
            loss_fn(mod, ps).backward()
            o.step()
    for a, b in zip(params, tparams):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)


def test_float32_state_loads_into_float64_parameters():
    _, opt, _ = train(ember, "Adam", {}, steps=3, dtype="float32")
    params = make_params(ember, "float64")
    opt64 = ember.optim.Adam(params)
    opt64.load_state_dict(opt.state_dict())
    state = opt64.state[params[0]]
    assert state["exp_avg"].dtype is ember.float64
    assert state["step"].dtype is ember.float32  # the step count keeps its own dtype, as in PyTorch


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta"])
def test_parameters_without_grad_are_skipped(name):
    kwargs = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    states = []
    for mod in (ember, torch):
        w, b = make_params(mod)
        before = b.detach().numpy().copy()
        opt = getattr(mod.optim, name)([w, b], **kwargs)
        (w * w).sum().backward()
        opt.step()
        np.testing.assert_array_equal(b.detach().numpy(), before)
        states.append(to_numpy_tree(opt.state_dict())["state"])
    assert states[0].keys() == states[1].keys()  # Adagrad makes state for every parameter up front


@pytest.mark.parametrize("name", ["Adam", "Adagrad", "RMSprop", "Adadelta"])
def test_step_counts_that_differ_inside_a_group(name):
    # A parameter that starts receiving gradients later has a smaller step count than the rest.
    def run(mod):
        w, b = make_params(mod)
        opt = getattr(mod.optim, name)([w, b], lr=0.1)
        for i in range(6):
            opt.zero_grad()
            loss = (w * w).sum() + ((b * b).sum() if i >= 3 else 0)
            loss.backward()
            opt.step()
        return [w.detach().numpy(), b.detach().numpy()], [opt.state[p]["step"].item() for p in (w, b)]

    (ours, our_steps), (theirs, their_steps) = run(ember), run(torch)
    assert our_steps == their_steps == [6, 3]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)
