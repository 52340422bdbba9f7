"""Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict against PyTorch's: the same
operations give the same keys, lengths, errors and printed trees."""
from collections import OrderedDict

import pytest

import ember
from ember import nn
from nn_parity import assert_same_error, torch

tnn = torch.nn


def layers(lib):
    n = lib.nn
    return [n.Linear(2, 3), n.ReLU(), n.Linear(3, 3), n.ReLU(), n.Linear(3, 1)]


def same(fn):
    """fn(lib) builds a container and returns it: both libraries print the same tree."""
    e, t = fn(ember), fn(torch)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    return e, t


def test_sequential_indexing_and_editing():
    e, t = same(lambda lib: lib.nn.Sequential(*layers(lib)))
    assert len(e) == len(t) == 5
    assert isinstance(e[1:3], nn.Sequential) and repr(e[1:3]) == repr(t[1:3])
    assert repr(e[::2]) == repr(t[::2]) and repr(e[-1]) == repr(t[-1])
    assert_same_error(lambda: e[5], lambda: t[5])
    same(lambda lib: lib.nn.Sequential(*layers(lib)).append(lib.nn.Tanh()))
    same(lambda lib: lib.nn.Sequential(*layers(lib)).insert(1, lib.nn.Tanh()))
    same(lambda lib: lib.nn.Sequential(*layers(lib)).extend([lib.nn.Tanh(), lib.nn.Sigmoid()]))

    def deleted(lib):
        s = lib.nn.Sequential(*layers(lib))
        del s[1]
        del s[1:3]
        return s

    same(deleted)

    def popped(lib):
        s = lib.nn.Sequential(*layers(lib))
        s.pop(0)
        s[0] = lib.nn.Identity()
        return s

    same(popped)
    same(lambda lib: lib.nn.Sequential(OrderedDict([("fc", lib.nn.Linear(2, 2)), ("act", lib.nn.ReLU())])))
    same(lambda lib: lib.nn.Sequential(lib.nn.Linear(1, 1)) + lib.nn.Sequential(lib.nn.ReLU()))
    same(lambda lib: lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh()) * 2)

    def added(lib):
        s = lib.nn.Sequential()
        for i in range(3):
            s.add_module(f"block{i}", lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU()))
        return s

    same(added)
    assert [type(m).__name__ for m in e] == [type(m).__name__ for m in t]


def test_sequential_forward_chains_modules():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x = ember.randn(4, 2)
    assert seq(x).tolist() == seq[2](seq[1](seq[0](x))).tolist()
    assert nn.Sequential()(x) is x


def test_module_list():
    e, t = same(lambda lib: lib.nn.ModuleList(layers(lib)))
    assert len(e) == 5 and isinstance(e[1:], nn.ModuleList)
    assert repr(e[1:]) == repr(t[1:])
    same(lambda lib: lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)] + [lib.nn.ReLU()]))
    same(lambda lib: lib.nn.ModuleList())

    def edited(lib):
        ml = lib.nn.ModuleList(layers(lib))
        ml.append(lib.nn.Tanh())
        ml.insert(0, lib.nn.Sigmoid())
        ml += [lib.nn.ReLU()]
        del ml[2]
        ml[0] = lib.nn.Identity()
        ml.pop(-1)
        return ml + lib.nn.ModuleList([lib.nn.ELU()])

    same(edited)
    assert_same_error(lambda: e[7], lambda: t[7])
    assert_same_error(lambda: e.extend(3), lambda: t.extend(3))
    assert_same_error(lambda: e(1), lambda: t(1))


def test_module_dict():
    def build(lib):
        d = lib.nn.ModuleDict({"b": lib.nn.ReLU(), "a": lib.nn.Linear(2, 2)})
        d["c"] = lib.nn.Tanh()
        d.update([("e", lib.nn.Sigmoid())])
        del d["b"]
        return d

    e, t = same(build)
    assert list(e.keys()) == list(t.keys()) and "a" in e and len(e) == 3
    assert [type(m).__name__ for m in e.values()] == [type(m).__name__ for m in t.values()]
    assert type(e.pop("a")).__name__ == "Linear" and list(e) == ["c", "e"]
    assert_same_error(lambda: e.update([("x",)]), lambda: t.update([("x",)]))
    assert_same_error(lambda: e.update(1), lambda: t.update(1))


def test_parameter_list_and_dict():
    def plist(lib):
        pl = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)), lib.zeros(3, 4, dtype=lib.float64)])
        pl.append(lib.ones(1))
        pl.extend([lib.nn.Parameter(lib.ones(2, 2))])
        return pl

    e, t = same(plist)
    assert len(e) == 4 and all(isinstance(p, nn.Parameter) for p in e)
    assert [tuple(p.shape) for p in e.parameters()] == [tuple(p.shape) for p in t.parameters()]
    assert isinstance(e[1:], nn.ParameterList) and e[-1].shape == (2, 2)

    def pdict(lib):
        pd = lib.nn.ParameterDict({"w": lib.nn.Parameter(lib.ones(2)), "b": lib.zeros(3)})
        pd["c"] = lib.ones(1, 2)
        pd.update({"d": lib.nn.Parameter(lib.ones(1))})
        return pd

    e, t = same(pdict)
    assert list(e.keys()) == list(t.keys()) == ["b", "w", "c", "d"]
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert isinstance(e["b"], nn.Parameter) and "w" in e and e.get("zz") is None
    del e["c"]
    assert list(e) == ["b", "w", "d"] and e.pop("d").shape == (1,)
    with pytest.raises(RuntimeError, match="ParameterDict should not be called."):
        e(1)


def test_containers_register_parameters_of_a_model():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
            self.heads = nn.ModuleDict({"x": nn.Linear(2, 1)})
            self.scales = nn.ParameterList([nn.Parameter(ember.ones(1)) for _ in range(2)])

    names = [n for n, _ in Net().named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight",
                     "layers.2.bias", "heads.x.weight", "heads.x.bias", "scales.0", "scales.1"]
