"""Every layer against PyTorch: the same weights copied in, the same input, equal outputs and
gradients (input and parameters) in float32 and float64, and equal reprs."""
import pytest

import ember
from ember import nn
from nn_parity import assert_close, assert_same_error, check_module, randn, torch

tnn = torch.nn

# name: (constructor arguments, input shapes); the class is looked up in both libraries by name.
LAYERS = {
    "Linear": ((5, 3), [(4, 5)]),
    "Linear-nobias-3d": ((5, 3, False), [(2, 4, 5)]),
    "Linear-1d-input": ((5, 3), [(5,)]),
    "Bilinear": ((3, 4, 2), [(5, 3), (5, 4)]),
    "Identity": ((), [(2, 3)]),
    "Conv1d": ((3, 4, 3, 2, 1), [(2, 3, 9)]),
    "Conv2d": ((3, 4, 3), [(2, 3, 7, 6)]),
    "Conv2d-lenet": ((1, 6, 5, 1, 2), [(2, 1, 12, 12)]),
    "Conv2d-stride-dilation": ((4, 6, (3, 2), (2, 1), (1, 2), (2, 1), 2), [(2, 4, 9, 8)]),
    "Conv2d-same": ((2, 3, 4, 1, "same"), [(1, 2, 6, 5)]),
    "Conv2d-same-dilated": ((2, 3, 3, 1, "same", 2), [(1, 2, 6, 7)]),
    "Conv2d-valid-nobias": ((2, 3, 3, 1, "valid", 1, 1, False), [(2, 2, 5, 5)]),
    "Conv2d-reflect": ((2, 3, 3, 1, 1, 1, 1, True, "reflect"), [(2, 2, 5, 6)]),
    "Conv2d-replicate": ((2, 3, 3, 2, 2, 1, 1, True, "replicate"), [(2, 2, 5, 6)]),
    "Conv2d-circular": ((2, 3, 3, 1, 1, 1, 1, True, "circular"), [(2, 2, 5, 6)]),
    "Conv2d-unbatched": ((2, 3, 3), [(2, 5, 5)]),
    "Conv2d-depthwise": ((4, 8, 3, 1, 1, 1, 4), [(2, 4, 5, 5)]),
    "ConvTranspose2d": ((3, 2, 3, 2, 1, 1), [(2, 3, 4, 5)]),
    "ConvTranspose2d-groups-dilation": ((4, 6, (2, 3), (1, 2), 0, 0, 2, True, 2), [(1, 4, 3, 4)]),
    "ConvTranspose1d": ((3, 2, 3, 2), [(2, 3, 5)]),
    "Unfold": ((2, 1, 1, 2), [(2, 3, 5, 6)]),
    "Fold": (((4, 5), 2, 1, 0, 2), [(1, 8, 4)]),
    "MaxPool2d": ((2,), [(2, 3, 6, 6)]),
    "MaxPool2d-pad-ceil": ((3, 2, 1, 1, False, True), [(2, 2, 7, 8)]),
    "MaxPool2d-dilation": (((2, 3), (1, 2), (1, 1), (2, 1)), [(1, 2, 8, 9)]),
    "MaxPool2d-unbatched": ((2,), [(3, 5, 5)]),
    "MaxPool1d": ((3, 2, 1), [(2, 3, 10)]),
    "AvgPool2d": ((2,), [(2, 3, 6, 6)]),
    "AvgPool2d-pad-exclude-ceil": ((3, 2, 1, True, False), [(2, 2, 7, 8)]),
    "AvgPool2d-pad-include-ceil": ((3, 2, 1, True, True), [(2, 2, 6, 7)]),
    "AvgPool2d-divisor": ((2, 1, 0, False, True, 3), [(1, 2, 5, 5)]),
    "AvgPool1d": ((3, 2, 1), [(2, 3, 10)]),
    "AdaptiveAvgPool2d": (((3, 2),), [(2, 3, 7, 5)]),
    "AdaptiveAvgPool2d-none": (((None, 3),), [(2, 3, 4, 8)]),
    "AdaptiveAvgPool1d": ((4,), [(2, 3, 10)]),
    "AdaptiveMaxPool2d": (((2, 3),), [(2, 3, 7, 5)]),
    "BatchNorm1d": ((4,), [(5, 4)]),
    "BatchNorm1d-3d": ((4,), [(5, 4, 3)]),
    "BatchNorm2d": ((3,), [(4, 3, 5, 5)]),
    "BatchNorm2d-noaffine": ((3, 1e-3, None, False), [(4, 3, 2, 2)]),
    "BatchNorm2d-notrack": ((3, 1e-5, 0.1, True, False), [(4, 3, 2, 2)]),
    "InstanceNorm2d": ((3,), [(2, 3, 4, 4)]),
    "InstanceNorm1d-affine": ((3, 1e-5, 0.1, True), [(2, 3, 6)]),
    "LayerNorm": ((4,), [(3, 4)]),
    "LayerNorm-2d": (((3, 4),), [(2, 3, 4)]),
    "LayerNorm-nobias": ((4, 1e-5, True, False), [(3, 4)]),
    "GroupNorm": ((2, 4), [(3, 4, 5)]),
    "GroupNorm-2d": ((3, 6), [(2, 6, 3, 3)]),
    "RMSNorm": ((4,), [(3, 4)]),
    "Flatten": ((), [(2, 3, 4)]),
    "Unflatten": ((1, (2, 3)), [(4, 6)]),
    "ReLU": ((), [(3, 4)]),
    "LeakyReLU": ((0.2,), [(3, 4)]),
    "ELU": ((0.7,), [(3, 4)]),
    "CELU": ((0.7,), [(3, 4)]),
    "SELU": ((), [(3, 4)]),
    "GELU": ((), [(3, 4)]),
    "GELU-tanh": (("tanh",), [(3, 4)]),
    "SiLU": ((), [(3, 4)]),
    "Mish": ((), [(3, 4)]),
    "Sigmoid": ((), [(3, 4)]),
    "Tanh": ((), [(3, 4)]),
    "Softplus": ((2.0, 1.0), [(3, 4)]),
    "Softsign": ((), [(3, 4)]),
    "Tanhshrink": ((), [(3, 4)]),
    "LogSigmoid": ((), [(3, 4)]),
    "Hardtanh": ((-0.5, 0.7), [(3, 4)]),
    "ReLU6": ((), [(3, 4)]),
    "Hardsigmoid": ((), [(3, 4)]),
    "Hardswish": ((), [(3, 4)]),
    "Threshold": ((0.1, -2.0), [(3, 4)]),
    "Hardshrink": ((0.3,), [(3, 4)]),
    "Softshrink": ((0.3,), [(3, 4)]),
    "PReLU": ((), [(3, 4)]),
    "PReLU-channels": ((3,), [(2, 3, 4)]),
    "GLU": ((), [(3, 4)]),
    "Softmax": ((1,), [(3, 4)]),
    "Softmin": ((0,), [(3, 4)]),
    "LogSoftmax": ((-1,), [(2, 3, 4)]),
    "Softmax2d": ((), [(2, 3, 4, 4)]),
    "ZeroPad2d": (((1, 2, 0, 1),), [(1, 2, 3, 3)]),
    "ConstantPad1d": ((2, 3.5), [(2, 3, 4)]),
    "ReflectionPad2d": ((2,), [(1, 2, 4, 4)]),
    "ReplicationPad1d": (((1, 3),), [(2, 3, 4)]),
    "CircularPad2d": ((1,), [(1, 2, 3, 3)]),
    "Upsample": ((None, 2), [(1, 2, 3, 3)]),
    "Upsample-bilinear": (((5, 7), None, "bilinear"), [(1, 2, 3, 4)]),
    "UpsamplingBilinear2d": ((None, 2), [(1, 2, 3, 3)]),
    "PixelShuffle": ((2,), [(1, 8, 2, 3)]),
    "PixelUnshuffle": ((2,), [(1, 2, 4, 6)]),
    "CosineSimilarity": ((), [(3, 5), (3, 5)]),
    "PairwiseDistance": ((), [(3, 5), (3, 5)]),
}


