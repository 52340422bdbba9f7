"""User mistakes give PyTorch's exception type (compared with torch itself where it is installed),
never a crash, a hang, code run on load, or silent wrong output. 162 cases:

* CASES (40): exact messages: shape mismatch (broadcast, matmul, cat, view, expand, setitem),
  bad dim, dtype mismatch, out-of-range index, integer division by zero, negative sizes,
  non-contiguous view, numpy of a tensor that requires grad, CUDA without a GPU.
* SAME_AS_TORCH (100): run on ember and torch, same exception type: shapes (30), dims (16),
  indices (15), dtypes (16), values and sizes incl. labels outside the class range (17),
  autograd and devices (6).
* CHECKPOINTS (8): empty, not a checkpoint, truncated (2), zip without data.pkl, corrupt
  pickle, pickles that would run code (2): ember.load raises and runs nothing.
* state dicts (4): missing key, unexpected key, size mismatch, strict=False.
* NaN targets (2): losses are NaN, not errors. DATALOADER_ARGS (7): bad DataLoader arguments,
  each also checked against torch's DataLoader. State after an error is unchanged (1).
"""
import io
import pickle
import zipfile

import numpy as np
import pytest

import ember
from ember import nn
from ember.utils.data import DataLoader, TensorDataset

torch = pytest.importorskip("torch")

