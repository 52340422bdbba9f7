"""Tensor ops against NumPy and (when installed) PyTorch: broadcasting, dtypes, 0-d, empty and
non-contiguous inputs."""
import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:  # the NumPy checks still run
    torch = None


def E(a):
    return ember.tensor(a)


SHAPES = [((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (3,)), ((0, 3), (3,)), ((5,), ())]


@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow", "maximum", "minimum", "lt", "eq"])
def test_binary_broadcast_matches_numpy(sa, sb, op):
    a = np.asarray(np.random.rand(*sa) + 0.5, dtype=np.float32)
    b = np.asarray(np.random.rand(*sb) + 0.5, dtype=np.float32)
    np_fn = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.divide, "pow": np.power,
             "maximum": np.maximum, "minimum": np.minimum, "lt": np.less, "eq": np.equal}[op]
    em_fn = {"truediv": lambda x, y: x / y, "pow": lambda x, y: x ** y, "lt": lambda x, y: x < y,
             "eq": lambda x, y: x == y}.get(op, getattr(ember, op, None))
    out = em_fn(E(a), E(b))
    np.testing.assert_allclose(out.numpy(), np_fn(a, b), rtol=1e-5)
    assert out.shape == np.broadcast_shapes(sa, sb)


def test_type_promotion_rules():
    i = ember.tensor([1, 2, 3])
    f = ember.tensor([1.0, 2.0, 3.0])
    assert (i + 1).dtype is ember.int64
    assert (i + 1.5).dtype is ember.float32
    assert (i / 2).dtype is ember.float32
    assert (i / i).dtype is ember.float32
    assert (f + ember.tensor(1.0, dtype=ember.float64)).dtype is ember.float32  # 0-d does not upcast
    assert (f.double() + f).dtype is ember.float64
    assert (ember.tensor([1], dtype=ember.uint8) + ember.tensor([1], dtype=ember.int32)).dtype is ember.int32
    assert (ember.tensor([True]) + 1).dtype is ember.int64
    assert (i // 2).tolist() == [0, 1, 1]
    assert (ember.tensor([-7, 7]) % 3).tolist() == [2, 1]
    assert (ember.tensor([-7.0]) // 2).tolist() == [-4.0]


def test_integer_division_by_zero_raises_instead_of_crashing():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ember.tensor([1, 2]) // 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ember.tensor([1, 2]) % ember.tensor([1, 0])


UNARY = ["abs", "exp", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "sign",
         "floor", "ceil", "round", "neg"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_numpy(name):
    x = np.random.randn(7, 5).astype(np.float32)
    if name in ("log", "sqrt", "rsqrt", "log1p"):
        x = np.abs(x) + 0.1
    ref = {"rsqrt": lambda v: 1 / np.sqrt(v), "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
           "relu": lambda v: np.maximum(v, 0), "neg": np.negative, "round": np.round}.get(name, getattr(np, name, None))
    out = getattr(ember, name)(E(x))
    np.testing.assert_allclose(out.numpy(), ref(x), rtol=1e-5, atol=1e-6)
    # non-contiguous input
    out_t = getattr(ember, name)(E(x).t())
    np.testing.assert_allclose(out_t.numpy(), ref(x.T), rtol=1e-5, atol=1e-6)


def test_unary_on_integers_promotes_like_pytorch():
    assert ember.tensor([1, 2]).exp().dtype is ember.float32
    assert ember.tensor([-1, 2]).abs().dtype is ember.int64
    assert ember.tensor([1.5, float("nan"), float("inf")]).isnan().tolist() == [False, True, False]
    assert ember.tensor([0.5, 1.5, 2.5]).round().tolist() == [0.0, 2.0, 2.0]


def test_clamp_and_where():
    x = E([-2.0, 0.5, 3.0])
    assert x.clamp(-1, 1).tolist() == [-1.0, 0.5, 1.0]
    assert x.clamp(min=0).tolist() == [0.0, 0.5, 3.0]
    assert ember.where(x > 0, x, ember.zeros(3)).tolist() == [0.0, 0.5, 3.0]
    assert ember.where(x > 0, x, 0.0).tolist() == [0.0, 0.5, 3.0]


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_match_numpy(dim, keepdim):
    x = np.random.randn(4, 5).astype(np.float32)
    axis = dim if not isinstance(dim, list) else tuple(dim)
    t = E(x)
    if dim is None and keepdim:
        return
    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    np.testing.assert_allclose(t.sum(**kw).numpy(), x.sum(axis=axis, keepdims=keepdim), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(t.mean(**kw).numpy(), x.mean(axis=axis, keepdims=keepdim), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(t.prod(**kw).numpy(), x.prod(axis=axis, keepdims=keepdim), rtol=1e-4)
    np.testing.assert_allclose(t.var(**kw).numpy(), x.var(axis=axis, ddof=1, keepdims=keepdim), rtol=1e-4)
    np.testing.assert_allclose(t.std(**kw).numpy(), x.std(axis=axis, ddof=1, keepdims=keepdim), rtol=1e-4)
    np.testing.assert_allclose(t.amax(**({} if dim is None else kw)).numpy(), x.max(axis=axis, keepdims=keepdim))


def test_max_with_dim_returns_values_and_indices():
    x = E([[1.0, 5.0, 3.0], [7.0, 2.0, 7.0]])
    v, i = x.max(1)
    assert v.tolist() == [5.0, 7.0] and i.tolist() == [1, 0]
    assert x.max(dim=0).indices.tolist() == [1, 0, 1]
    assert x.argmax().item() == 3
    assert x.min().item() == 1.0
    assert x.argmin(dim=1, keepdim=True).shape == (2, 1)


def test_float32_sum_of_a_million_elements_is_accurate():
    x = ember.full((1_000_000,), 0.1)
    assert abs(x.sum().item() - 100000.0) < 0.05  # 6 float32 ulps at 1e5; naive summation is off by ~1000
    r = np.random.rand(1_000_003).astype(np.float32)
    assert abs(E(r).sum().item() - r.astype(np.float64).sum()) < 0.05  # 1 ulp at 5e5


def test_norms_and_cumsum():
    x = E([[3.0, -4.0], [0.0, 1.0]])
    assert abs(x.norm().item() - np.sqrt(26)) < 1e-5
    assert x.norm(p=1).item() == 8.0
    assert x.norm(p=float("inf")).item() == 4.0
    assert x.norm(p=0).item() == 3.0
    np.testing.assert_allclose(x.norm(dim=1).numpy(), [5.0, 1.0])
    assert x.cumsum(0).tolist() == [[3.0, -4.0], [3.0, -3.0]]
    assert ember.tensor([True, True]).all().item() and ember.tensor([False, True]).any().item()


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((4,), (4,)), ((2, 3, 4), (4, 5)), ((4,), (2, 4, 3)),
                                   ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (4,)), ((1, 1), (1, 1)), ((0, 3), (3, 2))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_matches_numpy(sa, sb, dtype):
    a = np.random.randn(*sa).astype(dtype)
    b = np.random.randn(*sb).astype(dtype)
    out = E(a) @ E(b)
    np.testing.assert_allclose(out.numpy(), a @ b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("n", [1, 7, 33, 64, 129, 257])
def test_gemm_odd_sizes_and_transposes(n):
    a = np.random.randn(n, n + 3).astype(np.float32)
    b = np.random.randn(n + 3, n + 1).astype(np.float32)
    np.testing.assert_allclose(ember.mm(E(a), E(b)).numpy(), a @ b, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(ember.mm(E(a.T.copy()).t(), E(b.T.copy()).t()).numpy(), a @ b, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("m,k,n", [(1, 3, 5), (3, 37, 7), (4, 256, 120), (5, 17, 9), (2, 8, 4), (3, 100, 130)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_small_batch_dot_products(m, k, n, dtype):
    """x @ w.T + b with few rows: vector dot products along k (tails of k and of the columns too)."""
    x, w, b = (np.random.randn(*s).astype(dtype) for s in ((m, k), (n, k), (n,)))
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(ember.nn.functional.linear(E(x), E(w), E(b)).numpy(), x @ w.T + b, rtol=tol, atol=tol)


def test_linalg_shapes_and_errors():
    assert ember.dot(E([1.0, 2.0]), E([3.0, 4.0])).item() == 11.0
    assert ember.mv(ember.ones(2, 3), ember.ones(3)).tolist() == [3.0, 3.0]
    assert ember.outer(E([1.0, 2.0]), E([1.0, 2.0, 3.0])).shape == (2, 3)
    assert ember.bmm(ember.ones(4, 2, 3), ember.ones(4, 3, 5)).shape == (4, 2, 5)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        ember.mm(ember.ones(2, 3), ember.ones(4, 5))
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.mm(ember.ones(2, 3), ember.ones(3, 2, dtype=ember.float64))


def test_views_share_storage_and_shape_ops():
    x = ember.arange(24).reshape(2, 3, 4)
    v = x.view(6, 4)
    v[0, 0] = 100
    assert x[0, 0, 0].item() == 100
    assert x.view(-1, 4).shape == (6, 4)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert x.transpose(0, 2).is_contiguous() is False
    assert x.transpose(0, 2).contiguous().is_contiguous()
    assert x.unsqueeze(1).shape == (2, 1, 3, 4) and x.unsqueeze(1).squeeze().shape == (2, 3, 4)
    assert ember.ones(3, 1).expand(3, 4).shape == (3, 4)
    assert ember.ones(2, 3).expand_as(ember.ones(4, 2, 3)).shape == (4, 2, 3)
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.narrow(2, 1, 2).shape == (2, 3, 2)
    np.testing.assert_array_equal(ember.tensor([[1, 2], [3, 4]]).repeat(2, 3).numpy(),
                                  np.tile([[1, 2], [3, 4]], (2, 3)))
    np.testing.assert_array_equal(x.flip(0).numpy(), np.flip(x.numpy(), 0))
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.transpose(0, 2).view(-1)
    assert x.transpose(0, 2).reshape(-1).shape == (24,)
    with pytest.raises(RuntimeError, match="invalid for input of size 24"):
        x.view(5, 5)


def test_cat_stack_split_chunk():
    a, b = ember.ones(2, 3), ember.zeros(2, 3)
    assert ember.cat([a, b]).shape == (4, 3) and ember.cat([a, b], 1).shape == (2, 6)
    assert ember.stack([a, b]).shape == (2, 2, 3) and ember.stack([a, b], dim=-1).shape == (2, 3, 2)
    parts = ember.arange(10).split(3)
    assert [p.tolist() for p in parts] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert [p.shape[0] for p in ember.arange(10).chunk(3)] == [4, 4, 2]
    assert [p.shape[0] for p in ember.arange(10).split([2, 8])] == [2, 8]
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        ember.cat([ember.ones(2, 3), ember.ones(3, 2)])


def test_indexing_matches_numpy():
    a = np.arange(60).reshape(3, 4, 5)
    t = E(a)
    for key in [1, -1, (1, 2), (slice(None), 1), (slice(0, 3, 2), slice(None), slice(1, 5, 3)), (Ellipsis, 2),
                (None, 1), ([0, 2],), ([0, 2], [1, 3]), (slice(None), [0, 3], [1, 4]), (1, [0, 1], slice(2, 4)),
                (a > 30,), (slice(None), a[0] > 5)]:
        np_key = key
        em_key = tuple(E(k) if isinstance(k, np.ndarray) else k for k in key) if isinstance(key, tuple) else key
        np.testing.assert_array_equal(t[em_key].numpy(), a[np_key], err_msg=str(key))
    assert t[E([0, 2])].shape == (2, 4, 5)


def test_setitem_with_broadcasting_and_masks():
    w = ember.zeros(3, 4)
    w[0, 0] = 42
    w[1] = ember.arange(4).float()
    w[:, 3] = 7
    w.data[:] += 1
    assert w.tolist() == [[43.0, 1.0, 1.0, 8.0], [1.0, 2.0, 3.0, 8.0], [1.0, 1.0, 1.0, 8.0]]
    x = ember.tensor([1.0, -2.0, 3.0, -4.0])
    x[x < 0] = 0
    assert x.tolist() == [1.0, 0.0, 3.0, 0.0]
    x[[0, 2]] = ember.tensor([9.0, 8.0])
    assert x.tolist() == [9.0, 0.0, 8.0, 0.0]


def test_index_errors():
    t = ember.zeros(3, 4)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        t[3]
    with pytest.raises(IndexError, match="too many indices"):
        t[0, 0, 0]
    with pytest.raises(IndexError):
        t[ember.tensor([5])]
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.sum(dim=2)


def test_gather_scatter_index_select_masked_fill():
    x = E([[1.0, 2.0], [3.0, 4.0]])
    idx = ember.tensor([[0, 0], [1, 0]])
    assert ember.gather(x, 1, idx).tolist() == [[1.0, 1.0], [4.0, 3.0]]
    z = ember.zeros(2, 3).scatter_(1, ember.tensor([[2], [0]]), 5.0)
    assert z.tolist() == [[0.0, 0.0, 5.0], [5.0, 0.0, 0.0]]
    assert x.index_select(0, ember.tensor([1, 1])).tolist() == [[3.0, 4.0], [3.0, 4.0]]
    assert x.masked_fill(x > 2, 0).tolist() == [[1.0, 2.0], [0.0, 0.0]]
    s = ember.zeros(3).scatter_add_(0, ember.tensor([0, 0, 2]), ember.tensor([1.0, 2.0, 3.0]))
    assert s.tolist() == [3.0, 0.0, 3.0]


def test_inplace_ops_bump_version():
    x = ember.ones(3)
    v = x._version
    x.add_(1)
    x.mul_(2)
    x += 1
    x.zero_()
    x.fill_(2)
    x.clamp_(0, 1)
    assert x._version >= v + 6
    assert x.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.tensor([1, 2]).add_(1.5)


def test_conversions():
    x = ember.tensor([1.7, -2.2])
    assert x.long().tolist() == [1, -2] and x.int().dtype is ember.int32
    assert x.bool().tolist() == [True, True] and x.double().dtype is ember.float64
    assert x.to(ember.float64).dtype is ember.float64 and x.to("cpu") is x
    assert ember.tensor(3.5).item() == 3.5 and isinstance(ember.tensor(3).item(), int)
    assert float(ember.tensor([2.0])) == 2.0
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        ember.ones(2).item()


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\)"):
        ember.ones(3) + ember.ones(4)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
def test_random_ops_against_pytorch():
    rng = np.random.default_rng(0)
    for shape in [(3, 4), (2, 3, 5), (), (0, 2)]:
        a = rng.standard_normal(shape).astype(np.float32)
        b = rng.standard_normal(shape[-1:] if shape else ()).astype(np.float32)
        for fn in [lambda m, x, y: m.exp(x) * y - m.tanh(x), lambda m, x, y: (x.abs() + 1).log() / (y * y + 1),
                   lambda m, x, y: m.maximum(x, y).sigmoid(), lambda m, x, y: x.sum(-1, keepdim=True) if x.dim() else x]:
            ours = fn(ember, ember.tensor(a), ember.tensor(b)).numpy()
            ref = fn(torch, torch.tensor(a), torch.tensor(b)).numpy()
            np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


def test_float32_exp_and_tanh_are_accurate_over_their_whole_range():
    x = np.linspace(-110, 90, 400001, dtype=np.float32)
    ref = np.exp(x.astype(np.float64))
    got = E(x).exp().numpy()
    normal = (ref > 1.2e-38) & (ref < 3.4e38)
    assert (np.abs(got[normal] - ref[normal]) / ref[normal]).max() < 2.4e-7  # 2 ulp
    tiny = (ref > 1.5e-45) & (ref <= 1.2e-38)
    assert (np.abs(got[tiny] - ref[tiny])).max() <= 1.5e-45  # subnormals to the last bit
    assert np.isinf(got[x > 88.73]).all() and (got[x < -104] == 0).all()
    t = E(x / 10).tanh().numpy()
    rt = np.tanh((x / 10).astype(np.float64))
    nz = np.abs(rt) > 1e-30
    assert (np.abs(t[nz] - rt[nz]) / np.abs(rt[nz])).max() < 2.4e-7
    special = E([float("nan"), float("inf"), float("-inf"), -0.0])
    assert np.isnan(special.exp()[0].item()) and special.exp()[1].item() == float("inf")
    assert special.exp()[2].item() == 0.0 and special.tanh()[1:3].tolist() == [1.0, -1.0]


def test_index_select_on_a_size0_dim_raises_runtime_error_like_pytorch():
    # PyTorch checks the empty dim before the index range: RuntimeError, not IndexError (fuzz)
    x = ember.zeros(0, 0)
    with pytest.raises(RuntimeError) as info:
        ember.index_select(x, 0, ember.tensor([0]))
    assert not isinstance(info.value, IndexError)
    assert ember.index_select(x, 0, ember.tensor([], dtype=ember.int64)).shape == (0, 0)


@pytest.mark.parametrize("shape, dim, index, exc", [((0,), 0, [0], IndexError), ((3,), 0, [7], IndexError),
                                                     ((0, 3), 1, [7], RuntimeError), ((2, 3), 1, [7], RuntimeError),
                                                     ((2, 3), 0, [7], IndexError), ((2, 3, 4), 2, [7], IndexError)])
def test_index_select_out_of_range_raises_pytorchs_exception_type(shape, dim, index, exc):
    with pytest.raises(exc) as info:
        ember.index_select(ember.zeros(shape), dim, ember.tensor(index))
    assert exc is IndexError or not isinstance(info.value, IndexError)


def test_maximum_minimum_ties_keep_the_first_operand():
    """maximum(0., -0.) is 0. and maximum(-0., 0.) is -0., as PyTorch's (found by the fuzzer)."""
    zero, neg_zero = ember.tensor([0.0]), ember.tensor([-0.0])
    for fn in (ember.maximum, ember.minimum):
        assert np.signbit(fn(zero, neg_zero).numpy()).tolist() == [False]
        assert np.signbit(fn(neg_zero, zero).numpy()).tolist() == [True]
