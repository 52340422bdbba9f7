#pragma once
#include <optional>

#include "core/tensor.h"
#include "cpu/kernels.h"

namespace ember::ops {

using cpu::BinaryOp;
using cpu::UnaryOp;

// PyTorch's result_type: dimensioned tensors outrank 0-d tensors, which outrank Python numbers,
// except that a higher category (bool < integer < floating) always wins.
DType result_type(const std::vector<const Tensor*>& operands);
Tensor scalar_tensor(double value, DType dtype, bool wrapped_number);
// A Python number as an operand: int -> int64, float -> float32 default, bool -> bool.
Tensor wrap_scalar(double value, DType category_type);

Tensor unary(UnaryOp op, const Tensor& x, const double* params = nullptr, int nparams = 0);
Tensor& unary_(UnaryOp op, Tensor& x, const double* params = nullptr, int nparams = 0);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor& binary_(BinaryOp op, Tensor& self, const Tensor& other);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

const char* unary_name(UnaryOp op);
const char* binary_name(BinaryOp op);

// Checks shared by every op that writes into an existing tensor.
void check_writable(const Tensor& out, const char* op);
// Allocation of the output of an elementwise op over `shape`.
Tensor empty_for(const Shape& shape, DType dtype, Device device);

}  // namespace ember::ops
