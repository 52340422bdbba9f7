// The element functors of every elementwise op, shared by the CPU kernels (csrc/cpu/isa, built
// once per ISA) and the CUDA kernels (csrc/cuda), so both compute the same thing: a new
// elementwise op is one functor here plus one registration line on each backend.
//
// Everything is in an anonymous namespace on purpose: each ISA build of the CPU kernels must get
// its own copy (an inline function shared by name across the AVX2 and generic objects would let
// the linker pick the AVX2 one for a CPU without AVX2).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#if defined(__CUDACC__)
#define EMBER_HD __host__ __device__
#else
#define EMBER_HD
#endif

#if !defined(__CUDA_ARCH__)
#include "cpu/isa/vmath.h"
#endif

namespace ember::elem {
namespace {

// exp and tanh: on the CPU the vectorisable float32 versions (libm for double); on the GPU the
// device math library.
template <class T> EMBER_HD T vexp(T x) {
#if defined(__CUDA_ARCH__)
  return exp(x);
#else
  if constexpr (std::is_same_v<T, float>) return cpu::exp_f32(x); else return std::exp(x);
#endif
}
template <class T> EMBER_HD T vtanh(T x) {
#if defined(__CUDA_ARCH__)
  return tanh(x);
#else
  if constexpr (std::is_same_v<T, float>) return cpu::tanh_f32(x); else return std::tanh(x);
#endif
}

template <class T> constexpr bool is_fp = std::is_floating_point_v<T>;

// Integer arithmetic wraps around as in PyTorch; done in the unsigned type, where wrapping is
// defined (signed overflow is undefined behaviour in C++).
template <class T> EMBER_HD T wrap_neg(T x) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return static_cast<T>(std::make_unsigned_t<T>(0) - static_cast<std::make_unsigned_t<T>>(x));
  else return static_cast<T>(-x);
}
struct PlusOp { template <class U> EMBER_HD U operator()(U u, U v) const { return u + v; } };
struct MinusOp { template <class U> EMBER_HD U operator()(U u, U v) const { return u - v; } };
struct TimesOp { template <class U> EMBER_HD U operator()(U u, U v) const { return u * v; } };
template <class T, class F> EMBER_HD T wrap_int(T a, T b, F op) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(op(static_cast<U>(a), static_cast<U>(b))));
  } else {
    return static_cast<T>(op(a, b));
  }
}

// ---- unary functors: f(x, params) ----------------------------------------------------------
#define UNARY(Name, expr) \
  struct Name { template <class T> EMBER_HD static auto f(T x, const double* p) { (void)p; return expr; } };
