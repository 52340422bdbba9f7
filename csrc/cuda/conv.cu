// conv2d on CUDA: im2col into a scratch buffer, then the tiled GEMM of gemm.cu per group with
// the batch as the GEMM batch; backward-input is the transposed GEMM then a gathering col2im
// (no atomics: each input pixel sums the columns that read it); backward-weight accumulates one
// GEMM per sample. The batch is processed in chunks so the column buffer stays bounded.
#include <algorithm>

#include "core/dtype.h"
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

using cpu::Conv2dShape;

// col[n][(c*kH + kh)*kW + kw][oh*OW + ow] = x[n][c][ih][iw] (0 in the padding), n in the chunk.
template <class T>
__global__ void im2col_kernel(Conv2dShape s, int64_t nb, const T* __restrict__ x, T* __restrict__ col) {
  const int64_t L = s.OH * s.OW, total = nb * s.C * s.kH * s.kW * L;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t l = i % L, r = i / L;
    const int64_t ow = l % s.OW, oh = l / s.OW;
    const int64_t kw = r % s.kW;
    r /= s.kW;
    const int64_t kh = r % s.kH;
    r /= s.kH;
    const int64_t c = r % s.C, n = r / s.C;
    const int64_t ih = oh * s.sH - s.pH + kh * s.dH, iw = ow * s.sW - s.pW + kw * s.dW;
    col[i] = (ih >= 0 && ih < s.H && iw >= 0 && iw < s.W) ? x[((n * s.C + c) * s.H + ih) * s.W + iw] : T(0);
  }
}

// gx[n][c][ih][iw] = sum of the column entries im2col took from it.
template <class T>
__global__ void col2im_kernel(Conv2dShape s, int64_t nb, const T* __restrict__ col, T* __restrict__ gx) {
  const int64_t L = s.OH * s.OW, total = nb * s.C * s.H * s.W;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t iw = i % s.W, ih = (i / s.W) % s.H, c = (i / (s.W * s.H)) % s.C, n = i / (s.W * s.H * s.C);
    T acc = T(0);
    for (int64_t kh = 0; kh < s.kH; ++kh) {
      const int64_t th = ih + s.pH - kh * s.dH;
      if (th < 0 || th % s.sH) continue;
      const int64_t oh = th / s.sH;
      if (oh >= s.OH) continue;
      for (int64_t kw = 0; kw < s.kW; ++kw) {
        const int64_t tw = iw + s.pW - kw * s.dW;
        if (tw < 0 || tw % s.sW) continue;
        const int64_t ow = tw / s.sW;
        if (ow >= s.OW) continue;
        acc += col[((n * s.C + c) * s.kH * s.kW + kh * s.kW + kw) * L + oh * s.OW + ow];
      }
    }
    gx[i] = acc;
  }
}

// y[n][o][l] = bias[o], so the GEMM can accumulate onto it (beta = 1).
template <class T>
__global__ void bias_fill_kernel(int64_t total, int64_t L, int64_t O, const T* __restrict__ bias, T* __restrict__ y) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    y[i] = bias[(i / L) % O];
}

// gb[o] = sum over n and l of gy[n][o][l], in double; one block per channel.
template <class T>
__global__ void bias_grad_kernel(int64_t N, int64_t O, int64_t L, const T* __restrict__ gy, T* __restrict__ gb) {
  __shared__ double part[kThreads];
  const int64_t o = blockIdx.x;
  double acc = 0;
  for (int64_t i = threadIdx.x; i < N * L; i += blockDim.x) acc += gy[((i / L) * O + o) * L + i % L];
  part[threadIdx.x] = acc;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (static_cast<int>(threadIdx.x) < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) gb[o] = static_cast<T>(part[0]);
}

// Samples per chunk so that one chunk's columns take at most ~256 MiB.
int64_t chunk_samples(const Conv2dShape& s, size_t itemsize) {
  const int64_t per_sample = s.C * s.kH * s.kW * s.OH * s.OW * static_cast<int64_t>(itemsize);
  return std::max<int64_t>(1, std::min<int64_t>(s.N, (int64_t(256) << 20) / std::max<int64_t>(per_sample, 1)));
}

}  // namespace

