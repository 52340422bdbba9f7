// Cross-entropy and NLL on CUDA: one thread per row (sample, spatial position) looping over the
// classes, the CPU's arithmetic (cpu/loss.cpp); reductions add the rows' {loss, weight} pairs
// in double in one block, so a reduced loss is the same every run.
#include <cmath>
#include <limits>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

using cpu::LossOptions;
using cpu::LossShape;
using cpu::Reduction;

#define EMBER_GRID_LOOP(i, total)                                                           \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (total); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

template <class T>
__device__ __forceinline__ double class_weight_d(const T* weight, int64_t c) {
  return weight ? static_cast<double>(weight[c]) : 1.0;
}

// Row i's {loss, weight}: written to loss[i] (None) or kept in rows[2i], rows[2i+1].
template <class T>
__device__ __forceinline__ void set_row(Reduction r, int64_t i, double l, double w, T* loss, double* rows) {
  if (r == Reduction::None) {
    loss[i] = static_cast<T>(l);
  } else {
    rows[2 * i] = l;
    rows[2 * i + 1] = w;
  }
}

template <class T>
__global__ void cross_entropy_kernel(LossShape s, LossOptions<T> o, const T* __restrict__ x,
                                     const int64_t* __restrict__ target, T* __restrict__ lsm, T* __restrict__ loss,
                                     double* __restrict__ rows) {
  const double ls = o.label_smoothing;
  EMBER_GRID_LOOP(i, s.N * s.inner) {
    const int64_t in = s.inner, base = (i / in) * s.C * in + i % in;
    const T* xr = x + base;
    T* lr = lsm + base;
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t c = 0; c < s.C; ++c) m = m < xr[c * in] ? xr[c * in] : m;
    double sum = 0;
    for (int64_t c = 0; c < s.C; ++c) sum += exp(xr[c * in] - m);
    const T log_sum = static_cast<T>(::log(sum));
    for (int64_t c = 0; c < s.C; ++c) lr[c * in] = (xr[c * in] - m) - log_sum;
    double smooth = 0;
    if (ls > 0)
      for (int64_t c = 0; c < s.C; ++c) smooth -= class_weight_d(o.weight, c) * lr[c * in];
    const int64_t t = target[i];
    if (t == o.ignore_index) {
      set_row(o.reduction, i, 0.0, 0.0, loss, rows);
      continue;
    }
    const double wt = class_weight_d(o.weight, t), nll = -wt * lr[t * in];
    set_row(o.reduction, i, ls > 0 ? (1 - ls) * nll + ls / s.C * smooth : nll, wt, loss, rows);
  }
}

template <class T>
__global__ void nll_kernel(LossShape s, LossOptions<T> o, const T* __restrict__ logp,
                           const int64_t* __restrict__ target, T* __restrict__ loss, double* __restrict__ rows) {
  EMBER_GRID_LOOP(i, s.N * s.inner) {
    const int64_t t = target[i];
    if (t == o.ignore_index) {
      set_row(o.reduction, i, 0.0, 0.0, loss, rows);
      continue;
    }
    const double wt = class_weight_d(o.weight, t);
    set_row(o.reduction, i, -wt * logp[(i / s.inner * s.C + t) * s.inner + i % s.inner], wt, loss, rows);
  }
}

// One block: sums the rows' pairs; loss[0] = sum (Sum) or sum / weights (Mean; all ignored: NaN).
template <class T>
__global__ void finish_kernel(int64_t n, const double* __restrict__ rows, Reduction r, T* __restrict__ loss) {
  __shared__ double l_part[kThreads], w_part[kThreads];
  double l = 0, w = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    l += rows[2 * i];
    w += rows[2 * i + 1];
  }
  l_part[threadIdx.x] = l;
  w_part[threadIdx.x] = w;
  __syncthreads();
  for (int k = blockDim.x / 2; k > 0; k >>= 1) {
    if (static_cast<int>(threadIdx.x) < k) {
      l_part[threadIdx.x] += l_part[threadIdx.x + k];
      w_part[threadIdx.x] += w_part[threadIdx.x + k];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) loss[0] = static_cast<T>(r == Reduction::Sum ? l_part[0] : l_part[0] / w_part[0]);
}

