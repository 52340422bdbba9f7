"""nn.utils against torch.nn.utils: gradient clipping and parameter/vector conversion."""
import numpy as np
import pytest

import ember
from ember import nn
from nn_parity import assert_close, assert_same_error, copy_state, randn, torch


def _models_with_grads():
    t_net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    e_net = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    copy_state(t_net, e_net)
    x = randn(3, 4).astype(np.float32) * 10
    t_net(torch.tensor(x)).pow(2).sum().backward()
    e_net(ember.tensor(x)).pow(2).sum().backward()
    return e_net, t_net


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm(norm_type, max_norm):
    e_net, t_net = _models_with_grads()
    e_total = nn.utils.clip_grad_norm_(e_net.parameters(), max_norm, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(t_net.parameters(), max_norm, norm_type)
    assert_close(e_total, t_total, ember.float32)
    for (name, e), (_, t) in zip(e_net.named_parameters(), t_net.named_parameters()):
        assert_close(e.grad, t.grad, ember.float32, name)


def test_clip_grad_norm_edge_cases():
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    p = nn.Parameter(ember.ones(3))
    p.grad = ember.tensor([float("inf"), 1.0, 1.0])
    t = torch.nn.Parameter(torch.ones(3))
    t.grad = torch.tensor([float("inf"), 1.0, 1.0])
    assert_same_error(lambda: nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True),
                      lambda: torch.nn.utils.clip_grad_norm_(t, 1.0, error_if_nonfinite=True))
    single = nn.Parameter(ember.tensor([3.0, 4.0]))
    single.grad = ember.tensor([3.0, 4.0])
    assert nn.utils.clip_grad_norm_(single, 1.0).item() == pytest.approx(5.0)
    assert single.grad.tolist() == pytest.approx([0.6, 0.8], rel=1e-5)


def test_clip_grad_value():
    e_net, t_net = _models_with_grads()
    nn.utils.clip_grad_value_(e_net.parameters(), 0.5)
    torch.nn.utils.clip_grad_value_(t_net.parameters(), 0.5)
    for (name, e), (_, t) in zip(e_net.named_parameters(), t_net.named_parameters()):
        assert_close(e.grad, t.grad, ember.float32, name)
    assert max(p.grad.abs().max().item() for p in e_net.parameters()) == 0.5


def test_parameters_to_vector_and_back():
    e_net, t_net = _models_with_grads()
    e_vec = nn.utils.parameters_to_vector(e_net.parameters())
    t_vec = torch.nn.utils.parameters_to_vector(t_net.parameters())
    assert_close(e_vec, t_vec, ember.float32)
    assert e_vec.grad_fn is not None  # it is differentiable, as PyTorch's
    new = ember.arange(e_vec.numel(), dtype=ember.float32)
    nn.utils.vector_to_parameters(new, e_net.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(t_vec.numel(), dtype=torch.float32), t_net.parameters())
    for (name, e), (_, t) in zip(e_net.named_parameters(), t_net.named_parameters()):
        assert_close(e, t, ember.float32, name)
        assert isinstance(e, nn.Parameter)
    assert_same_error(lambda: nn.utils.vector_to_parameters([1.0], e_net.parameters()),
                      lambda: torch.nn.utils.vector_to_parameters([1.0], t_net.parameters()))
