"""Finite-difference gradient checks (float64) of the differentiable nn.functional ops; these run
without PyTorch. Inputs avoid kinks (ties in max pooling, |x| = delta in Huber, ...); options whose
gradient is deliberately not the derivative (padding_idx, scale_grad_by_freq) are checked against
PyTorch instead."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from ember.nn import functional as F


def d(*shape, seed=0, low=None):
    a = np.random.default_rng(seed).standard_normal(shape)
    if low is not None:
        a = low + np.abs(a)
    return ember.tensor(a, requires_grad=True)


def probs(*shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).uniform(0.05, 0.95, shape))


def distinct(*shape, seed=0):
    """Values far apart (a shuffled range), so max pooling has no near-ties."""
    a = np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.1
    return ember.tensor(a, dtype=ember.float64, requires_grad=True)


TARGET = ember.tensor([0, 2, 1])
CLASS_WEIGHT = ember.tensor([1.0, 2.0, 0.5, 1.0], dtype=ember.float64)

CASES = {
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), lambda: (d(2, 2, 5, 4), d(3, 2, 3, 2, seed=1),
                                                                           d(3, seed=2))),
    "conv2d_groups_dilation": (lambda x, w: F.conv2d(x, w, None, 1, (1, 2), 2, 2),
                               lambda: (d(1, 4, 5, 5), d(2, 2, 2, 3, seed=1))),
    "conv1d": (lambda x, w: F.conv1d(x, w, padding=1, stride=2), lambda: (d(2, 3, 7), d(2, 3, 3, seed=1))),
    "conv_transpose2d": (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
                         lambda: (d(1, 2, 3, 3), d(2, 3, 3, 3, seed=1), d(3, seed=2))),
    "unfold_fold": (lambda x: F.fold(F.unfold(x, 2, padding=1, stride=1) * 2, (4, 3), 2, padding=1),
                    lambda: (d(1, 2, 4, 3),)),
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), lambda: (distinct(1, 2, 6, 7),)),
    "max_pool1d_dilation": (lambda x: F.max_pool1d(x, 2, 1, dilation=2), lambda: (distinct(2, 2, 7),)),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                   lambda: (d(1, 2, 6, 7),)),
    "avg_pool2d_divisor": (lambda x: F.avg_pool2d(x, 2, 1, divisor_override=3), lambda: (d(2, 3, 3),)),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), lambda: (d(1, 2, 7, 5),)),
    "adaptive_max_pool2d": (lambda x: F.adaptive_max_pool2d(x, 2), lambda: (distinct(1, 2, 5, 4),)),
    "pad_constant_crop": (lambda x: F.pad(x, (1, -1, 2, 0), value=0.5), lambda: (d(2, 3, 4),)),
    "pad_reflect_replicate_circular": (lambda x: F.pad(x, (2, 1), "reflect") + F.pad(x, (2, 1), "replicate") +
                                       F.pad(x, (2, 1), "circular"), lambda: (d(2, 2, 4),)),
    "interpolate_bilinear": (lambda x: F.interpolate(x, scale_factor=1.7, mode="bilinear"), lambda: (d(1, 1, 3, 4),)),
    "interpolate_nearest": (lambda x: F.interpolate(x, size=(5, 2)), lambda: (d(1, 2, 3, 4),)),
    "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), lambda: (d(4, 3, 2), d(3, seed=1),
                                                                                              d(3, seed=2))),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), lambda: (d(3, 4), d(4, seed=1), d(4, seed=2))),
    "group_norm": (lambda x, w: F.group_norm(x, 2, w), lambda: (d(2, 4, 3), d(4, seed=1))),
    "instance_norm": (lambda x: F.instance_norm(x), lambda: (d(2, 2, 5),)),
    "embedding": (lambda w: F.embedding(ember.tensor([[0, 2], [2, 3]]), w), lambda: (d(4, 3),)),
    "linear_bilinear": (lambda x, y, w: F.bilinear(x, y, w) + F.linear(x, w[:, :, 0]),
                        lambda: (d(3, 2), d(3, 4, seed=1), d(5, 2, 4, seed=2))),
    "cross_entropy": (lambda x: F.cross_entropy(x, TARGET, label_smoothing=0.2, weight=CLASS_WEIGHT),
                      lambda: (d(3, 4),)),
    "cross_entropy_probs": (lambda x, p: F.cross_entropy(x, p.softmax(1)), lambda: (d(3, 4), d(3, 4, seed=1))),
    "nll_kdim": (lambda x: F.nll_loss(x.log_softmax(1), ember.tensor([[0, 1], [2, 2]]), reduction="sum"),
                 lambda: (d(2, 3, 2),)),
    "bce": (lambda x: F.binary_cross_entropy(x.sigmoid(), probs(2, 3)), lambda: (d(2, 3),)),
    "bce_logits_pos_weight": (lambda x, t: F.binary_cross_entropy_with_logits(x, t.sigmoid(), pos_weight=ember.tensor(
        [1.0, 3.0, 0.5], dtype=ember.float64)), lambda: (d(2, 3), d(2, 3, seed=1))),
    "mse_smooth_l1_huber": (lambda x, t: F.mse_loss(x, t) + F.smooth_l1_loss(x, t, beta=0.7) +
                            F.huber_loss(x, t, delta=0.6), lambda: (d(3, 4), d(3, 4, seed=1))),
    "kl_div": (lambda x, t: F.kl_div(x.log_softmax(1), t.softmax(1), reduction="batchmean"),
               lambda: (d(2, 4), d(2, 4, seed=1))),
    "cosine_normalize_distance": (lambda a, b: F.cosine_similarity(a, b) + F.normalize(a).sum(1) +
                                  F.pairwise_distance(a, b), lambda: (d(3, 4), d(3, 4, seed=1))),
    "activations": (lambda x: F.gelu(x) + F.gelu(x, approximate="tanh") + F.silu(x) + F.elu(x, 0.5) + F.softplus(x, 2.0)
                    + F.leaky_relu(x, 0.1) + F.hardtanh(x, -0.5, 0.5) + F.mish(x) + F.logsigmoid(x) + F.selu(x) +
                    F.prelu(x, ember.tensor([0.3], dtype=ember.float64)), lambda: (d(12),)),
    "glu_softmin": (lambda x: F.glu(x, 1) + F.softmin(x[:, :2], 1), lambda: (d(3, 4),)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_gradcheck(case):
    fn, make_inputs = CASES[case]
    assert gradcheck(fn, make_inputs())


@pytest.mark.parametrize("case", ["conv2d", "conv2d_groups_dilation", "conv1d", "conv_transpose2d", "avg_pool2d",
                                  "max_pool2d", "adaptive_avg_pool2d", "layer_norm", "cross_entropy", "nll_kdim",
                                  "embedding"])
def test_gradgradcheck(case):
    """Backward passes that record a graph are ember ops, so they differentiate again."""
    fn, make_inputs = CASES[case]
    assert gradgradcheck(fn, make_inputs())