// One block: out[0] = the summed class weights of the targets not ignored (Mean's divisor),
// out[1] = the sum of all class weights.
template <class T>
__global__ void weights_kernel(LossShape s, LossOptions<T> o, const int64_t* __restrict__ target, double* out) {
  __shared__ double part[kThreads], all[kThreads];
  double acc = 0, cls = 0;
  for (int64_t i = threadIdx.x; i < s.N * s.inner; i += blockDim.x) {
    const int64_t t = target[i];
    if (t != o.ignore_index) acc += class_weight_d(o.weight, t);
  }
  for (int64_t c = threadIdx.x; c < s.C; c += blockDim.x) cls += class_weight_d(o.weight, c);
  part[threadIdx.x] = acc;
  all[threadIdx.x] = cls;
  __syncthreads();
  for (int k = blockDim.x / 2; k > 0; k >>= 1) {
    if (static_cast<int>(threadIdx.x) < k) {
      part[threadIdx.x] += part[threadIdx.x + k];
      all[threadIdx.x] += all[threadIdx.x + k];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    out[0] = part[0];
    out[1] = all[0];
  }
}

template <class T>
__device__ __forceinline__ double grad_scale_d(Reduction r, const T* grad, int64_t i, double total_weight) {
  if (r == Reduction::None) return static_cast<double>(grad[i]);
  return r == Reduction::Mean ? static_cast<double>(grad[0]) / total_weight : static_cast<double>(grad[0]);
}

template <class T>
__global__ void cross_entropy_grad_kernel(LossShape s, LossOptions<T> o, const T* __restrict__ grad,
                                          const T* __restrict__ lsm, const int64_t* __restrict__ target,
                                          T* __restrict__ gx, const double* __restrict__ weights) {
  const double ls = o.label_smoothing, total_weight = weights[0], weight_sum = weights[1];
  EMBER_GRID_LOOP(i, s.N * s.inner) {
    const int64_t in = s.inner, base = (i / in) * s.C * in + i % in;
    const int64_t t = target[i];
    T* gr = gx + base;
    if (t == o.ignore_index) {  // zeros even where log_softmax is not finite
      for (int64_t c = 0; c < s.C; ++c) gr[c * in] = T(0);
      continue;
    }
    const double scale = grad_scale_d(o.reduction, grad, i, total_weight);
    const double g = scale * class_weight_d(o.weight, t), smooth = scale * ls / s.C;
    const T total = static_cast<T>(-g * (1 - ls) - smooth * weight_sum);
    const T* lr = lsm + base;
    for (int64_t c = 0; c < s.C; ++c)
      gr[c * in] = static_cast<T>(-smooth * class_weight_d(o.weight, c)) - exp(lr[c * in]) * total;
    gr[t * in] -= static_cast<T>(g * (1 - ls));
  }
}

template <class T>
__global__ void nll_grad_kernel(LossShape s, LossOptions<T> o, const T* __restrict__ grad,
                                const int64_t* __restrict__ target, T* __restrict__ gx,
                                const double* __restrict__ weights) {
  EMBER_GRID_LOOP(i, s.N * s.inner) {
    const int64_t in = s.inner, base = (i / in) * s.C * in + i % in;
    for (int64_t c = 0; c < s.C; ++c) gx[base + c * in] = T(0);
    const int64_t t = target[i];
    if (t != o.ignore_index)
      gx[base + t * in] = static_cast<T>(-grad_scale_d(o.reduction, grad, i, weights[0]) * class_weight_d(o.weight, t));
  }
}

#undef EMBER_GRID_LOOP

}  // namespace

template <class T>
void cross_entropy_forward(const LossShape& s, const LossOptions<T>& o, const T* x, const int64_t* target, T* lsm,
                           T* loss) {
  const int64_t rows = s.N * s.inner;
  Scratch kept(o.reduction == Reduction::None ? 0 : static_cast<size_t>(2 * rows) * sizeof(double));
  double* kp = static_cast<double*>(kept.ptr);
  if (rows > 0) {
    cross_entropy_kernel<T><<<grid_for(rows), kThreads>>>(s, o, x, target, lsm, loss, kp);
    check_launch("cross_entropy kernel");
  }
  if (o.reduction != Reduction::None) {
    finish_kernel<T><<<1, kThreads>>>(rows, kp, o.reduction, loss);
    check_launch("cross_entropy reduction kernel");
  }
}

template <class T>
void cross_entropy_backward(const LossShape& s, const LossOptions<T>& o, const T* grad, const T* lsm,
                            const int64_t* target, T* grad_x) {
  const int64_t rows = s.N * s.inner;
  if (rows == 0) return;
  Scratch weights(2 * sizeof(double));
  double* w = static_cast<double*>(weights.ptr);
  weights_kernel<T><<<1, kThreads>>>(s, o, target, w);
  check_launch("cross_entropy weights kernel");
  cross_entropy_grad_kernel<T><<<grid_for(rows), kThreads>>>(s, o, grad, lsm, target, grad_x, w);
  check_launch("cross_entropy backward kernel");
}

template <class T>
void nll_loss_forward(const LossShape& s, const LossOptions<T>& o, const T* logp, const int64_t* target, T* loss) {
  const int64_t rows = s.N * s.inner;
  Scratch kept(o.reduction == Reduction::None ? 0 : static_cast<size_t>(2 * rows) * sizeof(double));
  double* kp = static_cast<double*>(kept.ptr);
  if (rows > 0) {
    nll_kernel<T><<<grid_for(rows), kThreads>>>(s, o, logp, target, loss, kp);
    check_launch("nll_loss kernel");
  }
  if (o.reduction != Reduction::None) {
    finish_kernel<T><<<1, kThreads>>>(rows, kp, o.reduction, loss);
    check_launch("nll_loss reduction kernel");
  }
}

template <class T>
void nll_loss_backward(const LossShape& s, const LossOptions<T>& o, const T* grad, const int64_t* target, T* grad_x) {
  const int64_t rows = s.N * s.inner;
  if (rows == 0) return;
  Scratch weights(2 * sizeof(double));
  double* w = static_cast<double*>(weights.ptr);
  weights_kernel<T><<<1, kThreads>>>(s, o, target, w);
  check_launch("nll_loss weights kernel");
  nll_grad_kernel<T><<<grid_for(rows), kThreads>>>(s, o, grad, target, grad_x, w);
  check_launch("nll_loss backward kernel");
}

#define EMBER_LOSS_INSTANTIATE(T)                                                                                \
  template void cross_entropy_forward<T>(const LossShape&, const LossOptions<T>&, const T*, const int64_t*, T*,  \
                                         T*);                                                                    \
  template void cross_entropy_backward<T>(const LossShape&, const LossOptions<T>&, const T*, const T*,           \
                                          const int64_t*, T*);                                                   \
  template void nll_loss_forward<T>(const LossShape&, const LossOptions<T>&, const T*, const int64_t*, T*);      \
  template void nll_loss_backward<T>(const LossShape&, const LossOptions<T>&, const T*, const int64_t*, T*);
EMBER_LOSS_INSTANTIATE(float)
EMBER_LOSS_INSTANTIATE(double)
#undef EMBER_LOSS_INSTANTIATE

}  // namespace ember::cuda
