"""nn.functional against torch.nn.functional: values, gradients, returned indices, warnings and
errors on the same inputs."""
import warnings

import numpy as np
import pytest

import ember
from ember.nn import functional as F
from nn_parity import assert_close, assert_same_error, check_function, pair, randn, torch

TF = torch.nn.functional


def both(fn_name, *arrays, **kwargs):
    """(ember call, torch call) of F.<fn_name> on the same arrays, for assert_same_error."""
    e = [ember.tensor(a) for a in arrays]
    t = [torch.tensor(a) for a in arrays]
    return (lambda: getattr(F, fn_name)(*e, **kwargs)), (lambda: getattr(TF, fn_name)(*t, **kwargs))


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("kwargs", [
    {}, {"stride": 2, "padding": 1}, {"padding": (2, 0), "dilation": (1, 2)}, {"groups": 2, "stride": (1, 2)},
    {"padding": "same", "dilation": 2}, {"padding": "valid"},
])
def test_conv2d(kwargs, dtype):
    bias = randn(4, seed=2)
    check_function(lambda x, w, b: F.conv2d(x, w, b, **kwargs), lambda x, w, b: TF.conv2d(x, w, b, **kwargs),
                   [randn(2, 4, 7, 6), randn(4, 4 // kwargs.get("groups", 1), 3, 3, seed=1), bias], dtype)


def test_conv_node_names_and_non_contiguous_input():
    x = ember.randn(2, 3, 6, 5, requires_grad=True)
    w = ember.randn(4, 3, 3, 3, requires_grad=True)
    assert F.conv2d(x, w).grad_fn.name() == "ConvolutionBackward0"
    assert F.conv1d(x[:, :, 0], w[:, :, 0]).grad_fn.name() == "ConvolutionBackward0"
    assert F.conv_transpose2d(x, w.transpose(0, 1)).grad_fn.name() == "ConvolutionBackward0"
    check_function(lambda x, w: F.conv2d(x.transpose(2, 3), w[:, :, ::2, :]),
                   lambda x, w: TF.conv2d(x.transpose(2, 3), w[:, :, ::2, :]), [randn(2, 3, 6, 5), randn(4, 3, 5, 3)])


def test_conv_transpose_and_1d():
    check_function(lambda x, w: F.conv_transpose2d(x, w, stride=(2, 3), padding=(1, 0), output_padding=(1, 2)),
                   lambda x, w: TF.conv_transpose2d(x, w, stride=(2, 3), padding=(1, 0), output_padding=(1, 2)),
                   [randn(2, 3, 4, 3), randn(3, 2, 3, 4, seed=1)])
    check_function(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding="valid"),
                   lambda x, w, b: TF.conv1d(x, w, b, stride=2, padding="valid"),
                   [randn(2, 3, 9), randn(5, 3, 4, seed=1), randn(5, seed=2)])
    check_function(lambda x, w: F.conv_transpose1d(x, w, stride=2), lambda x, w: TF.conv_transpose1d(x, w, stride=2),
                   [randn(2, 3, 5), randn(3, 2, 3, seed=1)])


@pytest.mark.parametrize("args", [
    ((3, 5), {}), ((3, 5), {"weight_shape": (2, 3, 3)}), ((1, 3, 5, 5), {"weight_shape": (2, 2, 3, 3)}),
    ((1, 3, 5, 5), {"weight_shape": (2, 3, 7, 7)}), ((1, 3, 5, 5), {"stride": 0}), ((1, 3, 5, 5), {"padding": -1}),
    ((1, 3, 5, 5), {"padding": "foo"}), ((1, 3, 5, 5), {"stride": 2, "padding": "same"}),
    ((1, 3, 5, 5), {"bias_shape": (3,)}), ((1, 3, 5, 5), {"stride": (1, 1, 1)}),
])
def test_conv2d_errors_match_pytorch(args):
    shape, kw = args
    kw = dict(kw)
    w = randn(*kw.pop("weight_shape", (2, 3, 3, 3)))
    b = randn(*kw.pop("bias_shape")) if "bias_shape" in kw else None
    e = (ember.tensor(randn(*shape)), ember.tensor(w), ember.tensor(b) if b is not None else None)
    t = (torch.tensor(randn(*shape)), torch.tensor(w), torch.tensor(b) if b is not None else None)
    assert_same_error(lambda: F.conv2d(*e, **kw), lambda: TF.conv2d(*t, **kw))


def test_conv2d_dtype_mismatch_error():
    x, w = randn(1, 3, 5, 5), randn(2, 3, 3, 3)
    assert_same_error(lambda: F.conv2d(ember.tensor(x).float(), ember.tensor(w)),
                      lambda: TF.conv2d(torch.tensor(x).float(), torch.tensor(w)))


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": (2, 3), "stride": (1, 2), "dilation": (2, 1)}, {"kernel_size": 3, "stride": 2, "ceil_mode": True},
])
def test_max_pool2d_values_indices_and_grads(kwargs):
    x = np.random.default_rng(0).permutation(2 * 3 * 7 * 8).reshape(2, 3, 7, 8).astype(np.float64)
    check_function(lambda x: F.max_pool2d(x, **kwargs), lambda x: TF.max_pool2d(x, **kwargs), [x])
    e_out, e_idx = F.max_pool2d(ember.tensor(x), return_indices=True, **kwargs)
    t_out, t_idx = TF.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
    assert e_idx.tolist() == t_idx.tolist() and e_idx.dtype is ember.int64
    assert_close(e_out, t_out)
    assert F.max_pool2d(ember.tensor(x, requires_grad=True), **kwargs).grad_fn.name() == "MaxPool2DWithIndicesBackward0"


