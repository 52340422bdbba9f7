// Pooling on CUDA: one thread per output for the forward passes (PyTorch's windows, taps in
// its order, so the argmax among ties is the CPU's); max-pool backward scatters with atomicAdd
// into a zeroed gradient (windows may overlap), avg-pool backward gathers per input pixel.
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

using cpu::Pool2dShape;

__device__ __forceinline__ void max_window_d(int64_t o, int64_t k, int64_t s, int64_t p, int64_t d, int64_t n,
                                             int64_t& lo, int64_t& hi) {
  lo = o * s - p;
  hi = min(lo + (k - 1) * d + 1, n);
  if (lo < 0) lo += (-lo + d - 1) / d * d;
}

__device__ __forceinline__ void avg_window_d(int64_t o, int64_t k, int64_t s, int64_t p, int64_t n, int64_t& lo,
                                             int64_t& hi, int64_t& padded) {
  lo = o * s - p;
  hi = min(lo + k, n + p);
  padded = hi - lo;
  lo = max(lo, int64_t(0));
  hi = min(hi, n);
}

__device__ __forceinline__ int64_t avg_divisor_d(bool count_include_pad, int64_t divisor, int64_t padded_size,
                                                 int64_t size) {
  return divisor ? divisor : count_include_pad ? padded_size : size;
}

#define EMBER_GRID_LOOP(i, total)                                                           \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (total); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

template <class T>
__global__ void max_pool_kernel(Pool2dShape s, const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ idx) {
  const int64_t out_plane = s.OH * s.OW;
  EMBER_GRID_LOOP(i, s.planes * out_plane) {
    const int64_t p = i / out_plane, ow = i % s.OW, oh = (i / s.OW) % s.OH;
    int64_t h0, h1, w0, w1;
    max_window_d(oh, s.kH, s.sH, s.pH, s.dH, s.H, h0, h1);
    max_window_d(ow, s.kW, s.sW, s.pW, s.dW, s.W, w0, w1);
    const T* xp = x + p * s.H * s.W;
    T m = xp[h0 * s.W + w0];
    int64_t best = h0 * s.W + w0;
    for (int64_t ih = h0; ih < h1; ih += s.dH)
      for (int64_t iw = w0; iw < w1; iw += s.dW) {
        const T v = xp[ih * s.W + iw];
        if (v > m || v != v) {  // strictly greater or NaN: ties keep the first tap, NaN wins
          m = v;
          best = ih * s.W + iw;
        }
      }
    y[i] = m;
    idx[i] = best;
  }
}

template <class T>
__global__ void max_pool_backward_kernel(Pool2dShape s, const T* __restrict__ gy, const int64_t* __restrict__ idx,
                                         T* __restrict__ gx) {
  const int64_t out_plane = s.OH * s.OW;
  EMBER_GRID_LOOP(i, s.planes * out_plane) atomicAdd(gx + (i / out_plane) * s.H * s.W + idx[i], gy[i]);
}

template <class T>
__global__ void avg_pool_kernel(Pool2dShape s, bool count_include_pad, int64_t divisor, const T* __restrict__ x,
                                T* __restrict__ y) {
  const int64_t out_plane = s.OH * s.OW;
  EMBER_GRID_LOOP(i, s.planes * out_plane) {
    const int64_t p = i / out_plane, ow = i % s.OW, oh = (i / s.OW) % s.OH;
    int64_t h0, h1, ph, w0, w1, pw;
    avg_window_d(oh, s.kH, s.sH, s.pH, s.H, h0, h1, ph);
    avg_window_d(ow, s.kW, s.sW, s.pW, s.W, w0, w1, pw);
    if (h0 >= h1 || w0 >= w1) {
      y[i] = T(0);
      continue;
    }
    const T* xp = x + p * s.H * s.W;
    T sum = T(0);
    for (int64_t ih = h0; ih < h1; ++ih)
      for (int64_t iw = w0; iw < w1; ++iw) sum += xp[ih * s.W + iw];
    y[i] = sum / static_cast<T>(avg_divisor_d(count_include_pad, divisor, ph * pw, (h1 - h0) * (w1 - w0)));
  }
}

