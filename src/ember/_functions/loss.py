"""Loss Functions with PyTorch's node names. Pointwise losses are two formulas each (the loss and
its derivative in the input); the base applies the reduction (0 none, 1 mean, 2 sum, as the _C
kernels number them) both ways. NLL and cross-entropy with class-index targets run on the fused _C
kernels, and on `logp_grad` (ember ops) only while a backward records a graph (see graph.py)."""
from .. import _C
from .._tensor import wrap
from ..autograd.function import Function, check_version
from .graph import builds_graph

NONE, MEAN, SUM = 0, 1, 2


def reduce(loss, reduction):
    if reduction == MEAN:
        return loss.mean()
    if reduction == SUM:
        return loss.sum()
    return loss


class PointwiseLoss(Function):
    """Subclasses define `loss(x, t, *params)` and `grad(x, t, *params)` (d loss / d x), and
    `target_grad` where d loss / d t is not -grad."""

    graph_inputs = slice(0, 2)
    @classmethod
    def forward(cls, ctx, x, t, reduction, *params):
        ctx.save_for_backward(x, t)
        ctx.reduction, ctx.params = reduction, params
        return reduce(cls.loss(x, t, *params), reduction)

    @classmethod
    def backward(cls, ctx, g):
        x, t = ctx.saved_tensors
        if ctx.reduction == MEAN:
            g = g / x.numel()
        need_x, need_t = ctx.needs_input_grad[:2]
        gx = g * cls.grad(x, t, *ctx.params) if need_x else None
        gt = g * cls.target_grad(x, t, *ctx.params) if need_t else None
        return (gx, gt, None) + (None,) * len(ctx.params)

    @classmethod
    def target_grad(cls, x, t, *params):
        return -cls.grad(x, t, *params)


class MseLoss(PointwiseLoss):
    node_name = "MseLossBackward0"

    @staticmethod
    def loss(x, t):
        d = x - t
        return d * d

    @staticmethod
    def grad(x, t):
        return (x - t) * 2


class SmoothL1Loss(PointwiseLoss):
    node_name = "SmoothL1LossBackward0"

    @staticmethod
    def loss(x, t, beta):
        d = (x - t).abs()
        return (d * d * (0.5 / beta)).where(d < beta, d - 0.5 * beta)

    @staticmethod
    def grad(x, t, beta):
        return ((x - t) / beta).clamp(-1, 1)


class HuberLoss(PointwiseLoss):
    node_name = "HuberLossBackward0"

    @staticmethod
    def loss(x, t, delta):
        d = (x - t).abs()
        return (d * d * 0.5).where(d < delta, (d - 0.5 * delta) * delta)

    @staticmethod
    def grad(x, t, delta):
        return (x - t).clamp(-delta, delta)


_LOG_MIN = -100.0  # PyTorch clamps log(p) at -100 so p = 0 gives a finite loss
_BCE_EPS = 9.999999960041972e-13  # PyTorch's gradient floor: the float32 constant 1e-12f


class BinaryCrossEntropy(PointwiseLoss):
    """params: (weight or None,)."""

    node_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def loss(x, t, w):
        loss = -(t * x.log().clamp(min=_LOG_MIN) + (1 - t) * (1 - x).log().clamp(min=_LOG_MIN))
        return loss * w if w is not None else loss

    @staticmethod
    def grad(x, t, w):
        g = (x - t) / ((1 - x) * x).clamp(min=_BCE_EPS)
        return g * w if w is not None else g

    @staticmethod
    def target_grad(x, t, w):
        g = (1 - x).log().clamp(min=_LOG_MIN) - x.log().clamp(min=_LOG_MIN)
        return g * w if w is not None else g


class BinaryCrossEntropyWithLogits(PointwiseLoss):
    """params: (weight or None, pos_weight or None). loss = (1-t) x + (1 + (pw-1) t) softplus(-x),
    with softplus(-x) written as max(-x, 0) + log1p(exp(-|x|)) so large |x| stays finite."""

    node_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def loss(x, t, w, pw):
        softplus_neg = (-x).clamp(min=0) + (-x.abs()).exp().log1p()
        lw = 1 if pw is None else (pw - 1) * t + 1
        loss = (1 - t) * x + lw * softplus_neg
        return loss * w if w is not None else loss

    @staticmethod
    def grad(x, t, w, pw):
        s = x.sigmoid()
        g = s - t if pw is None else (1 - t) - ((pw - 1) * t + 1) * (1 - s)
        return g * w if w is not None else g

    @staticmethod
    def target_grad(x, t, w, pw):
        g = -x if pw is None else (pw - 1) * ((-x).clamp(min=0) + (-x.abs()).exp().log1p()) - x
        return g * w if w is not None else g