def test_max_pool1d_returns_pytorch_indices():
    x = np.random.default_rng(1).permutation(30).reshape(2, 3, 5).astype(np.float64)
    e_out, e_idx = F.max_pool1d(ember.tensor(x), 2, 1, 1, return_indices=True)
    t_out, t_idx = TF.max_pool1d(torch.tensor(x), 2, 1, 1, return_indices=True)
    assert e_idx.tolist() == t_idx.tolist() and e_out.tolist() == t_out.tolist()


@pytest.mark.parametrize("fn,args", [
    ("max_pool2d", ((1, 3, 5, 5), 2, None, 2)), ("max_pool2d", ((1, 3, 5, 5), 7)), ("max_pool2d", ((5, 5), 2)),
    ("max_pool2d", ((1, 3, 5, 5), 2, 0)), ("avg_pool2d", ((1, 3, 5, 5), 7)), ("avg_pool2d", ((1, 3, 5, 5), 2, 2, 2)),
    ("adaptive_avg_pool2d", ((5, 5), 2)),
])
def test_pool_errors_match_pytorch(fn, args):
    shape, *rest = args
    assert_same_error(lambda: getattr(F, fn)(ember.randn(*shape), *rest),
                      lambda: getattr(TF, fn)(torch.randn(*shape), *rest))


@pytest.mark.parametrize("kwargs", [
    {}, {"ceil_mode": True, "stride": 2}, {"padding": 1, "count_include_pad": False}, {"padding": 1, "stride": 2,
                                                                                       "ceil_mode": True},
    {"divisor_override": 5, "padding": 1},
])
def test_avg_pool2d(kwargs):
    check_function(lambda x: F.avg_pool2d(x, 3, **kwargs), lambda x: TF.avg_pool2d(x, 3, **kwargs), [randn(2, 2, 7, 8)])


@pytest.mark.parametrize("size", [1, (2, 3), (5, 4), (None, 2)])
def test_adaptive_pools(size):
    check_function(lambda x: F.adaptive_avg_pool2d(x, size), lambda x: TF.adaptive_avg_pool2d(x, size),
                   [randn(2, 3, 7, 5)])
    check_function(lambda x: F.adaptive_max_pool2d(x, size), lambda x: TF.adaptive_max_pool2d(x, size),
                   [randn(2, 3, 7, 5)])
    check_function(lambda x: F.adaptive_avg_pool1d(x, 3), lambda x: TF.adaptive_avg_pool1d(x, 3), [randn(2, 3, 8)])


def test_unfold_fold():
    check_function(lambda x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
                   lambda x: TF.unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [randn(2, 3, 6, 7)])
    check_function(lambda x: F.fold(x, (5, 6), 2, stride=2, padding=1),
                   lambda x: TF.fold(x, (5, 6), 2, stride=2, padding=1), [randn(2, 12, 12)])
    assert_same_error(*both("fold", randn(2, 12, 11), output_size=(5, 6), kernel_size=2, stride=2, padding=1))


