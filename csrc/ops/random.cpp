#include "ops/random.h"

#include <cmath>

#include "core/error.h"
#include "core/parallel.h"
#include "core/philox.h"
#include "cuda/kernels.h"

namespace ember::ops {

namespace {

using rng::Dist;
using rng::DistParams;

// Element i of the output gets word (i % per) of counter base + i / per (per = 2 when two
// words make an element), on whichever device t lives; the generator advances on the host.
void fill_random(const Tensor& t, Generator& g, const DistParams& d, const char* op) {
  EMBER_CHECK(t.is_contiguous(), "random fill of a non-contiguous tensor");
  const int64_t n = t.numel();
  const int64_t per = d.wide ? 2 : 4;
  const uint64_t counters = static_cast<uint64_t>((n + per - 1) / per);
  const uint64_t base = g.advance(counters), seed = g.seed;
  if (t.device().is_cuda()) {
    cuda::DeviceScope scope(t.device());
    cuda::random_fill(t.dtype(), t.raw(), n, seed, base, d);
    return;
  }
  EMBER_DISPATCH_ALL(t.dtype(), op, [&] {
    scalar_t* p = t.data<scalar_t>();
    parallel_for(static_cast<int64_t>(counters), 4096, [&](int64_t b, int64_t e) {
      uint32_t w[4];
      for (int64_t c = b; c < e; ++c) {
        rng::philox(seed, base + c, w);
        for (int64_t j = 0; j < per && c * per + j < n; ++j)
          p[c * per + j] = rng::sample<scalar_t>(d, w, static_cast<int>(j));
      }
    });
  });
}

}  // namespace

Generator& default_generator() {
  static Generator g;
  return g;
}

void uniform_(const Tensor& t, double low, double high, Generator& g) {
  EMBER_CHECK(low <= high, "uniform_ expects to return a [from, to) range, but found from=", low, " > to=", high);
  EMBER_CHECK(is_floating(t.dtype()), "uniform_: expected a floating point tensor, got ", dtype_name(t.dtype()));
  fill_random(t, g, {Dist::Uniform, low, high, 0, 0, t.dtype() == DType::Float64}, "uniform_");
}

void normal_(const Tensor& t, double mean, double std, Generator& g) {
  EMBER_CHECK(std >= 0, "normal expects std >= 0.0, but found std ", std);
  EMBER_CHECK(is_floating(t.dtype()), "normal_: expected a floating point tensor, got ", dtype_name(t.dtype()));
  fill_random(t, g, {Dist::Normal, mean, std, 0, 0, true}, "normal_");
}

void random_int_(const Tensor& t, int64_t low, int64_t high, Generator& g) {
  EMBER_CHECK(high > low, "random_ expects 'from' to be less than 'to', but got from=", low, " >= to=", high);
  uint64_t range = static_cast<uint64_t>(high - low);
  fill_random(t, g, {Dist::RandInt, 0, 0, low, range, true}, "randint");
}

void bernoulli_(const Tensor& t, double prob, Generator& g) {
  EMBER_CHECK(prob >= 0 && prob <= 1, "bernoulli_ expects p to be in [0, 1], but got p=", prob);
  fill_random(t, g, {Dist::Bernoulli, prob, 0, 0, 0, false}, "bernoulli_");
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
    rng::philox(g.seed, base + c / 2, w);
    uint64_t r = (static_cast<uint64_t>(w[(c % 2) * 2]) << 32) | w[(c % 2) * 2 + 1];
    int64_t j = static_cast<int64_t>(r % static_cast<uint64_t>(i + 1));
    std::swap(o[i], o[j]);
  }
  return out;
}

}  // namespace ember::ops
