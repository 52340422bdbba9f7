// The random streams, shared by the CPU (ops/random.cpp) and the CUDA kernels (cuda/random.cu):
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"), counter-based,
// so element i of a fill draws from counter base + i / per whatever thread or device computes
// it, and the same seed gives the same tensor on both devices. Uniform, integer and Bernoulli
// values are bit-identical across devices; normals go through log/cos, whose CUDA and libm
// versions may differ in the last bit of the double before it is rounded to the dtype.
#pragma once
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define EMBER_RNG_HD __host__ __device__
#else
#define EMBER_RNG_HD
#endif

namespace ember::rng {

// What a fill draws (plain data, shared by name between translation units).
enum class Dist : int { Uniform, Normal, RandInt, Bernoulli };

struct DistParams {
  Dist kind;
  double a, b;      // uniform: low, high; normal: mean, std; bernoulli: p in a
  int64_t low;      // randint: [low, low + range)
  uint64_t range;
  bool wide;        // two words per element (float64 uniform, normal, randint), else one
};

// The functions are per translation unit (each CPU ISA build gets its own copy).
namespace {

EMBER_RNG_HD inline void philox_round(uint32_t c[4], const uint32_t k[2]) {
  uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c[0];
  uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c[2];
  uint32_t r0 = static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0];
  uint32_t r2 = static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1];
  c[0] = r0; c[1] = static_cast<uint32_t>(p1); c[2] = r2; c[3] = static_cast<uint32_t>(p0);
}

// Four 32-bit random words for counter `ctr` under `seed`.
EMBER_RNG_HD inline void philox(uint64_t seed, uint64_t ctr, uint32_t out[4]) {
  uint32_t c[4] = {static_cast<uint32_t>(ctr), static_cast<uint32_t>(ctr >> 32), 0, 0};
  uint32_t k[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  for (int i = 0; i < 10; ++i) {
    philox_round(c, k);
    k[0] += 0x9E3779B9u;
    k[1] += 0xBB67AE85u;
  }
  for (int i = 0; i < 4; ++i) out[i] = c[i];
}

EMBER_RNG_HD inline double u01_double(uint32_t hi, uint32_t lo) {  // 53 random bits in [0, 1)
  uint64_t v = (static_cast<uint64_t>(hi) << 32 | lo) >> 11;
  return v * (1.0 / 9007199254740992.0);
}
EMBER_RNG_HD inline float u01_float(uint32_t x) { return (x >> 8) * (1.0f / 16777216.0f); }

// a + b * c rounded twice, as the CPU computes it (nvcc would otherwise fuse it into an FMA).
EMBER_RNG_HD inline double add_mul(double a, double b, double c) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, __dmul_rn(b, c));
#else
  return a + b * c;
#endif
}

// Element j (of the 4 / per elements) drawn from the words w of its counter.
template <class T>
EMBER_RNG_HD T sample(const DistParams& d, const uint32_t* w, int j) {
  switch (d.kind) {
    case Dist::Uniform: {
      double u = d.wide ? u01_double(w[2 * j], w[2 * j + 1]) : u01_float(w[j]);
      return static_cast<T>(add_mul(d.a, d.b - d.a, u));
    }
    case Dist::Normal: {  // Box-Muller on a pair of uniforms per element
      double u1 = (static_cast<double>(w[2 * j]) + 1.0) / 4294967297.0;  // (0, 1]
      double u2 = static_cast<double>(w[2 * j + 1]) / 4294967296.0;
      double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      return static_cast<T>(add_mul(d.a, d.b, z));
    }
    case Dist::RandInt: {
      uint64_t r = (static_cast<uint64_t>(w[2 * j]) << 32) | w[2 * j + 1];
      return static_cast<T>(d.low + static_cast<int64_t>(r % d.range));
    }
    case Dist::Bernoulli:
      return static_cast<T>(u01_float(w[j]) < d.a ? 1 : 0);
  }
  return T(0);
}

}  // namespace
}  // namespace ember::rng
