"""Helpers for checking ember.nn against PyTorch on the same data: copy tensors both ways, run a
module or function in both, compare outputs and gradients, and compare raised errors."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

TOL = {ember.float32: dict(rtol=1e-4, atol=1e-5), ember.float64: dict(rtol=1e-9, atol=1e-10)}
TORCH_DTYPE = {ember.float32: torch.float32, ember.float64: torch.float64}


def to_torch(t, requires_grad=False):
    return torch.tensor(t.detach().numpy(), requires_grad=requires_grad)


def from_torch(t, requires_grad=False):
    return ember.tensor(t.detach().numpy(), requires_grad=requires_grad)


def assert_close(e, t, dtype=ember.float64, what="", tol=None):
    assert e is not None and t is not None, what
    assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} vs {tuple(t.shape)}"
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), err_msg=what, **(tol or TOL[dtype]))


def pair(array, dtype, requires_grad=True):
    """The same data as an ember and a torch tensor of `dtype` (float arrays only require grad)."""
    a = np.asarray(array)
    if a.dtype.kind == "f":
        a = a.astype(dtype.numpy)
        return ember.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)
    return ember.tensor(a), torch.tensor(a)


def copy_state(torch_module, ember_module):
    """Loads torch_module's parameters and buffers into ember_module (same keys required)."""
    t_state, e_state = torch_module.state_dict(), ember_module.state_dict()
    assert list(t_state) == list(e_state)
    ember_module.load_state_dict({k: from_torch(v) for k, v in t_state.items()})


def check_outputs_and_grads(e_out, t_out, e_inputs, t_inputs, dtype, e_params=(), t_params=(), tol=None):
    """Compares outputs, then backpropagates the same random gradient through both and compares the
    gradients of the inputs and of the parameters."""
    assert_close(e_out, t_out, dtype, "output", tol)
    if not t_out.requires_grad:
        return
    g = np.random.default_rng(1).standard_normal(tuple(t_out.shape)).astype(dtype.numpy)
    t_out.backward(torch.tensor(g))
    e_out.backward(ember.tensor(g))
    for i, (e, t) in enumerate(zip(e_inputs, t_inputs)):
        if t.requires_grad:
            assert_close(e.grad, t.grad, dtype, f"grad of input {i}", tol)
    for (name, e), (_, t) in zip(e_params, t_params):
        if t.grad is None:
            assert e.grad is None, name
        else:
            assert_close(e.grad, t.grad, dtype, f"grad of {name}", tol)


def check_module(e_module, t_module, arrays, dtype, tol=None):
    """Same weights, same inputs: same outputs and gradients (modules in float64 when asked)."""
    t_module = t_module.to(TORCH_DTYPE[dtype])
    e_module = e_module.to(dtype)
    copy_state(t_module, e_module)
    ins = [pair(a, dtype) for a in arrays]
    e_out = e_module(*[e for e, _ in ins])
    t_out = t_module(*[t for _, t in ins])
    check_outputs_and_grads(e_out, t_out, [e for e, _ in ins], [t for _, t in ins], dtype,
                            list(e_module.named_parameters()), list(t_module.named_parameters()), tol)


def check_function(e_fn, t_fn, arrays, dtype=ember.float64, requires_grad=True, tol=None):
    ins = [pair(a, dtype, requires_grad) for a in arrays]
    e_out = e_fn(*[e for e, _ in ins])
    t_out = t_fn(*[t for _, t in ins])
    check_outputs_and_grads(e_out, t_out, [e for e, _ in ins], [t for _, t in ins], dtype, tol=tol)


def assert_same_error(e_call, t_call):
    """Both raise the same exception type with the same message."""
    with pytest.raises(Exception) as t_info:
        t_call()
    with pytest.raises(type(t_info.value)) as e_info:
        e_call()
    assert str(e_info.value) == str(t_info.value)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)
