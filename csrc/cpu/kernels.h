// The CPU kernels compiled once per instruction set (csrc/cpu/isa/*.cpp is built three times:
// generic, AVX2, AVX-512). `kernels()` returns the table of the best ISA the CPU supports;
// EMBER_CPU_ISA=generic|avx2|avx512 forces one so every path can be tested on one machine.
#pragma once
#include <cstdint>

#include "core/dtype.h"
#include "core/iter.h"
#include "cpu/conv.h"
#include "cpu/pool.h"

namespace ember::cpu {

using ember::LoopFn;

enum class UnaryOp : int {
  Neg, Abs, Sign, Exp, Log, Log1p, Expm1, Log2, Log10, Sqrt, Rsqrt, Sin, Cos, Tan, Tanh, Sigmoid,
  Relu, Floor, Ceil, Round, Trunc, Reciprocal, Erf, Asin, Acos, Atan, Sinh, Cosh,
  Gelu, GeluTanh, Silu, Softplus, Elu, LeakyRelu, Clamp, PowScalar, LogicalNot, BitwiseNot,
  IsNan, IsInf, IsFinite, Count
};
// Ops whose result is bool whatever the input.
inline bool unary_returns_bool(UnaryOp op) {
  return op == UnaryOp::LogicalNot || op == UnaryOp::IsNan || op == UnaryOp::IsInf || op == UnaryOp::IsFinite;
}

enum class BinaryOp : int {
  Add, Sub, Mul, Div, FloorDiv, Remainder, Pow, Maximum, Minimum, Atan2,
  Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor, BitAnd, BitOr, BitXor,
  // fused backward helpers: (grad, saved) -> grad_input
  ThresholdBackward, SigmoidBackward, TanhBackward,
  Count
};
inline bool binary_returns_bool(BinaryOp op) {
  return (op >= BinaryOp::Eq && op <= BinaryOp::LogicalXor);
}

// Signature of the packed GEMM: C = alpha * op(A) @ op(B) + beta * C, row-major, where op(X)
// is X read with (row stride, col stride) so transposes cost nothing.
template <class T>
using GemmFn = void (*)(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
                        const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t ldc);

// Contiguous reductions of one run of n elements.
template <class T>
using SumFn = double (*)(const T* x, int64_t n);

// Direct convolution of rows read with unit stride (s.sW == 1): forward (bias may be null) and
// weight gradient (fully written).
template <class T>
using ConvDirectFn = void (*)(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y);
template <class T>
using ConvDirectWeightFn = void (*)(const Conv2dShape& s, const T* gy, const T* x, T* gw);

// Max pooling forward (cpu/pool.h's max_pool2d_forward).
template <class T>
using MaxPoolFn = void (*)(const Pool2dShape& s, const T* x, T* y, int64_t* idx);

struct KernelTable {
  const char* isa = "generic";
  LoopFn unary[static_cast<int>(UnaryOp::Count)][kNumDTypes] = {};
  LoopFn binary[static_cast<int>(BinaryOp::Count)][kNumDTypes] = {};
  GemmFn<float> sgemm = nullptr;
  GemmFn<double> dgemm = nullptr;
  SumFn<float> sum_f32 = nullptr;
  SumFn<double> sum_f64 = nullptr;
  ConvDirectFn<float> conv2d_direct_f32 = nullptr;
  ConvDirectFn<double> conv2d_direct_f64 = nullptr;
  ConvDirectWeightFn<float> conv2d_direct_weight_f32 = nullptr;
  ConvDirectWeightFn<double> conv2d_direct_weight_f64 = nullptr;
  MaxPoolFn<float> max_pool2d_f32 = nullptr;
  MaxPoolFn<double> max_pool2d_f64 = nullptr;
};

const KernelTable& kernels();

// Filled by each ISA build of csrc/cpu/isa/*.cpp.
#define EMBER_DECLARE_ISA(isa)                 \
  void fill_elementwise_##isa(KernelTable& t); \
  void fill_gemm_##isa(KernelTable& t);        \
  void fill_reduce_##isa(KernelTable& t);      \
  void fill_conv_##isa(KernelTable& t);        \
  void fill_pool_##isa(KernelTable& t);
EMBER_DECLARE_ISA(generic)
EMBER_DECLARE_ISA(avx2)
EMBER_DECLARE_ISA(avx512)
#undef EMBER_DECLARE_ISA

}  // namespace ember::cpu
