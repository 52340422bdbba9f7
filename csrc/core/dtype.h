// The element types, PyTorch's promotion lattice and the switch that turns a runtime dtype
// into a compile-time scalar_t.
#pragma once
#include <cstdint>
#include <string>

#include "core/error.h"

namespace ember {

enum class DType : int8_t { Bool = 0, UInt8, Int32, Int64, Float32, Float64 };
constexpr int kNumDTypes = 6;

inline size_t itemsize(DType t) {
  static constexpr size_t sizes[] = {1, 1, 4, 8, 4, 8};
  return sizes[static_cast<int>(t)];
}
inline bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }
inline bool is_integral(DType t, bool include_bool) {
  return t == DType::UInt8 || t == DType::Int32 || t == DType::Int64 || (include_bool && t == DType::Bool);
}
inline const char* dtype_name(DType t) {  // as PyTorch prints it after "torch."
  static const char* names[] = {"bool", "uint8", "int32", "int64", "float32", "float64"};
  return names[static_cast<int>(t)];
}

// The ScalarType names PyTorch uses in error messages ("Float", "Long", ...).
inline const char* scalar_type_name(DType t) {
  static const char* names[] = {"Bool", "Byte", "Int", "Long", "Float", "Double"};
  return names[static_cast<int>(t)];
}
// PyTorch's canCast: no float -> integer and no number -> bool.
inline bool can_cast(DType from, DType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}

// PyTorch's promote_types for the dtypes ember has.
inline DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (is_floating(a) || is_floating(b)) {
    if (a == DType::Float64 || b == DType::Float64) return DType::Float64;
    return DType::Float32;
  }
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  // uint8, int32, int64: the wider wins; uint8 with a signed type gives that signed type.
  return static_cast<int>(a) > static_cast<int>(b) ? a : b;
}

template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };

}  // namespace ember

#define EMBER_CASE_(enum_, type_, ...) \
  case ::ember::DType::enum_: { using scalar_t = type_; return __VA_ARGS__(); }

#define EMBER_DISPATCH_FLOAT(dtype, op, ...)                                           \
  [&] {                                                                                \
    switch (dtype) {                                                                   \
      EMBER_CASE_(Float32, float, __VA_ARGS__)                                         \
      EMBER_CASE_(Float64, double, __VA_ARGS__)                                        \
      default: throw ::ember::Error(::ember::str(op, ": expected a floating point tensor, got ", \
                                                 ::ember::dtype_name(dtype)));         \
    }                                                                                  \
  }()

#define EMBER_DISPATCH_ALL(dtype, op, ...)                                             \
  [&] {                                                                                \
    switch (dtype) {                                                                   \
      EMBER_CASE_(Bool, bool, __VA_ARGS__)                                             \
      EMBER_CASE_(UInt8, uint8_t, __VA_ARGS__)                                         \
      EMBER_CASE_(Int32, int32_t, __VA_ARGS__)                                         \
      EMBER_CASE_(Int64, int64_t, __VA_ARGS__)                                         \
      EMBER_CASE_(Float32, float, __VA_ARGS__)                                         \
      EMBER_CASE_(Float64, double, __VA_ARGS__)                                        \
    }                                                                                  \
    throw ::ember::Error(::ember::str(op, ": unknown dtype"));                         \
  }()

#define EMBER_DISPATCH_NUMERIC(dtype, op, ...)                                         \
  [&] {                                                                                \
    switch (dtype) {                                                                   \
      EMBER_CASE_(UInt8, uint8_t, __VA_ARGS__)                                         \
      EMBER_CASE_(Int32, int32_t, __VA_ARGS__)                                         \
      EMBER_CASE_(Int64, int64_t, __VA_ARGS__)                                         \
      EMBER_CASE_(Float32, float, __VA_ARGS__)                                         \
      EMBER_CASE_(Float64, double, __VA_ARGS__)                                        \
      default: throw ::ember::Error(::ember::str(op, " is not implemented for 'Bool'")); \
    }                                                                                  \
  }()
