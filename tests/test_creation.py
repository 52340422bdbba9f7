"""Creation, dtype inference, NumPy interop and printing of the basic tutorial tensors."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch") if False else None


def test_dtype_inference_matches_pytorch_rules():
    assert ember.tensor([1, 2]).dtype is ember.int64
    assert ember.tensor([1.0, 2]).dtype is ember.float32
    assert ember.tensor([True]).dtype is ember.bool
    assert ember.tensor(np.array([1.0])).dtype is ember.float64
    assert ember.tensor(3).shape == ()
    assert ember.zeros(2, 3).shape == (2, 3) and ember.zeros((2, 3)).shape == (2, 3)


def test_numpy_round_trip_shares_memory():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ember.from_numpy(a)
    a[0, 0] = 100
    assert t[0, 0].item() == 100
    n = t.numpy()
    n[1, 2] = -5
    assert a[1, 2] == -5
    assert ember.as_tensor(a).data_ptr() == t.data_ptr()


def test_ranges_and_filled():
    np.testing.assert_array_equal(ember.arange(5).numpy(), np.arange(5))
    np.testing.assert_allclose(ember.arange(0, 1, 0.25).numpy(), np.arange(0, 1, 0.25))
    np.testing.assert_allclose(ember.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5), rtol=1e-6)
    np.testing.assert_array_equal(ember.eye(3, 2).numpy(), np.eye(3, 2))
    assert ember.full((2, 2), 7).dtype is ember.int64
    assert ember.ones_like(ember.zeros(2, dtype=ember.float64)).dtype is ember.float64


def test_random_is_seeded_and_well_distributed():
    ember.manual_seed(1)
    a = ember.randn(10000)
    ember.manual_seed(1)
    b = ember.randn(10000)
    assert ember.equal(a, b)
    assert abs(a.mean().item()) < 0.05 and abs(a.std().item() - 1) < 0.05
    u = ember.rand(10000)
    assert 0 <= u.min().item() and u.max().item() < 1
    r = ember.randint(0, 10, (1000,))
    assert r.dtype is ember.int64 and r.min().item() >= 0 and r.max().item() < 10
    p = ember.randperm(10)
    assert sorted(p.tolist()) == list(range(10))


def test_legacy_constructors():
    assert ember.Tensor(2, 3).shape == (2, 3)
    assert ember.Tensor([1, 2]).dtype is ember.float32
    assert ember.FloatTensor([1, 2]).dtype is ember.float32
    assert ember.LongTensor([1, 2]).dtype is ember.int64
    assert ember.ByteTensor([1, 2]).dtype is ember.uint8
    assert isinstance(ember.FloatTensor([1.0]), ember.FloatTensor)
    t = ember.tensor([1, 2])
    assert t.type() == "torch.LongTensor"
    assert t.type(ember.FloatTensor).dtype is ember.float32


def test_repr_basics():
    assert repr(ember.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ember.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(ember.tensor([1, 2], dtype=ember.int32)) == "tensor([1, 2], dtype=torch.int32)"
    assert repr((ember.ones(2, requires_grad=True) * 2).sum()) == "tensor(4., grad_fn=<SumBackward0>)"
    assert repr(ember.zeros(2, 3).shape) == "torch.Size([2, 3])"


def test_negative_size_is_an_error():
    with pytest.raises(RuntimeError, match="negative dimension"):
        ember.empty(-1)


def test_numpy_scalars_keep_their_dtype():
    assert ember.as_tensor(np.int32(1)).dtype is ember.int32
    assert ember.tensor(np.float64(1.5)).dtype is ember.float64
    assert ember.tensor(1.5).dtype is ember.float32
