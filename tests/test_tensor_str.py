"""Tensor printing: ember's tensor_repr against PyTorch's repr, on the same values.

A small fake tensor stands in for ember.Tensor, exposing only what tensor_repr reads.
"""
import importlib.util
import pathlib

import numpy as np
import pytest

try:
    from ember._tensor_str import get_printoptions, set_printoptions, tensor_repr
except ImportError:  # ember's __init__ needs the built _C; the printer does not
    _path = pathlib.Path(__file__).parents[1] / "src" / "ember" / "_tensor_str.py"
    _spec = importlib.util.spec_from_file_location("_tensor_str", _path)
    _mod = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)
    get_printoptions, set_printoptions, tensor_repr = (
        _mod.get_printoptions, _mod.set_printoptions, _mod.tensor_repr)


class FakeDType:
    def __init__(self, np_dtype):
        self.name = np.dtype(np_dtype).name
        self.is_floating_point = np.dtype(np_dtype).kind == "f"


class FakeDevice:
    def __init__(self, spec):
        self.type = spec.split(":")[0]
        self._spec = spec

    def __str__(self):
        return self._spec


class FakeGradFn:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


class FakeTensor:
    def __init__(self, array, requires_grad=False, grad_fn=None, device="cpu"):
        self._a = np.asarray(array)
        self.dtype = FakeDType(self._a.dtype)
        self.shape = self._a.shape
        self.grad_fn = FakeGradFn(grad_fn) if grad_fn else None
        self.requires_grad = requires_grad or self.grad_fn is not None
        self.is_leaf = self.grad_fn is None
        self.device = FakeDevice(device)

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self._a


@pytest.fixture(autouse=True)
def default_options():
    yield
    set_printoptions(profile="default")
    try:
        import torch
        torch.set_printoptions(profile="default")
    except ImportError:
        pass


def _torch_repr(a, **kwargs):
    torch = pytest.importorskip("torch")
    return repr(torch.tensor(a, **kwargs))


def _check(a, **opts):
    """Print `a` with both libraries under the same options and compare."""
    torch = pytest.importorskip("torch")
    set_printoptions(**opts)
    torch.set_printoptions(**opts)
    assert tensor_repr(FakeTensor(a)) == _torch_repr(a)


_rng = np.random.default_rng(0)


def _floats(shape, scale=1.0):
    return (_rng.standard_normal(shape) * scale).astype(np.float32)


def _log_uniform(shape, lo, hi):
    signs = _rng.choice([-1.0, 1.0], size=shape)
    return (signs * 10.0 ** _rng.uniform(lo, hi, size=shape)).astype(np.float32)


CASES = {
    "small": _floats(5, 1e-5),
    "unit": _floats(7),
    "thousands": _floats(6, 1e3),
    "huge": _floats(4, 1e10),
    "mixed_magnitudes": _log_uniform((3, 4), -5, 10),
    "narrow_range": _log_uniform(8, 0, 2),
    "int_valued_floats": np.array([1.0, -2.0, 300.0], np.float32),
    "int_valued_big": np.array([1.0, 2e9], np.float32),
    "zeros": np.zeros((2, 2), np.float32),
    "neg_zero": np.array([0.0, -0.0, 1.0], np.float32),
    "nan_inf": np.array([np.nan, np.inf, -np.inf, 1.5, -2.25], np.float32),
    "only_nonfinite": np.array([np.nan, np.inf], np.float32),
    "int_with_nan": np.array([np.nan, 2.0, -np.inf], np.float32),
    "ints": np.array([[1, -20, 300], [4, 5, 6]], np.int64),
    "bools": np.array([[True, False], [False, True]]),
    "scalar_float": np.array(3.0, np.float32),
    "scalar_frac": np.array(-0.123456, np.float32),
    "scalar_int": np.array(7, np.int64),
    "scalar_bool": np.array(True),
    "scalar_f64": np.array(2.5, np.float64),
    "empty": np.zeros(0, np.float32),
    "empty_int": np.zeros(0, np.int64),
    "empty_bool": np.zeros((0, 3), bool),
    "empty_2d": np.zeros((0, 3), np.float32),
    "empty_3d_f64": np.zeros((2, 0, 4), np.float64),
    "shape_2_3": _floats((2, 3)),
    "shape_2_3_4": _floats((2, 3, 4)),
    "shape_1_1_1": _floats((1, 1, 1)),
    "shape_2_1_2_1": _floats((2, 1, 2, 1)),
    "long_100": _floats(100),
    "long_2000": _floats(2000),
    "long_ints": np.arange(-500, 400, dtype=np.int64),
    "grid_50x50": _floats((50, 50)),
    "tall_2000x3": _floats((2000, 3)),
    "cube_12x12x12": _floats((12, 12, 12), 100),
    "wide_rows": _floats((3, 40)),
    "float64": _floats((2, 3)).astype(np.float64),
    "float64_precise": np.array([1 / 3, 2 / 3], np.float64),
    "float64_long": _floats(30).astype(np.float64),
    "int32": np.array([1, 2, 3], np.int32),
    "uint8": np.array([[0, 128, 255]], np.uint8),
    "int32_long": np.arange(2000, dtype=np.int32),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name):
    _check(CASES[name])


