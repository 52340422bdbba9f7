"""Adagrad with learning-rate decay (PyTorch's formulas; state is created for every parameter up front)."""
from .._creation import full_like
from ._fused import group_step
from .optimizer import Optimizer, check_fused, check_lr, check_non_negative, new_step


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_lr(lr)
        check_non_negative(lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p])

    def _init_state(self, p, state):
        state["step"] = new_step()
        state["sum"] = full_like(p, self.defaults["initial_accumulator_value"])

    def _update_group(self, group):
        # A parameter added with add_param_group gets its state on its first step.
        for step, params in self._advance(group, self._init_state).items():
            tensors = (params, [p._grad for p in params], [self.state[p]["sum"] for p in params])
            group_step("adagrad_step", tensors, step, float(group["lr"]), group["lr_decay"], group["weight_decay"],
                       group["eps"], group["maximize"])
