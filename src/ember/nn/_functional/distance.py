"""Distances and similarities of ember.nn.functional, and normalize."""
from ... import _creation, _dtype, _ops
from ...autograd import grad_mode


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return _ops.norm(x1 - x2 + eps, p, -1, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    x1, x2 = _ops.broadcast_tensors(x1, x2)
    n1 = x1.norm(2, dim, keepdim=True).clone()
    n2 = x2.norm(2, dim, keepdim=True).clone()
    with grad_mode.no_grad():  # as PyTorch: the eps floor does not stop the gradient
        n1.clamp_(min=eps)
        n2.clamp_(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pdist(input, p=2):
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    n = input.shape[0]
    i, j = _ops.triu(_creation.ones(n, n, dtype=_dtype.bool, device=input.device), 1).nonzero(as_tuple=True)
    return _ops.norm(input[i] - input[j], p, -1)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    result = input / input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)
    return _ops._out(result, out)


__all__ = ["pairwise_distance", "cosine_similarity", "pdist", "normalize"]
