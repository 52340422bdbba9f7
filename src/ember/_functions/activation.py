"""Activations whose gradient is not one of the fused unary kernels' (see elementwise.UNARY)."""
from ..autograd.function import Function


class Hardtanh(Function):
    """clamp with PyTorch's hardtanh gradient: zero at the bounds too (clamp passes it there)."""

    node_name = "HardtanhBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.save_for_backward(x)
        ctx.bounds = (min_val, max_val)
        return x.clamp(min_val, max_val)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        return g * ((x > lo) & (x < hi)), None, None
