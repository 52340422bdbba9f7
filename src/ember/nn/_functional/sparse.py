"""Embedding lookups and one-hot encoding of ember.nn.functional."""
from ... import _creation, _dtype
from ..._functions.embedding import Embedding
from ...autograd import grad_mode


def normalize_padding_idx(padding_idx, num_embeddings):
    """padding_idx checked and made non-negative (None stays None)."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError("Padding_idx must be within num_embeddings")
    return padding_idx + num_embeddings if padding_idx < 0 else padding_idx


def _renorm_rows(weight, indices, max_norm, norm_type):
    """In place, as PyTorch: the looked-up rows whose norm exceeds max_norm are scaled down to it."""
    with grad_mode.no_grad():
        rows = _creation.tensor(sorted(set(indices.reshape(-1).tolist())), dtype=_dtype.int64, device=weight.device)
        norms = weight[rows].norm(norm_type, 1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).where(norms > max_norm, 1.0)
        weight[rows] = weight[rows] * scale


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    if input.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, "
                           f"Int; but got {input.type()} instead (while checking arguments for embedding)")
    num = weight.shape[0]
    padding_idx = normalize_padding_idx(padding_idx, num)
    if input.numel() and bool(((input < 0) | (input >= num)).any()):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    return Embedding.apply(weight, input.long(), padding_idx, scale_grad_by_freq)


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() and bool((tensor < 0).any()):
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(tensor.max()) + 1 if tensor.numel() else 0
    elif tensor.numel() and int(tensor.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = _creation.zeros(*tensor.shape, num_classes, dtype=_dtype.int64, device=tensor.device)
    return out.scatter_(-1, tensor.unsqueeze(-1), 1) if tensor.numel() else out


__all__ = ["embedding", "one_hot"]
