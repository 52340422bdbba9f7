"""Learning-rate schedulers: the lr (and momentum) sequences over 30+ steps equal PyTorch's
exactly, state_dicts resume, and hand-computed sequences without PyTorch."""
import math
import warnings

import pytest

import ember
from ember.optim import lr_scheduler


def make_optimizer(mod, kind="SGD"):
    a, b = (mod.tensor([1.0], requires_grad=True) for _ in range(2))
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "Adam":
        return mod.optim.Adam(groups, lr=0.1)
    return mod.optim.SGD(groups, lr=0.1, momentum=0.9)


def run(mod, make_scheduler, steps=40, kind="SGD", metrics=None):
    """What a training loop sees after each scheduler step: lrs, and momentum or beta1."""
    opt = make_optimizer(mod, kind)
    sched = make_scheduler(mod.optim.lr_scheduler, opt)
    seen = [sched.get_last_lr()]
    for i in range(steps):
        opt.step()
        sched.step(metrics[i]) if metrics is not None else sched.step()
        momentum = [g["betas"][0] if kind == "Adam" else g["momentum"] for g in opt.param_groups]
        seen.append((sched.get_last_lr(), [g["lr"] for g in opt.param_groups], momentum))
    return seen, sched


# ---- hand-computed (no PyTorch needed) -------------------------------------------------------
def test_step_lr_by_hand():
    seen, _ = run(ember, lambda L, o: L.StepLR(o, step_size=3, gamma=0.5), steps=7)
    assert [s[0][0] for s in seen[1:]] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025])


def test_multistep_lr_by_hand():
    seen, _ = run(ember, lambda L, o: L.MultiStepLR(o, milestones=[2, 4, 4], gamma=0.1), steps=5)
    assert [s[0][1] for s in seen[1:]] == pytest.approx([0.05, 0.005, 0.005, 0.005 * 0.01, 0.005 * 0.01])


def test_cosine_annealing_reaches_eta_min_at_t_max():
    seen, _ = run(ember, lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=0.01), steps=10)
    assert seen[5][0][0] == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi / 2)) / 2)
    assert seen[10][0][0] == pytest.approx(0.01)


def test_reduce_on_plateau_by_hand():
    losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8]
    seen, _ = run(ember, lambda L, o: L.ReduceLROnPlateau(o, patience=2, factor=0.5), steps=len(losses),
                  metrics=losses)
    # Three epochs without improvement (epochs 3-5) reduce the lr at the third; epoch 6 improves.
    assert [s[0][0] for s in seen[1:]] == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025])


def test_one_cycle_starts_at_max_lr_over_div_factor_and_peaks():
    seen, _ = run(ember, lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=0.5), steps=9)
    assert seen[0] == pytest.approx([0.04, 0.04])
    assert seen[4][0][0] == pytest.approx(1.0) and seen[4][2][0] == pytest.approx(0.85)


def test_lambda_lr_by_hand():
    seen, _ = run(ember, lambda L, o: L.LambdaLR(o, lambda e: 1 / (e + 1)), steps=3)
    assert [s[0][0] for s in seen[1:]] == pytest.approx([0.05, 0.1 / 3, 0.025])


def test_scheduler_sets_initial_lr_and_resume_needs_it():
    opt = make_optimizer(ember)
    lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        lr_scheduler.StepLR(make_optimizer(ember), 2, last_epoch=3)


def test_get_lr_outside_step_warns():
    sched = lr_scheduler.StepLR(make_optimizer(ember), 2)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], 2)


def test_scheduler_state_dict_resumes_the_sequence():
    first, sched = run(ember, lambda L, o: L.CosineAnnealingLR(o, T_max=7), steps=10)
    opt = make_optimizer(ember)
    resumed = lr_scheduler.CosineAnnealingLR(opt, T_max=7)
    resumed.load_state_dict(sched.state_dict())
    for group, lr in zip(opt.param_groups, sched.get_last_lr()):
        group["lr"] = lr  # the optimizer's own state_dict would carry this
    ref_opt = sched.optimizer
    for _ in range(10):
        for o, s in ((ref_opt, sched), (opt, resumed)):
            o.step()
            s.step()
        assert resumed.get_last_lr() == sched.get_last_lr()


