// float32 exp and tanh written without libm calls, so loops using them vectorise at this ISA's
// width. Cody-Waite range reduction with Cephes' polynomials: within 2 ulp of the exact result
// over the whole range, subnormals included; NaN and +-inf behave as std::exp / std::tanh.
#pragma once
#include <cstdint>
#include <cstring>

namespace ember::cpu {
namespace {

inline float pow2i(int32_t e) {  // 2^e for e in [-126, 127]
  int32_t bits = (e + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline float exp_f32(float x) {
  const float hi = 88.72283935546875f, lo = -103.97208f;
  // NaN fails both comparisons and is clamped to lo, so the float -> int32 conversion below never
  // sees NaN (undefined behaviour; x86 gives INT32_MIN, whose halving then made a negative value
  // be shifted left in pow2i: UBSan, found by tests/fuzz). The NaN result is restored at the end.
  float xc = x > lo ? (x < hi ? x : hi) : lo;
  float n = __builtin_floorf(xc * 1.44269504088896341f + 0.5f);
  float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.0f;
  // Scale by 2^n in two steps so results down in the subnormal range stay exact.
  int32_t ni = static_cast<int32_t>(n);
  int32_t n1 = ni >> 1;
  y = y * pow2i(n1) * pow2i(ni - n1);
  y = x > hi ? __builtin_inff() : y;
  y = x < lo ? 0.0f : y;
  return x != x ? x + x : y;
}

inline float tanh_f32(float x) {
  float a = x < 0 ? -x : x;
  float z = x * x;  // small |x|: odd polynomial, no cancellation
  float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z + 1.33314422036e-1f) *
                     z - 3.33332819422e-1f) * z * x + x;
  float big = 1.0f - 2.0f / (exp_f32(2.0f * a) + 1.0f);
  big = x < 0 ? -big : big;
  float y = a < 0.625f ? small : big;
  y = a == 0.0f ? x : y;  // keeps the sign of -0.0
  return x != x ? x + x : y;
}

}  // namespace
}  // namespace ember::cpu
