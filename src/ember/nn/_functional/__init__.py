"""The implementation of ember.nn.functional, one file per family (see functional.py)."""


def scalar_type_name(t):
    """PyTorch's name for a tensor's scalar type in error messages: 'Float', 'Long', ..."""
    return t.dtype.legacy_name[:-len("Tensor")]