def _unrows(rows, shape):
    """(M, C) rows, class dim last, as a tensor of `shape`: (N, C, d1, ...) or (C,)."""
    if len(shape) <= 2:
        return rows.reshape(shape)
    return rows.reshape((shape[0],) + tuple(shape[2:]) + (shape[1],)).movedim(-1, 1)


def _impl(t):
    return None if t is None else t._c


def logp_grad(g, target, weight, ignore_index, reduction, label_smoothing, shape):
    """d loss / d log-probabilities of `shape` applied to g, for nll_loss (label_smoothing 0) and for
    cross_entropy's smoothed NLL: the composed form of the kernels' backward, linear in g."""
    classes = shape[0 if len(shape) == 1 else 1]
    flat = target.reshape(-1).long()
    valid = flat != ignore_index
    safe = flat.masked_fill(~valid, 0)
    kept = valid.to(g.dtype) if weight is None else weight.index_select(0, safe).masked_fill(~valid, 0.0)
    scale = g.reshape(-1)
    if reduction == MEAN:
        scale = scale / kept.sum()
    scale = scale.expand(flat.shape[0]).masked_fill(~valid, 0.0)  # ignored rows stay 0 even if all are
    rows = scale.new_zeros(flat.shape[0], classes).scatter(1, safe.unsqueeze(1),
                                                          (scale * kept * (label_smoothing - 1)).unsqueeze(1))
    if label_smoothing:
        spread = scale.unsqueeze(1) * (-label_smoothing / classes)
        rows = rows + (spread if weight is None else spread * weight)
    return _unrows(rows, shape)


class NllLoss(Function):
    """nll_loss of log-probabilities (N, C, d1, ...) or (C,) and class-index targets."""

    node_name = "NllLossBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, logp, target, weight, ignore_index, reduction):
        ctx.save_for_backward(logp, target, weight)
        ctx.options = (ignore_index, reduction)
        return wrap(_C.nll_loss(logp._c, target._c, _impl(weight), ignore_index, reduction))

    @staticmethod
    def backward(ctx, g):
        logp, target, weight = ctx.saved_tensors
        ignore_index, reduction = ctx.options
        if builds_graph(g):
            gx = logp_grad(g, target, weight, ignore_index, reduction, 0.0, logp.shape)
        else:
            gx = wrap(_C.nll_loss_backward(g._c, logp._c, target._c, _impl(weight), ignore_index, reduction))
        return gx, None, None, None, None


class NllLoss2d(NllLoss):
    """The same Function for inputs with spatial dims, under PyTorch's node name for them."""

    node_name = "NllLoss2DBackward0"


class CrossEntropy(Function):
    """log_softmax + nll_loss (with optional label smoothing) of logits x in one kernel each way.
    Like PyTorch's log_softmax it keeps its result, not x, so x may change in place afterwards;
    only a backward that records a graph reads x again, to differentiate log_softmax(x)."""

    node_name = "NllLossBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, label_smoothing, reduction):
        loss, lsm = _C.cross_entropy(x._c, target._c, _impl(weight), ignore_index, label_smoothing, reduction)
        ctx.save_for_backward(target, weight, wrap(lsm))
        ctx.options = (ignore_index, label_smoothing, reduction)
        ctx.x, ctx.x_version = x, x._c.version
        return wrap(loss)

    @staticmethod
    def backward(ctx, g):
        target, weight, lsm = ctx.saved_tensors
        ignore_index, label_smoothing, reduction = ctx.options
        x = ctx.x
        if not builds_graph(g, x):
            gx = wrap(_C.cross_entropy_backward(g._c, lsm._c, target._c, _impl(weight), ignore_index,
                                                label_smoothing, reduction))
            return gx, None, None, None, None, None
        check_version(x, ctx.x_version)
        class_dim = 0 if x.dim() == 1 else 1
        glogp = logp_grad(g, target, weight, ignore_index, reduction, label_smoothing, x.shape)
        return glogp - x.softmax(class_dim) * glogp.sum(class_dim, keepdim=True), None, None, None, None, None


class CrossEntropy2d(CrossEntropy):
    node_name = "NllLoss2DBackward0"


class CrossEntropySmoothed(CrossEntropy):
    """With label smoothing PyTorch adds the NLL and smoothing terms: its node is an addition."""

    node_name = "AddBackward0"
