// Elementwise kernels: one functor per op, one loop template per arity. The contiguous and
// scalar-operand cases get their own plain loops so the compiler vectorises them for this ISA.
#include "cpu/isa/isa.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "cpu/isa/vmath.h"
#include "cpu/kernels.h"

namespace ember::cpu {
namespace {

template <class T> constexpr bool is_fp = std::is_floating_point_v<T>;

// exp and tanh: the vectorisable float32 versions, libm for double.
template <class T> T vexp(T x) {
  if constexpr (std::is_same_v<T, float>) return exp_f32(x); else return std::exp(x);
}
template <class T> T vtanh(T x) {
  if constexpr (std::is_same_v<T, float>) return tanh_f32(x); else return std::tanh(x);
}

// Integer arithmetic wraps around as in PyTorch; done in the unsigned type, where wrapping is
// defined (signed overflow is undefined behaviour in C++).
template <class T> T wrap_neg(T x) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return static_cast<T>(std::make_unsigned_t<T>(0) - static_cast<std::make_unsigned_t<T>>(x));
  else return static_cast<T>(-x);
}
template <class T, class F> T wrap_int(T a, T b, F op) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(op(static_cast<U>(a), static_cast<U>(b))));
  } else {
    return static_cast<T>(op(a, b));
  }
}

