"""Linear maps of ember.nn.functional."""
from ... import _ops

linear = _ops.linear


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = input1[..., i] weight[o, i, j] input2[..., j] + bias[o]."""
    out_features, in1, in2 = weight.shape
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
                           f"{list(input2.shape[:-1])}")
    lead = input1.shape[:-1]
    x1, x2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    mixed = (x1 @ weight.permute(1, 0, 2).reshape(in1, out_features * in2)).reshape(-1, out_features, in2)
    y = (mixed * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(tuple(lead) + (out_features,))


__all__ = ["linear", "bilinear"]
