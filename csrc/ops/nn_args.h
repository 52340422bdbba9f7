// Argument checks shared by the nn ops (conv, pool, loss, optim), with PyTorch's messages.
#pragma once
#include <array>
#include <vector>

#include "core/tensor.h"
#include "cuda/kernels.h"

namespace ember::ops {

using IntList = std::vector<int64_t>;
using Pair = std::array<int64_t, 2>;

// (h, w) from a list of one value (used for both) or two; `what` names the argument in errors.
Pair int_pair(const std::vector<int64_t>& v, const char* what, const char* op);
// The tensor is on the CPU (for the nn ops with no CUDA kernel yet).
void check_nn_cpu(const Tensor& t, const char* op);
// float32 or float64; `what` names the argument. On the CPU unless the op has a CUDA kernel.
void check_nn_float(const Tensor& t, const char* what, const char* op, bool cuda_ok = false);
// `t` has `ref`'s dtype and device; names both arguments.
void check_same_dtype(const Tensor& t, const char* what, const Tensor& ref, const char* ref_what, const char* op);
// A shape passed in by the caller (input_shape of a backward) has no negative size.
void check_shape_arg(const Shape& shape, const char* what, const char* op);

// Calls the kernel of the same name on the backend of `device`: cpu::fn(...) or, under a scope
// making `device` current, cuda::fn(...) (the needle-style lookup: both export the same names).
#define EMBER_NN_CALL(device, fn, ...)                \
  do {                                                \
    if ((device).is_cuda()) {                         \
      ::ember::cuda::DeviceScope ember_scope_(device); \
      ::ember::cuda::fn(__VA_ARGS__);                 \
    } else {                                          \
      ::ember::cpu::fn(__VA_ARGS__);                  \
    }                                                 \
  } while (0)

}  // namespace ember::ops
