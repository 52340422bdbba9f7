// 2-D pooling and its gradients. Input [N, C, H, W] or unbatched [C, H, W]; the output has the
// same rank. kernel_size, stride, padding, dilation are one or two ints; an empty stride means
// the kernel size, as in PyTorch.
#pragma once
#include <optional>
#include <utility>

#include "core/tensor.h"
#include "ops/nn_args.h"

namespace ember::ops {

// (output, indices): indices (int64) are flat positions ih * W + iw within each input plane.
std::pair<Tensor, Tensor> max_pool2d(const Tensor& input, const IntList& kernel_size, const IntList& stride,
                                     const IntList& padding, const IntList& dilation, bool ceil_mode);
Tensor max_pool2d_backward(const Tensor& grad_output, const Tensor& indices, const Shape& input_shape);

Tensor avg_pool2d(const Tensor& input, const IntList& kernel_size, const IntList& stride, const IntList& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override);
Tensor avg_pool2d_backward(const Tensor& grad_output, const Shape& input_shape, const IntList& kernel_size,
                           const IntList& stride, const IntList& padding, bool ceil_mode, bool count_include_pad,
                           std::optional<int64_t> divisor_override);

Tensor adaptive_avg_pool2d(const Tensor& input, const IntList& output_size);
Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output, const Shape& input_shape);

}  // namespace ember::ops
