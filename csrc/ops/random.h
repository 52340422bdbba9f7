#pragma once
#include <cstdint>
#include <memory>

#include "core/tensor.h"

namespace ember::ops {

// Philox4x32-10, counter based: every element's randomness depends only on (seed, offset, its
// index), so results do not depend on the thread count and CPU and CUDA can share streams.
struct Generator {
  uint64_t seed = 67280421310721ULL;
  uint64_t offset = 0;  // in units of 4 x 32-bit outputs
  // Reserves `n` counters and returns the first.
  uint64_t advance(uint64_t n) { uint64_t o = offset; offset += n; return o; }
};
Generator& default_generator();

void uniform_(const Tensor& t, double low, double high, Generator& g);
void normal_(const Tensor& t, double mean, double std, Generator& g);
void random_int_(const Tensor& t, int64_t low, int64_t high, Generator& g);  // [low, high)
void bernoulli_(const Tensor& t, double p, Generator& g);
Tensor randperm(int64_t n, Generator& g);

}  // namespace ember::ops
