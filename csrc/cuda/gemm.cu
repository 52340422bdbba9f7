// SGEMM/DGEMM on CUDA: shared-memory tiles with register blocking. A block computes a BM x BN
// tile of C, stepping through K by BK; each thread holds a TM x TN sub-tile in registers, its
// rows and columns interleaved by the thread grid so shared-memory reads are broadcasts or
// conflict-free. A and B are read through (row, column) strides, so transposed and batched
// operands cost nothing extra; tile loads are coalesced along whichever stride is 1.
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

template <class T, int BM, int BN, int BK, int TM, int TN>
__global__ void __launch_bounds__((BM / TM) * (BN / TN))
gemm_kernel(int64_t M, int64_t N, int64_t K, T alpha, const T* __restrict__ A, int64_t sa, int64_t rsa, int64_t csa,
            const T* __restrict__ B, int64_t sb, int64_t rsb, int64_t csb, T beta, T* __restrict__ C, int64_t sc,
            int64_t ldc) {
  constexpr int TX = BN / TN, TY = BM / TM, NT = TX * TY;
  static_assert((BM * BK) % NT == 0 && (BN * BK) % NT == 0, "tile loads must divide evenly");
  __shared__ T As[BK][BM];
  __shared__ T Bs[BK][BN];

  const int64_t batch = blockIdx.z;
  A += batch * sa;
  B += batch * sb;
  C += batch * sc;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * BM, col0 = static_cast<int64_t>(blockIdx.x) * BN;
  const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;
  const bool a_k_unit = csa == 1, b_n_unit = csb == 1;

  T acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = T(0);

  for (int64_t k0 = 0; k0 < K; k0 += BK) {
#pragma unroll
    for (int r = 0; r < (BM * BK) / NT; ++r) {
      int idx = tid + r * NT;
      int m = a_k_unit ? idx / BK : idx % BM;
      int k = a_k_unit ? idx % BK : idx / BM;
      int64_t gm = row0 + m, gk = k0 + k;
      As[k][m] = (gm < M && gk < K) ? A[gm * rsa + gk * csa] : T(0);
    }
#pragma unroll
    for (int r = 0; r < (BN * BK) / NT; ++r) {
      int idx = tid + r * NT;
      int n = b_n_unit ? idx % BN : idx / BK;
      int k = b_n_unit ? idx / BN : idx % BK;
      int64_t gn = col0 + n, gk = k0 + k;
      Bs[k][n] = (gn < N && gk < K) ? B[gk * rsb + gn * csb] : T(0);
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < BK; ++k) {
      T a[TM], b[TN];
#pragma unroll
      for (int i = 0; i < TM; ++i) a[i] = As[k][ty + i * TY];
#pragma unroll
      for (int j = 0; j < TN; ++j) b[j] = Bs[k][tx + j * TX];
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < TM; ++i) {
    int64_t gm = row0 + ty + i * TY;
    if (gm >= M) continue;
#pragma unroll
    for (int j = 0; j < TN; ++j) {
      int64_t gn = col0 + tx + j * TX;
      if (gn >= N) continue;
      T* c = C + gm * ldc + gn;
      // beta == 0 never reads C, so NaN garbage in a fresh output does not leak in (BLAS rule).
      *c = beta == T(0) ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *c;
    }
  }
}

template <class T>
__global__ void scale_kernel(int64_t batch, int64_t M, int64_t N, T beta, T* C, int64_t sc, int64_t ldc) {
  const int64_t total = batch * M * N;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t b = i / (M * N), r = (i / N) % M, c = i % N;
    T* p = C + b * sc + r * ldc + c;
    *p = beta == T(0) ? T(0) : beta * *p;
  }
}

template <class T, int BM, int BN, int BK, int TM, int TN>
void run_gemm(int64_t batch, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t sa, int64_t rsa,
              int64_t csa, const T* B, int64_t sb, int64_t rsb, int64_t csb, T beta, T* C, int64_t sc, int64_t ldc) {
  if (K == 0) {  // C = beta * C
    scale_kernel<T><<<grid_for(batch * M * N), kThreads>>>(batch, M, N, beta, C, sc, ldc);
    check_launch("gemm kernel");
    return;
  }
  constexpr int NT = (BM / TM) * (BN / TN);
  const int64_t tiles_n = (N + BN - 1) / BN, tiles_m = (M + BM - 1) / BM;
  if (tiles_m > 65535) throw Error(str("gemm: M = ", M, " is too large for one CUDA launch"));
  for (int64_t b0 = 0; b0 < batch; b0 += 65535) {
    unsigned nb = static_cast<unsigned>(std::min<int64_t>(65535, batch - b0));
    dim3 grid(static_cast<unsigned>(tiles_n), static_cast<unsigned>(tiles_m), nb);
    gemm_kernel<T, BM, BN, BK, TM, TN><<<grid, NT>>>(M, N, K, alpha, A + b0 * sa, sa, rsa, csa, B + b0 * sb, sb, rsb,
                                                      csb, beta, C + b0 * sc, sc, ldc);
    check_launch("gemm kernel");
  }
}

}  // namespace

void gemm(int device, DType dt, int64_t batch, int64_t M, int64_t N, int64_t K, double alpha, const void* A, int64_t sa,
          int64_t rsa, int64_t csa, const void* B, int64_t sb, int64_t rsb, int64_t csb, double beta, void* C,
          int64_t sc, int64_t ldc) {
  if (batch == 0 || M == 0 || N == 0) return;
  DeviceGuard guard(device);
  switch (dt) {
    case DType::Float32: {
      // Small problems use the 64 x 64 tile so more blocks fill the GPU.
      auto a = static_cast<const float*>(A);
      auto b = static_cast<const float*>(B);
      auto c = static_cast<float*>(C);
      if (batch * ((M + 127) / 128) * ((N + 127) / 128) >= 64)
        run_gemm<float, 128, 128, 8, 8, 8>(batch, M, N, K, float(alpha), a, sa, rsa, csa, b, sb, rsb, csb,
                                           float(beta), c, sc, ldc);
      else
        run_gemm<float, 64, 64, 8, 4, 4>(batch, M, N, K, float(alpha), a, sa, rsa, csa, b, sb, rsb, csb, float(beta),
                                         c, sc, ldc);
      return;
    }
    case DType::Float64:
      run_gemm<double, 64, 64, 8, 4, 4>(batch, M, N, K, alpha, static_cast<const double*>(A), sa, rsa, csa,
                                        static_cast<const double*>(B), sb, rsb, csb, beta, static_cast<double*>(C),
                                        sc, ldc);
      return;
    default:
      throw NotImplementedError(str("matmul: no CUDA kernel for '", dtype_name(dt),
                                    "' tensors (float32 and float64 only)"));
  }
}

}  // namespace ember::cuda
