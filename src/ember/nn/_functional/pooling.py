"""Pooling of ember.nn.functional: PyTorch's argument checks (the kernels work out output sizes,
ceil_mode included, and reject too small ones), then the Functions of _functions/pooling.py; 1-D
pooling is 2-D pooling with height 1."""
from ... import _ops
from ..._functions.pooling import AdaptiveAvgPool2D, AvgPool2D, MaxPool2DWithIndices, adaptive_bounds
from ..modules.utils import _pair, _single


def _pool_geometry(input, kernel_size, stride, padding, dilation):
    """Checked (kernel, stride, padding, dilation) pairs."""
    if input._c.ndim not in (3, 4) or input._c.numel() == 0:
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _pair(stride)
    padding, dilation = _pair(padding), _pair(dilation)
    if 0 in stride:
        raise RuntimeError("stride should not be zero")
    for k, p, d in zip(kernel, padding, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} "
                               f"and dilation={d}")
    return kernel, stride, padding, dilation  # the kernels check the output size, with PyTorch's message


def _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    geometry = _pool_geometry(input, kernel_size, stride, padding, dilation)
    return MaxPool2DWithIndices.apply(input, *geometry, ceil_mode, return_indices)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    """(output, indices) whatever return_indices says, as in PyTorch."""
    return _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _as_1d(args):
    """1-D pooling arguments as 2-D ones over a height-1 input."""
    return [(1,) + _single(a) if a is not None else None for a in args]


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    kernel, stride, dilation = _as_1d((kernel_size, stride, dilation))
    out = _max_pool2d(input.unsqueeze(-2), kernel, stride, (0,) + _single(padding), dilation, ceil_mode,
                      return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    kernel, stride, padding, _ = _pool_geometry(input, kernel_size, stride, padding, 1)
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    return AvgPool2D.apply(input, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    kernel, stride = _as_1d((kernel_size, stride))
    return avg_pool2d(input.unsqueeze(-2), kernel, stride, (0,) + _single(padding), ceil_mode,
                      count_include_pad).squeeze(-2)


def _adaptive_size(name, input, output_size, nd):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    sizes = _pair(output_size) if nd == 2 else _single(output_size)
    return tuple(n if o is None else o for n, o in zip(input.shape[-nd:], sizes))


def adaptive_avg_pool2d(input, output_size):
    return AdaptiveAvgPool2D.apply(input, _adaptive_size("adaptive_avg_pool2d", input, output_size, 2))


def adaptive_avg_pool1d(input, output_size):
    out = _adaptive_size("adaptive_avg_pool1d", input, output_size, 1)
    return AdaptiveAvgPool2D.apply(input.unsqueeze(-2), (1,) + out).squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Composed from per-cell maxima (small output sizes, as in global pooling, are the common case)."""
    if return_indices:
        raise NotImplementedError("adaptive_max_pool2d(return_indices=True) is not supported by ember yet")
    oh, ow = _adaptive_size("adaptive_max_pool2d", input, output_size, 2)
    rows = [_ops.stack([input[..., h0:h1, w0:w1].amax((-2, -1)) for w0, w1 in adaptive_bounds(input.shape[-1], ow)],
                       -1) for h0, h1 in adaptive_bounds(input.shape[-2], oh)]
    return _ops.stack(rows, -2)


__all__ = ["max_pool1d", "max_pool2d", "max_pool2d_with_indices", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool2d"]