# PyTorch's CELU backward computes 1/alpha in float32 (derivatives.yaml: alpha.toFloat()) and its
# hardsigmoid backward multiplies by the float constant 1.0f / 6.0f, also for float64.
LOOSER = {"CELU": dict(rtol=1e-6, atol=1e-7), "Hardsigmoid": dict(rtol=1e-6, atol=1e-7)}


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", list(LAYERS))
def test_layer_matches_pytorch(case, dtype):
    name = case.split("-")[0]
    args, shapes = LAYERS[case]
    torch.manual_seed(0)
    t_module = getattr(tnn, name)(*args)
    e_module = getattr(nn, name)(*args)
    assert repr(e_module) == repr(t_module)
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    check_module(e_module, t_module, arrays, dtype, LOOSER.get(name))


def test_batchnorm_running_stats_and_eval():
    t_bn, e_bn = tnn.BatchNorm2d(3, momentum=0.3), nn.BatchNorm2d(3, momentum=0.3)
    for step in range(3):
        x = randn(4, 3, 2, 2, seed=step) * (step + 1) + step
        t_bn(torch.tensor(x, dtype=torch.float32))
        e_bn(ember.tensor(x, dtype=ember.float32))
    for key, value in t_bn.state_dict().items():
        assert e_bn.state_dict()[key].tolist() == pytest.approx(value.tolist(), rel=1e-5), key
    assert e_bn.num_batches_tracked.item() == 3 and e_bn.num_batches_tracked.dtype is ember.int64
    t_bn.eval()
    e_bn.eval()
    x = randn(2, 3, 2, 2, seed=9)
    check_module(e_bn, t_bn, [x], ember.float64)


