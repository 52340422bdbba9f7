#include "ops/nn_args.h"

#include "core/error.h"

namespace ember::ops {

Pair int_pair(const std::vector<int64_t>& v, const char* what, const char* op) {
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() == 2) return {v[0], v[1]};
  throw Error(str(op, ": ", what, " must either be a single int, or a tuple of two ints, but got a list of ",
                  v.size(), " values"));
}

void check_nn_cpu(const Tensor& t, const char* op) {
  if (!t.device().is_cpu())
    throw NotImplementedError(str(op, ": no CUDA kernel yet; got a tensor on ", t.device().str(), " (move it to the CPU with .cpu())"));
}

void check_nn_float(const Tensor& t, const char* what, const char* op, bool cuda_ok) {
  if (!cuda_ok) check_nn_cpu(t, op);
  if (!is_floating(t.dtype()))
    throw Error(str(op, ": expected ", what, " to be float32 or float64, but got ", dtype_name(t.dtype())));
}

void check_same_dtype(const Tensor& t, const char* what, const Tensor& ref, const char* ref_what, const char* op) {
  check_device_match(ref, t, op, what);
  if (t.dtype() != ref.dtype())
    throw Error(str(op, ": expected ", what, " to have the same dtype as ", ref_what, " (", dtype_name(ref.dtype()),
                    "), but got ", dtype_name(t.dtype())));
}

void check_shape_arg(const Shape& shape, const char* what, const char* op) {
  for (int64_t s : shape)
    if (s < 0) throw Error(str(op, ": ", what, " has a negative size: ", shape_str(shape)));
}

}  // namespace ember::ops
