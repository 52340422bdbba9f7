"""conv, pooling and class-index losses run on the fused _C kernels: forward always, backward
unless it records a graph (create_graph=True through a tensor that requires grad), where the
composed ember-op formulas take over. Kernel calls are counted by wrapping the _C functions;
first and second derivatives are compared with PyTorch on both paths."""
import collections

import numpy as np
import pytest

import ember
from ember import _C
from ember._functions import conv as conv_functions
from ember.nn import functional as F
from nn_parity import assert_close, randn, torch

TF = torch.nn.functional


@pytest.fixture
def calls(monkeypatch):
    """Counts calls of every _C nn kernel (and of the composed im2col/col2im Functions)."""
    counts = collections.Counter()

    def counting(name, fn):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    for name in ("conv2d", "conv2d_backward_input", "conv2d_backward_weight", "max_pool2d", "max_pool2d_backward",
                 "avg_pool2d", "avg_pool2d_backward", "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward",
                 "cross_entropy", "cross_entropy_backward", "nll_loss", "nll_loss_backward"):
        monkeypatch.setattr(_C, name, counting(name, getattr(_C, name)))
    for cls in (conv_functions.Im2Col, conv_functions.Col2Im):
        monkeypatch.setattr(cls, "apply", classmethod(counting(cls.__name__, cls.apply.__func__)))
    return counts


TARGET = np.array([[0, 2], [1, 1]])

# name: (ember fn, torch fn, input arrays (the first ones require grad), forward kernels, backward kernels)
CASES = {
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), lambda x, w, b: TF.conv2d(x, w, b, 2, 1),
               [randn(2, 2, 5, 4), randn(3, 2, 3, 2, seed=1), randn(3, seed=2)],
               ["conv2d"], ["conv2d_backward_input", "conv2d_backward_weight"]),
    "conv1d": (lambda x, w: F.conv1d(x, w, padding=1, dilation=2, groups=2),
               lambda x, w: TF.conv1d(x, w, padding=1, dilation=2, groups=2),
               [randn(2, 4, 9), randn(6, 2, 3, seed=1)], ["conv2d"],
               ["conv2d_backward_input", "conv2d_backward_weight"]),
    "conv_transpose2d": (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
                         lambda x, w, b: TF.conv_transpose2d(x, w, b, 2, 1, 1),
                         [randn(1, 2, 3, 3), randn(2, 3, 3, 3, seed=1), randn(3, seed=2)],
                         ["conv2d_backward_input"], ["conv2d", "conv2d_backward_weight"]),
    "conv_transpose2d_groups_dilation": (
        lambda x, w: F.conv_transpose2d(x, w, None, (1, 2), (2, 1), (0, 1), groups=2, dilation=(2, 1)),
        lambda x, w: TF.conv_transpose2d(x, w, None, (1, 2), (2, 1), (0, 1), groups=2, dilation=(2, 1)),
        [randn(2, 4, 5, 4), randn(4, 3, 3, 2, seed=1)], ["conv2d_backward_input"],
        ["conv2d", "conv2d_backward_weight"]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), lambda x: TF.max_pool2d(x, 3, 2, 1, ceil_mode=True),
                   [np.random.default_rng(0).permutation(84).reshape(1, 2, 6, 7) * 0.1], ["max_pool2d"],
                   ["max_pool2d_backward"]),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
                   lambda x: TF.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [randn(2, 6, 7)], ["avg_pool2d"],
                   ["avg_pool2d_backward"]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), lambda x: TF.adaptive_avg_pool2d(x, (3, 2)),
                            [randn(1, 2, 7, 5)], ["adaptive_avg_pool2d"], ["adaptive_avg_pool2d_backward"]),
    "cross_entropy": (lambda x, t: F.cross_entropy(x, t, ignore_index=2, label_smoothing=0.1),
                      lambda x, t: TF.cross_entropy(x, t, ignore_index=2, label_smoothing=0.1),
                      [randn(2, 3, 2), TARGET], ["cross_entropy"], ["cross_entropy_backward"]),
    "cross_entropy_weight_none": (lambda x, t, w: F.cross_entropy(x, t, w, reduction="none"),
                                  lambda x, t, w: TF.cross_entropy(x, t, w, reduction="none"),
                                  [randn(4, 3), np.array([0, 2, 1, 2]), np.abs(randn(3, seed=3))], ["cross_entropy"],
                                  ["cross_entropy_backward"]),
    "nll_loss": (lambda x, t: F.nll_loss(x, t, reduction="sum"), lambda x, t: TF.nll_loss(x, t, reduction="sum"),
                 [randn(2, 3, 2), TARGET], ["nll_loss"], ["nll_loss_backward"]),
}