CASES = [
    (RuntimeError, r"size of tensor a \(2\) must match the size of tensor b \(3\)", lambda: ember.ones(2) * ember.ones(3)),
    (RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)", lambda: ember.ones(2, 3) @ ember.ones(2, 3)),
    (RuntimeError, "Expected size for first two dimensions of batch2", lambda: ember.ones(2, 2, 3) @ ember.ones(2, 4, 3)),
    (RuntimeError, "both arguments to matmul need to be at least 1D", lambda: ember.ones(()) @ ember.ones(2)),
    (RuntimeError, "same dtype", lambda: ember.ones(2, 2) @ ember.ones(2, 2, dtype=ember.float64)),
    (RuntimeError, "Sizes of tensors must match except in dimension 0", lambda: ember.cat([ember.ones(1, 2), ember.ones(1, 3)])),
    (RuntimeError, "Tensors must have same number of dimensions", lambda: ember.cat([ember.ones(1, 2), ember.ones(2)])),
    (RuntimeError, "stack expects each tensor to be equal size", lambda: ember.stack([ember.ones(2), ember.ones(3)])),
    (RuntimeError, r"shape '\[4, 4\]' is invalid for input of size 6", lambda: ember.ones(2, 3).view(4, 4)),
    (RuntimeError, "only one dimension can be inferred", lambda: ember.ones(6).view(-1, -1)),
    (RuntimeError, "view size is not compatible", lambda: ember.ones(2, 3).t().view(6)),
    (RuntimeError, "The expanded size of the tensor", lambda: ember.ones(2, 3).expand(4, 3)),
    (RuntimeError, "shape mismatch: value tensor of shape", lambda: ember.zeros(4).__setitem__(ember.tensor([0, 1]), ember.ones(3))),
    (RuntimeError, r"output with shape \[3\] doesn't match the broadcast shape", lambda: ember.zeros(3).add_(ember.ones(2, 3))),
    (IndexError, "Dimension out of range", lambda: ember.ones(2, 3).sum(dim=5)),
    (IndexError, "Dimension out of range", lambda: ember.ones(2, 3).transpose(0, 2)),
    (IndexError, "Dimension out of range", lambda: ember.ones(2).unsqueeze(3)),
    (RuntimeError, "duplicate dims", lambda: ember.ones(2, 3).permute(0, 0)),
    (IndexError, "index 5 is out of bounds for dimension 0 with size 2", lambda: ember.ones(2)[5]),
    (IndexError, "index 9 is out of bounds for dimension 0 with size 3", lambda: ember.ones(3)[ember.tensor([9])]),
    (IndexError, "too many indices for tensor of dimension 1", lambda: ember.ones(3)[0, 1]),
    (IndexError, "tensors used as indices must be long", lambda: ember.ones(3)[ember.tensor([0.5])]),
    (RuntimeError, "index 7 is out of bounds", lambda: ember.ones(2, 3).gather(1, ember.tensor([[7]]))),
    (RuntimeError, "ZeroDivisionError", lambda: ember.tensor([3]) // ember.tensor([0])),
    (RuntimeError, "Integers to negative integer powers are not allowed", lambda: ember.tensor([2]) ** -1),
    (RuntimeError, "negative dimension -2", lambda: ember.zeros(3, -2)),
    (RuntimeError, "can't be cast to the desired output type Long", lambda: ember.ones(2, dtype=ember.int64).mul_(0.5)),
    (RuntimeError, "Subtraction, the `-` operator, with two bool tensors", lambda: ember.tensor([True]) - ember.tensor([True])),
    (RuntimeError, "mean\\(\\): could not infer output dtype", lambda: ember.tensor([1, 2]).mean()),
    (RuntimeError, "Can't call numpy\\(\\) on Tensor that requires grad", lambda: ember.ones(2, requires_grad=True).numpy()),
    (RuntimeError, "a Tensor with 2 elements cannot be converted to Scalar", lambda: ember.ones(2).item()),
    (RuntimeError, "Boolean value of Tensor with more than one value is ambiguous", lambda: bool(ember.ones(2))),
    (TypeError, "can't convert np.ndarray of type numpy.complex128", lambda: ember.from_numpy(np.ones(2, dtype=complex))),
    (ValueError, "negative", lambda: ember.from_numpy(np.arange(4.0)[::-1])),
    (RuntimeError, "where expected condition to be a boolean tensor", lambda: ember.where(ember.ones(2), ember.ones(2), ember.ones(2))),
    (RuntimeError, "masked_fill_ only supports boolean masks", lambda: ember.ones(2).masked_fill(ember.ones(2), 0)),
    (ValueError, "step must be greater than zero", lambda: ember.ones(4)[::-1]),
    (RuntimeError, "Torch not compiled with CUDA enabled|no NVIDIA driver|no CUDA GPU", lambda: ember.ones(2).cuda()),
    (RuntimeError, "Expected one of cpu, cuda device type", lambda: ember.ones(2).to("tpu")),
    (RuntimeError, "unsupported operation: more than one element of the written-to tensor",
     lambda: ember.zeros(1).expand(3).add_(1)),
]


@pytest.mark.parametrize("exc,match,fn", CASES, ids=[c[1][:40] for c in CASES])
def test_user_mistakes_raise_pytorch_errors(exc, match, fn):
    with pytest.raises(exc, match=match):
        fn()


def test_errors_do_not_corrupt_state():
    x = ember.arange(6.0).reshape(2, 3)
    with pytest.raises(RuntimeError):
        x.add_(ember.ones(4))
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


# Each runs on ember and on torch (T is the library): both must raise the same exception type.
SAME_AS_TORCH = {
    # shapes
    "add broadcast": lambda T: T.ones(2, 3) + T.ones(4),
    "matmul inner": lambda T: T.ones(3) @ T.ones(4),
    "mm 3-d": lambda T: T.mm(T.ones(2, 2, 2), T.ones(2, 2)),
    "bmm 2-d": lambda T: T.bmm(T.ones(2, 2), T.ones(2, 2)),
    "mv shapes": lambda T: T.mv(T.ones(2, 3), T.ones(2)),
    "dot 2-d": lambda T: T.dot(T.ones(2, 2), T.ones(2)),
    "outer 2-d": lambda T: T.outer(T.ones(2, 2), T.ones(2)),
    "reshape size": lambda T: T.ones(5).reshape(2, 3),
    "reshape negative": lambda T: T.ones(6).reshape(-2, 3),
    "view two -1": lambda T: T.ones(6).view(-1, -1),
    "expand fewer dims": lambda T: T.ones(2, 3).expand(3),
    "expand negative": lambda T: T.ones(2).expand(-2),
    "permute length": lambda T: T.ones(2, 3).permute(0),
    "cat dims": lambda T: T.cat([T.ones(2, 2), T.ones(2, 3)], 0),
    "cat 0-d": lambda T: T.cat([T.tensor(1.0), T.tensor(2.0)]),
    "stack empty list": lambda T: T.stack([]),
    "split sections": lambda T: T.ones(5).split([2, 2]),
    "chunk zero": lambda T: T.ones(5).chunk(0),
    "where shapes": lambda T: T.where(T.ones(2, dtype=T.bool), T.ones(3), T.ones(2)),
    "masked_fill mask shape": lambda T: T.ones(2).masked_fill(T.ones(3, dtype=T.bool), 0.0),
    "index_add source size": lambda T: T.zeros(3).index_add(0, T.tensor([0, 1]), T.ones(3)),
    "linear features": lambda T: T.nn.functional.linear(T.ones(2, 3), T.ones(4, 5)),
    "conv2d channels": lambda T: T.nn.functional.conv2d(T.ones(1, 3, 8, 8), T.ones(4, 2, 3, 3)),
    "conv2d kernel too big": lambda T: T.nn.functional.conv2d(T.ones(1, 1, 2, 2), T.ones(1, 1, 3, 3)),
    "max_pool2d too big": lambda T: T.nn.functional.max_pool2d(T.ones(1, 1, 2, 2), 3),
    "batch_norm features": lambda T: T.nn.functional.batch_norm(T.ones(2, 3), T.zeros(4), T.ones(4)),
    "mse sizes": lambda T: T.nn.functional.mse_loss(T.ones(2, 3), T.ones(3, 2)),
    "cross_entropy batch": lambda T: T.nn.functional.cross_entropy(T.ones(3, 4), T.tensor([0, 1])),
    "embedding index": lambda T: T.nn.functional.embedding(T.tensor([5]), T.ones(3, 2)),
    # dims
    "sum dim": lambda T: T.ones(2).sum(2),
    "sum dim list repeat": lambda T: T.ones(2, 2).sum([0, -2]),
    "softmax dim": lambda T: T.ones(2).softmax(3),
    "cumsum dim": lambda T: T.ones(2).cumsum(-3),
    "cumsum 0-d dim": lambda T: T.tensor(1.0).cumsum(1),
    "flip repeat": lambda T: T.ones(2, 2).flip([0, 0]),
    "squeeze 0-d dim": lambda T: T.tensor(1.0).squeeze(1),
    "narrow beyond": lambda T: T.ones(3).narrow(0, 2, 3),
    "select index": lambda T: T.ones(3).select(0, 3),
    "gather dim": lambda T: T.ones(2, 2).gather(2, T.zeros(2, 2, dtype=T.long)),
    "argmax empty": lambda T: T.ones(0).argmax(),
    "amax empty": lambda T: T.ones(0).amax(),
    "max empty dim": lambda T: T.ones(0, 2).max(0),
    "diagonal dims": lambda T: T.ones(2, 2).diagonal(0, 0, 0),
    "transpose dim": lambda T: T.ones(2, 2).transpose(0, -3),
    # indices
    "getitem int": lambda T: T.ones(2, 3)[0, 3],
    "getitem negative": lambda T: T.ones(2)[-3],
    "getitem tensor": lambda T: T.ones(3)[T.tensor([3])],
    "getitem float index": lambda T: T.ones(3)[T.tensor([1.0])],
    "getitem mask shape": lambda T: T.ones(3)[T.tensor([True, False])],
    "setitem value shape": lambda T: T.ones(3).__setitem__(slice(None), T.ones(2)),
    "gather negative": lambda T: T.ones(3).gather(0, T.tensor([-1])),
    "scatter out of range": lambda T: T.zeros(3).scatter(0, T.tensor([3]), 1.0),
    "scatter negative": lambda T: T.zeros(3).scatter(0, T.tensor([-1]), 1.0),
    "index_select negative": lambda T: T.ones(3).index_select(0, T.tensor([-1])),
    "index_select range": lambda T: T.ones(3).index_select(0, T.tensor([3])),
    "index_add negative": lambda T: T.zeros(3).index_add(0, T.tensor([-1]), T.ones(1)),
    "take empty": lambda T: T.ones(0).take(T.tensor([0])),
    # dtypes
    "bitwise float": lambda T: T.ones(2) & T.ones(2),
    "sub bool scalar": lambda T: T.ones(2) - True,
    "sub bool tensor": lambda T: T.ones(2) - T.ones(2, dtype=T.bool),
    "int pow negative scalar": lambda T: T.tensor([2]) ** -1,
    "int floor_divide zero": lambda T: T.tensor([1]) // 0,
    "int remainder zero": lambda T: T.tensor([1]) % T.tensor([0]),
    "maximum number": lambda T: T.maximum(T.ones(2), 1.0),
    "atan2 number": lambda T: T.atan2(T.ones(2), 1.0),
    "logical_and number": lambda T: T.logical_and(T.ones(2), True),
    "mean int": lambda T: T.tensor([1, 2]).mean(),
    "var int": lambda T: T.tensor([1, 2]).var(),
    "mm dtypes": lambda T: T.ones(2, 2) @ T.ones(2, 2, dtype=T.float64),
    "index by float tensor": lambda T: T.ones(3).index_select(0, T.tensor([0.0])),
    "mul_ float into int": lambda T: T.ones(2, dtype=T.long).mul_(1.5),
    "add_ float into bool": lambda T: T.ones(2, dtype=T.bool).add_(1.5),
    "cross_entropy float target 1-d": lambda T: T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0.0, 1.0])),
    # values and sizes
    "zeros negative": lambda T: T.zeros(-1),
    "randn negative": lambda T: T.randn(2, -3),
    "arange zero step": lambda T: T.arange(0, 5, 0),
    "arange wrong sign": lambda T: T.arange(0, 5, -1),
    "linspace negative steps": lambda T: T.linspace(0, 1, -1),
    "randint empty range": lambda T: T.randint(5, 5, (2,)),
    "multinomial negative": lambda T: T.multinomial(T.tensor([-1.0, 1.0]), 1),
    "multinomial too many": lambda T: T.multinomial(T.tensor([1.0, 1.0]), 3),
    "item of many": lambda T: T.ones(2).item(),
    "clamp no bounds": lambda T: T.clamp(T.ones(2)),
    "cross_entropy label too big": lambda T: T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0, 3])),
    "cross_entropy label negative": lambda T: T.nn.functional.cross_entropy(T.ones(2, 3), T.tensor([0, -1])),
    "nll_loss label too big": lambda T: T.nn.functional.nll_loss(T.ones(2, 3), T.tensor([5, 0])),
    "bce input range": lambda T: T.nn.functional.binary_cross_entropy(T.tensor([0.5, 1.5]), T.tensor([0.0, 1.0])),
    "dropout p": lambda T: T.nn.functional.dropout(T.ones(2), p=1.5),
    "Linear negative": lambda T: T.nn.Linear(-1, 2),
    "Conv2d groups": lambda T: T.nn.Conv2d(3, 4, 3, groups=2),
    "SGD lr": lambda T: T.optim.SGD([T.nn.Parameter(T.ones(1))], lr=-1.0),
    "Adam betas": lambda T: T.optim.Adam([T.nn.Parameter(T.ones(1))], betas=(1.5, 0.9)),
    "optimizer no params": lambda T: T.optim.SGD([], lr=0.1),
    "backward non-scalar": lambda T: T.ones(2, requires_grad=True).mul(2).backward(),
    "backward no grad": lambda T: T.ones(2).sum().backward(),
    "requires_grad int": lambda T: T.ones(2, dtype=T.long).requires_grad_(),
    "leaf in-place": lambda T: T.ones(2, requires_grad=True).add_(1),
    "numpy with grad": lambda T: T.ones(2, requires_grad=True).numpy(),
    "tensor ragged": lambda T: T.tensor([[1, 2], [3]]),
    "to bad device": lambda T: T.ones(2).to("nodevice"),
}


