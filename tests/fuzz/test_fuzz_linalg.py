"""The matmul family against PyTorch: every rank combination of matmul (with batch
broadcasting), mm/bmm/mv/dot/outer/addmm/linear, empty inner dims and mismatched shapes."""
import functools

import fuzzing
from fuzzing import FLOAT, fuzz, ns, shapes, st, tensor
from hypothesis import assume, given

# The sign of a zero sum of products is a known difference (docs/known_differences.md): PyTorch
# gives -0.0 for 0 * -x when the inner size is 1 and +0.0 otherwise; ember always +0.0.
check = functools.partial(fuzzing.check, ignore_zero_sign=True)


def _operands(data, ranks=(0, 1, 2, 3, 4)):
    """Two float tensors whose shapes usually fit matmul (inner sizes agree, batches broadcast)."""
    dtype = data.draw(st.sampled_from(FLOAT), label="dtype")
    grad = dtype == "float64" and data.draw(st.booleans(), label="requires_grad")
    ra, rb = data.draw(st.sampled_from(ranks)), data.draw(st.sampled_from(ranks))
    n, k, m = (data.draw(st.integers(0, 5), label=s) for s in "nkm")
    batch = data.draw(shapes(0, 2, 0, 3), label="batch")
    sa = (batch[len(batch) - max(ra - 2, 0):] if ra > 2 else ()) + ((n, k) if ra >= 2 else (k,) if ra == 1 else ())
    sb = (tuple(1 if data.draw(st.booleans()) else s for s in batch[len(batch) - max(rb - 2, 0):]) if rb > 2 else ()) + (
        (k, m) if rb >= 2 else (k,) if rb == 1 else ())
    if data.draw(st.integers(0, 9), label="mismatch?") == 0:
        sb = data.draw(shapes(rb, rb, 0, 4))
    return (tensor(data, sa, dtype, "moderate", grad),
            tensor(data, sb, data.draw(st.sampled_from([dtype, dtype, "float32", "float64"])), "moderate", grad))


@fuzz
@given(data=st.data())
def test_matmul(data):
    a, b = _operands(data)
    # PyTorch skips its dtype check when an operand is empty (known_differences.md); ember raises
    assume(a.e.dtype == b.e.dtype or (a.e.numel() and b.e.numel()))
    check(lambda x, y: x @ y, a, b)


@fuzz
@given(data=st.data())
def test_mm_bmm_mv_dot(data):
    a, b = _operands(data, (1, 2, 3))
    for name in ("mm", "bmm", "mv", "dot", "inner", "outer"):
        check(lambda x, y: getattr(ns(x), name)(x, y), a, b)


@fuzz
@given(data=st.data())
def test_addmm_and_linear(data):
    a, b = _operands(data, (2,))
    bias_shape = data.draw(st.sampled_from([(), (b.e.shape[-1],), (a.e.shape[0], b.e.shape[-1]), (1, 1)]), label="bias")
    c = tensor(data, bias_shape, a.array.dtype.name, "moderate", a.t_base.requires_grad)
    beta, alpha = data.draw(st.sampled_from([(1, 1), (0.5, 2.0), (0, 1)]), label="beta, alpha")
    check(lambda x, y, z: ns(x).addmm(z, x, y, beta=beta, alpha=alpha), a, b, c)
    check(lambda x, y, z: ns(x).nn.functional.linear(x, y.t(), z if z.dim() == 1 else None), a, b, c)
