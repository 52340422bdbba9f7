#pragma once
#include "core/tensor.h"

namespace ember::ops {

// dst[...] = src broadcast to dst's shape and cast to dst's dtype; works across devices.
void copy_(const Tensor& dst, const Tensor& src);
Tensor contiguous(const Tensor& t);
Tensor clone(const Tensor& t);  // contiguous copy
Tensor to_dtype(const Tensor& t, DType dtype);  // returns t itself when nothing changes
Tensor to_device(const Tensor& t, Device device);
void fill_(const Tensor& t, double value);

}  // namespace ember::ops
