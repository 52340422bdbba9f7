"""User mistakes give PyTorch's exception type with a message naming the op and shapes; none
crashes the interpreter. Cases: shape mismatch (broadcast, matmul, cat, view, expand, setitem),
bad dim, dtype mismatch, out-of-range index, integer division by zero, negative sizes,
non-contiguous view, numpy conversion of a tensor that requires grad, CUDA without a GPU."""
import numpy as np
import pytest

import ember

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
