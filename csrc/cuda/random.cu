// Random fills on CUDA: one thread per Philox counter, the element formulas of core/philox.h,
// so a seed gives the CPU's stream (see there for the one caveat, normals' last bit).
#include "core/philox.h"
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

template <class T>
__global__ void random_kernel(int64_t n, int per, uint64_t seed, uint64_t base, rng::DistParams d, T* __restrict__ p) {
  const int64_t counters = (n + per - 1) / per;
  for (int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; c < counters;
       c += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    uint32_t w[4];
    rng::philox(seed, base + static_cast<uint64_t>(c), w);
    for (int j = 0; j < per && c * per + j < n; ++j) p[c * per + j] = rng::sample<T>(d, w, j);
  }
}

}  // namespace

void random_fill(DType dt, void* data, int64_t n, uint64_t seed, uint64_t base, const rng::DistParams& d) {
  if (n == 0) return;
  const int per = d.wide ? 2 : 4;
  EMBER_DISPATCH_ALL(dt, "random", [&] {
    random_kernel<scalar_t><<<grid_for((n + per - 1) / per), kThreads>>>(n, per, seed, base, d,
                                                                          static_cast<scalar_t*>(data));
    check_launch("random kernel");
  });
}

}  // namespace ember::cuda
