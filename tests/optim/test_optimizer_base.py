"""The Optimizer base: param groups, zero_grad, closures, hooks, state_dict checks, reprs and
argument errors (against PyTorch where it is installed), plus hand-computed first steps."""
import math
import warnings

import numpy as np
import pytest

import ember
from ember import optim

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs PyTorch")

OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"]


def param(*values):
    return ember.tensor(list(values), dtype=ember.float64, requires_grad=True)


def with_grad(p, *grad):
    p.grad = ember.tensor(list(grad), dtype=p.dtype)
    return p


# ---- hand-computed steps (no PyTorch needed) -------------------------------------------------
def test_sgd_momentum_by_hand():
    p = param(1.0)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    for expected in (0.8, 0.42):  # buffer 2, then 0.9 * 2 + 2 = 3.8
        with_grad(p, 2.0)
        opt.step()
        assert p.item() == pytest.approx(expected, abs=1e-15)


def test_sgd_nesterov_weight_decay_maximize_by_hand():
    p = param(1.0)
    opt = optim.SGD([p], lr=0.1, momentum=0.5, nesterov=True, weight_decay=1.0, maximize=True)
    with_grad(p, 2.0)
    opt.step()  # g = -2 + 1 = -1, buf = -1, g + 0.5 buf = -1.5
    assert p.item() == pytest.approx(1.15, abs=1e-15)


def test_adam_first_step_moves_lr_against_the_gradient_sign():
    p = param(1.0, -1.0)
    opt = optim.Adam([p], lr=0.1, eps=0.0)
    with_grad(p, 3.0, -0.5)
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), [0.9, -0.9], rtol=1e-14)
    assert opt.state[p]["step"].item() == 1.0


def test_adamw_decays_the_weights_before_the_adam_step():
    p = param(2.0)
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5, eps=0.0)
    with_grad(p, 1.0)
    opt.step()
    assert p.item() == pytest.approx(2.0 * (1 - 0.05) - 0.1, abs=1e-14)


def test_adagrad_and_rmsprop_first_steps_by_hand():
    p = with_grad(param(1.0), 4.0)
    optim.Adagrad([p], lr=0.1, eps=0.0).step()
    assert p.item() == pytest.approx(0.9, abs=1e-15)  # g / sqrt(g^2) = 1
    q = param(1.0)
    with_grad(q, 2.0)
    optim.RMSprop([q], lr=0.01, alpha=0.75, eps=0.0).step()  # square_avg = 0.25 * 4 = 1
    assert q.item() == pytest.approx(1.0 - 0.01 * 2.0, abs=1e-15)


def test_adadelta_first_step_by_hand():
    p = param(1.0)
    with_grad(p, 2.0)
    optim.Adadelta([p], lr=1.0, rho=0.9, eps=1e-6).step()
    square_avg = 0.1 * 4.0
    delta = math.sqrt(1e-6) / math.sqrt(square_avg + 1e-6) * 2.0
    assert p.item() == pytest.approx(1.0 - delta, rel=1e-12)


def test_step_runs_without_recording_a_graph():
    p = with_grad(param(1.0, 2.0), 1.0, 1.0)
    optim.SGD([p], lr=0.1).step()
    assert p.grad_fn is None and p.is_leaf


# ---- param groups -------------------------------------------------------------------------
def test_param_groups_take_defaults_and_their_own_options():
    a, b = param(1.0), param(2.0)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["momentum"] == 0.9
    c = param(3.0)
    opt.add_param_group({"params": [c], "lr": 0.01})
    assert len(opt.param_groups) == 3 and opt.param_groups[2]["momentum"] == 0.9


def test_named_parameters_are_accepted():
    a, b = param(1.0), param(2.0)
    opt = optim.Adam([("w", a), ("b", b)])
    assert opt.param_groups[0]["params"] == [a, b]
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_parameter_in_two_groups_is_an_error():
    a = param(1.0)
    opt = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_duplicate_parameter_in_one_group_warns():
    a = param(1.0)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([a, a], lr=0.1)


def test_required_option():
    class Custom(optim.Optimizer):
        def __init__(self, params, lr=optim.optimizer.required):
            super().__init__(params, {"lr": lr})

    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        Custom([param(1.0)])
    assert Custom([param(1.0)], lr=0.1).param_groups[0]["lr"] == 0.1