OPTIONS = {
    "precision2": dict(precision=2),
    "precision8": dict(precision=8),
    "sci_on": dict(sci_mode=True),
    "sci_off": dict(sci_mode=False),
    "profile_full": dict(profile="full"),
    "profile_short": dict(profile="short"),
    "threshold_10": dict(threshold=10, edgeitems=2),
    "edgeitems_0": dict(threshold=5, edgeitems=0),
    "linewidth_40": dict(linewidth=40),
}
OPTION_ARRAYS = ["mixed_magnitudes", "huge", "unit", "int_valued_floats", "zeros",
                 "long_100", "grid_50x50", "shape_2_3_4", "ints", "scalar_float",
                 "long_2000", "float64_long"]


@pytest.mark.parametrize("array", OPTION_ARRAYS)
@pytest.mark.parametrize("opts", OPTIONS)
def test_options_match_torch(opts, array):
    _check(CASES[array], **OPTIONS[opts])


@pytest.mark.parametrize("name", ["unit", "shape_2_3", "float64", "float64_long",
                                  "scalar_float", "long_2000"])
def test_requires_grad_and_grad_fn(name):
    torch = pytest.importorskip("torch")
    a = CASES[name]
    x = torch.tensor(a, requires_grad=True)
    assert tensor_repr(FakeTensor(a, requires_grad=True)) == repr(x)
    assert tensor_repr(FakeTensor(a * 2, grad_fn="MulBackward0")) == repr(x * 2)


def test_set_and_get_printoptions():
    torch = pytest.importorskip("torch")
    for opts in OPTIONS.values():
        set_printoptions(**opts)
        torch.set_printoptions(**opts)
        assert get_printoptions() == torch._tensor_str.get_printoptions()


# Literal expectations: these run without PyTorch installed.
LITERALS = [
    (FakeTensor(np.array([1.0, 2.0], np.float32)), "tensor([1., 2.])"),
    (FakeTensor(np.array([1.5, -0.25], np.float32)), "tensor([ 1.5000, -0.2500])"),
    (FakeTensor(np.array([1e10, 1.0], np.float32)), "tensor([1.0000e+10, 1.0000e+00])"),
    (FakeTensor(np.array([np.nan, 1.5, -np.inf], np.float32)),
     "tensor([   nan, 1.5000,   -inf])"),
    (FakeTensor(np.array([0.0, -0.0], np.float32)), "tensor([0., -0.])"),
    (FakeTensor(np.array(3.0, np.float32)), "tensor(3.)"),
    (FakeTensor(np.array(True)), "tensor(True)"),
    (FakeTensor(np.zeros(0, np.float32)), "tensor([])"),
    (FakeTensor(np.zeros(0, np.int64)), "tensor([], dtype=torch.int64)"),
    (FakeTensor(np.zeros((0, 3), np.float32)), "tensor([], size=(0, 3))"),
    (FakeTensor(np.array([[1, 2], [3, 4]], np.int32)),
     "tensor([[1, 2],\n        [3, 4]], dtype=torch.int32)"),
    (FakeTensor(np.arange(8, dtype=np.int64).reshape(2, 2, 2)),
     "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])"),
    (FakeTensor(np.arange(2000, dtype=np.int64)),
     "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
    (FakeTensor(np.array([1.0, 2.0], np.float32), requires_grad=True),
     "tensor([1., 2.], requires_grad=True)"),
    (FakeTensor(np.array([2.0, 4.0], np.float64), grad_fn="MulBackward0"),
     "tensor([2., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)"),
    (FakeTensor(np.array([1.0, 2.0], np.float32), device="cuda:0"),
     "tensor([1., 2.], device='cuda:0')"),
]


@pytest.mark.parametrize("fake, expected", LITERALS)
def test_literal(fake, expected):
    assert tensor_repr(fake) == expected


def test_long_suffixes_wrap():
    a = np.arange(13, dtype=np.float64) + 0.5
    expected = ("tensor([ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,"
                "  6.5000,  7.5000,\n"
                "         8.5000,  9.5000, 10.5000, 11.5000, 12.5000],"
                " dtype=torch.float64,\n"
                "       requires_grad=True)")
    assert tensor_repr(FakeTensor(a, requires_grad=True)) == expected
