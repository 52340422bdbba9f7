"""Adadelta (PyTorch's formulas, in one fused call per group)."""
from .._creation import zeros_like
from ._fused import group_step
from .optimizer import Optimizer, check_lr, check_non_negative, new_step


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative(eps=eps, weight_decay=weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update_group(self, group):
        # The update does not depend on the step count, so one call takes every count.
        params = [p for ps in self._advance(group, _init_state).values() for p in ps]
        states = [self.state[p] for p in params]
        tensors = (params, [p._grad for p in params], [s["square_avg"] for s in states],
                   [s["acc_delta"] for s in states])
        group_step("adadelta_step", tensors, float(group["lr"]), group["rho"], group["eps"], group["weight_decay"],
                   group["maximize"])


def _init_state(param, state):
    state["step"] = new_step()
    state["square_avg"] = zeros_like(param)
    state["acc_delta"] = zeros_like(param)