def _library_error(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # the type is the verdict
        return next(c for c in type(e).__mro__ if c.__module__ == "builtins")
    return None


@pytest.mark.parametrize("name", sorted(SAME_AS_TORCH))
def test_same_exception_type_as_torch(name):
    fn = SAME_AS_TORCH[name]
    expected = _library_error(fn, torch)
    assert expected is not None, "PyTorch accepts this: not a bad-input case"
    got = _library_error(fn, ember)
    if expected is NotImplementedError:  # PyTorch's "not implemented for dtype": a RuntimeError subclass
        expected = RuntimeError
    same_family = got is expected or (got is not None and issubclass(got, expected))
    assert same_family, f"ember raised {got.__name__ if got else 'nothing'}, PyTorch {expected.__name__}"


# ---- files, state dicts, data loaders ----------------------------------------------------
def _saved(obj):
    buf = io.BytesIO()
    ember.save(obj, buf)
    return buf.getvalue()


class _RunsCode:
    def __reduce__(self):
        return (print, ("code ran on load",))


def _malicious():
    buf = io.BytesIO()
    torch.save({"x": _RunsCode()}, buf)
    return buf.getvalue()


CHECKPOINTS = {
    "empty file": lambda: b"",
    "not a checkpoint": lambda: b"hello, world" * 10,
    "truncated": lambda: _saved({"w": ember.ones(100)})[:200],
    "truncated at the end": lambda: _saved({"w": ember.ones(100)})[:-30],
    "zip without data.pkl": lambda: _zip({"archive/other": b"x"}),
    "corrupt pickle": lambda: _zip({"archive/data.pkl": b"\x80\x02garbage"}),
    "code on load": _malicious,
    "raw pickle with code": lambda: pickle.dumps(_RunsCode()),
}


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in members.items():
            z.writestr(k, v)
    return buf.getvalue()


@pytest.mark.parametrize("name", sorted(CHECKPOINTS))
def test_bad_checkpoints_raise_instead_of_crashing_or_running_code(name, capsys):
    data = CHECKPOINTS[name]()
    with pytest.raises(Exception) as e:
        ember.load(io.BytesIO(data))
    assert isinstance(e.value, (RuntimeError, ValueError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile,
                                KeyError, OSError)), type(e.value)
    assert "code ran on load" not in capsys.readouterr().out


def test_missing_and_unexpected_state_dict_keys_and_shapes():
    model = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="Missing key"):
        model.load_state_dict({"weight": ember.ones(2, 3)})
    with pytest.raises(RuntimeError, match="Unexpected key"):
        model.load_state_dict({"weight": ember.ones(2, 3), "bias": ember.ones(2), "extra": ember.ones(1)})
    with pytest.raises(RuntimeError, match="size mismatch"):
        model.load_state_dict({"weight": ember.ones(3, 3), "bias": ember.ones(2)})
    model.load_state_dict({"weight": ember.ones(2, 3)}, strict=False)
    assert model.weight.tolist() == [[1.0] * 3] * 2


