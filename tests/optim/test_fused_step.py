"""The switch between the fused C++ group updates and their Python references: SGD and Adam make
one kernel call per param group, and (once the build has them) the kernels match the references."""
import numpy as np
import pytest

import ember
from ember import optim
from ember._tensor import wrap
from ember.optim._fused import group_step
from ember.optim.adam import adam_reference
from ember.optim.sgd import sgd_reference


def fake_kernel(reference, calls):
    """Stands in for a `_C` kernel: records the call and runs the reference on the handles."""
    def kernel(*args):
        n = sum(isinstance(a, list) for a in args)
        calls.append([len(a) for a in args[:n]])
        reference(*[[wrap(c) for c in a] for a in args[:n]], *args[n:])

    return kernel


def params_with_grads(dtype=ember.float64):
    rng = np.random.default_rng(0)
    ps = [ember.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True) for s in [(3, 5), (5,), (7, 1, 2)]]
    for p in ps:
        p.grad = ember.tensor(rng.standard_normal(tuple(p.shape)), dtype=dtype)
    return ps


@pytest.mark.parametrize("name,kernel,reference,kwargs", [
    ("SGD", "sgd_step", sgd_reference, {"lr": 0.1}),
    ("SGD", "sgd_step", sgd_reference, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", "adam_step", adam_reference, {"lr": 0.1, "amsgrad": True}),
    ("AdamW", "adam_step", adam_reference, {"lr": 0.1}),
])
def test_one_kernel_call_per_group_and_same_result(monkeypatch, name, kernel, reference, kwargs):
    expected = params_with_grads()
    opt = getattr(optim, name)(expected, **kwargs)
    for _ in range(3):
        opt.step()
    calls = []
    monkeypatch.setattr(ember._C, kernel, fake_kernel(reference, calls), raising=False)
    got = params_with_grads()
    opt = getattr(optim, name)([{"params": got[:2]}, {"params": got[2:], "lr": 0.1}], **kwargs)
    for _ in range(3):
        opt.step()
    n_tensor_lists = 3 if kernel == "sgd_step" else 5
    assert len(calls) == 3 * 2 and all(len(c) == n_tensor_lists for c in calls)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)  # kernel vs reference


def test_new_and_old_momentum_buffers_take_separate_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(ember._C, "sgd_step", fake_kernel(sgd_reference, calls), raising=False)
    a, b = params_with_grads()[:2]
    grad_b = b.grad
    b.grad = None
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    opt.step()
    b.grad = grad_b
    opt.step()
    assert calls == [[1, 1, 1], [1, 1, 1], [1, 1, 1]]  # a first; then b's first step and a's second


def test_without_the_kernel_the_reference_runs(monkeypatch):
    monkeypatch.delattr(ember._C, "sgd_step", raising=False)
    seen = []
    group_step("sgd_step", lambda *args: seen.append(args), ([], [], []), 0.1, 0, 0, 0, False, False, False)
    assert seen == [([], [], [], 0.1, 0, 0, 0, False, False, False)]


# ---- the real kernels, once the build has them ----------------------------------------------
needs_kernels = pytest.mark.skipif(not (hasattr(ember._C, "sgd_step") and hasattr(ember._C, "adam_step")),
                                   reason="this build has no fused optimizer kernels")

SGD_OPTIONS = [  # lr, momentum, dampening, weight_decay, nesterov, maximize
    (0.1, 0.0, 0.0, 0.0, False, False), (0.1, 0.9, 0.0, 0.0, False, False), (0.05, 0.9, 0.2, 0.01, False, True),
    (0.05, 0.8, 0.0, 0.1, True, False),
]
ADAM_OPTIONS = [  # lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay
    (1e-3, 0.9, 0.999, 1e-8, 0.0, False, False, False), (0.05, 0.8, 0.95, 1e-6, 0.1, True, False, False),
    (0.05, 0.9, 0.999, 1e-8, 0.1, False, True, True), (0.01, 0.9, 0.99, 1e-8, 0.3, True, True, True),
]


def _clone(ts):
    return [t.detach().clone() for t in ts]


def _assert_lists_close(a, b, dtype):
    tol = 1e-12 if dtype is ember.float64 else 1e-5
    for x, y in zip(a, b):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=tol, atol=tol)


@needs_kernels
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("options", SGD_OPTIONS)
def test_sgd_kernel_matches_reference(options, dtype):
    ps = [p.detach() for p in params_with_grads(dtype)]
    grads = [p.grad for p in params_with_grads(dtype)]
    bufs = [ember.zeros_like(p) for p in ps] if options[1] else []
    ref = [_clone(ps), _clone(bufs)]
    for first_step in (True, False, False):
        ember._C.sgd_step([p._c for p in ps], [g._c for g in grads], [b._c for b in bufs], *options, first_step)
        sgd_reference(ref[0], grads, ref[1], *options, first_step)
        _assert_lists_close(ps + bufs, ref[0] + ref[1], dtype)


@needs_kernels
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("options", ADAM_OPTIONS)
def test_adam_kernel_matches_reference(options, dtype):
    ps = [p.detach() for p in params_with_grads(dtype)]
    grads = [p.grad for p in params_with_grads(dtype)]
    state = [[ember.zeros_like(p) for p in ps] for _ in range(2)] + [[ember.zeros_like(p) for p in ps]
                                                                     if options[5] else []]
    ref = [_clone(ps)] + [_clone(s) for s in state]
    for step in (1.0, 2.0, 3.0):
        ember._C.adam_step([p._c for p in ps], [g._c for g in grads], *[[t._c for t in s] for s in state], step,
                           *options)
        adam_reference(ref[0], grads, *ref[1:], step, *options)
        _assert_lists_close(ps + sum(state, []), ref[0] + sum(ref[1:], []), dtype)
