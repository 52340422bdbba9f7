// The CUDA kernels the ops layer dispatches to. Same families and op enums as the CPU kernels
// (cpu/kernels.h), so `ops/` picks a backend by the tensor's device and calls the same thing.
// Implemented by the .cu files in a CUDA build and by no_cuda.cpp (each throws) otherwise.
//
// Contract: ops/ has checked every argument (shapes, dtypes, same device, writable output), the
// outputs are allocated on the inputs' device, and every Tensor passed here lives on one CUDA
// device, except that an input may be a 0-d CPU tensor, read on the host as a scalar.
#pragma once
#include <cstdint>
#include <vector>

#include "core/philox.h"
#include "core/tensor.h"
#include "cpu/conv.h"
#include "cpu/kernels.h"
#include "cpu/loss.h"
#include "cpu/optim.h"
#include "cpu/pool.h"

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

// ---- the nn kernels: the CPU's names and argument structs, on device pointers -------------
// They run on the current CUDA device: ops/ holds a DeviceScope for the tensors' device.
struct DeviceScope {
  explicit DeviceScope(Device d);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;
  int previous = -1;
};

// softmax (log=false) or log_softmax over the middle dim of a contiguous (outer, len, inner)
// tensor, and its gradient from the saved output (reduce.cu).
template <class T>
void softmax_forward(int64_t outer, int64_t len, int64_t inner, const T* x, T* y, bool log);
template <class T>
void softmax_backward(int64_t outer, int64_t len, int64_t inner, const T* grad, const T* y, T* grad_x, bool log);

// cumsum (product=false) or cumprod over the middle dim of a contiguous (outer, len, inner)
// tensor, accumulating in double (floating) or int64 as on the CPU (reduce.cu).
template <class T>
void cumulative(int64_t outer, int64_t len, int64_t inner, const T* x, T* y, bool product);

// conv.cu: im2col + the GEMM above, as cpu/conv.h.
template <class T>
void conv2d_forward(const cpu::Conv2dShape& s, const T* x, const T* w, const T* bias, T* y);
template <class T>
void conv2d_backward_input(const cpu::Conv2dShape& s, const T* gy, const T* w, T* gx);
template <class T>
void conv2d_backward_weight(const cpu::Conv2dShape& s, const T* gy, const T* x, T* gw, T* gb);

// pool.cu, as cpu/pool.h.
template <class T>
void max_pool2d_forward(const cpu::Pool2dShape& s, const T* x, T* y, int64_t* idx);
template <class T>
void max_pool2d_backward(const cpu::Pool2dShape& s, const T* gy, const int64_t* idx, T* gx);
template <class T>
void avg_pool2d_forward(const cpu::Pool2dShape& s, bool count_include_pad, int64_t divisor, const T* x, T* y);
template <class T>
void avg_pool2d_backward(const cpu::Pool2dShape& s, bool count_include_pad, int64_t divisor, const T* gy, T* gx);
template <class T>
void adaptive_avg_pool2d_forward(const cpu::Pool2dShape& s, const T* x, T* y);
template <class T>
void adaptive_avg_pool2d_backward(const cpu::Pool2dShape& s, const T* gy, T* gx);
// True when an index is outside [0, limit) (checked on the device, one flag comes back).
bool any_index_out_of_range(const int64_t* idx, int64_t n, int64_t limit);

// loss.cu, as cpu/loss.h (weight and target are device pointers; targets already checked).
template <class T>
void cross_entropy_forward(const cpu::LossShape& s, const cpu::LossOptions<T>& o, const T* x, const int64_t* target,
                           T* lsm, T* loss);
template <class T>
void cross_entropy_backward(const cpu::LossShape& s, const cpu::LossOptions<T>& o, const T* grad, const T* lsm,
                            const int64_t* target, T* grad_x);
template <class T>
void nll_loss_forward(const cpu::LossShape& s, const cpu::LossOptions<T>& o, const T* logp, const int64_t* target,
                      T* loss);
template <class T>
void nll_loss_backward(const cpu::LossShape& s, const cpu::LossOptions<T>& o, const T* grad, const int64_t* target,
                       T* grad_x);

// random.cu: n elements of dtype dt at data (contiguous) from Philox counters base, base + 1,
// ... under seed, each element computed as on the CPU (core/philox.h), so the streams match.
void random_fill(DType dt, void* data, int64_t n, uint64_t seed, uint64_t base, const rng::DistParams& d);

// optim.cu, as cpu/optim.h: one launch per parameter, PyTorch's single-tensor formulas.
void sgd_step(const std::vector<cpu::OptimSlot>& slots, const cpu::SgdOptions& o);
void adam_step(const std::vector<cpu::OptimSlot>& slots, const cpu::AdamOptions& o);

}  // namespace ember::cuda
