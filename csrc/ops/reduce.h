#pragma once
#include <optional>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ember::ops {

enum class ReduceOp { Sum, Prod, Max, Min, All, Any };

// dims empty = all dims.
Tensor reduce(ReduceOp op, const Tensor& x, std::vector<int64_t> dims, bool keepdim,
              std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor& x, std::vector<int64_t> dims, bool keepdim, std::optional<DType> dtype);
Tensor var(const Tensor& x, std::vector<int64_t> dims, double correction, bool keepdim);
// (values, indices) along one dim; max=false gives min.
std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim, bool max);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim, bool max);
Tensor cumulative(const Tensor& x, int64_t dim, bool product, std::optional<DType> dtype);
Tensor softmax(const Tensor& x, int64_t dim, bool log);
// grad_input of softmax (log=false) or log_softmax (log=true) from the saved output.
Tensor softmax_backward(const Tensor& grad, const Tensor& out, int64_t dim, bool log);

}  // namespace ember::ops
