#pragma once
#include "core/tensor.h"

namespace ember::ops {

Tensor full(const Shape& sizes, double value, DType dtype, Device device);
Tensor arange(double start, double end, double step, DType dtype, Device device);
Tensor linspace(double start, double end, int64_t steps, DType dtype, Device device);
Tensor eye(int64_t n, int64_t m, DType dtype, Device device);

}  // namespace ember::ops
