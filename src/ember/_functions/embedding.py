"""Embedding lookup: rows of the weight; backward adds the gradient rows back (none into padding_idx)."""
from ..autograd.function import Function


class Embedding(Function):
    node_name = "EmbeddingBackward0"
    graph_inputs = slice(0, 1)

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        flat = indices.reshape(-1)
        ctx.save_for_backward(flat)
        ctx.num_weights, ctx.padding_idx, ctx.scale_grad_by_freq = weight.shape[0], padding_idx, scale_grad_by_freq
        return weight.index_select(0, flat).reshape(tuple(indices.shape) + (weight.shape[1],))

    @staticmethod
    def backward(ctx, g):
        (flat,) = ctx.saved_tensors
        rows = g.reshape(flat.shape[0], -1)
        if ctx.padding_idx is not None:
            rows = rows * (flat != ctx.padding_idx).unsqueeze(1)
        if ctx.scale_grad_by_freq:  # each row's gradient divided by how often its index occurs
            counts = rows.new_zeros(ctx.num_weights).index_add(0, flat, rows.new_ones(flat.shape[0]))
            rows = rows / counts.index_select(0, flat).unsqueeze(1)
        return rows.new_zeros(ctx.num_weights, rows.shape[1]).index_add(0, flat, rows), None, None, None
