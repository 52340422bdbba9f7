"""SGD with momentum, dampening, Nesterov, weight decay and maximize (PyTorch's formulas)."""
from .._creation import empty_like
from ._fused import group_step
from .optimizer import Optimizer, check_fused, check_lr, check_non_negative


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        check_lr(lr)
        check_non_negative(momentum=momentum, weight_decay=weight_decay)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach, "differentiable": differentiable,
                    "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)

    def _update_group(self, group):
        params = [p for p in group["params"] if p._grad is not None]  # as in Optimizer.zero_grad
        grads = [p._grad for p in params]
        options = (float(group["lr"]), group["momentum"], group["dampening"], group["weight_decay"],
                   group["nesterov"], group["maximize"])
        if group["momentum"] == 0:
            group_step("sgd_step", (params, grads, []), *options, False)
            return
        state = self.state
        bufs = [state[p].get("momentum_buffer") for p in params]
        fresh = [i for i, b in enumerate(bufs) if b is None]
        if fresh:  # the first step copies the gradient into new buffers, in a call of its own
            for i in fresh:
                bufs[i] = state[params[i]]["momentum_buffer"] = empty_like(params[i])
            group_step("sgd_step", ([params[i] for i in fresh], [grads[i] for i in fresh], [bufs[i] for i in fresh]),
                       *options, True)
            if len(fresh) == len(params):
                return
            kept = sorted(set(range(len(params))) - set(fresh))
            params, grads, bufs = [params[i] for i in kept], [grads[i] for i in kept], [bufs[i] for i in kept]
        group_step("sgd_step", (params, grads, bufs), *options, False)