def test_nan_targets_give_nan_losses_not_errors():
    F = ember.nn.functional
    assert F.mse_loss(ember.ones(2), ember.tensor([0.0, float("nan")])).isnan()
    assert F.l1_loss(ember.ones(2), ember.tensor([float("nan"), 0.0])).isnan()


DATALOADER_ARGS = {
    "negative workers": (ValueError, dict(num_workers=-1)),
    "zero batch size": (ValueError, dict(batch_size=0)),
    "shuffle with sampler": (ValueError, dict(shuffle=True, sampler=[0, 1])),
    "batch_sampler with batch_size": (ValueError, dict(batch_sampler=[[0]], batch_size=2)),
    "timeout negative": (ValueError, dict(timeout=-1)),
    "prefetch without workers": (ValueError, dict(prefetch_factor=2)),
    "persistent without workers": (ValueError, dict(persistent_workers=True)),
}


@pytest.mark.parametrize("name", sorted(DATALOADER_ARGS))
def test_bad_dataloader_arguments(name):
    exc, kwargs = DATALOADER_ARGS[name]
    ds = TensorDataset(ember.ones(4, 2))
    with pytest.raises(exc):
        DataLoader(ds, **kwargs)
    with pytest.raises(exc):
        torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(4, 2)), **kwargs)
