"""Elementwise ops against PyTorch: unary functions, binary arithmetic and comparisons between
tensors of any two dtypes or a tensor and a Python number (type promotion), where and clamp."""
import pytest
from fuzzing import ALL, FLOAT, INT, NUMERIC, check, fuzz, inputs, ns, scalar, st
from hypothesis import given

# name -> dtypes PyTorch accepts for it (floats only where ints would promote the same way anyway)
UNARY = {
    "neg": NUMERIC, "abs": NUMERIC, "sign": NUMERIC, "exp": FLOAT, "log": FLOAT, "log1p": FLOAT, "expm1": FLOAT,
    "log2": FLOAT, "log10": FLOAT, "sqrt": FLOAT, "rsqrt": FLOAT, "sin": FLOAT, "cos": FLOAT, "tan": FLOAT,
    "tanh": FLOAT, "sigmoid": FLOAT, "relu": NUMERIC, "floor": NUMERIC, "ceil": NUMERIC, "trunc": NUMERIC,
    "round": FLOAT, "reciprocal": FLOAT, "erf": FLOAT, "asin": FLOAT, "acos": FLOAT, "atan": FLOAT, "sinh": FLOAT,
    "cosh": FLOAT, "square": NUMERIC, "frac": FLOAT, "isnan": ALL, "isinf": ALL, "isfinite": ALL, "isposinf": NUMERIC,
    "isneginf": NUMERIC, "logical_not": ALL, "bitwise_not": INT + ("bool",),
}
# Integer inputs of these ops promote to float in PyTorch: checked separately on small ints.
INT_TO_FLOAT = ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "reciprocal", "erf", "atan"]


@pytest.mark.parametrize("name", sorted(UNARY))
@fuzz
@given(data=st.data())
def test_unary(name, data):
    (x,) = inputs(data, 1, UNARY[name])
    check(lambda a: getattr(a, name)(), x)


@pytest.mark.parametrize("name", INT_TO_FLOAT)
@fuzz
@given(data=st.data())
def test_unary_int_promotes_to_float(name, data):
    (x,) = inputs(data, 1, INT + ("bool",), values="small")
    check(lambda a: getattr(a, name)(), x)


@pytest.mark.parametrize("name", ["neg", "abs", "exp", "sqrt", "sin", "tanh", "sigmoid", "relu", "floor", "round"])
@fuzz
@given(data=st.data())
def test_unary_inplace(name, data):
    (x,) = inputs(data, 1, FLOAT, grad=False)
    check(lambda a: getattr(a.clone(), name + "_")(), x)


ARITH = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "remainder", "floor_divide"]
COMPARE = ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"]
BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor"]
DTYPES = {**{n: NUMERIC for n in ARITH}, **{n: ALL for n in COMPARE}, **{n: INT + ("bool",) for n in BITWISE},
          "atan2": FLOAT, "pow": FLOAT + ("int64",)}
# int operands stay small where the op could overflow (UB in C++, wrap-around in PyTorch)
VALUES = {n: "small" for n in ("add", "sub", "mul", "pow", "div")}
# floor_divide and remainder: no subnormal divisors (docs/known_differences.md) and no autograd
VALUES.update(remainder="special", floor_divide="special")
NO_GRAD = ("remainder", "floor_divide")


def _binary(name):
    return lambda a, b: getattr(ns(a), name)(a, b)


@pytest.mark.parametrize("name", ARITH + COMPARE + BITWISE)
@fuzz
@given(data=st.data())
def test_binary_tensors(name, data):
    x, y = inputs(data, 2, DTYPES[name], values=VALUES.get(name, "any"), grad=name not in NO_GRAD)
    check(_binary(name), x, y)


@pytest.mark.parametrize("name", ARITH + COMPARE)
@fuzz
@given(data=st.data())
def test_binary_tensor_and_scalar(name, data):
    (x,) = inputs(data, 1, DTYPES[name], values=VALUES.get(name, "any"), grad=name not in NO_GRAD)
    check(_binary(name), x, extra=(scalar(data),))


OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
             "**": lambda a, b: a ** b, "//": lambda a, b: a // b, "%": lambda a, b: a % b,
             "==": lambda a, b: a == b, "<": lambda a, b: a < b, "&": lambda a, b: a & b}


@pytest.mark.parametrize("op", sorted(OPERATORS))
@fuzz
@given(data=st.data())
def test_operators_with_reflected_scalars(op, data):
    (x,) = inputs(data, 1, NUMERIC + ("bool",) if op in ("==", "<", "&") else NUMERIC, values="small",
                  grad=op not in ("//", "%"))
    s = scalar(data, ("int", "bool") if op == "&" else ("bool", "int", "float"))
    f = OPERATORS[op]
    check(lambda a, v: (f(a, v), f(v, a)), x, extra=(s,))


@pytest.mark.parametrize("name", ["add_", "sub_", "mul_", "div_", "pow_"])
@fuzz
@given(data=st.data())
def test_binary_inplace(name, data):
    x, y = inputs(data, 2, NUMERIC, values="small", grad=False)
    check(lambda a, b: getattr(a.clone(), name)(b), x, y)


@fuzz
@given(data=st.data())
def test_where(data):
    c, x, y = inputs(data, 3, ALL)
    check(lambda m, a, b: ns(a).where(m.bool(), a, b), c, x, y)


@fuzz
@given(data=st.data())
def test_where_with_scalars(data):
    c, x = inputs(data, 2, ALL)
    s = scalar(data)
    check(lambda m, a, v: (ns(a).where(m.bool(), a, v), ns(a).where(m.bool(), v, a)), c, x, extra=(s,))


@fuzz
@given(data=st.data())
def test_clamp_scalars(data):
    (x,) = inputs(data, 1, NUMERIC)
    lo = data.draw(st.one_of(st.none(), st.integers(-5, 5), st.floats(-5, 5)), label="min")
    hi = data.draw(st.one_of(st.none(), st.integers(-5, 5), st.floats(-5, 5)), label="max")
    check(lambda a, lo, hi: a.clamp(lo, hi), x, extra=(lo, hi))


@fuzz
@given(data=st.data())
def test_clamp_tensors(data):
    x, lo, hi = inputs(data, 3, FLOAT, same_dtype=True)
    check(lambda a, lo, hi: a.clamp(lo, hi), x, lo, hi)


@fuzz
@given(data=st.data())
def test_lerp_addcmul_addcdiv(data):
    x, y, z = inputs(data, 3, FLOAT, values="special", same_dtype=True)
    w = data.draw(st.floats(-2, 2), label="weight")
    check(lambda a, b, c: (a.lerp(b, w), a.addcmul(b, c, value=w), a.addcdiv(b, c, value=w)), x, y, z)


@fuzz
@given(data=st.data())
def test_type_conversions(data):
    (x,) = inputs(data, 1, ALL, values="small")
    check(lambda a: (a.float(), a.double(), a.long(), a.int(), a.bool(), a.byte()), x)
