#pragma once
#include <optional>

#include "core/tensor.h"

namespace ember::ops {

Tensor matmul(const Tensor& a, const Tensor& b);  // numpy/PyTorch matmul with batch broadcasting
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor mv(const Tensor& a, const Tensor& v);
Tensor dot(const Tensor& a, const Tensor& b);
// y = x @ w^T + bias, with x of any leading dims; one GEMM with the bias as its C.
Tensor linear(const Tensor& x, const Tensor& w, const std::optional<Tensor>& bias);
// out = beta * c + alpha * (a @ b) for 2-D a, b (c broadcast).
Tensor addmm(const Tensor& c, const Tensor& a, const Tensor& b, double beta, double alpha);

}  // namespace ember::ops
