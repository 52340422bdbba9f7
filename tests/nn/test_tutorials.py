"""PyTorch tutorial code (d2l's builders' guide, the 60-minute blitz LeNet) run unchanged with
`import ember as torch` (and `nn = torch.nn` for its `from torch import nn`): each snippet takes
the library as `torch` and both libraries must give the same printed trees, shapes, names and,
where weights are copied, values."""
import numpy as np
import pytest

import ember
from nn_parity import assert_close, copy_state, torch as real_torch


def both(snippet):
    """Runs snippet(torch) with ember and with PyTorch; returns both results."""
    real_torch.manual_seed(0)
    ember.manual_seed(0)
    return snippet(ember), snippet(real_torch)


def mlp_snippet(torch):
    nn, F = torch.nn, torch.nn.functional  # the tutorial's `from torch import nn` with torch = ember

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(20, 256)
            self.out = nn.Linear(256, 10)

        def forward(self, X):
            return self.out(F.relu(self.hidden(X)))

    class MySequential(nn.Module):
        def __init__(self, *args):
            super().__init__()
            for idx, module in enumerate(args):
                self._modules[str(idx)] = module

        def forward(self, X):
            for block in self._modules.values():
                X = block(X)
            return X

    X = torch.rand(2, 20)
    seq = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    mine = MySequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    return [str(seq), tuple(seq(X).shape), str(MLP()), tuple(MLP()(X).shape), str(mine), tuple(mine(X).shape),
            [n for n, _ in mine.named_parameters()]]


def test_sequential_mlp_and_custom_modules():
    e, t = both(mlp_snippet)
    assert e == t


def fixed_hidden_snippet(torch):
    nn, F = torch.nn, torch.nn.functional

    class FixedHiddenMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.rand_weight = torch.rand((20, 20), requires_grad=False)
            self.linear = nn.Linear(20, 20)

        def forward(self, X):
            X = self.linear(X)
            X = F.relu(torch.mm(X, self.rand_weight) + 1)
            X = self.linear(X)
            while X.abs().sum() > 1:
                X /= 2
            return X.sum()

    class NestMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
            self.linear = nn.Linear(32, 16)

        def forward(self, X):
            return self.linear(self.net(X))

    chimera = nn.Sequential(NestMLP(), nn.Linear(16, 20), FixedHiddenMLP())
    out = chimera(torch.rand(2, 20))
    return [str(chimera), tuple(out.shape), bool(out.abs() <= 1), [n for n, _ in chimera.named_parameters()],
            "rand_weight" in dict(chimera[2].named_parameters())]


def test_fixed_hidden_mlp_and_nesting():
    e, t = both(fixed_hidden_snippet)
    assert e == t


def parameter_access_snippet(torch):
    nn = torch.nn

    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    X = torch.rand(size=(2, 4))
    net(X)

    def block1():
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())

    def block2():
        net = nn.Sequential()
        for i in range(4):
            net.add_module(f"block {i}", block1())
        return net

    rgnet = nn.Sequential(block2(), nn.Linear(4, 1))
    return [list(net[2].state_dict().keys()), type(net[2].bias).__name__, tuple(net[2].bias.data.shape),
            net[2].weight.grad is None, [(n, tuple(p.shape)) for n, p in net[0].named_parameters()],
            [(n, tuple(p.shape)) for n, p in net.named_parameters()], tuple(net.state_dict()["2.bias"].shape),
            str(rgnet), tuple(rgnet(X).shape), tuple(rgnet[0][1][0].bias.data.shape)]


def test_parameter_access_and_nested_blocks_print_as_pytorch():
    e, t = both(parameter_access_snippet)
    assert e == t


def init_snippet(torch):
    nn = torch.nn

    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    results = []

    def init_normal(m):
        if type(m) == nn.Linear:  # noqa: E721  (as the tutorial writes it)
            nn.init.normal_(m.weight, mean=0, std=0.01)
            nn.init.zeros_(m.bias)

    def init_constant(m):
        if type(m) == nn.Linear:  # noqa: E721
            nn.init.constant_(m.weight, 1)
            nn.init.zeros_(m.bias)

    def init_42(m):
        if type(m) == nn.Linear:  # noqa: E721
            nn.init.constant_(m.weight, 42)

    def my_init(m):
        if type(m) == nn.Linear:  # noqa: E721
            results.append(("Init", *[(name, tuple(param.shape)) for name, param in m.named_parameters()][0]))
            nn.init.uniform_(m.weight, -10, 10)
            m.weight.data *= m.weight.data.abs() >= 5

    net.apply(init_normal)
    results.append((float(net[0].weight.data.abs().max()) < 0.1, net[0].bias.data.tolist()))
    net.apply(init_constant)
    results.append((net[0].weight.data[0].tolist(), net[0].bias.data[0].item()))
    def init_xavier(m):
        if type(m) == nn.Linear:  # noqa: E721
            nn.init.xavier_uniform_(m.weight)

    net[0].apply(init_xavier)
    results.append(float(net[0].weight.data.abs().max()) <= (6 / (4 + 8)) ** 0.5)
    net[2].apply(init_42)
    results.append(net[2].weight.data.tolist())
    net.apply(my_init)
    w = net[0].weight.data
    results.append(bool(((w.abs() >= 5) | (w == 0)).all()))
    net[0].weight.data[:] += 1
    net[0].weight.data[0, 0] = 42
    results.append(net[0].weight.data[0, 0].item())
    shared = nn.Linear(8, 8)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))
    net(torch.rand(2, 4))
    net[2].weight.data[0, 0] = 100
    results.append((bool((net[2].weight.data[0] == net[4].weight.data[0]).all()), len(list(net.parameters()))))
    return results


