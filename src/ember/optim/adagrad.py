"""Adagrad with learning-rate decay (PyTorch's formulas; state is created for every parameter up front)."""
from .._creation import full_like
from .optimizer import Optimizer, check_fused, check_lr, check_non_negative, increment, new_step


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
                self._init_state(p)

    def _init_state(self, p):
        state = self.state[p]
        state["step"] = new_step()
        state["sum"] = full_like(p, self.defaults["initial_accumulator_value"])

    def _update_group(self, group):
        lr, lr_decay, eps, weight_decay = float(group["lr"]), group["lr_decay"], group["eps"], group["weight_decay"]
        for param, state in self._params_with_grad(group):
            if len(state) == 0:  # a parameter added with add_param_group
                self._init_state(param)
            step = increment(state["step"])
            grad = -param.grad if group["maximize"] else param.grad
            if weight_decay != 0:
                grad = grad.add(param, alpha=weight_decay)
            clr = lr / (1 + (step - 1) * lr_decay)
            std = state["sum"].addcmul_(grad, grad, value=1).sqrt().add_(eps)
            param.addcdiv_(grad, std, value=-clr)
