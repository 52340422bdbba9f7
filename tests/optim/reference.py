"""NumPy versions of the fused optimizer kernels, written from PyTorch's single-tensor formulas
(torch/optim/*.py, foreach=False). They update lists of arrays in place and take the kernels'
arguments in the kernels' order, so a test can run both on the same data without torch."""
import numpy as np


def _grad(g, p, weight_decay, maximize):
    d = -g if maximize else g
    return d + weight_decay * p if weight_decay != 0 else d


def _lerp(a, b, w):
    """torch.lerp: the formula depends on the weight's size, so both ends are exact."""
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)


def sgd(params, grads, bufs, lr, momentum, dampening, weight_decay, nesterov, maximize, first_step):
    for i, p in enumerate(params):
        d = _grad(grads[i], p, weight_decay, maximize)
        if momentum != 0:
            bufs[i][...] = d if first_step else bufs[i] * momentum + (1 - dampening) * d
            d = d + momentum * bufs[i] if nesterov else bufs[i]
        p += -lr * d


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step, lr, beta1, beta2, eps, weight_decay, amsgrad,
         maximize, decoupled_weight_decay):
    bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
    step_size = lr / (1 - beta1 ** step)
    for i, p in enumerate(params):
        if decoupled_weight_decay:
            p *= 1 - lr * weight_decay
        d = _grad(grads[i], p, 0 if decoupled_weight_decay else weight_decay, maximize)
        exp_avgs[i][...] = _lerp(exp_avgs[i], d, 1 - beta1)
        exp_avg_sqs[i][...] = exp_avg_sqs[i] * beta2 + (1 - beta2) * d * d
        second = exp_avg_sqs[i]
        if amsgrad:
            np.maximum(max_exp_avg_sqs[i], second, out=max_exp_avg_sqs[i])
            second = max_exp_avg_sqs[i]
        p += -step_size * exp_avgs[i] / (np.sqrt(second) / bias_correction2_sqrt + eps)


def rmsprop(params, grads, square_avgs, momentum_buffers, grad_avgs, lr, alpha, eps, weight_decay, momentum, centered,
            maximize):
    for i, p in enumerate(params):
        d = _grad(grads[i], p, weight_decay, maximize)
        square_avgs[i][...] = square_avgs[i] * alpha + (1 - alpha) * d * d
        if centered:
            grad_avgs[i][...] = _lerp(grad_avgs[i], d, 1 - alpha)
            avg = np.sqrt(square_avgs[i] - grad_avgs[i] * grad_avgs[i]) + eps
        else:
            avg = np.sqrt(square_avgs[i]) + eps
        if momentum > 0:
            momentum_buffers[i][...] = momentum_buffers[i] * momentum + d / avg
            p += -lr * momentum_buffers[i]
        else:
            p += -lr * d / avg


def adagrad(params, grads, state_sums, step, lr, lr_decay, weight_decay, eps, maximize):
    clr = lr / (1 + (step - 1) * lr_decay)
    for i, p in enumerate(params):
        d = _grad(grads[i], p, weight_decay, maximize)
        state_sums[i] += d * d
        p += -clr * d / (np.sqrt(state_sums[i]) + eps)


def adadelta(params, grads, square_avgs, acc_deltas, lr, rho, eps, weight_decay, maximize):
    for i, p in enumerate(params):
        d = _grad(grads[i], p, weight_decay, maximize)
        square_avgs[i][...] = square_avgs[i] * rho + (1 - rho) * d * d
        delta = np.sqrt(acc_deltas[i] + eps) / np.sqrt(square_avgs[i] + eps) * d
        acc_deltas[i][...] = acc_deltas[i] * rho + (1 - rho) * delta * delta
        p += -lr * delta
