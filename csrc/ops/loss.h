// Cross-entropy and NLL with class-index targets, PyTorch's semantics. input [C] (one sample),
// [N, C] or [N, C, d1, ...]; target int64 (or uint8) shaped like input without its C dim.
// reduction: 0 none (one loss per target), 1 mean (divided by the summed class weights of the
// targets that are not ignore_index), 2 sum.
#pragma once
#include <optional>
#include <utility>

#include "core/tensor.h"

namespace ember::ops {

// (loss, log_softmax of input over C): the second is what cross_entropy_backward needs.
std::pair<Tensor, Tensor> cross_entropy(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                                        int64_t ignore_index, double label_smoothing, int64_t reduction);
Tensor cross_entropy_backward(const Tensor& grad_loss, const Tensor& log_softmax, const Tensor& target,
                              const std::optional<Tensor>& weight, int64_t ignore_index, double label_smoothing,
                              int64_t reduction);

// On log-probabilities: loss = -weight[t] * input[t].
Tensor nll_loss(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight, int64_t ignore_index,
                int64_t reduction);
Tensor nll_loss_backward(const Tensor& grad_loss, const Tensor& input, const Tensor& target,
                         const std::optional<Tensor>& weight, int64_t ignore_index, int64_t reduction);

}  // namespace ember::ops