// Each input pixel sums g / divisor over the windows that cover it.
template <class T>
__global__ void avg_pool_backward_kernel(Pool2dShape s, bool count_include_pad, int64_t divisor,
                                         const T* __restrict__ gy, T* __restrict__ gx) {
  const int64_t in_plane = s.H * s.W;
  EMBER_GRID_LOOP(i, s.planes * in_plane) {
    const int64_t p = i / in_plane, iw = i % s.W, ih = (i / s.W) % s.H;
    const T* g = gy + p * s.OH * s.OW;
    // Outputs whose window start o*s - p lies in (i - k, i].
    const int64_t oh_lo = max(int64_t(0), (ih + s.pH - s.kH + s.sH) / s.sH);
    const int64_t oh_hi = min(s.OH - 1, (ih + s.pH) / s.sH);
    const int64_t ow_lo = max(int64_t(0), (iw + s.pW - s.kW + s.sW) / s.sW);
    const int64_t ow_hi = min(s.OW - 1, (iw + s.pW) / s.sW);
    T acc = T(0);
    for (int64_t oh = oh_lo; oh <= oh_hi; ++oh) {
      int64_t h0, h1, ph;
      avg_window_d(oh, s.kH, s.sH, s.pH, s.H, h0, h1, ph);
      if (ih < h0 || ih >= h1) continue;
      for (int64_t ow = ow_lo; ow <= ow_hi; ++ow) {
        int64_t w0, w1, pw;
        avg_window_d(ow, s.kW, s.sW, s.pW, s.W, w0, w1, pw);
        if (iw < w0 || iw >= w1) continue;
        acc += g[oh * s.OW + ow] /
               static_cast<T>(avg_divisor_d(count_include_pad, divisor, ph * pw, (h1 - h0) * (w1 - w0)));
      }
    }
    gx[i] = acc;
  }
}

__device__ __forceinline__ int64_t adaptive_start_d(int64_t o, int64_t out, int64_t in) {
  return (o / out) * in + ((o % out) * in) / out;
}
__device__ __forceinline__ int64_t adaptive_end_d(int64_t o, int64_t out, int64_t in) {
  return 1 + ((o + 1) * in - 1) / out;
}

template <class T>
__global__ void adaptive_avg_kernel(Pool2dShape s, const T* __restrict__ x, T* __restrict__ y) {
  const int64_t out_plane = s.OH * s.OW;
  EMBER_GRID_LOOP(i, s.planes * out_plane) {
    const int64_t p = i / out_plane, ow = i % s.OW, oh = (i / s.OW) % s.OH;
    const int64_t h0 = adaptive_start_d(oh, s.OH, s.H), h1 = adaptive_end_d(oh, s.OH, s.H);
    const int64_t w0 = adaptive_start_d(ow, s.OW, s.W), w1 = adaptive_end_d(ow, s.OW, s.W);
    const T* xp = x + p * s.H * s.W;
    T sum = T(0);
    for (int64_t ih = h0; ih < h1; ++ih)
      for (int64_t iw = w0; iw < w1; ++iw) sum += xp[ih * s.W + iw];
    y[i] = sum / static_cast<T>(h1 - h0) / static_cast<T>(w1 - w0);  // as PyTorch rounds
  }
}

// Each input pixel gathers from the (few) adaptive cells that cover it.
template <class T>
__global__ void adaptive_avg_backward_kernel(Pool2dShape s, const T* __restrict__ gy, T* __restrict__ gx) {
  const int64_t in_plane = s.H * s.W;
  EMBER_GRID_LOOP(i, s.planes * in_plane) {
    const int64_t p = i / in_plane, iw = i % s.W, ih = (i / s.W) % s.H;
    const T* g = gy + p * s.OH * s.OW;
    T acc = T(0);
    for (int64_t oh = ih * s.OH / s.H; oh < s.OH; ++oh) {
      const int64_t h0 = adaptive_start_d(oh, s.OH, s.H), h1 = adaptive_end_d(oh, s.OH, s.H);
      if (h0 > ih) break;
      if (ih >= h1) continue;
      for (int64_t ow = iw * s.OW / s.W; ow < s.OW; ++ow) {
        const int64_t w0 = adaptive_start_d(ow, s.OW, s.W), w1 = adaptive_end_d(ow, s.OW, s.W);
        if (w0 > iw) break;
        if (iw >= w1) continue;
        acc += g[oh * s.OW + ow] / static_cast<T>(h1 - h0) / static_cast<T>(w1 - w0);
      }
    }
    gx[i] = acc;
  }
}