def test_init_apply_and_weight_surgery():
    e, t = both(init_snippet)
    assert e == t


def custom_layers_snippet(torch):
    nn, F = torch.nn, torch.nn.functional

    class CenteredLayer(nn.Module):
        def __init__(self):
            super().__init__()

        def forward(self, X):
            return X - X.mean()

    class MyLinear(nn.Module):
        def __init__(self, in_units, units):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(in_units, units))
            self.bias = nn.Parameter(torch.randn(units,))

        def forward(self, X):
            linear = torch.matmul(X, self.weight.data) + self.bias.data
            return F.relu(linear)

    centered = CenteredLayer()(torch.tensor([1.0, 2, 3, 4, 5]))
    net = nn.Sequential(nn.Linear(8, 128), CenteredLayer())
    Y = net(torch.rand(4, 8))
    linear = MyLinear(5, 3)
    net2 = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
    return [centered.tolist(), abs(Y.mean().item()) < 1e-6, tuple(linear.weight.shape),
            tuple(linear(torch.rand(2, 5)).shape), tuple(net2(torch.rand(2, 64)).shape), str(net2),
            [n for n, _ in linear.named_parameters()], str(linear.weight.dtype)]


def test_custom_layers():
    e, t = both(custom_layers_snippet)
    assert e == t


def lenet(torch):
    nn = torch.nn

    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))


def lenet_blitz(torch):
    """The 60-minute blitz network: max pooling, relu, F.* calls and num_flat_features."""
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super(Net, self).__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, self.num_flat_features(x))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

        def num_flat_features(self, x):
            size = x.size()[1:]
            num_features = 1
            for s in size:
                num_features *= s
            return num_features

    return Net()


def test_lenet_prints_as_pytorch_and_has_ten_parameters():
    def shapes(torch):
        net = lenet(torch)
        X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
        out = []
        for layer in net:
            X = layer(X)
            out.append((layer.__class__.__name__, tuple(X.shape)))
        return [str(net), len(list(net.parameters())), out, str(lenet_blitz(torch)),
                len(list(lenet_blitz(torch).parameters()))]

    e, t = both(shapes)
    assert e == t
    assert e[1] == e[4] == 10


@pytest.mark.parametrize("builder,size", [(lenet, 28), (lenet_blitz, 32)])
def test_manual_sgd_step_matches_pytorch(builder, size):
    """The blitz's update loop `f.data.sub_(f.grad.data * learning_rate)` after one backward."""
    e_net, t_net = builder(ember), builder(real_torch)
    copy_state(t_net, e_net)
    x = np.random.default_rng(0).standard_normal((4, 1, size, size)).astype(np.float32)
    y = [1, 0, 4, 9]
    lr = 0.1
    losses = []
    for torch, net in ((ember, e_net), (real_torch, t_net)):
        criterion = torch.nn.CrossEntropyLoss()
        net.zero_grad()
        loss = criterion(net(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        for f in net.parameters():
            f.data.sub_(f.grad.data * lr)
        losses.append(loss)
    assert losses[0].grad_fn.name() == losses[1].grad_fn.name() == "NllLossBackward0"
    assert_close(losses[0], losses[1], ember.float32)
    for (name, e), (_, t) in zip(e_net.named_parameters(), t_net.named_parameters()):
        assert_close(e, t, ember.float32, name)


def test_lenet_learns_a_small_problem():
    """A few hundred SGD steps on a fixed batch drive the loss down (the whole stack trains)."""
    net = lenet_blitz(ember)
    x = ember.randn(8, 1, 32, 32)
    y = ember.tensor([0, 1, 2, 3, 4, 5, 6, 7])
    criterion = ember.nn.CrossEntropyLoss()
    first = None
    for _ in range(60):
        net.zero_grad()
        loss = criterion(net(x), y)
        loss.backward()
        for f in net.parameters():
            f.data.sub_(f.grad.data * 0.05)
        first = loss.item() if first is None else first
    assert loss.item() < 0.5 * first