def test_custom_optimizer_written_like_a_pytorch_tutorial():
    class PlainSGD(optim.Optimizer):
        def __init__(self, params, lr):
            super().__init__(params, {"lr": lr})

        @ember.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p.add_(p.grad, alpha=-group["lr"])

    p = with_grad(param(1.0), 2.0)
    calls = []
    opt = PlainSGD([p], lr=0.25)
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(o))
    opt.step()
    assert p.item() == 0.5 and calls == [opt]


# ---- zero_grad, closure, hooks ------------------------------------------------------------
def test_zero_grad_sets_to_none_by_default():
    p = with_grad(param(1.0, 2.0), 1.0, 1.0)
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad()
    assert p.grad is None


def test_zero_grad_set_to_none_false_zeroes_in_place():
    p = with_grad(param(1.0, 2.0), 1.0, 1.0)
    grad = p.grad
    optim.SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad is grad and p.grad.tolist() == [0.0, 0.0] and not p.grad.requires_grad


def test_zero_grad_detaches_a_grad_that_has_history():
    p = param(1.0)
    (p * p).sum().backward(create_graph=True)
    assert p.grad.grad_fn is not None
    optim.SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad.grad_fn is None and p.grad.item() == 0.0


def test_step_returns_the_closure_loss_computed_with_grad():
    p = param(3.0)
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0 and p.item() == pytest.approx(2.4)


def test_step_hooks_run_in_order_and_can_be_removed():
    p = with_grad(param(1.0), 1.0)
    opt = optim.Adam([p])
    seen = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: seen.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: seen.append("post"))
    opt.step()
    pre.remove()
    opt.step()
    assert seen == ["pre", "post", "post"]


# ---- state_dict --------------------------------------------------------------------------
def test_state_dict_numbers_parameters_across_groups():
    a, b, c = param(1.0), param(2.0), param(3.0)
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 1.0}], lr=0.1, momentum=0.9)
    for p in (a, c):
        with_grad(p, 1.0)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sorted(sd["state"]) == [0, 2]
    assert sd["state"][2]["momentum_buffer"].tolist() == [1.0]


