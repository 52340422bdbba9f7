// Argument checks shared by the nn ops (conv, pool, loss, optim), with PyTorch's messages.
#pragma once
#include <array>
#include <vector>

#include "core/tensor.h"

namespace ember::ops {

using IntList = std::vector<int64_t>;
using Pair = std::array<int64_t, 2>;

// (h, w) from a list of one value (used for both) or two; `what` names the argument in errors.
Pair int_pair(const std::vector<int64_t>& v, const char* what, const char* op);
// The tensor is on the CPU (the only backend with nn kernels so far).
void check_nn_cpu(const Tensor& t, const char* op);
// float32 or float64; `what` names the argument.
void check_nn_float(const Tensor& t, const char* what, const char* op);
// `t` has `ref`'s dtype; names both arguments.
void check_same_dtype(const Tensor& t, const char* what, const Tensor& ref, const char* ref_what, const char* op);
// A shape passed in by the caller (input_shape of a backward) has no negative size.
void check_shape_arg(const Shape& shape, const char* what, const char* op);

}  // namespace ember::ops
