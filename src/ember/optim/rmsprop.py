"""RMSprop with momentum and the centered variant (PyTorch's formulas, in one fused call per group)."""
from .._creation import zeros_like
from ._fused import group_step
from .optimizer import Optimizer, check_lr, check_non_negative, new_step


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_lr(lr)
        check_non_negative(eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update_group(self, group):
        momentum, centered = group["momentum"], group["centered"]

        def init_state(param, state):
            state["step"] = new_step()
            state["square_avg"] = zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = zeros_like(param)
            if centered:
                state["grad_avg"] = zeros_like(param)

        # The update does not depend on the step count, so one call takes every count.
        params = [p for ps in self._advance(group, init_state).values() for p in ps]
        states = [self.state[p] for p in params]
        tensors = (params, [p._grad for p in params], [s["square_avg"] for s in states],
                   [s["momentum_buffer"] for s in states] if momentum > 0 else [],
                   [s["grad_avg"] for s in states] if centered else [])
        group_step("rmsprop_step", tensors, float(group["lr"]), group["alpha"], group["eps"], group["weight_decay"],
                   momentum, centered, group["maximize"])
