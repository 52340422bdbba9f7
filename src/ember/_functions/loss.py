"""Loss Functions with PyTorch's node names. Pointwise losses are two formulas each (the loss and
its derivative in the input); the base applies the reduction (0 none, 1 mean, 2 sum, as the _C
kernels number them) both ways. NllLoss works on (M, C) rows: class dim moved last, batch flattened."""
from ..autograd.function import Function

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


def _rows(logp):
    """(N, C, d1, ...) or (C,) log-probabilities as (M, C) rows, class dim last."""
    if logp.dim() == 1:
        return logp.reshape(1, -1)
    return (logp.movedim(1, -1) if logp.dim() > 2 else logp).reshape(-1, logp.shape[1])


def _unrows(rows, shape):
    """Inverse of _rows."""
    if len(shape) <= 2:
        return rows.reshape(shape)
    return rows.reshape((shape[0],) + tuple(shape[2:]) + (shape[1],)).movedim(-1, 1)


class NllLoss(Function):
    """logp (N, C, d1, ...) or (C,); target (M,) class indices for its rows (see _rows), `weight_rows`
    (M,) each row's class weight, already 0 where the target is ignored; `target_shape` shapes
    reduction='none' results."""

    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, logp, target, weight_rows, reduction, target_shape):
        losses = -_rows(logp).gather(1, target.unsqueeze(1)).squeeze(1) * weight_rows
        total = weight_rows.sum()
        ctx.save_for_backward(target, weight_rows, total)
        ctx.reduction, ctx.logp_shape = reduction, logp.shape
        ctx.classes = logp.shape[0 if logp.dim() == 1 else 1]
        if reduction == NONE:
            return losses.reshape(target_shape)
        return losses.sum() / total if reduction == MEAN else losses.sum()

    @staticmethod
    def backward(ctx, g):
        target, weight_rows, total = ctx.saved_tensors
        scale = g.reshape(-1) * weight_rows
        if ctx.reduction == MEAN:  # ignored rows stay 0 even when every row is ignored (total = 0)
            scale = (scale / total).masked_fill(weight_rows == 0, 0.0)
        rows = weight_rows.new_zeros(target.shape[0], ctx.classes).scatter(1, target.unsqueeze(1), -scale.unsqueeze(1))
        return _unrows(rows, ctx.logp_shape), None, None, None, None


class NllLoss2d(NllLoss):
    """The same Function for inputs with spatial dims, under PyTorch's node name for them."""

    node_name = "NllLoss2DBackward0"
