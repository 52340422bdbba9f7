"""Activation functions of ember.nn.functional. Elementwise ones call the fused unary kernels
(`_ops._unary`); `inplace=True` writes the result into the input."""
import warnings

from ... import _ops
from ..._functions.activation import Hardtanh


def _apply(fn, input, inplace):
    """fn(input), written into input when inplace. Under autograd fn runs on a copy, so the
    Function it records saves that copy rather than the memory about to be overwritten."""
    if not inplace:
        return fn(input)
    if _ops._tracked(input):
        _ops._check_leaf(input)
        return _ops._rebase_inplace(input, fn)
    return input.copy_(fn(input))


def relu(input, inplace=False):
    return input.relu_() if inplace else _ops._unary("relu", input)


def relu_(input):
    return input.relu_()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _apply(lambda x: _ops._unary("leaky_relu", x, float(negative_slope)), input, inplace)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def elu(input, alpha=1.0, inplace=False):
    return _apply(lambda x: _ops._unary("elu", x, float(alpha)), input, inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    return _apply(lambda x: _ops._unary("elu", x, _SELU_ALPHA) * _SELU_SCALE, input, inplace)


def celu(input, alpha=1.0, inplace=False):
    return _apply(lambda x: _ops._unary("elu", x / alpha, 1.0) * alpha, input, inplace)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _ops._unary("gelu" if approximate == "none" else "gelu_tanh", input)


def silu(input, inplace=False):
    return _apply(lambda x: _ops._unary("silu", x), input, inplace)


def mish(input, inplace=False):
    return _apply(lambda x: x * softplus(x).tanh(), input, inplace)


def sigmoid(input):
    return _ops._unary("sigmoid", input)


def tanh(input):
    return _ops._unary("tanh", input)


def softplus(input, beta=1.0, threshold=20.0):
    return _ops._unary("softplus", input, float(beta), float(threshold))


def logsigmoid(input):
    return -softplus(-input)


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(lambda x: Hardtanh.apply(x, min_val, max_val), input, inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):
    return _apply(lambda x: Hardtanh.apply(x / 6 + 0.5, 0.0, 1.0), input, inplace)


def hardswish(input, inplace=False):
    return _apply(lambda x: x * Hardtanh.apply(x / 6 + 0.5, 0.0, 1.0), input, inplace)


def threshold(input, threshold, value, inplace=False):
    return _apply(lambda x: x.where(x > threshold, value), input, inplace)


def hardshrink(input, lambd=0.5):
    return input * (input.abs() > lambd)


def softshrink(input, lambd=0.5):
    return (input - input.sign() * lambd) * (input.abs() > lambd)


def prelu(input, weight):
    w = weight.reshape(-1, *([1] * (input.dim() - 2))) if input.dim() >= 2 and weight.numel() > 1 else weight
    return input.where(input > 0, input * w)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.dim()} is size "
                           f"{input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  "an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return _ops.softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    return _ops.softmax(-input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _ops.log_softmax(input, dim, dtype=dtype)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    gumbels = -logits.new_empty(logits.shape).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = logits.new_zeros(logits.shape).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


__all__ = ["relu", "relu_", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu", "silu", "mish",
           "sigmoid", "tanh", "softplus", "logsigmoid", "softsign", "tanhshrink", "hardtanh", "hardtanh_", "relu6",
           "hardsigmoid", "hardswish", "threshold", "hardshrink", "softshrink", "prelu", "glu", "softmax", "softmin",
           "log_softmax", "gumbel_softmax"]
