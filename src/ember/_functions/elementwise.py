"""Elementwise ops: arithmetic with broadcasting and type promotion, and the unary math functions."""
import math

from .. import _C
from .._tensor import Tensor, scalar_kind, wrap
from ..autograd.function import Function
from .graph import builds_graph

U = {}
for _i, _name in enumerate(_C.unary_op_names):
    U.setdefault(_name, _i)  # the first of a repeated name: "gelu" is the exact one
B = {name: i for i, name in enumerate(_C.binary_op_names)}
# Two "gelu" names: the tanh approximation is the second.
U["gelu_tanh"] = len(_C.unary_op_names) - 1 - _C.unary_op_names[::-1].index("gelu")


def binary_impl(op, a, b):
    """The raw result of `a op b` where either side may be a Python number."""
    if isinstance(b, Tensor):
        if isinstance(a, Tensor):
            return wrap(_C.binary(op, a._c, b._c))
        return wrap(_C.binary_scalar(op, b._c, float(a), scalar_kind(a), True))
    return wrap(_C.binary_scalar(op, a._c, float(b), scalar_kind(b), False))


def unary_impl(name, x, *params):
    return wrap(_C.unary(U[name], x._c, list(params)))


def operands_to_save(a, b):
    """(tensors to save, the Python numbers among the operands): what Mul and Div keep."""
    a_t, b_t = isinstance(a, Tensor), isinstance(b, Tensor)
    return (a if a_t else None, b if b_t else None), (None if a_t else a, None if b_t else b)


def _save_operands(ctx, a, b):
    saved, ctx.args = operands_to_save(a, b)
    ctx.save_for_backward(*saved)


def _operands(ctx):
    a, b = ctx.saved_tensors
    a_scalar, b_scalar = ctx.args
    return (a if a is not None else a_scalar), (b if b is not None else b_scalar)