def test_batchnorm_cumulative_average_when_momentum_is_none():
    t_bn, e_bn = tnn.BatchNorm1d(2, momentum=None), nn.BatchNorm1d(2, momentum=None)
    for step in range(4):
        x = randn(5, 2, seed=step) + step
        t_bn(torch.tensor(x, dtype=torch.float32))
        e_bn(ember.tensor(x, dtype=ember.float32))
    assert e_bn.running_mean.tolist() == pytest.approx(t_bn.running_mean.tolist(), rel=1e-5)
    assert e_bn.running_var.tolist() == pytest.approx(t_bn.running_var.tolist(), rel=1e-5)


def test_batchnorm_rejects_one_value_per_channel():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"torch.Size\(\[1, 3\]\)"):
        nn.BatchNorm1d(3)(ember.randn(1, 3))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(ember.randn(1, 3, 2))


def test_dropout_train_and_eval():
    drop = nn.Dropout(0.25)
    x = ember.ones(200, 100)
    y = drop(x)
    kept = y != 0
    assert 0.70 < kept.float().mean().item() < 0.80
    assert y[kept].tolist() == pytest.approx([1 / 0.75] * int(kept.sum()))
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert (nn.Dropout(1.0)(x) == 0).all()


def test_dropout2d_zeroes_whole_channels():
    y = nn.Dropout2d(0.5)(ember.ones(8, 16, 3, 3))
    per_channel = y.reshape(8, 16, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    assert 0 < (per_channel == 0).all(-1).sum().item() < 128


def test_dropout_gradient_uses_the_same_mask():
    x = ember.ones(50, 50, requires_grad=True)
    y = nn.Dropout(0.5)(x)
    y.sum().backward()
    assert (x.grad == y.detach()).all()
    assert y.grad_fn.name() == "MulBackward0"


def test_embedding_padding_idx_and_from_pretrained():
    weights = randn(6, 3)
    t_emb = tnn.Embedding(6, 3, padding_idx=2)
    e_emb = nn.Embedding(6, 3, padding_idx=2)
    assert e_emb.weight[2].tolist() == [0.0, 0.0, 0.0]
    assert repr(e_emb) == repr(t_emb)
    idx = [[0, 2, 5], [2, 2, 1]]
    e_emb.load_state_dict({"weight": ember.tensor(weights)})
    t_emb.load_state_dict({"weight": torch.tensor(weights)})
    e_out, t_out = e_emb(ember.tensor(idx)), t_emb(torch.tensor(idx))
    assert e_out.grad_fn.name() == t_out.grad_fn.name() == "EmbeddingBackward0"
    g = randn(2, 3, 3)
    e_out.backward(ember.tensor(g))
    t_out.backward(torch.tensor(g))
    assert_close(e_emb.weight.grad, t_emb.weight.grad)
    frozen = nn.Embedding.from_pretrained(ember.tensor(weights))
    assert not frozen.weight.requires_grad and repr(frozen) == "Embedding(6, 3)"
    assert frozen(ember.tensor([1])).tolist() == [weights[1].tolist()]


def test_lazy_modules_infer_their_shapes():
    lin = nn.LazyLinear(3)
    assert repr(lin) == repr(tnn.LazyLinear(3))
    assert repr(lin.weight) == "<UninitializedParameter>"
    out = lin(ember.randn(2, 7))
    assert type(lin) is nn.Linear and lin.weight.shape == (3, 7) and out.shape == (2, 3)
    assert repr(lin) == "Linear(in_features=7, out_features=3, bias=True)"
    conv = nn.LazyConv2d(4, 3, padding=1)
    assert conv(ember.randn(1, 2, 5, 5)).shape == (1, 4, 5, 5)
    assert type(conv) is nn.Conv2d and conv.weight.shape == (4, 2, 3, 3) and conv.in_channels == 2
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        nn.LazyLinear(2).weight.shape  # noqa: B018


def test_lazy_linear_in_sequential_counts_parameters_after_first_call():
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    net(ember.randn(2, 5))
    assert [tuple(p.shape) for p in net.parameters()] == [(8, 5), (8,), (1, 8), (1,)]


def test_default_initialisation_bounds_follow_pytorch():
    lin = nn.Linear(50, 30)
    bound = 1 / 50 ** 0.5  # kaiming_uniform_(a=sqrt(5)) gives gain*sqrt(3/fan_in) = 1/sqrt(fan_in)
    assert lin.weight.abs().max().item() <= bound and lin.weight.abs().max().item() > 0.9 * bound
    assert lin.bias.abs().max().item() <= bound
    conv = nn.Conv2d(4, 8, 3)
    cbound = 1 / (4 * 9) ** 0.5
    assert conv.weight.abs().max().item() <= cbound and conv.bias.abs().max().item() <= cbound
    assert nn.LayerNorm(3).weight.tolist() == [1.0, 1.0, 1.0] and nn.BatchNorm1d(2).bias.tolist() == [0.0, 0.0]
    emb = nn.Embedding(1000, 10).weight
    assert abs(emb.mean().item()) < 0.05 and abs(emb.std().item() - 1) < 0.05


def test_conv_module_errors_match_pytorch():
    assert_same_error(lambda: nn.Conv2d(3, 4, 3, groups=2), lambda: tnn.Conv2d(3, 4, 3, groups=2))
    assert_same_error(lambda: nn.Conv2d(2, 4, 3, stride=2, padding="same"),
                      lambda: tnn.Conv2d(2, 4, 3, stride=2, padding="same"))
    assert_same_error(lambda: nn.Conv2d(1, 6, 5)(ember.randn(1, 3, 28, 28)),
                      lambda: tnn.Conv2d(1, 6, 5)(torch.randn(1, 3, 28, 28)))
    assert_same_error(lambda: nn.Conv2d(1, 6, 5)(ember.randn(1, 1, 3, 3)),
                      lambda: tnn.Conv2d(1, 6, 5)(torch.randn(1, 1, 3, 3)))
    assert_same_error(lambda: nn.Conv2d(1, 6, 5)(ember.randn(1, 28, 28, 1, 1)),
                      lambda: tnn.Conv2d(1, 6, 5)(torch.randn(1, 28, 28, 1, 1)))


def test_conv_transpose_output_size_argument():
    t_conv, e_conv = tnn.ConvTranspose2d(2, 3, 3, stride=2), nn.ConvTranspose2d(2, 3, 3, stride=2)
    e_conv.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_conv.state_dict().items()})
    x = randn(1, 2, 4, 4)
    t_out = t_conv(torch.tensor(x, dtype=torch.float32), output_size=(10, 10))
    e_out = e_conv(ember.tensor(x, dtype=ember.float32), output_size=(10, 10))
    assert e_out.shape == t_out.shape == (1, 3, 10, 10)
    assert e_out.detach().numpy() == pytest.approx(t_out.detach().numpy(), abs=1e-5)


def test_inplace_activations_inside_a_network():
    """inplace=True layers after other layers: same values and gradients as PyTorch."""
    def build(lib):
        n = lib.nn
        return n.Sequential(n.Linear(3, 4), n.ReLU(inplace=True), n.Linear(4, 2), n.LeakyReLU(0.1, inplace=True),
                            n.Linear(2, 3), n.Hardtanh(inplace=True), n.Dropout(0.0, inplace=True), n.SiLU(inplace=True),
                            n.Linear(3, 3), n.ELU(inplace=True))

    check_module(build(ember), build(torch), [randn(5, 3)], ember.float64)