@pytest.mark.parametrize("mode,pad,shape", [
    ("constant", (1, 2), (2, 3)), ("constant", (1, -1, 0, 2), (2, 3, 4)), ("constant", (0, 0, 0, 0, 1, 1), (2, 3, 4)),
    ("reflect", (2, 1), (2, 3, 4)), ("reflect", (1, 2, 2, 0), (1, 2, 3, 4)), ("replicate", (3, 1), (2, 3, 4)),
    ("replicate", (1, 1, 2, 2), (1, 2, 3, 4)), ("circular", (2, 1, 1, 0), (1, 2, 3, 4)),
])
def test_pad(mode, pad, shape):
    kwargs = {"value": 2.5} if mode == "constant" else {}
    check_function(lambda x: F.pad(x, pad, mode, **kwargs), lambda x: TF.pad(x, pad, mode, **kwargs), [randn(*shape)])


def test_pad_errors_and_node_name():
    assert_same_error(*both("pad", randn(2, 3), pad=(1,)))
    assert_same_error(*both("pad", randn(2, 3), pad=(1, 1, 1, 1, 1, 1)))
    assert_same_error(*both("pad", randn(1, 2, 3), pad=(3, 3), mode="reflect"))
    assert_same_error(*both("pad", randn(1, 2, 3), pad=(-4, 0)))
    assert_same_error(*both("pad", randn(1, 2, 3), pad=(-2, -2)))
    assert F.pad(ember.ones(1, 3), (-3, 0)).shape == (1, 0)
    assert F.pad(ember.ones(2, requires_grad=True), (1, 1)).grad_fn.name() == "ConstantPadNdBackward0"


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("kwargs", [
    {"scale_factor": 2}, {"scale_factor": 1.5}, {"size": (5, 7)}, {"size": 3}, {"scale_factor": 0.6},
    {"scale_factor": 2, "mode": "nearest-exact"}, {"size": (5, 2), "mode": "nearest-exact"},
    {"scale_factor": 2, "mode": "bilinear"}, {"size": (5, 7), "mode": "bilinear", "align_corners": True},
    {"scale_factor": 1.7, "mode": "bilinear", "align_corners": False}, {"size": (2, 3), "mode": "bilinear"},
    {"scale_factor": (2, 0.5), "mode": "bilinear", "recompute_scale_factor": True}, {"size": (2, 3), "mode": "area"},
])
def test_interpolate_2d(kwargs, dtype):
    check_function(lambda x: F.interpolate(x, **kwargs), lambda x: TF.interpolate(x, **kwargs), [randn(2, 3, 4, 5)],
                   dtype)


def test_interpolate_1d_and_errors():
    for kwargs in ({"scale_factor": 2.5, "mode": "linear"}, {"size": 7, "mode": "linear", "align_corners": True},
                   {"size": 3, "mode": "nearest"}):
        check_function(lambda x: F.interpolate(x, **kwargs), lambda x: TF.interpolate(x, **kwargs), [randn(2, 3, 5)])
    for kwargs in ({"size": 2, "scale_factor": 2}, {}, {"size": 4, "align_corners": True},
                   {"size": 4, "mode": "bilinear"}):
        assert_same_error(*both("interpolate", randn(1, 2, 3), **kwargs))


def test_softmax_without_dim_uses_the_legacy_rule_and_warns():
    for shape, dim in [((), 0), ((4,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)]:
        x = randn(*shape)
        for name in ("softmax", "log_softmax", "softmin"):
            with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been deprecated. "
                                                 "Change the call to include dim=X as an argument."):
                e = getattr(F, name)(ember.tensor(x))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = getattr(TF, name)(torch.tensor(x))
            assert_close(e, t, what=f"{name} {shape}")
            assert_close(e, getattr(F, name)(ember.tensor(x), dim), what=f"{name} dim={dim}")
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        ember.nn.Softmax()(ember.randn(2, 3))


def test_softmax_dtype_argument():
    x = randn(2, 3).astype(np.float32)
    e, t = F.softmax(ember.tensor(x), 1, dtype=ember.float64), TF.softmax(torch.tensor(x), 1, dtype=torch.float64)
    assert e.dtype is ember.float64
    assert_close(e, t)


def test_one_hot():
    idx = np.array([[0, 3], [2, 1]])
    assert F.one_hot(ember.tensor(idx)).tolist() == TF.one_hot(torch.tensor(idx)).tolist()
    assert F.one_hot(ember.tensor(idx), 6).tolist() == TF.one_hot(torch.tensor(idx), 6).tolist()
    assert F.one_hot(ember.tensor(idx)).dtype is ember.int64
    assert_same_error(*both("one_hot", idx, num_classes=3))
    assert_same_error(*both("one_hot", np.array([-1, 0])))
    assert F.one_hot(ember.tensor([], dtype=ember.int64), 4).shape == (0, 4)