# ---- parity with PyTorch -------------------------------------------------------------------
SCHEDULERS = {
    "StepLR": lambda L, o: L.StepLR(o, step_size=4, gamma=0.7),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, milestones=[3, 9, 9, 20], gamma=0.3),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=12),
    "CosineAnnealingLR-eta_min": lambda L, o: L.CosineAnnealingLR(o, T_max=7, eta_min=0.003),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-per-group": lambda L, o: L.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: min(1.0, (e + 1) / 5)]),
    "OneCycleLR-cos": lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=40),
    "OneCycleLR-linear": lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 2.0], total_steps=41, anneal_strategy="linear",
                                                   pct_start=0.25, div_factor=10.0, final_div_factor=100.0),
    "OneCycleLR-three-phase": lambda L, o: L.OneCycleLR(o, max_lr=0.3, epochs=4, steps_per_epoch=10,
                                                        three_phase=True, base_momentum=0.8, max_momentum=0.9),
    "OneCycleLR-no-momentum": lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=40, cycle_momentum=False),
}


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_sequence_equals_torch(name, kind):
    torch = pytest.importorskip("torch")
    ours, sched = run(ember, SCHEDULERS[name], kind=kind)
    theirs, tsched = run(torch, SCHEDULERS[name], kind=kind)
    assert ours == theirs
    assert sched.state_dict().keys() == tsched.state_dict().keys()


LOSSES = [1.0, 0.8, 0.79995, 0.81, 0.8, 0.85, 0.9, 0.7, 0.7, 0.69, 0.71, 0.72, 0.73, 0.74, 0.6, 0.6, 0.61, 0.62,
          0.63, 0.64, 0.65, 0.5, 0.55, 0.56, 0.57, 0.58, 0.59, 0.6, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66, 0.67]
PLATEAUS = {
    "min-rel": {"patience": 2},
    "min-abs-cooldown": {"patience": 1, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 2, "factor": 0.5},
    "max-rel": {"mode": "max", "patience": 0, "factor": 0.8},
    "max-abs-min_lr": {"mode": "max", "patience": 1, "threshold_mode": "abs", "min_lr": [0.02, 0.04], "factor": 0.5},
    "eps": {"patience": 0, "factor": 0.9, "eps": 1e-3, "min_lr": 0.01},
}


@pytest.mark.parametrize("case", sorted(PLATEAUS))
def test_reduce_on_plateau_equals_torch(case):
    torch = pytest.importorskip("torch")
    make = lambda L, o: L.ReduceLROnPlateau(o, **PLATEAUS[case])  # noqa: E731
    ours, sched = run(ember, make, steps=len(LOSSES), metrics=LOSSES)
    theirs, tsched = run(torch, make, steps=len(LOSSES), metrics=[torch.tensor(v) for v in LOSSES])
    assert ours == theirs
    assert sched.state_dict() == tsched.state_dict()


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR-eta_min"])
def test_closed_form_with_epoch_equals_torch(name):
    torch = pytest.importorskip("torch")

    def run_epochs(mod):
        opt = make_optimizer(mod)
        sched = SCHEDULERS[name](mod.optim.lr_scheduler, opt)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [1, 2, 5, 3, 11, 30]:
                opt.step()
                sched.step(epoch)
                out.append(sched.get_last_lr())
        return out

    assert run_epochs(ember) == run_epochs(torch)


def test_state_dict_equals_torch():
    torch = pytest.importorskip("torch")
    ours, sched = run(ember, SCHEDULERS["OneCycleLR-three-phase"], steps=7)
    theirs, tsched = run(torch, SCHEDULERS["OneCycleLR-three-phase"], steps=7)
    assert sched.state_dict() == tsched.state_dict()
    _, step = run(ember, SCHEDULERS["StepLR"], steps=3)
    _, tstep = run(torch, SCHEDULERS["StepLR"], steps=3)
    assert list(step.state_dict().items()) == list(tstep.state_dict().items())


@pytest.mark.parametrize("kwargs", [{"total_steps": 0}, {"epochs": 0, "steps_per_epoch": 3}, {},
                                    {"total_steps": 10, "pct_start": 1}, {"total_steps": 10, "anneal_strategy": "x"},
                                    {"total_steps": 10, "max_lr": [0.1]}])
def test_one_cycle_errors_equal_torch(kwargs):
    torch = pytest.importorskip("torch")

    def error(mod):
        try:
            mod.optim.lr_scheduler.OneCycleLR(make_optimizer(mod), **{"max_lr": 0.1, **kwargs})
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)

    theirs = error(torch)
    assert theirs is not None
    assert error(ember) == theirs


def test_one_cycle_past_total_steps_equals_torch():
    torch = pytest.importorskip("torch")
    for mod in (ember, torch):
        opt = make_optimizer(mod)
        sched = mod.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
            sched.step()
