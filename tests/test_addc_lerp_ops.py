"""addcmul, addcdiv and lerp_ (the fused pointwise ops optimizers are written with): values by
hand and against PyTorch, in place, and their gradients."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck

A, B, C = [1.0, 2.0, -3.0], [0.5, -1.0, 2.0], [4.0, 0.5, -2.0]


def t(values, **kw):
    return ember.tensor(values, dtype=ember.float64, **kw)


def test_addcmul_and_addcdiv_by_hand():
    np.testing.assert_allclose(ember.addcmul(t(A), t(B), t(C), value=2).numpy(), [5.0, 1.0, -11.0])
    np.testing.assert_allclose(t(A).addcdiv(t(B), t(C), value=-1).numpy(), [0.875, 4.0, -2.0])


def test_in_place_forms_write_into_self_and_return_it():
    x = t(A)
    assert x.addcmul_(t(B), t(C)) is x
    np.testing.assert_allclose(x.numpy(), [3.0, 1.5, -7.0])
    y = t(A)
    y.addcdiv_(t(B), t(C), value=0.5)
    np.testing.assert_allclose(y.numpy(), [1.0625, 1.0, -3.5])
    z = t(A)
    assert z.lerp_(t(C), 0.25) is z
    np.testing.assert_allclose(z.numpy(), [1.75, 1.625, -2.75])


def test_in_place_on_a_leaf_that_requires_grad_is_refused():
    x = t(A, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        x.addcmul_(t(B), t(C))


def test_gradients():
    a, b, c = (t(v, requires_grad=True) for v in (A, B, C))
    assert gradcheck(lambda a, b, c: ember.addcmul(a, b, c, value=0.3), (a, b, c))
    assert gradcheck(lambda a, b, c: ember.addcdiv(a, b, c, value=-2), (a, b, c))
    assert gradcheck(lambda a, c: a.clone().lerp_(c, 0.3), (a, c))


def test_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y, z = (rng.standard_normal((3, 4)).astype(np.float32) for _ in range(3))
    z = np.abs(z) + 0.5
    for mod_out in (lambda m: m.tensor(x).addcmul_(m.tensor(y), m.tensor(z), value=-0.7),
                    lambda m: m.tensor(x).addcdiv_(m.tensor(y), m.tensor(z), value=0.3),
                    lambda m: m.tensor(x).lerp_(m.tensor(y), 0.1),
                    lambda m: m.addcdiv(m.tensor(x), m.tensor(y), m.tensor(z)[0])):
        np.testing.assert_allclose(mod_out(ember).numpy(), mod_out(torch).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addc_gradients_over_an_empty_result_are_zero(name):
    # found by the 10-example fuzz run: the 0-d operands' gradients were summed over the empty
    # result first and then divided by the 0-d zero, giving 0/0 = NaN; PyTorch gives 0
    a = ember.zeros(0, dtype=ember.float64, requires_grad=True)
    b = ember.zeros((), dtype=ember.float64, requires_grad=True)
    c = ember.zeros((), dtype=ember.float64, requires_grad=True)
    out = getattr(a, name)(b, c, value=0.5)
    gb, gc = ember.autograd.grad([out], [b, c], [ember.zeros(0, dtype=ember.float64)])
    assert gb.item() == 0.0 and gc.item() == 0.0