@pytest.mark.parametrize("p", [1, 2, 3.5, float("inf")])
def test_distances(p):
    a, b = randn(4, 5), randn(4, 5, seed=1)
    check_function(lambda a, b: F.pairwise_distance(a, b, p), lambda a, b: TF.pairwise_distance(a, b, p), [a, b])
    check_function(lambda a: F.normalize(a, p, dim=0), lambda a: TF.normalize(a, p, dim=0), [a])
    check_function(lambda a: F.pdist(a, p), lambda a: TF.pdist(a, p), [a])


def test_cosine_similarity():
    check_function(lambda a, b: F.cosine_similarity(a, b), lambda a, b: TF.cosine_similarity(a, b),
                   [randn(4, 5), randn(4, 5, seed=1)])
    check_function(lambda a, b: F.cosine_similarity(a, b, dim=-1, eps=0.5),
                   lambda a, b: TF.cosine_similarity(a, b, dim=-1, eps=0.5),
                   [randn(3, 1, 5) * 0.1, randn(4, 5, seed=1)])
    zero = np.zeros((2, 3))
    check_function(lambda a, b: F.cosine_similarity(a, b), lambda a, b: TF.cosine_similarity(a, b),
                   [zero, randn(2, 3)])


@pytest.mark.parametrize("p", [0, 1, 2, 3, float("inf")])
def test_cdist_and_dist_match_pytorch(p):
    a, b = randn(2, 4, 3), randn(2, 5, 3, seed=1)
    # PyTorch's backward fails for p=0 ("Expected a proper Tensor but got None"): values only
    check_function(lambda a, b: ember.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), [a, b], requires_grad=p != 0)
    check_function(lambda a, b: ember.dist(a, b, p), lambda a, b: torch.dist(a, b, p), [a, b[:, :4]],
                   requires_grad=p != 0)


def test_cdist_and_dist_gradients_at_zero_distance():
    a = randn(3, 2)
    check_function(lambda a, b: ember.cdist(a, b), lambda a, b: torch.cdist(a, b), [a, a.copy()])
    check_function(lambda a, b: ember.dist(a, b), lambda a, b: torch.dist(a, b), [a, a.copy()])


def test_dropout_functional():
    x = ember.ones(100, 100)
    y = F.dropout(x, 0.3)
    assert 0.65 < (y != 0).float().mean().item() < 0.75 and y.max().item() == pytest.approx(1 / 0.7)
    assert F.dropout(x, 0.3, training=False) is x
    x2 = ember.ones(10, 10)
    assert F.dropout(x2, 0.5, inplace=True) is x2 and set(np.unique(x2.numpy())) == {0.0, 2.0}
    assert_same_error(*both("dropout", randn(3), p=1.5))
    y3 = F.dropout1d(ember.ones(4, 8, 5), 0.5)
    assert ((y3 == 0).all(-1) | (y3 == 2).all(-1)).all()
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input to dropout2d"):
        F.dropout2d(ember.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="dropout3d: Received a 3-D input to dropout3d"):
        F.dropout3d(ember.ones(2, 3, 4))
    assert_same_error(*both("dropout1d", randn(3, 4, 5, 6)))


def test_embedding_options_match_pytorch():
    weight = randn(6, 3)
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    for kwargs in ({"padding_idx": 2}, {"padding_idx": -1}, {"scale_grad_by_freq": True}):
        check_function(lambda w: F.embedding(ember.tensor(idx), w, **kwargs),
                       lambda w: TF.embedding(torch.tensor(idx), w, **kwargs), [weight])
    e_w, t_w = pair(weight * 3, ember.float64, requires_grad=False)
    F.embedding(ember.tensor(idx), e_w, max_norm=1.0)
    TF.embedding(torch.tensor(idx), t_w, max_norm=1.0)
    assert_close(e_w, t_w, tol=dict(rtol=1e-6, atol=1e-7))  # rows renormalised in place
    assert_same_error(*both("embedding", np.array([6]), weight))
    assert_same_error(lambda: F.embedding(ember.tensor([0.0]), ember.tensor(weight)),
                      lambda: TF.embedding(torch.tensor([0.0]), torch.tensor(weight)))


