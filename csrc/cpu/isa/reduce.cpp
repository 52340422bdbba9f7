// Contiguous sums. float32 is summed in float lanes over short blocks and the blocks in double,
// which keeps a million-element sum accurate without giving up vector speed.
#include "cpu/isa/isa.h"

#include <cstdint>

#include "cpu/kernels.h"

namespace ember::cpu {
namespace {

double sum_f32(const float* x, int64_t n) {
  constexpr int64_t kBlock = 512;
  constexpr int L = 16;
  double total = 0;
  for (int64_t b = 0; b < n; b += kBlock) {
    int64_t e = b + kBlock < n ? b + kBlock : n;
    float lanes[L] = {};
    int64_t i = b;
    for (; i + L <= e; i += L)
      for (int l = 0; l < L; ++l) lanes[l] += x[i + l];
    float s = 0;
    for (int l = 0; l < L; ++l) s += lanes[l];
    for (; i < e; ++i) s += x[i];
    total += s;
  }
  return total;
}

double sum_f64(const double* x, int64_t n) {
  constexpr int L = 8;
  double lanes[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; ++l) lanes[l] += x[i + l];
  double s = 0;
  for (int l = 0; l < L; ++l) s += lanes[l];
  for (; i < n; ++i) s += x[i];
  return s;
}

}  // namespace

void EMBER_ISA_FN(fill_reduce)(KernelTable& t) {
  t.sum_f32 = &sum_f32;
  t.sum_f64 = &sum_f64;
}

}  // namespace ember::cpu