# `saves_operands` tells _ops._binary how to record the node without running forward (the same
# bookkeeping in C): False saves nothing, True saves operands_to_save(a, b), None means "call apply".
class Add(Function):
    node_name = "AddBackward0"
    saves_operands = False

    @staticmethod
    def forward(ctx, a, b):
        return binary_impl(B["add"], a, b)

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    node_name = "SubBackward0"
    saves_operands = False

    @staticmethod
    def forward(ctx, a, b):
        return binary_impl(B["sub"], a, b)

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    node_name = "MulBackward0"
    saves_operands = True

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        return binary_impl(B["mul"], a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = _operands(ctx)
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Function):
    node_name = "DivBackward0"
    saves_operands = True

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        return binary_impl(B["div"], a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = _operands(ctx)
        need_a, need_b = ctx.needs_input_grad
        ga = g / b if need_a else None
        gb = -g * a / (b * b) if need_b else None
        return ga, gb


class Rsub(Function):
    """other - x: the node PyTorch records for `rsub` and for `number - tensor`."""

    node_name = "RsubBackward0"

    @staticmethod
    def forward(ctx, x, other):
        return binary_impl(B["sub"], other, x)

    @staticmethod
    def backward(ctx, g):
        return (-g if ctx.needs_input_grad[0] else None), g


class RsubScalar(Rsub):
    node_name = "RsubBackward1"
    graph_inputs = slice(0, 1)


class Pow(Function):
    """tensor ** number; the subclasses below are PyTorch's nodes for the other operand kinds."""

    node_name = "PowBackward0"
    graph_inputs = slice(0, 1)
    saves_operands = None

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b)
        if isinstance(a, Tensor) and not isinstance(b, Tensor):
            return unary_impl("pow", a, float(b))
        return binary_impl(B["pow"], a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = _operands(ctx)
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            if isinstance(b, Tensor):
                ga = g * b * a ** (b - 1)
            elif b == 0:
                ga = g * 0
            else:
                ga = g * b * a ** (b - 1)
        if need_b:
            out = a ** b
            log_a = a.log() if isinstance(a, Tensor) else math.log(a) if a > 0 else float("nan")
            # d/db a^b = a^b log a, defined as 0 where a == 0 and b >= 0 (as PyTorch).
            gb = g * out * log_a
            if isinstance(a, Tensor):
                gb = gb.masked_fill((a == 0) & (b >= 0), 0.0)
            elif a == 0:
                gb = gb.masked_fill(b >= 0, 0.0)
        return ga, gb


class PowTensor(Pow):
    node_name = "PowBackward1"
    graph_inputs = None


class PowScalarBase(Pow):
    node_name = "PowBackward2"
    graph_inputs = slice(1, 2)


def pow_function(a, b):
    if not isinstance(b, Tensor):
        return Pow
    return PowTensor if isinstance(a, Tensor) else PowScalarBase


class _Extremum(Function):
    """maximum/minimum: the gradient goes to the winner, split evenly on ties; where a NaN makes
    neither lose, both get it (PyTorch's masks)."""

    op = None
    saves_operands = None

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.save_for_backward(a, b)
        return binary_impl(B[cls.op], a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        a_loses, b_loses = (a < b, a > b) if cls.op == "maximum" else (a > b, a < b)
        share = 1 - (a == b).to(g.dtype) * 0.5
        return g * share * (~a_loses).to(g.dtype), g * share * (~b_loses).to(g.dtype)


class Maximum(_Extremum):
    node_name = "MaximumBackward0"
    op = "maximum"


class Minimum(_Extremum):
    node_name = "MinimumBackward0"
    op = "minimum"


class Atan2(Function):
    node_name = "Atan2Backward0"
    saves_operands = None

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return binary_impl(B["atan2"], a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        denom = a * a + b * b
        # at the origin PyTorch's gradient is 0, not 0/0
        denom = denom.masked_fill(denom == 0, math.inf)
        return g * b / denom, -g * a / denom


class Where(Function):
    node_name = "WhereBackward0"
    graph_inputs = slice(1, 3)

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return wrap(_C.where(cond._c, a._c, b._c))

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = g.new_zeros(())
        need = ctx.needs_input_grad
        return None, (g.where(cond, zero) if need[1] else None), (zero.where(cond, g) if need[2] else None)


# ---- unary ---------------------------------------------------------------------------------
# Each entry: (C op name, node name, gradient from (grad, input x, output y, params)).
def _relu_grad(g, x, y, p):
    return g * (y > 0) if builds_graph(g) else wrap(_C.binary(B["threshold_backward"], g._c, y._c))


def _sigmoid_grad(g, x, y, p):
    return g * y * (1 - y) if builds_graph(g, y) else wrap(_C.binary(B["sigmoid_backward"], g._c, y._c))


def _tanh_grad(g, x, y, p):
    return wrap(_C.binary(B["tanh_backward"], g._c, y._c)) if not (g.requires_grad or y.requires_grad) else g * (1 - y * y)


def _softplus_grad(g, x, y, p):
    beta, threshold = p
    z = (x * beta).exp()
    return (g * z / (z + 1)).where(x * beta <= threshold, g)


def _gelu_grad(g, x, y, p):
    cdf = (x * 0.7071067811865476).erf() * 0.5 + 0.5
    pdf = (x * x * -0.5).exp() * 0.3989422804014327
    return g * (cdf + x * pdf)


def _gelu_tanh_grad(g, x, y, p):
    k = 0.7978845608028654
    inner = (x + x * x * x * 0.044715) * k
    t = inner.tanh()
    d_inner = (1 + x * x * 0.134145) * k
    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner)


def _silu_grad(g, x, y, p):
    s = x.sigmoid()
    return g * s * (1 + x * (1 - s))


def _clamp_grad(g, x, y, p):
    lo, hi, has_lo, has_hi = p
    keep = x == x  # all True for finite x
    if has_lo:
        keep = keep & (x >= lo)
    if has_hi:
        keep = keep & (x <= hi)
    return g * keep


UNARY = {
    "neg": ("NegBackward0", lambda g, x, y, p: -g),
    "abs": ("AbsBackward0", lambda g, x, y, p: g * x.sign()),
    "sign": ("SignBackward0", lambda g, x, y, p: g * 0),
    "exp": ("ExpBackward0", lambda g, x, y, p: g * y),
    "log": ("LogBackward0", lambda g, x, y, p: g / x),
    "log1p": ("Log1PBackward0", lambda g, x, y, p: g / (x + 1)),
    "expm1": ("Expm1Backward0", lambda g, x, y, p: g * (y + 1)),
    "log2": ("Log2Backward0", lambda g, x, y, p: g / (x * math.log(2.0))),
    "log10": ("Log10Backward0", lambda g, x, y, p: g / (x * math.log(10.0))),
    "sqrt": ("SqrtBackward0", lambda g, x, y, p: g / (y * 2)),
    "rsqrt": ("RsqrtBackward0", lambda g, x, y, p: g * y * y * y * -0.5),
    "sin": ("SinBackward0", lambda g, x, y, p: g * x.cos()),
    "cos": ("CosBackward0", lambda g, x, y, p: -g * x.sin()),
    "tan": ("TanBackward0", lambda g, x, y, p: g * (1 + y * y)),
    "tanh": ("TanhBackward0", _tanh_grad),
    "sigmoid": ("SigmoidBackward0", _sigmoid_grad),
    "relu": ("ReluBackward0", _relu_grad),
    "floor": ("FloorBackward0", lambda g, x, y, p: g * 0),
    "ceil": ("CeilBackward0", lambda g, x, y, p: g * 0),
    "round": ("RoundBackward0", lambda g, x, y, p: g * 0),
    "trunc": ("TruncBackward0", lambda g, x, y, p: g * 0),
    "reciprocal": ("ReciprocalBackward0", lambda g, x, y, p: -g * y * y),
    "erf": ("ErfBackward0", lambda g, x, y, p: g * (x * x * -1).exp() * (2 / math.sqrt(math.pi))),
    "asin": ("AsinBackward0", lambda g, x, y, p: g * (1 - x * x).rsqrt()),
    "acos": ("AcosBackward0", lambda g, x, y, p: -g * (1 - x * x).rsqrt()),
    "atan": ("AtanBackward0", lambda g, x, y, p: g / (1 + x * x)),
    "sinh": ("SinhBackward0", lambda g, x, y, p: g * x.cosh()),
    "cosh": ("CoshBackward0", lambda g, x, y, p: g * x.sinh()),
    "gelu": ("GeluBackward0", _gelu_grad),
    "gelu_tanh": ("GeluBackward0", _gelu_tanh_grad),
    "silu": ("SiluBackward0", _silu_grad),
    "softplus": ("SoftplusBackward0", _softplus_grad),
    "elu": ("EluBackward0", lambda g, x, y, p: g.where(x > 0, g * (y + p[0]))),
    "leaky_relu": ("LeakyReluBackward0", lambda g, x, y, p: g.where(x > 0, g * p[0])),
    "clamp": ("ClampBackward1", _clamp_grad),
}


# Ops whose gradient reads only the result y: their nodes do not keep the input alive (nor pay
# for saving it), as in PyTorch.
RESULT_ONLY = {"exp", "expm1", "sqrt", "rsqrt", "tan", "tanh", "sigmoid", "relu", "reciprocal"}


class Unary(Function):
    """Base of the generated unary Functions; `op`, `grad` and `result_only` are set per subclass."""

    op = None
    grad = None
    graph_inputs = slice(0, 1)
    result_only = False

    @classmethod
    def forward(cls, ctx, x, *params):
        y = unary_impl(cls.op, x, *params)
        ctx.save_for_backward(None if cls.result_only else x, y)
        ctx.args = params
        return y

    @classmethod
    def backward(cls, ctx, g):
        x, y = ctx.saved_tensors
        return (cls.grad(g, x, y, ctx.args),) + (None,) * len(ctx.args)


def _make_unary(op, node, grad):
    name = "".join(part.capitalize() for part in op.split("_"))
    return type(name, (Unary,), {"node_name": node, "op": op, "grad": staticmethod(grad), "result_only": op in RESULT_ONLY,
                                 "__module__": __name__})


UNARY_FUNCTIONS = {op: _make_unary(op, node, grad) for op, (node, grad) in UNARY.items()}
