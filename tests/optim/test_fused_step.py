"""The fused C++ group updates against the NumPy references in reference.py (no torch needed):
each kernel follows PyTorch's formulas in float32 and float64, updates non-contiguous params and
state in place, and refuses bad arguments with errors naming the op; each optimizer makes one
kernel call per param group (per step count where the formula depends on it)."""
import numpy as np
import pytest

import ember
import reference
from ember import optim

# kernel: (NumPy reference, which state lists the options use)
SPECS = {
    "sgd_step": (reference.sgd, lambda o: [o[1] != 0]),
    "adam_step": (reference.adam, lambda o: [True, True, o[5]]),
    "rmsprop_step": (reference.rmsprop, lambda o: [True, o[4] > 0, o[5]]),
    "adagrad_step": (reference.adagrad, lambda o: [True]),
    "adadelta_step": (reference.adadelta, lambda o: [True, True]),
}
CASES = [
    # lr, momentum, dampening, weight_decay, nesterov, maximize
    ("sgd_step", (0.1, 0.0, 0.0, 0.0, False, False)), ("sgd_step", (0.1, 0.9, 0.0, 0.0, False, False)),
    ("sgd_step", (0.05, 0.9, 0.2, 0.01, False, True)), ("sgd_step", (0.05, 0.8, 0.0, 0.1, True, False)),
    # lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay
    ("adam_step", (1e-3, 0.9, 0.999, 1e-8, 0.0, False, False, False)),
    ("adam_step", (0.05, 0.8, 0.95, 1e-6, 0.1, True, False, False)),
    ("adam_step", (0.05, 0.9, 0.999, 1e-8, 0.1, False, True, True)),
    ("adam_step", (0.01, 0.9, 0.99, 1e-8, 0.3, True, True, True)),
    # lr, alpha, eps, weight_decay, momentum, centered, maximize
    ("rmsprop_step", (0.01, 0.99, 1e-8, 0.0, 0.0, False, False)),
    ("rmsprop_step", (0.01, 0.9, 1e-8, 0.1, 0.9, False, True)),
    ("rmsprop_step", (0.01, 0.9, 1e-6, 0.0, 0.0, True, False)),
    ("rmsprop_step", (0.02, 0.8, 1e-8, 0.05, 0.5, True, True)),
    # lr, lr_decay, weight_decay, eps, maximize
    ("adagrad_step", (0.01, 0.0, 0.0, 1e-10, False)), ("adagrad_step", (0.1, 0.1, 0.1, 1e-10, True)),
    ("adagrad_step", (0.1, 0.5, 0.0, 1e-6, False)),
    # lr, rho, eps, weight_decay, maximize
    ("adadelta_step", (1.0, 0.9, 1e-6, 0.0, False)), ("adadelta_step", (0.5, 0.5, 1e-6, 0.1, True)),
    ("adadelta_step", (1.0, 0.95, 1e-4, 0.0, False)),
]
SHAPES = [(3, 5), (5,), (7, 1, 2), (0, 4), ()]


def scalars(kernel, options, step):
    """The kernel's scalar arguments for the step-th call (counting from 1)."""
    if kernel == "sgd_step":
        return (*options, step == 1)
    if kernel in ("adam_step", "adagrad_step"):
        return (float(step), *options)
    return options