UNARY(Neg, wrap_neg(x))
UNARY(Abs, static_cast<T>(x < T(0) ? wrap_neg(x) : x == T(0) ? T(0) : x))  // abs(-0.0) is +0.0
UNARY(Sign, static_cast<T>((T(0) < x) - (x < T(0))))
UNARY(Exp, vexp(x))
UNARY(Log, std::log(x))
UNARY(Log1p, std::log1p(x))
UNARY(Expm1, std::expm1(x))
UNARY(Log2, std::log2(x))
UNARY(Log10, std::log10(x))
UNARY(Sqrt, std::sqrt(x))
UNARY(Rsqrt, T(1) / std::sqrt(x))
UNARY(Sin, std::sin(x))
UNARY(Cos, std::cos(x))
UNARY(Tan, std::tan(x))
UNARY(Tanh, vtanh(x))
UNARY(Sigmoid, T(1) / (T(1) + vexp(-x)))
UNARY(Relu, static_cast<T>(x < T(0) ? T(0) : x))  // NaN and -0.0 pass through, as in PyTorch
UNARY(Floor, std::floor(x))
UNARY(Ceil, std::ceil(x))
UNARY(Round, std::nearbyint(x))  // half to even, as PyTorch
UNARY(Trunc, std::trunc(x))
UNARY(Reciprocal, T(1) / x)
UNARY(Erf, std::erf(x))
UNARY(Asin, std::asin(x))
UNARY(Acos, std::acos(x))
UNARY(Atan, std::atan(x))
UNARY(Sinh, std::sinh(x))
UNARY(Cosh, std::cosh(x))
UNARY(Gelu, static_cast<T>(x * T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2)))))
UNARY(GeluTanh, static_cast<T>(T(0.5) * x * (T(1) + vtanh(T(0.7978845608028654) * (x + T(0.044715) * x * x * x)))))
UNARY(Silu, x / (T(1) + vexp(-x)))
// params: beta, threshold
UNARY(Softplus, static_cast<T>(x * T(p[0]) > T(p[1]) ? x : std::log1p(std::exp(x * T(p[0]))) / T(p[0])))
// params: alpha
UNARY(Elu, static_cast<T>(x > T(0) ? x : T(p[0]) * std::expm1(x)))
UNARY(LeakyRelu, static_cast<T>(x > T(0) ? x : x * T(p[0])))
// params: min, max, has_min, has_max; NaN stays NaN and max wins over min (min > max gives max), as in PyTorch
struct Clamp {
  template <class T> EMBER_HD static T f(T x, const double* p) {
    if (x != x) return x;
    if (p[2] != 0 && x < T(p[0])) x = T(p[0]);
    if (p[3] != 0 && x > T(p[1])) x = T(p[1]);
    return x;
  }
};
UNARY(LogicalNot, !static_cast<bool>(x))
UNARY(IsNan, x != x)
UNARY(IsInf, (is_fp<T> && (x == std::numeric_limits<T>::infinity() || x == -std::numeric_limits<T>::infinity())))
UNARY(IsFinite, (!is_fp<T> || (x == x && x != std::numeric_limits<T>::infinity() && x != -std::numeric_limits<T>::infinity())))
#undef UNARY
struct BitwiseNot {
  template <class T> EMBER_HD static T f(T x, const double*) {
    if constexpr (std::is_same_v<T, bool>) return !x; else return static_cast<T>(~x);
  }
};
// params: exponent. Integer bases use exact repeated squaring (exponent >= 0 checked in ops/).
struct PowScalar {
  template <class T> EMBER_HD static T f(T x, const double* p) {
    if constexpr (is_fp<T>) {
      double e = p[0];
      if (e == 2.0) return x * x;
      if (e == 0.5) return std::sqrt(x);
      if (e == 1.0) return x;
      if (e == 3.0) return x * x * x;
      return static_cast<T>(std::pow(x, static_cast<T>(e)));
    } else {
      int64_t e = static_cast<int64_t>(p[0]);
      T r = 1, b = x;
      while (e > 0) { if (e & 1) r = static_cast<T>(r * b); b = static_cast<T>(b * b); e >>= 1; }
      return r;
    }
  }
};

// ---- binary functors: f(a, b) ------------------------------------------------------------
template <class T> EMBER_HD T floor_div(T a, T b) {
  if constexpr (is_fp<T>) {
    if (b == T(0)) return a / b;
    T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) div -= T(1);
    if (div == T(0)) return std::copysign(T(0), a / b);
    T fl = std::floor(div);
    if (div - fl > T(0.5)) fl += T(1);
    return fl;
  } else if constexpr (std::is_same_v<T, bool>) {
    return a;
  } else {
    if (std::is_signed_v<T> && b == T(-1)) return static_cast<T>(T(0) - a);  // no overflow trap
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }
}
template <class T> EMBER_HD T remainder(T a, T b) {
  if constexpr (is_fp<T>) {
    T m = std::fmod(a, b);
    if (m != T(0) && ((b < T(0)) != (m < T(0)))) m += b;
    return m;
  } else if constexpr (std::is_same_v<T, bool>) {
    return false;
  } else {
    if (std::is_signed_v<T> && b == T(-1)) return 0;
    T m = a % b;
    if (m != 0 && ((b < 0) != (m < 0))) m += b;
    return m;
  }
}
template <class T> EMBER_HD T int_pow(T a, T b) {
  if constexpr (is_fp<T>) {
    return std::pow(a, b);
  } else {
    int64_t e = static_cast<int64_t>(b);
    if (e < 0) {  // PyTorch's rule for a tensor exponent: 1 and -1 keep their magnitude, the rest give 0
      if (a == T(1)) return T(1);
      if constexpr (std::is_signed_v<T>) if (a == T(-1)) return (e & 1) ? T(-1) : T(1);
      return T(0);
    }
    // Unsigned arithmetic wraps on overflow as PyTorch's results do (signed overflow is undefined).
    using U = std::make_unsigned_t<std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>>;
    U r = 1, base = static_cast<U>(a);
    while (e > 0) { if (e & 1) r = static_cast<U>(r * base); base = static_cast<U>(base * base); e >>= 1; }
    return static_cast<T>(r);
  }
}
// Ties keep a, as PyTorch's do: maximum(0., -0.) is 0. and maximum(-0., 0.) is -0.
template <class T> EMBER_HD T nan_max(T a, T b) { if constexpr (is_fp<T>) { if (a != a || b != b) return a + b; } return a < b ? b : a; }
template <class T> EMBER_HD T nan_min(T a, T b) { if constexpr (is_fp<T>) { if (a != a || b != b) return a + b; } return b < a ? b : a; }
template <class T> EMBER_HD T bit_and(T a, T b) { if constexpr (is_fp<T>) return T(0); else return static_cast<T>(a & b); }
template <class T> EMBER_HD T bit_or(T a, T b) { if constexpr (is_fp<T>) return T(0); else return static_cast<T>(a | b); }
template <class T> EMBER_HD T bit_xor(T a, T b) { if constexpr (is_fp<T>) return T(0); else return static_cast<T>(a ^ b); }

