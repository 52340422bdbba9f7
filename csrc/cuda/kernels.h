// The CUDA kernels the ops layer dispatches to. Same families and op enums as the CPU kernels
// (cpu/kernels.h), so `ops/` picks a backend by the tensor's device and calls the same thing.
// Implemented by the .cu files in a CUDA build and by no_cuda.cpp (each throws) otherwise.
//
// Contract: ops/ has checked every argument (shapes, dtypes, same device, writable output), the
// outputs are allocated on the inputs' device, and every Tensor passed here lives on one CUDA
// device, except that an input may be a 0-d CPU tensor, read on the host as a scalar.
#pragma once
#include <cstdint>

#include "core/tensor.h"
#include "cpu/kernels.h"

namespace ember::cuda {

using cpu::BinaryOp;
using cpu::UnaryOp;

// ---- elementwise (elementwise.cu) --------------------------------------------------------
// out = op(in); `in` already has the compute dtype `dt`, out has dt or bool. Broadcast inputs
// (stride 0) and any strides are fine.
// params: nparams (at most 4) op parameters, as for the CPU kernels.
void unary(UnaryOp op, const Tensor& out, const Tensor& in, const double* params, int nparams);
// out = op(a, b); a and b already have the compute dtype and broadcast to out's shape.
void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
// out = cond ? a : b; cond is bool, a and b have out's dtype.
void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
// dst = src cast to dst's dtype and broadcast to dst's shape (same device).
void copy(const Tensor& dst, const Tensor& src);
void fill(const Tensor& t, double value);
// True when any element of a bool tensor is set (a device-side test, one byte comes back).
bool any_true(const Tensor& t);

// ---- reductions (reduce.cu) --------------------------------------------------------------
enum class Reduce { Sum, Prod, Max, Min, All, Any };
// A reduction split into kept (outer) and reduced (inner) dims, each a (sizes, strides) group
// in elements, row-major, at most 8 dims each. out is contiguous with outer_numel elements.
struct ReduceGeometry {
  Shape outer_sizes, outer_strides, inner_sizes, inner_strides;
  int64_t outer_numel = 1, inner_numel = 1;
};
// Sum and Prod accumulate in double (floating) or int64 (integers) and write src's dtype; Max
// and Min propagate NaN; All and Any write out's dtype (bool or uint8).
void reduce(Reduce op, const Tensor& src, const ReduceGeometry& g, const Tensor& out);
// values and indices (int64) of the max (or min) along one dim of length len and stride stride
// at each outer position; the first occurrence wins, NaN counts as the largest, as on the CPU.
void max_dim(const Tensor& x, const ReduceGeometry& outer, int64_t len, int64_t stride, bool max,
             const Tensor& values, const Tensor& indices);

// ---- GEMM (gemm.cu) ------------------------------------------------------------------------
// For each of `batch` matrices: C = alpha * A @ B + beta * C with A (M x K) read at
// A + b*sa + i*rsa + p*csa and B (K x N) likewise; C row-major with row stride ldc and batch
// stride sc. Strides in elements; float32 and float64 only; runs on CUDA device `device`.
void gemm(int device, DType dt, int64_t batch, int64_t M, int64_t N, int64_t K, double alpha, const void* A, int64_t sa,
          int64_t rsa, int64_t csa, const void* B, int64_t sb, int64_t rsb, int64_t csb, double beta, void* C,
          int64_t sc, int64_t ldc);

}  // namespace ember::cuda