def inputs(case):
    """The case's arrays as (ember, torch) pairs; float arrays except class weights require grad."""
    arrays = CASES[case][2]
    pairs = []
    for i, a in enumerate(arrays):
        grad = a.dtype.kind == "f" and not (case == "cross_entropy_weight_none" and i == 2)
        pairs.append((ember.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)))
    return pairs


@pytest.mark.parametrize("case", list(CASES))
def test_forward_and_backward_call_the_kernels(case, calls):
    e_fn, t_fn, _, fwd, bwd = CASES[case]
    pairs = inputs(case)
    e_out, t_out = e_fn(*[e for e, _ in pairs]), t_fn(*[t for _, t in pairs])
    assert dict(calls) == {name: 1 for name in fwd}
    g = randn(*t_out.shape, seed=4)
    e_out.backward(ember.tensor(g))
    t_out.backward(torch.tensor(g))
    assert dict(calls) == {name: 1 for name in fwd + bwd}
    assert_close(e_out, t_out)
    for e, t in pairs:
        if t.requires_grad:
            assert_close(e.grad, t.grad)


@pytest.mark.parametrize("case", list(CASES))
def test_create_graph_composes_and_second_derivatives_match_pytorch(case, calls):
    """grad(create_graph=True) with a grad_output that requires grad, then the gradient of
    <first derivatives, v> w.r.t. the inputs and the grad_output: both as in PyTorch."""
    e_fn, t_fn, _, _, bwd = CASES[case]
    pairs = inputs(case)
    e_out, t_out = e_fn(*[e for e, _ in pairs]), t_fn(*[t for _, t in pairs])
    g = randn(*t_out.shape, seed=4)
    e_in = [e for e, _ in pairs if e.requires_grad] + [ember.tensor(g, requires_grad=True)]
    t_in = [t for _, t in pairs if t.requires_grad] + [torch.tensor(g, requires_grad=True)]
    e_first = ember.autograd.grad(e_out, e_in[:-1], e_in[-1], create_graph=True)
    t_first = torch.autograd.grad(t_out, t_in[:-1], t_in[-1], create_graph=True)
    assert not any(calls[name] for name in bwd)
    for e, t in zip(e_first, t_first):
        assert_close(e, t)
    vs = [randn(*t.shape, seed=10 + i) for i, t in enumerate(t_first)]
    e_dot = sum((f * ember.tensor(v)).sum() for f, v in zip(e_first, vs))
    t_dot = sum((f * torch.tensor(v)).sum() for f, v in zip(t_first, vs))
    e_second = ember.autograd.grad(e_dot, e_in, allow_unused=True)
    t_second = torch.autograd.grad(t_dot, t_in, allow_unused=True)
    for e, t, x in zip(e_second, t_second, e_in):  # None (no path to the input) counts as zeros
        assert_close(ember.zeros_like(x) if e is None else e, torch.zeros(x.shape, dtype=torch.float64)
                     if t is None else t)


def test_create_graph_uses_the_kernels_when_nothing_needs_a_graph(calls):
    """Only x requires grad: conv's input gradient depends on w and on a constant upstream gradient."""
    x = ember.tensor(randn(1, 2, 5, 5), requires_grad=True)
    w = ember.tensor(randn(3, 2, 3, 3, seed=1))
    (gx,) = ember.autograd.grad(F.conv2d(x, w).sum(), [x], create_graph=True)
    assert calls["conv2d_backward_input"] == 1 and not calls["Col2Im"]
    assert not gx.requires_grad


def test_logits_changed_in_place_after_cross_entropy():
    """As in PyTorch, cross_entropy keeps log_softmax's result, not the logits."""
    a = randn(3, 4)
    e_x, t_x = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    target = np.array([1, 0, 3])
    e_logits, t_logits = e_x * 2, t_x * 2
    e_loss, t_loss = F.cross_entropy(e_logits, ember.tensor(target)), TF.cross_entropy(t_logits, torch.tensor(target))
    with ember.no_grad():
        e_logits.add_(1.0)
    with torch.no_grad():
        t_logits.add_(1.0)
    e_loss.backward()
    t_loss.backward()
    assert_close(e_x.grad, t_x.grad)
    e_loss = F.cross_entropy(e_logits, ember.tensor(target))
    with ember.no_grad():
        e_logits.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ember.autograd.grad(e_loss, [e_x], create_graph=True)


def test_max_pool_indices_output_takes_no_gradient(calls):
    x = ember.tensor(randn(1, 1, 4, 4), requires_grad=True)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    assert not idx.requires_grad and idx.dtype == ember.int64
    out.sum().backward()
    assert calls["max_pool2d_backward"] == 1
    assert x.grad.sum().item() == 4.0