def test_load_state_dict_checks_the_group_layout():
    opt = optim.SGD([param(1.0), param(2.0)], lr=0.1)
    other = optim.SGD([{"params": [param(1.0)]}, {"params": [param(2.0)]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(other.state_dict())
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(optim.SGD([param(1.0)], lr=0.1).state_dict())


def test_load_state_dict_converts_an_old_float_step():
    p = with_grad(param(1.0), 1.0)
    opt = optim.Adam([p])
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["step"] = 1  # PyTorch before 1.12 saved a Python number
    opt.load_state_dict(sd)
    assert isinstance(opt.state[p]["step"], ember.Tensor) and opt.state[p]["step"].item() == 1.0


def test_adamw_state_dict_keeps_decoupled_weight_decay():
    p = param(1.0)
    adam_state = optim.Adam([p], weight_decay=0.1).state_dict()
    opt = optim.AdamW([param(1.0)])
    opt.load_state_dict(adam_state)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_step_count_is_float64_under_a_float64_default():
    prev = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    try:
        p = with_grad(param(1.0), 1.0)
        opt = optim.Adam([p])
        opt.step()
        assert opt.state[p]["step"].dtype is ember.float64
    finally:
        ember.set_default_dtype(prev)


def test_tensor_lr_is_accepted():
    p = with_grad(param(1.0), 1.0)
    optim.SGD([p], lr=ember.tensor(0.5)).step()
    assert p.item() == 0.5


# ---- parity with PyTorch: reprs and errors -------------------------------------------------
def _both(fn):
    """fn(mod) in ember and in PyTorch."""
    return fn(ember), fn(torch)


@needs_torch
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_repr_matches_torch(name):
    def make(mod):
        w, b = (mod.tensor([1.0], requires_grad=True) for _ in range(2))
        opt = getattr(mod.optim, name)([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
        return repr(opt)

    ours, theirs = _both(make)
    assert ours == theirs


ERROR_CASES = [
    ("SGD", {"lr": -1.0}), ("SGD", {"momentum": -0.1}), ("SGD", {"weight_decay": -1}),
    ("SGD", {"nesterov": True}), ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("SGD", {"fused": True, "differentiable": True}), ("SGD", {"fused": True, "foreach": True}),
    ("Adam", {"lr": -1.0}), ("Adam", {"eps": -1.0}), ("Adam", {"betas": (1.0, 0.9)}),
    ("Adam", {"betas": (0.9, -0.5)}), ("Adam", {"weight_decay": -0.1}), ("Adam", {"betas": (0, 0.9)}),
    ("Adam", {"fused": True, "foreach": True}),
    ("AdamW", {"betas": (0.9, 1.0)}), ("AdamW", {"weight_decay": -1.0}),
    ("RMSprop", {"eps": -1.0}), ("RMSprop", {"momentum": -1.0}), ("RMSprop", {"alpha": -1.0}),
    ("Adagrad", {"lr_decay": -1.0}), ("Adagrad", {"initial_accumulator_value": -1.0}), ("Adagrad", {"eps": -1.0}),
    ("Adadelta", {"rho": 1.5}), ("Adadelta", {"eps": -1.0}), ("Adadelta", {"weight_decay": -1.0}),
]


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (the type is what is compared)
        return type(e).__name__, str(e)
    return None


@needs_torch
@pytest.mark.parametrize("name,kwargs", ERROR_CASES, ids=[f"{n}-{k}" for n, k in ERROR_CASES])
def test_argument_errors_match_torch(name, kwargs):
    ours, theirs = _both(lambda mod: _error(
        lambda: getattr(mod.optim, name)([mod.tensor([1.0], requires_grad=True)], **{"lr": 0.1, **kwargs})))
    assert theirs is not None
    assert ours == theirs


PARAM_ERRORS = {
    "tensor": lambda mod: mod.optim.SGD(mod.tensor([1.0], requires_grad=True), lr=0.1),
    "empty": lambda mod: mod.optim.SGD([], lr=0.1),
    "set": lambda mod: mod.optim.SGD([{"params": {mod.tensor([1.0], requires_grad=True)}}], lr=0.1),
    "number": lambda mod: mod.optim.SGD([1.0], lr=0.1),
    "non-leaf": lambda mod: mod.optim.SGD([mod.tensor([1.0], requires_grad=True) * 2], lr=0.1),
    "group-not-dict": lambda mod: mod.optim.SGD([mod.tensor([1.0], requires_grad=True)], lr=0.1).add_param_group(3),
    "names-mixed": lambda mod: mod.optim.SGD([("a", mod.tensor([1.0], requires_grad=True))], lr=0.1).add_param_group(
        {"params": [mod.tensor([1.0], requires_grad=True)]}),
}


@needs_torch
@pytest.mark.parametrize("case", sorted(PARAM_ERRORS))
def test_param_errors_match_torch(case):
    ours, theirs = _both(lambda mod: _error(lambda: PARAM_ERRORS[case](mod)))
    assert theirs is not None
    assert ours == theirs


@needs_torch
def test_state_dict_layout_matches_torch():
    def run(mod):
        a, b = mod.tensor([1.0, 2.0], requires_grad=True), mod.tensor([3.0], requires_grad=True)
        opt = mod.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5}], amsgrad=True)
        a.grad = mod.tensor([0.5, -0.5])
        opt.step()
        sd = opt.state_dict()
        return sd["param_groups"], {k: {n: (v.dtype, tuple(v.shape)) for n, v in s.items()}
                                    for k, s in sd["state"].items()}

    (ours_groups, ours_state), (theirs_groups, theirs_state) = _both(run)
    assert ours_groups == theirs_groups
    assert str(ours_state) == str(theirs_state)  # dtypes print alike ("torch.float32")


def test_scheduler_warns_only_when_it_steps_before_the_optimizer():
    p = with_grad(param(1.0), 1.0)
    opt = optim.SGD([p], lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, 1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = optim.SGD([p], lr=0.1)
    sched2 = optim.lr_scheduler.StepLR(opt2, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt2.step()
        sched2.step()
