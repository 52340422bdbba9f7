#include "ops/random.h"

#include <cmath>

#include "core/error.h"
#include "core/parallel.h"

namespace ember::ops {

namespace {

struct Philox {  // Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3")
  static void round(uint32_t c[4], uint32_t k[2]) {
    uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c[0];
    uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c[2];
    uint32_t r0 = static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0];
    uint32_t r2 = static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1];
    c[0] = r0; c[1] = static_cast<uint32_t>(p1); c[2] = r2; c[3] = static_cast<uint32_t>(p0);
  }
  // Four 32-bit random words for counter `ctr` under `seed`.
  static void generate(uint64_t seed, uint64_t ctr, uint32_t out[4]) {
    uint32_t c[4] = {static_cast<uint32_t>(ctr), static_cast<uint32_t>(ctr >> 32), 0, 0};
    uint32_t k[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
    for (int i = 0; i < 10; ++i) {
      round(c, k);
      k[0] += 0x9E3779B9u;
      k[1] += 0xBB67AE85u;
    }
    for (int i = 0; i < 4; ++i) out[i] = c[i];
  }
};

inline double u01_double(uint32_t hi, uint32_t lo) {  // 53 random bits in [0, 1)
  uint64_t v = (static_cast<uint64_t>(hi) << 32 | lo) >> 11;
  return v * (1.0 / 9007199254740992.0);
}
inline float u01_float(uint32_t x) { return (x >> 8) * (1.0f / 16777216.0f); }

// Element i of the output gets word (i % 4) of counter base + i / 4 (two words in float64).
template <class F>
void fill_random(const Tensor& t, Generator& g, bool wide, const F& write) {
  if (!t.device().is_cpu()) throw NotImplementedError(str("random: no CUDA kernel yet (Philox on the GPU); got a tensor on ", t.device().str(), " (fill it on the CPU, then move it)"));
  EMBER_CHECK(t.is_contiguous(), "random fill of a non-contiguous tensor");
  int64_t n = t.numel();
  int64_t per = wide ? 2 : 4;
  uint64_t base = g.advance((n + per - 1) / per);
  uint64_t seed = g.seed;
  parallel_for((n + per - 1) / per, 4096, [&](int64_t b, int64_t e) {
    uint32_t w[4];
    for (int64_t c = b; c < e; ++c) {
      Philox::generate(seed, base + c, w);
      for (int64_t j = 0; j < per && c * per + j < n; ++j) write(c * per + j, w, j);
    }
  });
}

}  // namespace

Generator& default_generator() {
  static Generator g;
  return g;
}

void uniform_(const Tensor& t, double low, double high, Generator& g) {
  EMBER_CHECK(low <= high, "uniform_ expects to return a [from, to) range, but found from=", low, " > to=", high);
  EMBER_DISPATCH_FLOAT(t.dtype(), "uniform_", [&] {
    scalar_t* p = t.data<scalar_t>();
    bool wide = std::is_same_v<scalar_t, double>;
    fill_random(t, g, wide, [&](int64_t i, const uint32_t* w, int64_t j) {
      double u = wide ? u01_double(w[2 * j], w[2 * j + 1]) : u01_float(w[j]);
      p[i] = static_cast<scalar_t>(low + (high - low) * u);
    });
  });
}

void normal_(const Tensor& t, double mean, double std, Generator& g) {
  EMBER_CHECK(std >= 0, "normal expects std >= 0.0, but found std ", std);
  EMBER_DISPATCH_FLOAT(t.dtype(), "normal_", [&] {
    scalar_t* p = t.data<scalar_t>();
    // Box-Muller on a pair of uniforms per element: independent of neighbours, so any split works.
    fill_random(t, g, true, [&](int64_t i, const uint32_t* w, int64_t j) {
      double u1 = (static_cast<double>(w[2 * j]) + 1.0) / 4294967297.0;  // (0, 1]
      double u2 = static_cast<double>(w[2 * j + 1]) / 4294967296.0;
      double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      p[i] = static_cast<scalar_t>(mean + std * z);
    });
  });
}

void random_int_(const Tensor& t, int64_t low, int64_t high, Generator& g) {
  EMBER_CHECK(high > low, "random_ expects 'from' to be less than 'to', but got from=", low, " >= to=", high);
  uint64_t range = static_cast<uint64_t>(high - low);
  EMBER_DISPATCH_ALL(t.dtype(), "randint", [&] {
    scalar_t* p = t.data<scalar_t>();
    fill_random(t, g, true, [&](int64_t i, const uint32_t* w, int64_t j) {
      uint64_t r = (static_cast<uint64_t>(w[2 * j]) << 32) | w[2 * j + 1];
      p[i] = static_cast<scalar_t>(low + static_cast<int64_t>(r % range));
    });
  });
}

void bernoulli_(const Tensor& t, double prob, Generator& g) {
  EMBER_CHECK(prob >= 0 && prob <= 1, "bernoulli_ expects p to be in [0, 1], but got p=", prob);
  EMBER_DISPATCH_ALL(t.dtype(), "bernoulli_", [&] {
    scalar_t* p = t.data<scalar_t>();
    fill_random(t, g, false, [&](int64_t i, const uint32_t* w, int64_t j) {
      p[i] = static_cast<scalar_t>(u01_float(w[j]) < prob ? 1 : 0);
    });
  });
}

Tensor randperm(int64_t n, Generator& g) {
  EMBER_CHECK(n >= 0, "randperm: n must be non-negative, got", n);
  Tensor out = empty({n}, DType::Int64);
  int64_t* o = out.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) o[i] = i;
  // Fisher-Yates driven by one Philox stream.
  uint64_t base = g.advance((n + 1) / 2 + 1);
  uint32_t w[4];
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t c = (n - 1 - i);
    Philox::generate(g.seed, base + c / 2, w);
    uint64_t r = (static_cast<uint64_t>(w[(c % 2) * 2]) << 32) | w[(c % 2) * 2 + 1];
    int64_t j = static_cast<int64_t>(r % static_cast<uint64_t>(i + 1));
    std::swap(o[i], o[j]);
  }
  return out;
}

}  // namespace ember::ops
