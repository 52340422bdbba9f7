"""Scaled dot-product attention of ember.nn.functional, composed of ember ops."""
import math

from ... import _creation, _dtype
from .dropout import dropout


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(Q K^T * scale + mask) V, with PyTorch's masking rules: a bool mask keeps True
    positions, a float mask is added; is_causal keeps the lower triangle."""
    n_query, n_key = query.shape[-2], key.shape[-2]
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and key.dim() > 2 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key, value = key.repeat_interleave(groups, -3), value.repeat_interleave(groups, -3)
    scores = (query @ key.transpose(-2, -1)) * scale
    if is_causal:
        keep = _creation.ones(n_query, n_key, dtype=_dtype.bool, device=query.device).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype is _dtype.bool else \
            scores + attn_mask
    weights = scores.softmax(-1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights @ value


__all__ = ["scaled_dot_product_attention"]
