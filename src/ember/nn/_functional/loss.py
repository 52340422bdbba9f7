"""Losses of ember.nn.functional: argument checks with PyTorch's errors and warnings, then the
Functions of _functions/loss.py, or ember ops where PyTorch itself composes (l1, kl_div, ...)."""
import warnings

from ... import _ops
from ..._functions import loss as fl
from ..._tensor import Tensor
from .. import _reduction
from . import scalar_type_name
from ...autograd import grad_mode
from .activation import log_softmax, logsigmoid
from .distance import cosine_similarity, pairwise_distance

_reduce = fl.reduce


def _broadcast_pair(input, target, stacklevel=3):
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=stacklevel)
        return _ops.broadcast_tensors(input, target)
    return input, target


def _weighted(loss, weight, reduction, mean_over_weights):
    """An elementwise `weight` applied to an unreduced loss. PyTorch's 'mean' divides by the sum of
    the weights for mse and l1 losses but by the element count for huber."""
    if weight.shape != loss.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == fl.MEAN and mean_over_weights:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def _pointwise(fn, input, target, reduction, weight, *params, mean_over_weights=True):
    """A pointwise loss Function, weighted (see _weighted) when a weight is given."""
    input, target = _broadcast_pair(input, target, stacklevel=4)
    if weight is None:
        return fn.apply(input, target, reduction, *params)
    return _weighted(fn.apply(input, target, fl.NONE, *params), weight, reduction, mean_over_weights)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    return _pointwise(fl.MseLoss, input, target, _reduction.resolve(size_average, reduce, reduction), weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    red = _reduction.resolve(size_average, reduce, reduction)
    input, target = _broadcast_pair(input, target)
    loss = (input - target).abs()
    return _reduce(loss, red) if weight is None else _weighted(loss, weight, red, True)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:  # as PyTorch: plain L1
        return l1_loss(input, target, size_average, reduce, reduction)
    return _pointwise(fl.SmoothL1Loss, input, target, _reduction.resolve(size_average, reduce, reduction), None,
                      float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _pointwise(fl.HuberLoss, input, target, _reduction.get_enum(reduction), weight, float(delta),
                      mean_over_weights=False)


# ---- probabilities -------------------------------------------------------------------------
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    red = _reduction.resolve(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {scalar_type_name(target)} but expected {scalar_type_name(input)}")
    if bool(((input < 0) | (input > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if bool(((target < 0) | (target > 1)).any()):
        raise RuntimeError("all elements of target should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(_ops.broadcast_shapes(target.shape, weight.shape))
    return fl.BinaryCrossEntropy.apply(input, target, red, weight)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    red = _reduction.resolve(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    return fl.BinaryCrossEntropyWithLogits.apply(input, target, red, weight, pos_weight)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        reduction = _reduction.legacy_get_string(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # xlogy(t, t) - t * x, with 0 log 0 = 0
        loss = target * target.where(target > 0, 1.0).log() - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return _reduce(loss, _reduction.get_enum(reduction))


# ---- class indices (the kernels check targets and weights with PyTorch's messages) -------------
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    fn = fl.NllLoss2d if input.dim() > 2 else fl.NllLoss
    return fn.apply(input, target, weight, ignore_index, _reduction.resolve(size_average, reduce, reduction))


def _class_weight(weight, ndim, class_dim):
    shape = [1] * ndim
    shape[class_dim] = -1
    return weight.reshape(shape)


def _cross_entropy_probs(logp, target, weight, reduction, label_smoothing, class_dim):
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{scalar_type_name(target)}")
    classes = logp.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    prod = logp * target
    if weight is not None:
        prod = prod * _class_weight(weight, logp.dim(), class_dim)
    if reduction == fl.NONE:
        return -prod.sum(class_dim)
    if reduction == fl.SUM:
        return -prod.sum()
    return -prod.sum() / (logp.numel() / classes) if logp.numel() else -prod.sum() * float("nan")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    red = _reduction.resolve(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if isinstance(target, Tensor) and target._c.shape == input._c.shape:
        class_dim = 0 if input.dim() == 1 else 1
        if ignore_index != -100:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if weight is not None and (weight.dim() != 1 or weight.numel() != input.shape[class_dim]):
            raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all "
                               f"{input.shape[class_dim]} classes or no classes but got weight tensor of shape: "
                               f"{list(weight.shape)}")
        return _cross_entropy_probs(log_softmax(input, class_dim), target, weight, red, label_smoothing,
                                    class_dim)
    if label_smoothing > 0:
        fn = fl.CrossEntropySmoothed
    else:
        fn = fl.CrossEntropy2d if input.dim() > 2 else fl.CrossEntropy
    return fn.apply(input, target, weight, ignore_index, label_smoothing, red)


# ---- margins and other composed losses -------------------------------------------------------
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _reduce(((-target * input).exp()).log1p(), _reduction.resolve(size_average, reduce, reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    loss = (-target * (input1 - input2) + margin).clamp(min=0)
    return _reduce(loss, _reduction.resolve(size_average, reduce, reduction))


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    margin_part = (margin - input).clamp(min=0).where(target == -1, 0.0)
    loss = input.where(target == 1, 0.0) + margin_part
    return _reduce(loss, _reduction.resolve(size_average, reduce, reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    cos = cosine_similarity(input1, input2, dim=-1, eps=1e-12)
    loss = (1 - cos).where(target == 1, (cos - margin).clamp(min=0).where(target == -1, 0.0))
    return _reduce(loss, _reduction.resolve(size_average, reduce, reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp(min=0), _reduction.resolve(size_average, reduce, reduction))


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-08, reduce=None,
                     reduction="mean"):
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.where(target > 1, 1.0).log() - target + (target * 6.283185307179586).where(
            target > 1, 1.0).log() * 0.5
        loss = loss + stirling.where(target > 1, 0.0)
    return _reduce(loss, _reduction.resolve(size_average, reduce, reduction))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-06, reduction="mean"):
    if var.dim() == input.dim() - 1 and var.shape == input.shape[:-1]:
        var = var.unsqueeze(-1)
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with grad_mode.no_grad():  # as PyTorch: the floor does not stop the gradient
        var.clamp_(min=eps)
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.9189385332046727  # log(2 pi) / 2
    return _reduce(loss, _reduction.get_enum(reduction))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1]
    return _reduce(loss, _reduction.resolve(size_average, reduce, reduction))


__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "nll_loss", "cross_entropy", "soft_margin_loss",
           "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "poisson_nll_loss", "gaussian_nll_loss", "multilabel_soft_margin_loss"]
