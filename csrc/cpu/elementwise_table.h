// Which elementwise op exists for which dtypes, in one list that both backends register from
// (the CPU's per-ISA kernel table and the CUDA launch table), so they cannot drift apart.
// `Reg` provides `template <class F, bool ToBool, class... Ts> void unary(UnaryOp)` and the
// same for `binary(BinaryOp)`: register functor F for each dtype Ts (output bool if ToBool).
#pragma once
#include <cstdint>

#include "core/element_ops.h"
#include "cpu/kernels.h"

namespace ember::elem {
namespace {

template <class Reg>
void register_elementwise(Reg& r) {
  using U = cpu::UnaryOp;
  using B = cpu::BinaryOp;
#define FLOATS float, double
#define INTS uint8_t, int32_t, int64_t
  r.template unary<Neg, false, INTS, FLOATS>(U::Neg);
  r.template unary<Abs, false, INTS, FLOATS>(U::Abs);
  r.template unary<Sign, false, INTS, FLOATS>(U::Sign);
  r.template unary<Exp, false, FLOATS>(U::Exp);
  r.template unary<Log, false, FLOATS>(U::Log);
  r.template unary<Log1p, false, FLOATS>(U::Log1p);
  r.template unary<Expm1, false, FLOATS>(U::Expm1);
  r.template unary<Log2, false, FLOATS>(U::Log2);
  r.template unary<Log10, false, FLOATS>(U::Log10);
  r.template unary<Sqrt, false, FLOATS>(U::Sqrt);
  r.template unary<Rsqrt, false, FLOATS>(U::Rsqrt);
  r.template unary<Sin, false, FLOATS>(U::Sin);
  r.template unary<Cos, false, FLOATS>(U::Cos);
  r.template unary<Tan, false, FLOATS>(U::Tan);
  r.template unary<Tanh, false, FLOATS>(U::Tanh);
  r.template unary<Sigmoid, false, FLOATS>(U::Sigmoid);
  r.template unary<Relu, false, INTS, FLOATS>(U::Relu);
  r.template unary<Floor, false, FLOATS>(U::Floor);
  r.template unary<Ceil, false, FLOATS>(U::Ceil);
  r.template unary<Round, false, FLOATS>(U::Round);
  r.template unary<Trunc, false, FLOATS>(U::Trunc);
  r.template unary<Reciprocal, false, FLOATS>(U::Reciprocal);
  r.template unary<Erf, false, FLOATS>(U::Erf);
  r.template unary<Asin, false, FLOATS>(U::Asin);
  r.template unary<Acos, false, FLOATS>(U::Acos);
  r.template unary<Atan, false, FLOATS>(U::Atan);
  r.template unary<Sinh, false, FLOATS>(U::Sinh);
  r.template unary<Cosh, false, FLOATS>(U::Cosh);
  r.template unary<Gelu, false, FLOATS>(U::Gelu);
  r.template unary<GeluTanh, false, FLOATS>(U::GeluTanh);
  r.template unary<Silu, false, FLOATS>(U::Silu);
  r.template unary<Softplus, false, FLOATS>(U::Softplus);
  r.template unary<Elu, false, FLOATS>(U::Elu);
  r.template unary<LeakyRelu, false, FLOATS>(U::LeakyRelu);
  r.template unary<Clamp, false, INTS, FLOATS>(U::Clamp);
  r.template unary<PowScalar, false, INTS, FLOATS>(U::PowScalar);
  r.template unary<LogicalNot, true, bool, INTS, FLOATS>(U::LogicalNot);
  r.template unary<BitwiseNot, false, bool, INTS>(U::BitwiseNot);
  r.template unary<IsNan, true, bool, INTS, FLOATS>(U::IsNan);
  r.template unary<IsInf, true, bool, INTS, FLOATS>(U::IsInf);
  r.template unary<IsFinite, true, bool, INTS, FLOATS>(U::IsFinite);
  r.template binary<Add, false, bool, INTS, FLOATS>(B::Add);
  r.template binary<Sub, false, INTS, FLOATS>(B::Sub);
  r.template binary<Mul, false, bool, INTS, FLOATS>(B::Mul);
  r.template binary<Div, false, FLOATS>(B::Div);
  r.template binary<FloorDiv, false, INTS, FLOATS>(B::FloorDiv);
  r.template binary<Remainder, false, INTS, FLOATS>(B::Remainder);
  r.template binary<Pow, false, INTS, FLOATS>(B::Pow);
  r.template binary<Maximum, false, bool, INTS, FLOATS>(B::Maximum);
  r.template binary<Minimum, false, bool, INTS, FLOATS>(B::Minimum);
  r.template binary<Atan2, false, FLOATS>(B::Atan2);
  r.template binary<Eq, true, bool, INTS, FLOATS>(B::Eq);
  r.template binary<Ne, true, bool, INTS, FLOATS>(B::Ne);
  r.template binary<Lt, true, bool, INTS, FLOATS>(B::Lt);
  r.template binary<Le, true, bool, INTS, FLOATS>(B::Le);
  r.template binary<Gt, true, bool, INTS, FLOATS>(B::Gt);
  r.template binary<Ge, true, bool, INTS, FLOATS>(B::Ge);
  r.template binary<LogicalAnd, true, bool, INTS, FLOATS>(B::LogicalAnd);
  r.template binary<LogicalOr, true, bool, INTS, FLOATS>(B::LogicalOr);
  r.template binary<LogicalXor, true, bool, INTS, FLOATS>(B::LogicalXor);
  r.template binary<BitAnd, false, bool, INTS>(B::BitAnd);
  r.template binary<BitOr, false, bool, INTS>(B::BitOr);
  r.template binary<BitXor, false, bool, INTS>(B::BitXor);
  r.template binary<ThresholdBackward, false, FLOATS>(B::ThresholdBackward);
  r.template binary<SigmoidBackward, false, FLOATS>(B::SigmoidBackward);
  r.template binary<TanhBackward, false, FLOATS>(B::TanhBackward);
#undef FLOATS
#undef INTS
}

}  // namespace
}  // namespace ember::elem
