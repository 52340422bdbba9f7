"""Normalization layers of ember.nn.functional, composed of ember ops (autograd comes free). Each
normalizes with (x - mean) * rsqrt(var + eps) and then applies the optional affine parameters."""
from ... import _dtype
from ...autograd import grad_mode


def _normalize(x, mean, var, eps):
    return (x - mean) * (var + eps).rsqrt()


def _affine(y, weight, bias, shape):
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    channels = input.shape[1] if input.dim() > 1 else input.shape[0]
    shape = [1, channels] + [1] * (input.dim() - 2)
    dims = [0] + list(range(2, input.dim()))
    if training or running_mean is None:
        count = input.numel() // channels
        if training and count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.size()}")
        mean = input.mean(dims)
        var = input.var(dims, correction=0)
        if training and running_mean is not None:
            with grad_mode.no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
                running_var.mul_(1 - momentum).add_(var.detach() * (momentum * count / (count - 1)))
    else:
        mean, var = running_mean, running_var
    return _affine(_normalize(input, mean.reshape(shape), var.reshape(shape), eps), weight, bias, shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    shape = [1, input.shape[1]] + [1] * (input.dim() - 2)
    dims = list(range(2, input.dim()))
    if use_input_stats:
        mean = input.mean(dims, keepdim=True)
        var = input.var(dims, correction=0, keepdim=True)
        if running_mean is not None:
            count = input[0, 0].numel()
            with grad_mode.no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach().mean(0).reshape(-1) * momentum)
                running_var.mul_(1 - momentum).add_(var.detach().mean(0).reshape(-1) * (momentum * count /
                                                                                         (count - 1)))
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    return _affine(_normalize(input, mean, var, eps), weight, bias, shape)


def _check_normalized_shape(input, normalized_shape):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.dim() - len(shape):]) != shape or len(shape) > input.dim():
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    return shape, list(range(input.dim() - len(shape), input.dim()))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    shape, dims = _check_normalized_shape(input, normalized_shape)
    mean = input.mean(dims, keepdim=True)
    var = input.var(dims, correction=0, keepdim=True)
    return _affine(_normalize(input, mean, var, eps), weight, bias, shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    shape, dims = _check_normalized_shape(input, normalized_shape)
    if eps is None:
        eps = 2.220446049250313e-16 if input.dtype is _dtype.float64 else 1.1920928955078125e-07
    y = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return _affine(y, weight, None, shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    x = input.reshape(n, num_groups, -1)
    y = _normalize(x, x.mean(-1, keepdim=True), x.var(-1, correction=0, keepdim=True), eps).reshape(input.shape)
    return _affine(y, weight, bias, [1, c] + [1] * (input.dim() - 2))


__all__ = ["batch_norm", "instance_norm", "layer_norm", "rms_norm", "group_norm"]
