"""Matrix products. Gradients are products with the other operand; the engine sums any
broadcast batch dims back to each input's shape."""
import math

from .. import _C
from .._tensor import wrap
from ..autograd.function import Function
from .graph import builds_graph
from .reduction import SUM


def _matmul_grads(ctx, g, a, b):
    """Gradients of a @ b for any ranks (1-D operands get a temporary unit dim)."""
    need_a, need_b = ctx.needs_input_grad[:2]
    a2 = a.unsqueeze(0) if a.dim() == 1 else a
    b2 = b.unsqueeze(-1) if b.dim() == 1 else b
    g2 = g
    if a.dim() == 1:
        g2 = g2.unsqueeze(-2)
    if b.dim() == 1:
        g2 = g2.unsqueeze(-1)
    ga = gb = None
    if need_a:
        ga = g2 @ b2.transpose(-1, -2)
        if a.dim() == 1:
            ga = ga.squeeze(-2)
        ga = ga.sum_to_size(a.shape)
    if need_b:
        gb = a2.transpose(-1, -2) @ g2
        if b.dim() == 1:
            gb = gb.squeeze(-1)
        gb = gb.sum_to_size(b.shape)
    return ga, gb


class Matmul(Function):
    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return wrap(_C.matmul(a._c, b._c))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _matmul_grads(ctx, g, a, b)


class Mm(Matmul):
    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return wrap(_C.mm(a._c, b._c))


class Bmm(Matmul):
    node_name = "BmmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return wrap(_C.bmm(a._c, b._c))


class Mv(Matmul):
    node_name = "MvBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return wrap(_C.mv(a._c, b._c))


class Dot(Matmul):
    node_name = "DotBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return wrap(_C.dot(a._c, b._c))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


class Linear(Function):
    """x @ w.T + b as one GEMM whose C starts as the bias. PyTorch's graph for it is addmm(b, x, w.t()),
    so the node lists the bias first (its TBackward0 between node and weight is folded in here)."""

    node_name = "AddmmBackward0"
    graph_inputs = (2, 0, 1)

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        return wrap(_C.linear(x._c, w._c, b._c if b is not None else None))

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        if w.dim() == 1:
            gx = g.unsqueeze(-1) * w if need_x else None
            gw = (g.unsqueeze(-1) * x).reshape(-1, w.shape[0]).sum(0) if need_w else None
            return gx, gw, (g.sum() if need_b else None)
        if x.dim() == 2 and not builds_graph(g, x, w):  # the usual layer: straight to the kernels
            gc = g._c
            return (wrap(_C.mm(gc, w._c)) if need_x else None,
                    wrap(_C.mm(_C.transpose(gc, 0, 1), x._c)) if need_w else None,
                    wrap(_C.reduce(SUM, gc, [0], False, -1)) if need_b else None)
        rows = math.prod(g.shape[:-1])  # not -1: ambiguous when a feature dim is 0
        g2 = g.reshape(rows, w.shape[0])
        gx = (g2 @ w).reshape(x.shape) if need_x else None
        gw = g2.t() @ x.reshape(rows, w.shape[1]) if need_w else None
        gb = g2.sum(0) if need_b else None
        return gx, gw, gb


class LinearNoBias(Linear):
    """x @ w.T, PyTorch's mm(x, w.t())."""

    node_name = "MmBackward0"
    graph_inputs = slice(0, 2)


class Addmm(Function):
    node_name = "AddmmBackward0"
    graph_inputs = slice(0, 3)

    @staticmethod
    def forward(ctx, c, a, b, beta, alpha):
        ctx.save_for_backward(a, b)
        ctx.coef = (beta, alpha)
        return wrap(_C.addmm(c._c, a._c, b._c, beta, alpha))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        beta, alpha = ctx.coef
        need_c, need_a, need_b = ctx.needs_input_grad[:3]
        return ((g * beta) if need_c else None, (g @ b.t() * alpha) if need_a else None,
                (a.t() @ g * alpha) if need_b else None, None, None)
