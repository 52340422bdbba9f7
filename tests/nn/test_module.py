"""nn.Module against torch.nn.Module: registration, traversal, state_dict round trips and their
errors, hooks, modes, dtype moves and printed trees, built the same way in both libraries."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember import nn
from nn_parity import assert_close, assert_same_error, copy_state, from_torch, randn, torch

tnn = torch.nn


def build(lib, tensor_lib):
    """The same small architecture in either library: nested blocks, a shared layer, a buffer."""
    n = lib.nn

    class Block(n.Module):
        def __init__(self):
            super().__init__()
            self.conv = n.Conv2d(2, 4, 3, padding=1)
            self.bn = n.BatchNorm2d(4)
            self.register_buffer("scale", tensor_lib.ones(1))
            self.register_buffer("cache", tensor_lib.zeros(2), persistent=False)

        def forward(self, x):
            return (self.bn(self.conv(x)) * self.scale).relu()

    class Net(n.Module):
        def __init__(self):
            super().__init__()
            self.features = n.Sequential(Block(), n.MaxPool2d(2))
            self.shared = n.Linear(4, 4)
            self.head = n.Sequential(n.Flatten(), n.Linear(16, 4), self.shared, n.ReLU(), self.shared)

        def forward(self, x):
            return self.head(self.features(x))

    return Net()


def nets():
    torch.manual_seed(0)
    t_net = build(torch, torch)
    e_net = build(ember, ember)
    copy_state(t_net, e_net)
    return e_net, t_net


def test_names_match_pytorch():
    e_net, t_net = nets()
    assert [n for n, _ in e_net.named_parameters()] == [n for n, _ in t_net.named_parameters()]
    assert [n for n, _ in e_net.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in t_net.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in e_net.named_parameters(prefix="net", recurse=False)] == []
    assert [n for n, _ in e_net.features[0].named_parameters(prefix="b")] == \
        [n for n, _ in t_net.features[0].named_parameters(prefix="b")]
    assert [n for n, _ in e_net.named_buffers()] == [n for n, _ in t_net.named_buffers()]
    assert [n for n, _ in e_net.named_modules()] == [n for n, _ in t_net.named_modules()]
    assert [n for n, _ in e_net.named_modules(remove_duplicate=False)] == \
        [n for n, _ in t_net.named_modules(remove_duplicate=False)]
    assert [n for n, _ in e_net.named_children()] == [n for n, _ in t_net.named_children()]
    assert len(list(e_net.parameters())) == len(list(t_net.parameters())) == 8
    assert len(list(e_net.modules())) == len(list(t_net.modules()))
    assert list(e_net.state_dict()) == list(t_net.state_dict())
    assert repr(e_net) == repr(t_net)


def test_forward_and_backward_match_pytorch():
    e_net, t_net = nets()
    x = randn(2, 2, 4, 4)
    e_out, t_out = e_net(ember.tensor(x, dtype=ember.float32)), t_net(torch.tensor(x, dtype=torch.float32))
    assert_close(e_out, t_out, ember.float32)
    e_out.sum().backward()
    t_out.sum().backward()
    for (name, e), (_, t) in zip(e_net.named_parameters(), t_net.named_parameters()):
        assert_close(e.grad, t.grad, ember.float32, name)
    for (name, e), (_, t) in zip(e_net.named_buffers(), t_net.named_buffers()):
        assert_close(e, t, ember.float32, name)


def test_state_dict_is_detached_and_shares_memory():
    e_net, _ = nets()
    sd = e_net.state_dict()
    assert isinstance(sd, OrderedDict)
    w = sd["head.1.weight"]
    assert not w.requires_grad and type(w) is ember.Tensor
    w[0, 0] = 123.0
    assert e_net.head[1].weight[0, 0].item() == 123.0
    kept = e_net.state_dict(keep_vars=True)["head.1.weight"]
    assert kept is e_net.head[1].weight and isinstance(kept, nn.Parameter)
    assert "features.0.cache" not in sd and "features.0.scale" in sd


def test_load_state_dict_round_trip_from_pytorch():
    e_net, t_net = nets()
    fresh = build(ember, ember)
    result = fresh.load_state_dict(e_net.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == repr(t_net.load_state_dict(t_net.state_dict())) == "<All keys matched successfully>"
    for (name, a), (_, b) in zip(fresh.state_dict().items(), t_net.state_dict().items()):
        assert_close(a, b, ember.float32, name)


def test_load_state_dict_errors_match_pytorch():
    e_net, t_net = nets()
    for change in ("missing", "unexpected", "shape"):
        e_sd, t_sd = e_net.state_dict(), t_net.state_dict()
        if change == "missing":
            del e_sd["head.1.bias"], t_sd["head.1.bias"]
        elif change == "unexpected":
            e_sd["head.9.weight"], t_sd["head.9.weight"] = ember.ones(1), torch.ones(1)
            e_sd["extra"], t_sd["extra"] = ember.ones(1), torch.ones(1)
        else:
            e_sd["shared.weight"], t_sd["shared.weight"] = ember.ones(3, 4), torch.ones(3, 4)
        assert_same_error(lambda: e_net.load_state_dict(e_sd), lambda: t_net.load_state_dict(t_sd))


def test_load_state_dict_non_strict_reports_keys():
    e_net, t_net = nets()
    e_sd = {k: v for k, v in e_net.state_dict().items() if not k.startswith("head")}
    t_sd = {k: v for k, v in t_net.state_dict().items() if not k.startswith("head")}
    e_sd["bogus"], t_sd["bogus"] = ember.ones(1), torch.ones(1)
    e_res, t_res = e_net.load_state_dict(e_sd, strict=False), t_net.load_state_dict(t_sd, strict=False)
    assert e_res.missing_keys == t_res.missing_keys and e_res.unexpected_keys == t_res.unexpected_keys
    assert repr(e_res) == repr(t_res)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like, got <class 'list'>."):
        e_net.load_state_dict([])


def test_load_state_dict_assign_and_old_batchnorm_checkpoints():
    bn = nn.BatchNorm1d(2)
    legacy = {"weight": ember.ones(2), "bias": ember.zeros(2), "running_mean": ember.zeros(2),
              "running_var": ember.ones(2)}  # no _metadata: written before num_batches_tracked existed
    assert bn.load_state_dict(legacy).missing_keys == []
    lin = nn.Linear(2, 2)
    new_w = ember.full((2, 2), 3.0)
    lin.load_state_dict({"weight": new_w, "bias": ember.zeros(2)}, assign=True)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad and lin.weight[0, 0].item() == 3.0


def test_registration_errors_match_pytorch():
    def both(fn):
        assert_same_error(lambda: fn(nn.Linear(2, 2), ember), lambda: fn(tnn.Linear(2, 2), torch))

    both(lambda m, lib: setattr(m, "weight", lib.ones(2, 2)))
    both(lambda m, lib: m.register_parameter("bias", lib.ones(2)))
    both(lambda m, lib: m.register_parameter("a.b", None))
    both(lambda m, lib: m.register_parameter("", None))
    both(lambda m, lib: m.register_parameter("in_features", None))
    both(lambda m, lib: m.register_parameter("p", lib.nn.Parameter(lib.ones(2)) * 2))
    both(lambda m, lib: m.register_buffer("weight", lib.ones(1)))
    both(lambda m, lib: m.register_buffer("b", [1]))
    both(lambda m, lib: m.add_module("x", 3))
    both(lambda m, lib: m.add_module("a.b", lib.nn.ReLU()))
    both(lambda m, lib: m.missing)
    both(lambda m, lib: lib.nn.Module()(1))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()


def test_setattr_moves_between_kinds_and_delattr():
    m = nn.Module()
    m.x = nn.Parameter(ember.ones(1))
    assert "x" in m._parameters
    m.x = None  # stays a (None) parameter
    assert "x" in m._parameters and m.x is None
    m.register_buffer("buf", ember.zeros(2))
    m.buf = ember.ones(2)
    assert m._buffers["buf"].tolist() == [1.0, 1.0]
    m.sub = nn.ReLU()
    m.sub = nn.Tanh()
    assert type(m._modules["sub"]) is nn.Tanh
    m.y = nn.Buffer(ember.ones(1), persistent=False)
    assert "y" in m._buffers and "y" not in m.state_dict()
    del m.sub, m.buf, m.x
    assert not m._modules and "buf" not in m._buffers and "x" not in m._parameters
    assert "y" in dir(m)
    m.plain = 3
    assert m.plain == 3 and "plain" not in m._parameters


def test_get_submodule_parameter_buffer():
    e_net, _ = nets()
    assert e_net.get_submodule("features.0.conv") is e_net.features[0].conv
    assert e_net.get_parameter("head.1.bias") is e_net.head[1].bias
    assert e_net.get_buffer("features.0.bn.running_mean") is e_net.features[0].bn.running_mean
    with pytest.raises(AttributeError, match="Sequential has no attribute `nope`"):
        e_net.get_submodule("head.nope")
    with pytest.raises(AttributeError, match="`running_mean` is not an nn.Parameter"):
        e_net.get_parameter("features.0.bn.running_mean")


def test_train_eval_requires_grad_zero_grad_apply():
    e_net, _ = nets()
    assert e_net.eval() is e_net and not any(m.training for m in e_net.modules())
    e_net.train()
    assert all(m.training for m in e_net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        e_net.train("yes")
    e_net(ember.randn(2, 2, 4, 4)).sum().backward()
    assert all(p.grad is not None for p in e_net.parameters())
    e_net.zero_grad(set_to_none=False)
    assert all((p.grad == 0).all() for p in e_net.parameters())
    e_net.zero_grad()
    assert all(p.grad is None for p in e_net.parameters())
    e_net.requires_grad_(False)
    assert not any(p.requires_grad for p in e_net.parameters())
    seen = []
    assert e_net.apply(lambda m: seen.append(type(m).__name__)) is e_net
    assert seen[-1] == "Net" and seen[0] == "Conv2d"


def test_dtype_moves_keep_parameters_and_convert_grads():
    lin = nn.Linear(3, 2)
    weight = lin.weight
    lin(ember.randn(1, 3)).sum().backward()
    assert lin.double() is lin
    assert lin.weight is weight and lin.weight.dtype is ember.float64 and lin.weight.grad.dtype is ember.float64
    assert lin.to(ember.float32).weight.dtype is ember.float32
    assert lin.to("cpu", ember.float64).bias.dtype is ember.float64
    bn = nn.BatchNorm1d(2).double()
    assert bn.num_batches_tracked.dtype is ember.int64 and bn.running_mean.dtype is ember.float64
    assert_same_error(lambda: nn.Linear(2, 2).to(ember.int64), lambda: tnn.Linear(2, 2).to(torch.int64))
    with pytest.raises(TypeError, match="ember has no float16"):
        lin.half()
    assert lin.float().cpu().weight.dtype is ember.float32


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: out + 1)
    h3 = lin.register_forward_hook(lambda m, args, kwargs, out: calls.append(kwargs), with_kwargs=True,
                                   prepend=True)
    assert lin(ember.randn(3, 2)).tolist() == (lin.bias + 1).expand(3, 2).tolist()
    assert calls == [{}]
    h1.remove()
    h2.remove()
    h3.remove()
    x = ember.randn(3, 2)
    assert lin(x).tolist() == ember.nn.functional.linear(x, lin.weight, lin.bias).tolist()
    with lin.register_forward_pre_hook(lambda m, a, k: ((a[0] * 2,), k), with_kwargs=True):
        assert lin(x).tolist() == ember.nn.functional.linear(x * 2, lin.weight, lin.bias).tolist()
    assert not lin._forward_pre_hooks


def _record_backward_hooks(lib, module, x):
    seen = []

    def hook(m, grad_input, grad_output):
        seen.append(("hook", [None if g is None else g.detach().numpy().copy() for g in grad_input],
                     [g.detach().numpy().copy() for g in grad_output]))

    def pre_hook(m, grad_output):
        seen.append(("pre", [g.detach().numpy().copy() for g in grad_output]))
        return (grad_output[0] * 2,)

    module.register_full_backward_hook(hook)
    module.register_full_backward_pre_hook(pre_hook)
    out = module(x)
    out.sum().backward()
    return seen


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_full_backward_hooks_match_pytorch(input_requires_grad):
    t_lin = tnn.Linear(3, 2)
    e_lin = nn.Linear(3, 2)
    copy_state(t_lin, e_lin)
    x = randn(4, 3).astype(np.float32)
    t_x = torch.tensor(x, requires_grad=input_requires_grad)
    e_x = ember.tensor(x, requires_grad=input_requires_grad)
    t_seen, e_seen = _record_backward_hooks(torch, t_lin, t_x), _record_backward_hooks(ember, e_lin, e_x)
    assert [s[0] for s in e_seen] == [s[0] for s in t_seen] == ["pre", "hook"]
    for e, t in zip(e_seen, t_seen):
        for a, b in zip(e[1:], t[1:]):
            assert len(a) == len(b)
            for ga, gb in zip(a, b):
                assert (ga is None) == (gb is None)
                if ga is not None:
                    np.testing.assert_allclose(ga, gb, rtol=1e-5)
    assert_close(e_lin.weight.grad, t_lin.weight.grad, ember.float32)
    if input_requires_grad:
        assert_close(e_x.grad, t_x.grad, ember.float32)


def test_backward_hook_can_replace_grad_input():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x = ember.randn(3, 2, requires_grad=True)
    lin(x).sum().backward()
    assert (x.grad == 0).all() and lin.weight.grad.abs().sum().item() > 0


def _with_extra(lib):
    class WithExtra(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Dropout()))

        def extra_repr(self):
            return "first line\nsecond line"

    return WithExtra()


def test_reprs_match_pytorch():
    assert repr(_with_extra(ember)) == repr(_with_extra(torch))
    assert repr(nn.Module()) == repr(tnn.Module()) == "Module()"
    assert repr(nn.Parameter(ember.tensor([1.0, 2.0]))) == repr(tnn.Parameter(torch.tensor([1.0, 2.0])))
    assert str(nn.Parameter(ember.ones(2, 2))) == str(tnn.Parameter(torch.ones(2, 2)))


def test_parameter_behaviour():
    p = nn.Parameter(ember.ones(2))
    assert isinstance(p, ember.Tensor) and p.requires_grad and p.is_leaf
    assert type(p * 2) is ember.Tensor and type(p.data) is ember.Tensor
    with ember.no_grad():
        assert nn.Parameter(ember.ones(1)).requires_grad
    assert not nn.Parameter(ember.ones(1), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    assert_same_error(lambda: nn.Parameter(ember.tensor([1, 2])), lambda: tnn.Parameter(torch.tensor([1, 2])))
    data = ember.zeros(3)
    q = nn.Parameter(data)
    q.data[0] = 5.0
    assert data[0].item() == 5.0  # shares memory with the tensor it wraps


def test_deepcopy_gives_independent_parameters():
    e_net, _ = nets()
    clone = copy.deepcopy(e_net)
    assert repr(clone) == repr(e_net)
    assert clone.shared is clone.head[2] is clone.head[4]
    with ember.no_grad():
        clone.head[1].weight.fill_(0.0)
    assert e_net.head[1].weight.abs().sum().item() > 0
    assert isinstance(clone.head[1].weight, nn.Parameter)


def test_from_torch_state_dict_values():
    t_lin = tnn.Linear(4, 2)
    e_lin = nn.Linear(4, 2)
    e_lin.load_state_dict({k: from_torch(v) for k, v in t_lin.state_dict().items()})
    x = randn(3, 4).astype(np.float32)
    assert_close(e_lin(ember.tensor(x)), t_lin(torch.tensor(x)), ember.float32)


def test_register_module_alias_and_buffer_kinds():
    e, t = nn.Module(), tnn.Module()
    for m, lib in ((e, ember), (t, torch)):
        m.register_module("fc", lib.nn.Linear(2, 2))
        m.stats = lib.nn.Buffer(lib.zeros(3))
        m.scratch = lib.nn.Buffer(lib.zeros(1), persistent=False)
    assert list(e.state_dict()) == list(t.state_dict()) == ["stats", "fc.weight", "fc.bias"]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()] == ["stats", "scratch"]


def test_forward_hook_always_call_runs_on_errors():
    calls = []

    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Broken()
    m.register_forward_hook(lambda mod, args, out: calls.append(out), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(1)
    assert calls == [None]


def test_full_backward_hook_warns_when_no_input_requires_grad():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: None)
    out = lin(ember.randn(3, 2))
    with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are computed with respect to "
                                         "module outputs since no inputs require gradients"):
        out.sum().backward()


def test_lazy_module_loads_a_checkpoint():
    src = nn.Linear(3, 2)
    lazy = nn.LazyLinear(2)
    lazy.load_state_dict(src.state_dict())
    assert lazy.weight.tolist() == src.weight.tolist() and isinstance(lazy.weight, nn.Parameter)
    x = ember.randn(4, 3)
    assert lazy(x).tolist() == src(x).tolist() and type(lazy) is nn.Linear
