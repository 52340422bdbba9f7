"""Convolutions and unfold/fold of ember.nn.functional: argument checks with PyTorch's messages,
then the Functions of _functions/conv.py on 2-D geometry (1-D is 2-D with height 1)."""
import warnings

from ..._functions.conv import Col2Im, Convolution, ConvTranspose, Im2Col, out_size
from ..modules.utils import _pair, _single
from . import scalar_type_name
from .vision import pad as _pad


def _check_positive(stride, padding, dilation):
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(padding, default=0) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(dilation) <= 0:
        raise RuntimeError("dilation should be greater than zero")


def _check_conv(name, nd, x, weight, bias, groups, transposed=False):
    xs, ws = x._c.shape, weight._c.shape
    if len(xs) not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of "
                           f"size: {list(xs)}")
    if len(ws) != nd + 2:
        raise RuntimeError("weight should have at least three dimensions" if len(ws) < 3 else
                           f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input, but got "
                           f"{len(ws)}-dimensional weight of size {list(ws)} instead")
    if x._c.dtype_code != weight._c.dtype_code:
        raise RuntimeError(f"expected scalar type {scalar_type_name(x)} but found {scalar_type_name(weight)}")
    channels = xs[-nd - 1]
    expected = ws[0] if transposed else ws[1] * groups
    if channels != expected:
        shape = list(xs) if len(xs) == nd + 2 else [1] + list(xs)
        raise RuntimeError(f"Given {'transposed=1, ' if transposed else ''}groups={groups}, weight of size "
                           f"{list(ws)}, expected input{shape} to have {expected} channels, but got "
                           f"{channels} channels instead")
    out_channels = ws[1] * groups if transposed else ws[0]
    if bias is not None and bias._c.shape != (out_channels,):
        raise RuntimeError(f"Given weight of size {list(ws)}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {list(bias.shape)} instead")


def _string_padding(x, padding, kernel, dilation, stride):
    """(input, numeric padding) for padding='valid'/'same'; uneven 'same' pads the input first."""
    if padding == "valid":
        return x, (0,) * len(kernel)
    if padding != "same":
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if any(t % 2 for t in totals):
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded copy "
                      "of the input be created", stacklevel=3)
        extra = []
        for t in reversed(totals):
            extra += [0, t % 2]
        x = _pad(x, extra)
    return x, tuple(t // 2 for t in totals)


def _conv(name, nd, input, weight, bias, stride, padding, dilation, groups):
    _check_conv(name, nd, input, weight, bias, groups)
    tuple_n = _pair if nd == 2 else _single
    stride, dilation = tuple_n(stride), tuple_n(dilation)
    for arg, value in (("stride", stride), ("dilation", dilation)):
        if len(value) != nd:
            raise RuntimeError(f"expected {arg} to be a single integer value or a list of {nd} values to match the "
                               f"convolution dimensions, but got {arg}={list(value)}")
    batched = input._c.ndim == nd + 2
    x = input if batched else input.unsqueeze(0)
    if isinstance(padding, str):
        x, padding = _string_padding(x, padding, weight.shape[2:], dilation, stride)
    padding = tuple_n(padding)
    _check_positive(stride, padding, dilation)
    padded = [n + 2 * p for n, p in zip(x._c.shape[2:], padding)]
    dilated = [d * (k - 1) + 1 for k, d in zip(weight._c.shape[2:], dilation)]
    if padded[0] < dilated[0] or padded[-1] < dilated[-1]:
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, dilated))}). Kernel size can't be greater than actual input size")
    if nd == 1:  # the 2-D Function sees height 1
        stride, padding, dilation = (1,) + stride, (0,) + padding, (1,) + dilation
    y = Convolution.apply(x, weight, bias, stride, padding, dilation, groups)
    return y if batched else y.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    _check_conv("conv_transpose2d", 2, input, weight, bias, groups, transposed=True)
    stride, padding, output_padding, dilation = _pair(stride), _pair(padding), _pair(output_padding), _pair(dilation)
    _check_positive(stride, padding, dilation)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_height: {output_padding[0]} output_padding_width: {output_padding[1]} "
                           f"stride_height: {stride[0]} stride_width: {stride[1]} dilation_height: {dilation[0]} "
                           f"dilation_width: {dilation[1]}")
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    y = ConvTranspose.apply(x, weight, bias, stride, padding, output_padding, groups, dilation)
    return y if batched else y.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    one = _single
    args = [(1,) + one(a) for a in (stride, padding, output_padding, dilation)]
    args[1], args[2] = (0,) + args[1][1:], (0,) + args[2][1:]
    y = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, args[0], args[1], args[2], groups, args[3])
    return y.squeeze(-2)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks: (N, C, H, W) -> (N, C*kh*kw, L)."""
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    kernel, dilation, padding, stride = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    out_hw = tuple(out_size(n, k, s, p, d) for n, k, s, p, d in zip(x.shape[-2:], kernel, stride, padding, dilation))
    y = Im2Col.apply(x, kernel, dilation, padding, stride, out_hw)
    return y if batched else y.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Inverse of unfold (overlaps are summed): (N, C*kh*kw, L) -> (N, C, H, W)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got "
                           f"{input.dim()}D)")
    output_size, kernel, dilation, padding, stride = (_pair(output_size), _pair(kernel_size), _pair(dilation),
                                                      _pair(padding), _pair(stride))
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    out_hw = tuple(out_size(n, k, s, p, d) for n, k, s, p, d in zip(output_size, kernel, stride, padding, dilation))
    if x.shape[-1] != out_hw[0] * out_hw[1] or x.shape[1] % (kernel[0] * kernel[1]):
        raise RuntimeError(f"Given output_size={output_size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {out_hw[0]} * {out_hw[1]} = {out_hw[0] * out_hw[1]}, "
                           f"but got input.size(2)={x.shape[-1]}.")
    y = Col2Im.apply(x, output_size, kernel, dilation, padding, stride, out_hw)
    return y if batched else y.squeeze(0)


__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]