#define BINARY(Name, expr) \
  struct Name { template <class T> EMBER_HD static auto f(T a, T b) { return expr; } };
BINARY(Add, wrap_int(a, b, PlusOp{}))
BINARY(Sub, wrap_int(a, b, MinusOp{}))
BINARY(Mul, wrap_int(a, b, TimesOp{}))
BINARY(Div, static_cast<T>(a / b))
BINARY(FloorDiv, floor_div(a, b))
BINARY(Remainder, remainder(a, b))
BINARY(Pow, int_pow(a, b))
BINARY(Maximum, nan_max(a, b))
BINARY(Minimum, nan_min(a, b))
BINARY(Atan2, static_cast<T>(std::atan2(a, b)))
BINARY(Eq, a == b)
BINARY(Ne, a != b)
BINARY(Lt, a < b)
BINARY(Le, a <= b)
BINARY(Gt, a > b)
BINARY(Ge, a >= b)
BINARY(LogicalAnd, static_cast<bool>(a) && static_cast<bool>(b))
BINARY(LogicalOr, static_cast<bool>(a) || static_cast<bool>(b))
BINARY(LogicalXor, static_cast<bool>(a) != static_cast<bool>(b))
BINARY(BitAnd, bit_and(a, b))
BINARY(BitOr, bit_or(a, b))
BINARY(BitXor, bit_xor(a, b))
BINARY(ThresholdBackward, static_cast<T>(b > T(0) ? a : T(0)))
BINARY(SigmoidBackward, static_cast<T>(a * b * (T(1) - b)))
BINARY(TanhBackward, static_cast<T>(a * (T(1) - b * b)))
#undef BINARY

// ---- optimizer element updates (cpu/optim.cpp, cuda/optim.cu): PyTorch's single-tensor formulas

// torch.maximum: NaN if either is NaN.
template <class T> EMBER_HD T maximum_nan(T a, T b) { return a != a ? a : (b > a || b != b) ? b : a; }
// torch.lerp's two-sided formula, exact at both ends.
template <class T> EMBER_HD T lerp(T self, T end, T w) {
  return (w < T(0.5) && w > T(-0.5)) ? self + w * (end - self) : end - (end - self) * (T(1) - w);
}

template <class T>
struct SgdUpdate {
  T lr, mom, damp, wd;  // damp is 1 - dampening
  bool maximize, decay, momentum, first, nesterov;
  // buf: the momentum buffer element (null without momentum).
  EMBER_HD void operator()(T& p, T g, T* buf) const {
    T d = maximize ? -g : g;
    if (decay) d = d + wd * p;
    if (momentum) {
      T m = first ? d : *buf * mom + damp * d;
      *buf = m;
      d = nesterov ? d + mom * m : m;
    }
    p = p + (-lr) * d;
  }
};

template <class T>
struct AdamUpdate {
  T neg_step_size, bc2_sqrt, eps, w1, beta2, w2, wd, decay;  // decay is 1 - lr * weight_decay
  bool maximize, has_decay, decoupled;
  // vmax: the amsgrad running max element (null without amsgrad).
  EMBER_HD void operator()(T& p, T g, T& m, T& v, T* vmax) const {
    T d = maximize ? -g : g;
    if (has_decay) {
      if (decoupled) p = p * decay;
      else d = d + wd * p;
    }
    m = lerp(m, d, w1);
    v = v * beta2 + w2 * d * d;
    T second = v;
    if (vmax) second = *vmax = maximum_nan(*vmax, v);
    T denom = std::sqrt(second) / bc2_sqrt + eps;
    p = p + neg_step_size * m / denom;
  }
};

}  // namespace
}  // namespace ember::elem