def arrays(dtype, seed, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def as_ember(arrays_, transposed):
    """Tensors holding the arrays; `transposed` makes each a non-contiguous view (a transpose
    of a contiguous tensor, or every other element of one)."""
    if not transposed:
        return [ember.tensor(a) for a in arrays_]
    out = []
    for a in arrays_:
        if a.ndim >= 2:
            out.append(ember.tensor(np.ascontiguousarray(a.swapaxes(0, 1))).transpose(0, 1))
        else:
            out.append(ember.tensor(np.repeat(a.reshape(-1), 2).reshape(a.shape + (2,)))[..., 0])
    return out


def run_kernel(kernel, options, dtype, transposed, steps=3):
    """(what the kernel left in params and state, what the reference left) after `steps` steps."""
    ref_fn, uses = SPECS[kernel]
    used = uses(options)
    params_np = arrays(dtype, 0)
    grads_np = arrays(dtype, 1)
    # Non-zero state, the first list larger than the squares of the others (centered RMSprop's
    # square_avg - grad_avg**2 stays positive).
    state_np = [[np.array(np.abs(a) + 1 if k == 0 else 0.1 * np.abs(a)) for a in arrays(dtype, 2 + k)] if u else []
                for k, u in enumerate(used)]
    params, grads = as_ember(params_np, transposed), as_ember(grads_np, transposed)
    state = [as_ember(s, transposed) for s in state_np]
    for step in range(1, steps + 1):
        getattr(ember._C, kernel)([p._c for p in params], [g._c for g in grads], *[[t._c for t in s] for s in state],
                                  *scalars(kernel, options, step))
        ref_fn(params_np, grads_np, *state_np, *scalars(kernel, options, step))
    got = [t.numpy() for t in params + sum(state, [])]
    return got, params_np + sum(state_np, [])


@pytest.mark.parametrize("transposed", [False, True], ids=["contiguous", "non-contiguous"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel,options", CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_kernel_matches_numpy_reference(kernel, options, dtype, transposed):
    got, expected = run_kernel(kernel, options, dtype, transposed)
    tol = 1e-12 if dtype is np.float64 else 2e-5
    for a, b in zip(got, expected):
        assert a.dtype == dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_non_contiguous_param_is_written_through_to_its_base():
    base = ember.zeros(4, 3, dtype=ember.float64)
    param, grad, square_avg = base.t(), ember.ones(3, 4, dtype=ember.float64), ember.zeros(4, 3).double().t()
    ember._C.rmsprop_step([param._c], [grad._c], [square_avg._c], [], [], 0.1, 0.5, 0.0, 0.0, 0.0, False, False)
    # square_avg = 0.5 * 1; the step is -0.1 * 1 / sqrt(0.5)
    np.testing.assert_allclose(base.numpy(), np.full((4, 3), -0.1 / np.sqrt(0.5)), rtol=1e-15)
    np.testing.assert_allclose(square_avg.numpy(), np.full((3, 4), 0.5), rtol=1e-15)


def test_the_step_bumps_versions():
    p, g, s = (ember.ones(3, dtype=ember.float64) for _ in range(3))
    before = p._version, s._version
    ember._C.adagrad_step([p._c], [g._c], [s._c], 1.0, 0.1, 0.0, 0.0, 1e-10, False)
    assert (p._version, s._version) == (before[0] + 1, before[1] + 1)


def _one(shape=(2, 3), dtype=ember.float32):
    return ember.zeros(*shape, dtype=dtype)


@pytest.mark.parametrize("call,error,match", [
    (lambda: ember._C.adadelta_step([_one()._c], [_one()._c], [_one((3, 2))._c], [_one()._c], 1.0, 0.9, 1e-6, 0, False),
     RuntimeError, r"adadelta_step: square_avgs\[0\] has shape \[3, 2\] but its param has shape \[2, 3\]"),
    (lambda: ember._C.rmsprop_step([_one()._c], [_one(dtype=ember.float64)._c], [_one()._c], [], [], 0.01, 0.99,
                                   1e-8, 0, 0, False, False),
     RuntimeError, "rmsprop_step: expected grads to have the same dtype as params"),
    (lambda: ember._C.rmsprop_step([_one()._c], [_one()._c], [_one()._c], [], [_one(dtype=ember.float64)._c], 0.01,
                                   0.99, 1e-8, 0, 0, True, False),
     RuntimeError, r"rmsprop_step: expected grad_avgs\[0\] to have the same dtype as its param"),
    (lambda: ember._C.rmsprop_step([_one()._c], [_one()._c], [_one()._c], [], [], 0.01, 0.99, 1e-8, 0, 0.9, False,
                                   False),
     ValueError, r"rmsprop_step: expected as many momentum_buffers as params \(1\), but got 0"),
    (lambda: ember._C.adagrad_step([_one()._c], [_one()._c], [_one()._c], 0.0, 0.01, 0, 0, 1e-10, False),
     RuntimeError, "adagrad_step: step counts the steps taken including this one"),
    (lambda: ember._C.adagrad_step([ember.zeros(1).expand(3)._c], [_one((3,))._c], [_one((3,))._c], 1.0, 0.01, 0, 0,
                                   1e-10, False),
     RuntimeError, "adagrad_step: unsupported operation: more than one element"),
    (lambda: ember._C.adadelta_step([ember.zeros(3, dtype=ember.int64)._c], [ember.zeros(3, dtype=ember.int64)._c],
                                    [ember.zeros(3, dtype=ember.int64)._c], [ember.zeros(3, dtype=ember.int64)._c],
                                    1.0, 0.9, 1e-6, 0, False),
     RuntimeError, "adadelta_step"),
])
def test_bad_arguments_raise_errors_naming_the_op(call, error, match):
    with pytest.raises(error, match=match):
        call()


def params_with_grads(dtype=ember.float64):
    ps = [ember.tensor(a, requires_grad=True) for a in arrays(np.float64 if dtype is ember.float64 else np.float32, 0)]
    for p, g in zip(ps, arrays(np.float64 if dtype is ember.float64 else np.float32, 1)):
        p.grad = ember.tensor(g)
    return ps


OPTIMIZERS = [  # optimizer, kwargs, its kernel
    ("SGD", {"lr": 0.1}, "sgd_step"), ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, "sgd_step"),
    ("Adam", {"lr": 0.1, "amsgrad": True}, "adam_step"), ("AdamW", {"lr": 0.1}, "adam_step"),
    ("RMSprop", {"momentum": 0.9, "centered": True}, "rmsprop_step"), ("RMSprop", {}, "rmsprop_step"),
    ("Adagrad", {"lr_decay": 0.1}, "adagrad_step"), ("Adadelta", {"weight_decay": 0.1}, "adadelta_step"),
]


def record_calls(monkeypatch, kernel):
    """Wraps the real kernel; each call appends the number of params it updates."""
    calls, real = [], getattr(ember._C, kernel)

    def recorded(*args):
        calls.append(len(args[0]))
        real(*args)

    monkeypatch.setattr(ember._C, kernel, recorded)
    return calls


@pytest.mark.parametrize("name,kwargs,kernel", OPTIMIZERS)
def test_one_kernel_call_per_group(monkeypatch, name, kwargs, kernel):
    calls = record_calls(monkeypatch, kernel)
    ps = params_with_grads()
    ps[3].grad = None  # skipped: not passed to the kernel
    opt = getattr(optim, name)([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.1}], **kwargs)
    for _ in range(3):
        opt.step()
    assert calls == [2, 2] * 3


def test_new_and_old_momentum_buffers_take_separate_calls(monkeypatch):
    calls = record_calls(monkeypatch, "sgd_step")
    a, b = params_with_grads()[:2]
    grad_b = b.grad
    b.grad = None
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    opt.step()
    b.grad = grad_b
    opt.step()
    assert calls == [1, 1, 1]  # a first; then b's first step and a's second


@pytest.mark.parametrize("name,kernel,second_step_calls", [
    ("Adam", "adam_step", [2, 1]), ("Adagrad", "adagrad_step", [2, 1]),  # their formulas depend on the count
    ("RMSprop", "rmsprop_step", [3]), ("Adadelta", "adadelta_step", [3]),
])
def test_one_call_per_step_count_where_the_formula_needs_it(monkeypatch, name, kernel, second_step_calls):
    calls = record_calls(monkeypatch, kernel)
    a, b, c = params_with_grads()[:3]
    grad_c = c.grad
    c.grad = None
    opt = getattr(optim, name)([a, b, c], lr=0.1)
    opt.step()
    c.grad = grad_c
    opt.step()
    assert calls == [2] + second_step_calls  # a and b at step 2, c at step 1
