// conv2d and its two gradients. Input [N, C, H, W] or unbatched [C, H, W]; weight
// [O, C/groups, kH, kW]; stride, padding, dilation as one or two ints.
#pragma once
#include <optional>
#include <utility>

#include "core/tensor.h"
#include "ops/nn_args.h"

namespace ember::ops {

Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, const IntList& stride,
              const IntList& padding, const IntList& dilation, int64_t groups);
// grad_input of shape input_shape.
Tensor conv2d_backward_input(const Tensor& grad_output, const Tensor& weight, const Shape& input_shape,
                             const IntList& stride, const IntList& padding, const IntList& dilation, int64_t groups);
// (grad_weight of shape weight_shape, grad_bias [O] when bias_grad is set).
std::pair<Tensor, std::optional<Tensor>> conv2d_backward_weight(const Tensor& grad_output, const Tensor& input,
                                                                const Shape& weight_shape, const IntList& stride,
                                                                const IntList& padding, const IntList& dilation,
                                                                int64_t groups, bool bias_grad);

}  // namespace ember::ops
