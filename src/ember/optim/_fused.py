"""The one place that chooses between a fused C++ update of a whole param group and its Python
reference. The kernel (`_C.sgd_step`, `_C.adam_step`) takes lists of TensorImpl handles; the
reference takes the same arguments as Tensors, so tests can hold one to the other."""
from .. import _C


def group_step(kernel_name, reference, tensor_lists, *scalars):
    kernel = getattr(_C, kernel_name, None)
    if kernel is None:
        reference(*tensor_lists, *scalars)
    else:
        kernel(*[[t._c for t in ts] for ts in tensor_lists], *scalars)
