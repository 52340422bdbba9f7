"""Adam (and AdamW through `decoupled_weight_decay`), with amsgrad and maximize, as PyTorch computes it."""
from .. import _ops
from .._creation import zeros_like
from .._tensor import Tensor
from ._fused import group_step
from .optimizer import Optimizer, check_fused, check_lr, check_non_negative, increment, new_step


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
        # Parameters are updated together when their step counts agree (the usual case).
        by_step = {}
        for p, state in self._params_with_grad(group):
            if len(state) == 0:
                state["step"] = new_step()
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = zeros_like(p)
            by_step.setdefault(increment(state["step"]), []).append(p)
        for step, params in by_step.items():
            states = [self.state[p] for p in params]
            tensors = (params, [p.grad for p in params], [s["exp_avg"] for s in states],
                       [s["exp_avg_sq"] for s in states], [s["max_exp_avg_sq"] for s in states] if amsgrad else [])
            group_step("adam_step", adam_reference, tensors, step, float(group["lr"]), beta1, beta2, group["eps"],
                       group["weight_decay"], amsgrad, group["maximize"], group["decoupled_weight_decay"])


def adam_reference(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step, lr, beta1, beta2, eps, weight_decay,
                   amsgrad, maximize, decoupled_weight_decay):
    """PyTorch's single-tensor Adam for parameters that share the (already incremented) step."""
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
    step_size = lr / bias_correction1
    for i, param in enumerate(params):
        grad = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad.add(param, alpha=weight_decay)
        exp_avg_sq = exp_avg_sqs[i]
        exp_avgs[i].lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        if amsgrad:
            max_exp_avg_sqs[i].copy_(_ops.maximum(max_exp_avg_sqs[i], exp_avg_sq))
            exp_avg_sq = max_exp_avg_sqs[i]
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        param.addcdiv_(exp_avgs[i], denom, value=-step_size)
