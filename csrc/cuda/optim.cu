// Fused optimizer steps on CUDA: one elementwise launch per parameter with PyTorch's
// single-tensor formulas: the element updates are the CPU's (core/element_ops.h).
#include <cmath>

#include "core/element_ops.h"
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

using cpu::AdamOptions;
using cpu::OptimSlot;
using cpu::SgdOptions;

template <class T>
__global__ void sgd_kernel(int64_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf,
                           elem::SgdUpdate<T> update) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    update(p[i], g[i], buf ? buf + i : nullptr);
}

template <class T>
__global__ void adam_kernel(int64_t n, T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m,
                            T* __restrict__ v, T* __restrict__ vmax, elem::AdamUpdate<T> update) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    update(p[i], g[i], m[i], v[i], vmax ? vmax + i : nullptr);
}

template <class T>
void sgd_one(const OptimSlot& s, const SgdOptions& o) {
  const elem::SgdUpdate<T> update{T(o.lr), T(o.momentum), T(1 - o.dampening), T(o.weight_decay), o.maximize,
                                  o.weight_decay != 0, o.momentum != 0, o.first_step, o.nesterov};
  sgd_kernel<T><<<grid_for(s.numel), kThreads>>>(s.numel, static_cast<T*>(s.param), static_cast<const T*>(s.grad),
                                                 static_cast<T*>(s.state[0]), update);
  check_launch("sgd_step kernel");
}

template <class T>
void adam_one(const OptimSlot& s, const AdamOptions& o) {
  // Scalars in double as PyTorch's Python code computes them, then used in T.
  const double bc1 = 1 - std::pow(o.beta1, o.step), bc2 = 1 - std::pow(o.beta2, o.step);
  const elem::AdamUpdate<T> update{T(-(o.lr / bc1)), T(std::sqrt(bc2)), T(o.eps), T(1 - o.beta1), T(o.beta2),
                                   T(1 - o.beta2), T(o.weight_decay), T(1 - o.lr * o.weight_decay), o.maximize,
                                   o.weight_decay != 0, o.decoupled_weight_decay};
  adam_kernel<T><<<grid_for(s.numel), kThreads>>>(s.numel, static_cast<T*>(s.param), static_cast<const T*>(s.grad),
                                                  static_cast<T*>(s.state[0]), static_cast<T*>(s.state[1]),
                                                  static_cast<T*>(s.state[2]), update);
  check_launch("adam_step kernel");
}

}  // namespace

void sgd_step(const std::vector<OptimSlot>& slots, const SgdOptions& o) {
  for (const OptimSlot& s : slots) {
    if (s.numel == 0) continue;
    if (s.dtype == DType::Float32) sgd_one<float>(s, o);
    else sgd_one<double>(s, o);
  }
}

void adam_step(const std::vector<OptimSlot>& slots, const AdamOptions& o) {
  for (const OptimSlot& s : slots) {
    if (s.numel == 0) continue;
    if (s.dtype == DType::Float32) adam_one<float>(s, o);
    else adam_one<double>(s, o);
  }
}

}  // namespace ember::cuda
