"""Adam (and AdamW through `decoupled_weight_decay`), with amsgrad and maximize, as PyTorch computes it."""
from .._creation import zeros_like
from .._tensor import Tensor
from ._fused import group_step
from .optimizer import Optimizer, check_fused, check_lr, check_non_negative, new_step


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False, fused=None, decoupled_weight_decay=False):
        check_lr(lr)
        check_non_negative(eps=eps)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        check_non_negative(weight_decay=weight_decay)
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        check_fused(fused, foreach, differentiable)

    def _update_group(self, group):
        amsgrad = group["amsgrad"]
        beta1, beta2 = (float(b) for b in group["betas"])

        def init_state(param, state):
            state["step"] = new_step()
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_like(param)

        for step, params in self._advance(group, init_state).items():
            states = [self.state[p] for p in params]
            tensors = (params, [p._grad for p in params], [s["exp_avg"] for s in states],
                       [s["exp_avg_sq"] for s in states], [s["max_exp_avg_sq"] for s in states] if amsgrad else [])
            group_step("adam_step", tensors, step, float(group["lr"]), beta1, beta2, group["eps"],
                       group["weight_decay"], amsgrad, group["maximize"], group["decoupled_weight_decay"])