def test_norm_functionals_with_running_stats():
    x = randn(4, 3, 5)
    e_rm, t_rm = pair(np.zeros(3), ember.float64, False)
    e_rv, t_rv = pair(np.ones(3), ember.float64, False)
    check_function(lambda x, w, b: F.batch_norm(x, e_rm, e_rv, w, b, training=True, momentum=0.2),
                   lambda x, w, b: TF.batch_norm(x, t_rm, t_rv, w, b, training=True, momentum=0.2),
                   [x, randn(3, seed=1), randn(3, seed=2)])
    assert_close(e_rm, t_rm)
    assert_close(e_rv, t_rv)
    check_function(lambda x: F.batch_norm(x, e_rm, e_rv), lambda x: TF.batch_norm(x, t_rm, t_rv), [x])
    check_function(lambda x: F.instance_norm(x, e_rm, e_rv, use_input_stats=True),
                   lambda x: TF.instance_norm(x, t_rm, t_rv, use_input_stats=True), [x])
    assert_close(e_rm, t_rm)
    check_function(lambda x, w: F.layer_norm(x, (3, 5), w, eps=1e-3),
                   lambda x, w: TF.layer_norm(x, (3, 5), w, eps=1e-3),
                   [x, randn(3, 5, seed=3)])
    check_function(lambda x, w: F.rms_norm(x, (5,), w), lambda x, w: TF.rms_norm(x, (5,), w), [x, randn(5, seed=3)])
    check_function(lambda x: F.group_norm(x, 3), lambda x: TF.group_norm(x, 3), [x])
    assert_same_error(*both("layer_norm", randn(2, 3), normalized_shape=(4,)))
    assert_same_error(*both("group_norm", randn(2, 3), num_groups=2))


def test_small_functionals():
    x = randn(3, 4)
    check_function(lambda x: F.glu(x, 1), lambda x: TF.glu(x, 1), [x])
    check_function(lambda x: F.pixel_shuffle(x, 2), lambda x: TF.pixel_shuffle(x, 2), [randn(2, 8, 3, 2)])
    check_function(lambda x: F.pixel_unshuffle(x, 2), lambda x: TF.pixel_unshuffle(x, 2), [randn(2, 2, 4, 6)])
    check_function(lambda x, w: F.prelu(x, w), lambda x, w: TF.prelu(x, w), [randn(2, 3, 4), randn(3, seed=1)])
    check_function(lambda x: F.threshold(x, 0.2, -1.0), lambda x: TF.threshold(x, 0.2, -1.0), [x])
    check_function(lambda a, b, w, c: F.bilinear(a, b, w, c), lambda a, b, w, c: TF.bilinear(a, b, w, c),
                   [randn(2, 5, 3), randn(2, 5, 4, seed=1), randn(6, 3, 4, seed=2), randn(6, seed=3)])
    assert_same_error(*both("glu", randn(3, 3), dim=1))
    assert_same_error(*both("gelu", randn(3), approximate="exact"))
    sample = F.gumbel_softmax(ember.randn(5, 4), tau=0.5, hard=True)
    assert (sample.sum(1) == 1).all() and ((sample == 0) | (sample == 1)).all()


def test_inplace_activations_write_into_their_input():
    for name, kwargs in (("relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}), ("hardtanh", {}),
                         ("relu6", {}), ("silu", {}), ("threshold", {"threshold": 0.0, "value": 1.0})):
        x = randn(3, 4)
        e, t = ember.tensor(x), torch.tensor(x)
        out = getattr(F, name)(e, inplace=True, **kwargs)
        getattr(TF, name)(t, inplace=True, **kwargs)
        assert out is e, name
        assert_close(e, t, what=name)


@pytest.mark.parametrize("kwargs", [{}, {"is_causal": True}, {"scale": 0.3}, {"mask": "bool"}, {"mask": "float"},
                                    {"enable_gqa": True}])
def test_scaled_dot_product_attention(kwargs):
    kwargs = dict(kwargs)
    mask = kwargs.pop("mask", None)
    heads_kv = 1 if kwargs.get("enable_gqa") else 2
    q, k, v = randn(2, 2, 4, 3), randn(2, heads_kv, 5, 3, seed=1), randn(2, heads_kv, 5, 3, seed=2)
    e_extra, t_extra = {}, {}
    if mask == "bool":
        m = np.random.default_rng(3).random((4, 5)) > 0.3
        m[:, 0] = True
        e_extra, t_extra = {"attn_mask": ember.tensor(m)}, {"attn_mask": torch.tensor(m)}
    elif mask == "float":
        m = randn(4, 5, seed=3)
        e_extra, t_extra = {"attn_mask": ember.tensor(m)}, {"attn_mask": torch.tensor(m)}
    if kwargs.get("is_causal"):
        q, k, v = q, k[:, :, :4], v[:, :, :4]
    check_function(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs, **e_extra),
                   lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, **kwargs, **t_extra), [q, k, v])
