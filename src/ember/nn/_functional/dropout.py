"""Dropout of ember.nn.functional: zero elements (or whole channels) with probability p and scale
the rest by 1/(1-p), in training only."""
import warnings


def _check_p(p):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _masked(input, mask_shape, p, inplace):
    if p == 1:
        mask = input.new_zeros(mask_shape)
    else:
        mask = input.new_empty(mask_shape).bernoulli_(1 - p).div_(1 - p)
    return input.mul_(mask) if inplace else input * mask


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if not training or p == 0:
        return input
    return _masked(input, input.shape, p, inplace)


def _feature_dropout(input, p, training, inplace, batched):
    """One draw per channel: the mask is 1 over every dim after the channel dim."""
    _check_p(p)
    if not training or p == 0:
        return input
    lead = 2 if batched else 1
    return _masked(input, tuple(input.shape[:lead]) + (1,) * (input.dim() - lead), p, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, input.dim() == 3)


def _warn_unexpected_dims(name, input, spatial):
    if input.dim() not in (spatial + 1, spatial + 2):
        warnings.warn(f"{name}: Received a {input.dim()}-D input to {name}, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use dropout "
                      f"instead. Note that {name} exists to provide channel-wise dropout on inputs with {spatial} "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _warn_unexpected_dims("dropout2d", input, 2)
    if input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, input.dim() >= 3)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _warn_unexpected_dims("dropout3d", input, 3)
    return _feature_dropout(input, p, training, inplace, input.dim() != 4)


__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d"]
