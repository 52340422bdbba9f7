"""The call of a fused C++ group update (`_C.sgd_step`, `_C.adam_step`, ...): Tensor lists go in
as lists of TensorImpl handles. Looked up by name at each call, so a test can wrap a kernel."""
from .. import _C


def group_step(kernel_name, tensor_lists, *scalars):
    getattr(_C, kernel_name)(*[[t._c for t in ts] for ts in tensor_lists], *scalars)