__global__ void index_range_kernel(const int64_t* __restrict__ idx, int64_t n, int64_t limit, int* flag) {
  EMBER_GRID_LOOP(i, n) if (idx[i] < 0 || idx[i] >= limit) *flag = 1;
}

#undef EMBER_GRID_LOOP

}  // namespace

template <class T>
void max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, int64_t* idx) {
  const int64_t n = s.planes * s.OH * s.OW;
  if (n == 0) return;
  max_pool_kernel<T><<<grid_for(n), kThreads>>>(s, x, y, idx);
  check_launch("max_pool2d kernel");
}

template <class T>
void max_pool2d_backward(const Pool2dShape& s, const T* gy, const int64_t* idx, T* gx) {
  check_cuda(cudaMemsetAsync(gx, 0, static_cast<size_t>(s.planes * s.H * s.W) * sizeof(T)), "cudaMemsetAsync");
  const int64_t n = s.planes * s.OH * s.OW;
  if (n == 0) return;
  max_pool_backward_kernel<T><<<grid_for(n), kThreads>>>(s, gy, idx, gx);
  check_launch("max_pool2d backward kernel");
}

template <class T>
void avg_pool2d_forward(const Pool2dShape& s, bool count_include_pad, int64_t divisor, const T* x, T* y) {
  const int64_t n = s.planes * s.OH * s.OW;
  if (n == 0) return;
  avg_pool_kernel<T><<<grid_for(n), kThreads>>>(s, count_include_pad, divisor, x, y);
  check_launch("avg_pool2d kernel");
}

template <class T>
void avg_pool2d_backward(const Pool2dShape& s, bool count_include_pad, int64_t divisor, const T* gy, T* gx) {
  const int64_t n = s.planes * s.H * s.W;
  if (n == 0) return;
  avg_pool_backward_kernel<T><<<grid_for(n), kThreads>>>(s, count_include_pad, divisor, gy, gx);
  check_launch("avg_pool2d backward kernel");
}

template <class T>
void adaptive_avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y) {
  const int64_t n = s.planes * s.OH * s.OW;
  if (n == 0) return;
  adaptive_avg_kernel<T><<<grid_for(n), kThreads>>>(s, x, y);
  check_launch("adaptive_avg_pool2d kernel");
}

template <class T>
void adaptive_avg_pool2d_backward(const Pool2dShape& s, const T* gy, T* gx) {
  const int64_t n = s.planes * s.H * s.W;
  if (n == 0) return;
  adaptive_avg_backward_kernel<T><<<grid_for(n), kThreads>>>(s, gy, gx);
  check_launch("adaptive_avg_pool2d backward kernel");
}

bool any_index_out_of_range(const int64_t* idx, int64_t n, int64_t limit) {
  if (n == 0) return false;
  Scratch flag_buf(sizeof(int));
  int* flag = static_cast<int*>(flag_buf.ptr);
  int host = 0;
  cudaMemset(flag, 0, sizeof(int));
  index_range_kernel<<<grid_for(n), kThreads>>>(idx, n, limit, flag);
  cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess) err = cudaMemcpy(&host, flag, sizeof(int), cudaMemcpyDeviceToHost);
  check_cuda(err, "max_pool2d_backward index check");
  return host != 0;
}

#define EMBER_POOL_INSTANTIATE(T)                                                                 \
  template void max_pool2d_forward<T>(const Pool2dShape&, const T*, T*, int64_t*);               \
  template void max_pool2d_backward<T>(const Pool2dShape&, const T*, const int64_t*, T*);        \
  template void avg_pool2d_forward<T>(const Pool2dShape&, bool, int64_t, const T*, T*);          \
  template void avg_pool2d_backward<T>(const Pool2dShape&, bool, int64_t, const T*, T*);          \
  template void adaptive_avg_pool2d_forward<T>(const Pool2dShape&, const T*, T*);                 \
  template void adaptive_avg_pool2d_backward<T>(const Pool2dShape&, const T*, T*);
EMBER_POOL_INSTANTIATE(float)
EMBER_POOL_INSTANTIATE(double)
#undef EMBER_POOL_INSTANTIATE

}  // namespace ember::cuda