template <class T>
void conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y) {
  const int dev = current_device();
  const DType dt = dtype_of<T>::value;
  const int64_t L = s.OH * s.OW, G = s.groups, Og = s.O / G, Cg = s.C / G, Ckk = Cg * s.kH * s.kW;
  const int64_t rows = s.C * s.kH * s.kW;  // of one sample's columns
  if (bias) {
    bias_fill_kernel<T><<<grid_for(s.N * s.O * L), kThreads>>>(s.N * s.O * L, L, s.O, bias, y);
    check_launch("conv2d bias kernel");
  }
  const int64_t chunk = chunk_samples(s, sizeof(T));
  Scratch col(static_cast<size_t>(chunk * rows * L) * sizeof(T));
  T* c = static_cast<T*>(col.ptr);
  for (int64_t n0 = 0; n0 < s.N; n0 += chunk) {
    const int64_t nb = std::min(chunk, s.N - n0);
    im2col_kernel<T><<<grid_for(nb * rows * L), kThreads>>>(s, nb, x + n0 * s.C * s.H * s.W, c);
    check_launch("im2col kernel");
    for (int64_t g = 0; g < G; ++g)  // y[n][g*Og..][l] (+)= W_g (Og x Ckk) @ col[n][g*Ckk..] (Ckk x L)
      gemm(dev, dt, nb, Og, L, Ckk, 1.0, w + g * Og * Ckk, 0, Ckk, 1, c + g * Ckk * L, rows * L, L, 1,
           bias ? 1.0 : 0.0, y + (n0 * s.O + g * Og) * L, s.O * L, L);
  }
}

template <class T>
void conv2d_backward_input(const Conv2dShape& s, const T* gy, const T* w, T* gx) {
  const int dev = current_device();
  const DType dt = dtype_of<T>::value;
  const int64_t L = s.OH * s.OW, G = s.groups, Og = s.O / G, Cg = s.C / G, Ckk = Cg * s.kH * s.kW;
  const int64_t rows = s.C * s.kH * s.kW;
  const int64_t chunk = chunk_samples(s, sizeof(T));
  Scratch col(static_cast<size_t>(chunk * rows * L) * sizeof(T));
  T* c = static_cast<T*>(col.ptr);
  for (int64_t n0 = 0; n0 < s.N; n0 += chunk) {
    const int64_t nb = std::min(chunk, s.N - n0);
    for (int64_t g = 0; g < G; ++g)  // col[n][g] (Ckk x L) = W_g^T (Ckk x Og) @ gy[n][g] (Og x L)
      gemm(dev, dt, nb, Ckk, L, Og, 1.0, w + g * Og * Ckk, 0, 1, Ckk, gy + (n0 * s.O + g * Og) * L, s.O * L, L, 1,
           0.0, c + g * Ckk * L, rows * L, L);
    col2im_kernel<T><<<grid_for(nb * s.C * s.H * s.W), kThreads>>>(s, nb, c, gx + n0 * s.C * s.H * s.W);
    check_launch("col2im kernel");
  }
}

template <class T>
void conv2d_backward_weight(const Conv2dShape& s, const T* gy, const T* x, T* gw, T* gb) {
  const int dev = current_device();
  const DType dt = dtype_of<T>::value;
  const int64_t L = s.OH * s.OW, G = s.groups, Og = s.O / G, Cg = s.C / G, Ckk = Cg * s.kH * s.kW;
  const int64_t rows = s.C * s.kH * s.kW;
  if (gb) {
    bias_grad_kernel<T><<<static_cast<unsigned>(s.O), kThreads>>>(s.N, s.O, L, gy, gb);
    check_launch("conv2d bias grad kernel");
  }
  if (s.N == 0 || L == 0) {  // nothing reads the weights: their gradient is zero
    cudaMemsetAsync(gw, 0, static_cast<size_t>(s.O * Ckk) * sizeof(T));
    return;
  }
  const int64_t chunk = chunk_samples(s, sizeof(T));
  Scratch col(static_cast<size_t>(chunk * rows * L) * sizeof(T));
  T* c = static_cast<T*>(col.ptr);
  for (int64_t n0 = 0; n0 < s.N; n0 += chunk) {
    const int64_t nb = std::min(chunk, s.N - n0);
    im2col_kernel<T><<<grid_for(nb * rows * L), kThreads>>>(s, nb, x + n0 * s.C * s.H * s.W, c);
    check_launch("im2col kernel");
    for (int64_t n = 0; n < nb; ++n)
      for (int64_t g = 0; g < G; ++g)  // gw_g (Og x Ckk) += gy[n][g] (Og x L) @ col[n][g]^T (L x Ckk)
        gemm(dev, dt, 1, Og, Ckk, L, 1.0, gy + ((n0 + n) * s.O + g * Og) * L, 0, L, 1, c + (n * rows + g * Ckk) * L,
             0, 1, L, n0 + n == 0 ? 0.0 : 1.0, gw + g * Og * Ckk, 0, Ckk);
  }
}

#define EMBER_CONV_INSTANTIATE(T)                                                                  \
  template void conv2d_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*);         \
  template void conv2d_backward_input<T>(const Conv2dShape&, const T*, const T*, T*);            \
  template void conv2d_backward_weight<T>(const Conv2dShape&, const T*, const T*, T*, T*);
EMBER_CONV_INSTANTIATE(float)
EMBER_CONV_INSTANTIATE(double)
#undef EMBER_CONV_INSTANTIATE

}  // namespace ember::cuda