// ---- unary functors: f(x, params) ----------------------------------------------------------
#define UNARY(Name, expr) \
  struct Name { template <class T> static auto f(T x, const double* p) { (void)p; return expr; } };
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
  template <class T> static T f(T x, const double* p) {
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
  template <class T> static T f(T x, const double*) {
    if constexpr (std::is_same_v<T, bool>) return !x; else return static_cast<T>(~x);
  }
};
// params: exponent. Integer bases use exact repeated squaring (exponent >= 0 checked in ops/).
struct PowScalar {
  template <class T> static T f(T x, const double* p) {
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

template <class T, class Out, class F>
void unary_loop(char** d, const int64_t* s, int64_t n, const double* p) {
  if (s[0] == sizeof(Out) && s[1] == sizeof(T)) {
    Out* EMBER_RESTRICT o = reinterpret_cast<Out*>(d[0]);
    const T* EMBER_RESTRICT x = reinterpret_cast<const T*>(d[1]);
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<Out>(F::f(x[i], p));
  } else {
    char* o = d[0]; const char* x = d[1];
    for (int64_t i = 0; i < n; ++i, o += s[0], x += s[1])
      *reinterpret_cast<Out*>(o) = static_cast<Out>(F::f(*reinterpret_cast<const T*>(x), p));
  }
}

// ---- binary functors: f(a, b) ------------------------------------------------------------
template <class T> T floor_div(T a, T b) {
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
template <class T> T remainder(T a, T b) {
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
template <class T> T int_pow(T a, T b) {
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
template <class T> T nan_max(T a, T b) { if constexpr (is_fp<T>) { if (a != a || b != b) return a + b; } return a > b ? a : b; }
template <class T> T nan_min(T a, T b) { if constexpr (is_fp<T>) { if (a != a || b != b) return a + b; } return a < b ? a : b; }
template <class T> T bit_and(T a, T b) { if constexpr (is_fp<T>) return T(0); else return static_cast<T>(a & b); }
template <class T> T bit_or(T a, T b) { if constexpr (is_fp<T>) return T(0); else return static_cast<T>(a | b); }
template <class T> T bit_xor(T a, T b) { if constexpr (is_fp<T>) return T(0); else return static_cast<T>(a ^ b); }

#define BINARY(Name, expr) \
  struct Name { template <class T> static auto f(T a, T b) { return expr; } };
BINARY(Add, wrap_int(a, b, [](auto u, auto v) { return u + v; }))
BINARY(Sub, wrap_int(a, b, [](auto u, auto v) { return u - v; }))
BINARY(Mul, wrap_int(a, b, [](auto u, auto v) { return u * v; }))
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

template <class T, class Out, class F>
void binary_loop(char** d, const int64_t* s, int64_t n, const double*) {
  constexpr int64_t so = sizeof(Out), st = sizeof(T);
  Out* o = reinterpret_cast<Out*>(d[0]);
  const T* a = reinterpret_cast<const T*>(d[1]);
  const T* b = reinterpret_cast<const T*>(d[2]);
  if (s[0] == so && s[1] == st && s[2] == st) {
    Out* EMBER_RESTRICT oo = o; const T* EMBER_RESTRICT aa = a; const T* EMBER_RESTRICT bb = b;
    for (int64_t i = 0; i < n; ++i) oo[i] = F::f(aa[i], bb[i]);
  } else if (s[0] == so && s[1] == st && s[2] == 0) {
    Out* EMBER_RESTRICT oo = o; const T* EMBER_RESTRICT aa = a; const T bv = *b;
    for (int64_t i = 0; i < n; ++i) oo[i] = F::f(aa[i], bv);
  } else if (s[0] == so && s[1] == 0 && s[2] == st) {
    Out* EMBER_RESTRICT oo = o; const T av = *a; const T* EMBER_RESTRICT bb = b;
    for (int64_t i = 0; i < n; ++i) oo[i] = F::f(av, bb[i]);
  } else {
    char* po = d[0]; const char* pa = d[1]; const char* pb = d[2];
    for (int64_t i = 0; i < n; ++i, po += s[0], pa += s[1], pb += s[2])
      *reinterpret_cast<Out*>(po) = F::f(*reinterpret_cast<const T*>(pa), *reinterpret_cast<const T*>(pb));
  }
}

// ---- registration ------------------------------------------------------------------------
template <class F, bool ToBool, class... Ts>
void reg_unary(KernelTable& t, UnaryOp op) {
  ((t.unary[static_cast<int>(op)][static_cast<int>(dtype_of<Ts>::value)] =
        &unary_loop<Ts, std::conditional_t<ToBool, bool, Ts>, F>), ...);
}
template <class F, bool ToBool, class... Ts>
void reg_binary(KernelTable& t, BinaryOp op) {
  ((t.binary[static_cast<int>(op)][static_cast<int>(dtype_of<Ts>::value)] =
        &binary_loop<Ts, std::conditional_t<ToBool, bool, Ts>, F>), ...);
}

}  // namespace

void EMBER_ISA_FN(fill_elementwise)(KernelTable& t) {
  using U = UnaryOp;
  using B = BinaryOp;
#define FLOATS float, double
#define INTS uint8_t, int32_t, int64_t
  reg_unary<Neg, false, INTS, FLOATS>(t, U::Neg);
  reg_unary<Abs, false, INTS, FLOATS>(t, U::Abs);
  reg_unary<Sign, false, INTS, FLOATS>(t, U::Sign);
  reg_unary<Exp, false, FLOATS>(t, U::Exp);
  reg_unary<Log, false, FLOATS>(t, U::Log);
  reg_unary<Log1p, false, FLOATS>(t, U::Log1p);
  reg_unary<Expm1, false, FLOATS>(t, U::Expm1);
  reg_unary<Log2, false, FLOATS>(t, U::Log2);
  reg_unary<Log10, false, FLOATS>(t, U::Log10);
  reg_unary<Sqrt, false, FLOATS>(t, U::Sqrt);
  reg_unary<Rsqrt, false, FLOATS>(t, U::Rsqrt);
  reg_unary<Sin, false, FLOATS>(t, U::Sin);
  reg_unary<Cos, false, FLOATS>(t, U::Cos);
  reg_unary<Tan, false, FLOATS>(t, U::Tan);
  reg_unary<Tanh, false, FLOATS>(t, U::Tanh);
  reg_unary<Sigmoid, false, FLOATS>(t, U::Sigmoid);
  reg_unary<Relu, false, INTS, FLOATS>(t, U::Relu);
  reg_unary<Floor, false, FLOATS>(t, U::Floor);
  reg_unary<Ceil, false, FLOATS>(t, U::Ceil);
  reg_unary<Round, false, FLOATS>(t, U::Round);
  reg_unary<Trunc, false, FLOATS>(t, U::Trunc);
  reg_unary<Reciprocal, false, FLOATS>(t, U::Reciprocal);
  reg_unary<Erf, false, FLOATS>(t, U::Erf);
  reg_unary<Asin, false, FLOATS>(t, U::Asin);
  reg_unary<Acos, false, FLOATS>(t, U::Acos);
  reg_unary<Atan, false, FLOATS>(t, U::Atan);
  reg_unary<Sinh, false, FLOATS>(t, U::Sinh);
  reg_unary<Cosh, false, FLOATS>(t, U::Cosh);
  reg_unary<Gelu, false, FLOATS>(t, U::Gelu);
  reg_unary<GeluTanh, false, FLOATS>(t, U::GeluTanh);
  reg_unary<Silu, false, FLOATS>(t, U::Silu);
  reg_unary<Softplus, false, FLOATS>(t, U::Softplus);
  reg_unary<Elu, false, FLOATS>(t, U::Elu);
  reg_unary<LeakyRelu, false, FLOATS>(t, U::LeakyRelu);
  reg_unary<Clamp, false, INTS, FLOATS>(t, U::Clamp);
  reg_unary<PowScalar, false, INTS, FLOATS>(t, U::PowScalar);
  reg_unary<LogicalNot, true, bool, INTS, FLOATS>(t, U::LogicalNot);
  reg_unary<BitwiseNot, false, bool, INTS>(t, U::BitwiseNot);
  reg_unary<IsNan, true, bool, INTS, FLOATS>(t, U::IsNan);
  reg_unary<IsInf, true, bool, INTS, FLOATS>(t, U::IsInf);
  reg_unary<IsFinite, true, bool, INTS, FLOATS>(t, U::IsFinite);

  reg_binary<Add, false, bool, INTS, FLOATS>(t, B::Add);
  reg_binary<Sub, false, INTS, FLOATS>(t, B::Sub);
  reg_binary<Mul, false, bool, INTS, FLOATS>(t, B::Mul);
  reg_binary<Div, false, FLOATS>(t, B::Div);
  reg_binary<FloorDiv, false, INTS, FLOATS>(t, B::FloorDiv);
  reg_binary<Remainder, false, INTS, FLOATS>(t, B::Remainder);
  reg_binary<Pow, false, INTS, FLOATS>(t, B::Pow);
  reg_binary<Maximum, false, bool, INTS, FLOATS>(t, B::Maximum);
  reg_binary<Minimum, false, bool, INTS, FLOATS>(t, B::Minimum);
  reg_binary<Atan2, false, FLOATS>(t, B::Atan2);
  reg_binary<Eq, true, bool, INTS, FLOATS>(t, B::Eq);
  reg_binary<Ne, true, bool, INTS, FLOATS>(t, B::Ne);
  reg_binary<Lt, true, bool, INTS, FLOATS>(t, B::Lt);
  reg_binary<Le, true, bool, INTS, FLOATS>(t, B::Le);
  reg_binary<Gt, true, bool, INTS, FLOATS>(t, B::Gt);
  reg_binary<Ge, true, bool, INTS, FLOATS>(t, B::Ge);
  reg_binary<LogicalAnd, true, bool, INTS, FLOATS>(t, B::LogicalAnd);
  reg_binary<LogicalOr, true, bool, INTS, FLOATS>(t, B::LogicalOr);
  reg_binary<LogicalXor, true, bool, INTS, FLOATS>(t, B::LogicalXor);
  reg_binary<BitAnd, false, bool, INTS>(t, B::BitAnd);
  reg_binary<BitOr, false, bool, INTS>(t, B::BitOr);
  reg_binary<BitXor, false, bool, INTS>(t, B::BitXor);
  reg_binary<ThresholdBackward, false, FLOATS>(t, B::ThresholdBackward);
  reg_binary<SigmoidBackward, false, FLOATS>(t, B::SigmoidBackward);
  reg_binary<TanhBackward, false, FLOATS>(t, B::TanhBackward);
#undef FLOATS
#undef INTS
}

}  // namespace ember::cpu
