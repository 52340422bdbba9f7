// Packed GEMM: C = alpha * op(A) @ op(B) + beta * C (row-major C). Blocks of A and B are packed
// into MR-row / NR-column panels (which also absorbs any transpose), and a register-blocked
// micro-kernel written with GCC vector extensions does the FMAs at this ISA's vector width.
#include "cpu/isa/isa.h"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "cpu/kernels.h"

namespace ember::cpu {
namespace {

#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
#elif defined(__AVX2__)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;
#endif

template <class T> struct Tile {
  static constexpr int W = kVecBytes / sizeof(T);  // lanes per vector
  static constexpr int NV = 2;                       // vectors per micro-tile row
  static constexpr int NR = W * NV;
#if defined(__AVX512F__)
  static constexpr int MR = 12;
#elif defined(__AVX2__)
  static constexpr int MR = 6;
#else
  static constexpr int MR = 4;
#endif
  typedef T V __attribute__((vector_size(kVecBytes)));
  static constexpr int64_t KC = 256;
  static constexpr int64_t MC = MR * (sizeof(T) == 4 ? 16 : 12);
  static constexpr int64_t NC = NR * 128;
};

// gemm_direct's range: A and B small enough to stay in L2 across the whole product.
constexpr int64_t kDirectMaxK = 512;
constexpr int64_t kDirectMaxMNK = 256 * 256 * 256;
constexpr int64_t kDirectInPlaceBBytes = 4096;

// Per-thread packing buffers, grown as needed and reused across calls.
template <class T>
T* scratch(int slot, size_t elems) {
  struct Buf { T* p = nullptr; size_t n = 0; ~Buf() { std::free(p); } };
  thread_local Buf bufs[2];
  Buf& b = bufs[slot];
  if (b.n < elems) {
    std::free(b.p);
    size_t bytes = (elems * sizeof(T) + 63) / 64 * 64;
    b.p = static_cast<T*>(std::aligned_alloc(64, bytes));
    b.n = elems;
  }
  return b.p;
}

// Packs rows [i0, i0+mc) x cols [k0, k0+kc) of op(A) into MR-row panels, zero-padded.
template <class T>
void pack_a(const T* A, int64_t rsa, int64_t csa, int64_t mc, int64_t kc, T* out) {
  constexpr int MR = Tile<T>::MR;
  for (int64_t i = 0; i < mc; i += MR) {
    int64_t mr = std::min<int64_t>(MR, mc - i);
    for (int64_t k = 0; k < kc; ++k) {
      const T* src = A + i * rsa + k * csa;
      int64_t r = 0;
      for (; r < mr; ++r) out[r] = src[r * rsa];
      for (; r < MR; ++r) out[r] = T(0);
      out += MR;
    }
  }
}

// Packs rows [k0, k0+kc) x cols [j0, j0+nc) of op(B) into NR-column panels, zero-padded.
template <class T>
void pack_b(const T* B, int64_t rsb, int64_t csb, int64_t kc, int64_t nc, T* out) {
  constexpr int NR = Tile<T>::NR;
  for (int64_t j = 0; j < nc; j += NR) {
    int64_t nr = std::min<int64_t>(NR, nc - j);
    for (int64_t k = 0; k < kc; ++k) {
      const T* src = B + k * rsb + j * csb;
      int64_t c = 0;
      if (csb == 1 && nr == NR) { std::memcpy(out, src, NR * sizeof(T)); c = NR; }  // constant size: vector moves
      else if (csb == 1) { std::memcpy(out, src, nr * sizeof(T)); c = nr; }
      else for (; c < nr; ++c) out[c] = src[c * csb];
      for (; c < NR; ++c) out[c] = T(0);
      out += NR;
    }
  }
}

// C tile (first mr of ROWS rows, first nr of NR columns) = alpha * acc + beta * C; beta == 0 never
// reads C (it may be uninitialised memory).
template <class T, int ROWS>
inline void store_tile(typename Tile<T>::V (&acc)[ROWS][Tile<T>::NV], T* c, int64_t ldc, T alpha, T beta, int mr,
                       int nr) {
  using Ti = Tile<T>;
  using V = typename Ti::V;
  constexpr int NV = Ti::NV, W = Ti::W, NR = Ti::NR;
  if (mr == ROWS && nr == NR) {
    for (int r = 0; r < ROWS; ++r)
      for (int v = 0; v < NV; ++v) {
        T* dst = c + r * ldc + v * W;
        V out = acc[r][v] * alpha;
        if (beta != T(0)) { V old; std::memcpy(&old, dst, sizeof(V)); out += old * beta; }
        std::memcpy(dst, &out, sizeof(V));
      }
  } else {
    alignas(64) T tmp[ROWS * NR];
    for (int r = 0; r < ROWS; ++r)
      for (int v = 0; v < NV; ++v) std::memcpy(tmp + r * NR + v * W, &acc[r][v], sizeof(V));
    for (int r = 0; r < mr; ++r)
      for (int j = 0; j < nr; ++j) {
        T val = alpha * tmp[r * NR + j];
        c[r * ldc + j] = beta != T(0) ? val + beta * c[r * ldc + j] : val;
      }
  }
}

template <class T>
inline void micro_kernel(int64_t kc, const T* EMBER_RESTRICT a, const T* EMBER_RESTRICT b, T* c, int64_t ldc,
                         T alpha, T beta, int mr, int nr) {
  using Ti = Tile<T>;
  using V = typename Ti::V;
  constexpr int MR = Ti::MR, NV = Ti::NV, W = Ti::W, NR = Ti::NR;
  V acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = V{} ;
  for (int64_t k = 0; k < kc; ++k) {
    V bv[NV];
    for (int v = 0; v < NV; ++v) std::memcpy(&bv[v], b + v * W, sizeof(V));
    for (int r = 0; r < MR; ++r) {
      V av = a[r] - V{};  // a broadcast: x - 0 folds to x, 0 + x does not (0 + -0 is +0)
      for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
    }
    a += MR;
    b += NR;
  }
  store_tile<T, MR>(acc, c, ldc, alpha, beta, mr, nr);
}

// The micro-kernel without packed A: MRt rows of op(A) read in place (row r, column k at
// a[r * rsa + k * csa]), broadcast one element at a time, against an NR-wide panel of B whose k-th
// row starts at b + k * ldb (a packed panel has ldb = NR; a row-major B is used in place). MRt is a
// compile-time row count so edge rows do no wasted FMAs and need no temporary. The A layout is a
// template parameter too, so the common ones address A with no per-row pointer updates:
// kRowMajorA (csa == 1) indexes each row by k, kColMajorA (rsa == 1) steps one pointer by csa.
enum ALayout { kStridedA, kRowMajorA, kColMajorA };

template <class T, int MRt, ALayout L>
inline void micro_kernel_direct(int64_t kc, const T* a, int64_t rsa, int64_t csa, const T* b, int64_t ldb, T* c,
                                int64_t ldc, T alpha, T beta, int nr) {
  using Ti = Tile<T>;
  using V = typename Ti::V;
  constexpr int NV = Ti::NV, W = Ti::W;
  V acc[MRt][NV];
  const T* ar[MRt];
  for (int r = 0; r < MRt; ++r) {
    ar[r] = a + r * rsa;
    for (int v = 0; v < NV; ++v) acc[r][v] = V{};
  }
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    V bv[NV];
    for (int v = 0; v < NV; ++v) std::memcpy(&bv[v], b + k * ldb + v * W, sizeof(V));
    for (int r = 0; r < MRt; ++r) {
      T x;
      if constexpr (L == kRowMajorA) x = ar[r][k];
      else if constexpr (L == kColMajorA) x = a[k * csa + r];
      else { x = *ar[r]; ar[r] += csa; }
      V av = x - V{};  // broadcast; see micro_kernel
      for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
    }
  }
  store_tile<T, MRt>(acc, c, ldc, alpha, beta, MRt, nr);
}

// Run-time row count -> compile-time instance of micro_kernel_direct.
template <class T, ALayout L, int R = Tile<T>::MR>
inline void micro_kernel_direct_rows(int mr, int64_t kc, const T* a, int64_t rsa, int64_t csa, const T* b,
                                     int64_t ldb, T* c, int64_t ldc, T alpha, T beta, int nr) {
  if constexpr (R >= 1) {
    if (mr == R) return micro_kernel_direct<T, R, L>(kc, a, rsa, csa, b, ldb, c, ldc, alpha, beta, nr);
    micro_kernel_direct_rows<T, L, R - 1>(mr, kc, a, rsa, csa, b, ldb, c, ldc, alpha, beta, nr);
  }
}

// Mid-sized problems (all of K in one pass): no packing of A at all, and B packed only where its
// rows are not contiguous or a panel is narrower than NR; a full panel of a row-major B is read in
// place. Column panels are the outer loop so each panel stays in L1 while every row block of A
// passes over it; threads split the panels.
template <class T>
void gemm_direct(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa, const T* B,
                 int64_t rsb, int64_t csb, T beta, T* C, int64_t ldc, int nthreads) {
  using Ti = Tile<T>;
  constexpr int MR = Ti::MR, NR = Ti::NR;
  const int64_t npanels = (N + NR - 1) / NR;
  // A panel read in place spans K rows of B; at a power-of-two row stride those rows share a few
  // L1 sets and evict each other, so B is read in place only while a panel is a few KiB.
  const bool b_in_place = csb == 1 && K * NR * static_cast<int64_t>(sizeof(T)) <= kDirectInPlaceBBytes;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && npanels > 1)
  for (int64_t p = 0; p < npanels; ++p) {
    int64_t jr = p * NR;
    int nr = static_cast<int>(std::min<int64_t>(NR, N - jr));
    const T* bp = B + jr * csb;
    int64_t ldb = rsb;
    if (!b_in_place || nr < NR) {
      T* buf = scratch<T>(0, static_cast<size_t>(NR) * K);
      pack_b(bp, rsb, csb, K, nr, buf);
      bp = buf;
      ldb = NR;
    }
    for (int64_t ir = 0; ir < M; ir += MR) {
      int mr = static_cast<int>(std::min<int64_t>(MR, M - ir));
      const T* a = A + ir * rsa;
      T* c = C + ir * ldc + jr;
      if (csa == 1) micro_kernel_direct_rows<T, kRowMajorA>(mr, K, a, rsa, csa, bp, ldb, c, ldc, alpha, beta, nr);
      else if (rsa == 1) micro_kernel_direct_rows<T, kColMajorA>(mr, K, a, rsa, csa, bp, ldb, c, ldc, alpha, beta, nr);
      else micro_kernel_direct_rows<T, kStridedA>(mr, K, a, rsa, csa, bp, ldb, c, ldc, alpha, beta, nr);
    }
  }
}

// c[j] = alpha * dot(a, column j of B) + beta * c[j] for contiguous a and columns (x @ w.T with a
// small batch, as nn.Linear runs it): vector accumulators along k, four columns at a time so each
// load of a serves four FMAs.
template <class T>
void dot_row(int64_t N, int64_t K, T alpha, const T* EMBER_RESTRICT a, const T* B, int64_t csb, T beta,
             T* EMBER_RESTRICT c) {
  using V = typename Tile<T>::V;
  constexpr int W = Tile<T>::W, J = 4;
  const int64_t kv = K / W * W;
  auto store = [&](int64_t j, T s) { c[j] = beta != T(0) ? alpha * s + beta * c[j] : alpha * s; };
  int64_t j = 0;
  for (; j + J <= N; j += J) {
    V acc[J] = {};
    for (int64_t k = 0; k < kv; k += W) {
      V av;
      std::memcpy(&av, a + k, sizeof(V));
      for (int q = 0; q < J; ++q) {
        V bv;
        std::memcpy(&bv, B + (j + q) * csb + k, sizeof(V));
        acc[q] += av * bv;
      }
    }
    for (int q = 0; q < J; ++q) {
      T s = T(0);
      for (int l = 0; l < W; ++l) s += acc[q][l];
      for (int64_t k = kv; k < K; ++k) s += a[k] * B[(j + q) * csb + k];
      store(j + q, s);
    }
  }
  for (; j < N; ++j) {
    T s = T(0);
    for (int64_t k = 0; k < K; ++k) s += a[k] * B[j * csb + k];
    store(j, s);
  }
}

// Small problems: no packing, the loop order picked so the innermost loop is contiguous.
template <class T>
void gemm_small(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
                const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* EMBER_RESTRICT c = C + i * ldc;
    if (csb == 1) {  // rows of B are contiguous: c_row += a_ik * b_row
      alignas(64) T acc[256];
      for (int64_t j0 = 0; j0 < N; j0 += 256) {
        int64_t nj = std::min<int64_t>(256, N - j0);
        for (int64_t j = 0; j < nj; ++j) acc[j] = T(0);
        for (int64_t k = 0; k < K; ++k) {
          const T aik = A[i * rsa + k * csa];
          const T* EMBER_RESTRICT b = B + k * rsb + j0;
          for (int64_t j = 0; j < nj; ++j) acc[j] += aik * b[j];
        }
        for (int64_t j = 0; j < nj; ++j)
          c[j0 + j] = beta != T(0) ? alpha * acc[j] + beta * c[j0 + j] : alpha * acc[j];
      }
    } else if (rsb == 1 && csa == 1) {  // rows of A and columns of B contiguous: vector dot products
      dot_row(N, K, alpha, A + i * rsa, B, csb, beta, c);
    } else {  // dot products over strided data
      for (int64_t j = 0; j < N; ++j) {
        const T* EMBER_RESTRICT b = B + j * csb;
        const T* EMBER_RESTRICT a = A + i * rsa;
        T s = T(0);
        for (int64_t k = 0; k < K; ++k) s += a[k * csa] * b[k * rsb];
        c[j] = beta != T(0) ? alpha * s + beta * c[j] : alpha * s;
      }
    }
  }
}

template <class T>
void gemm(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
          const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == T(0)) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta != T(0) ? beta * C[i * ldc + j] : T(0);
    return;
  }
  using Ti = Tile<T>;
  constexpr int MR = Ti::MR, NR = Ti::NR;
  constexpr int64_t KC = Ti::KC, MC = Ti::MC, NC = Ti::NC;
  bool b_rows_contig = csb == 1 || (rsb == 1 && K * N <= 4096);
  bool dots = rsb == 1 && csa == 1;  // gemm_small's vector dot products
  if (M * N * K <= 32 * 32 * 32 || (M < MR && (b_rows_contig || dots)) || (M <= 2)) {
    gemm_small(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, ldc);
    return;
  }
  int nthreads = omp_in_parallel() ? 1 : std::min<int64_t>(omp_get_max_threads(),
                                                             std::max<int64_t>(1, M * N * K / (64 * 64 * 64)));
  if (K <= kDirectMaxK && M * N * K <= kDirectMaxMNK) {
    gemm_direct(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, ldc, nthreads);
    return;
  }
  for (int64_t jc = 0; jc < N; jc += NC) {
    int64_t nc = std::min(NC, N - jc);
    for (int64_t pc = 0; pc < K; pc += KC) {
      int64_t kc = std::min(KC, K - pc);
      T beta_eff = pc == 0 ? beta : T(1);
      int64_t npanels = (nc + NR - 1) / NR;
      T* bpack = scratch<T>(0, static_cast<size_t>(npanels) * NR * kc);
      pack_b(B + pc * rsb + jc * csb, rsb, csb, kc, nc, bpack);
      int64_t mblocks = (M + MC - 1) / MC;
      // Parallel over (row block, column panel) pairs so that small M still uses every core.
      int64_t jgroups = std::max<int64_t>(1, std::min<int64_t>(npanels, (nthreads + mblocks - 1) / mblocks));
      int64_t jpanels_per_group = (npanels + jgroups - 1) / jgroups;
      int64_t work = mblocks * jgroups;
#pragma omp parallel for schedule(static) num_threads(nthreads) if (nthreads > 1 && work > 1)
      for (int64_t w = 0; w < work; ++w) {
        int64_t ib = w / jgroups, jg = w % jgroups;
        int64_t ic = ib * MC, mc = std::min(MC, M - ic);
        T* apack = scratch<T>(1, static_cast<size_t>((mc + MR - 1) / MR) * MR * kc);
        pack_a(A + ic * rsa + pc * csa, rsa, csa, mc, kc, apack);
        int64_t p0 = jg * jpanels_per_group, p1 = std::min(npanels, p0 + jpanels_per_group);
        for (int64_t p = p0; p < p1; ++p) {
          int64_t jr = p * NR;
          int nr = static_cast<int>(std::min<int64_t>(NR, nc - jr));
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
            micro_kernel<T>(kc, apack + ir * kc, bpack + p * NR * kc, C + (ic + ir) * ldc + jc + jr, ldc, alpha,
                            beta_eff, mr, nr);
          }
        }
      }
    }
  }
}

}  // namespace

void EMBER_ISA_FN(fill_gemm)(KernelTable& t) {
  t.sgemm = &gemm<float>;
  t.dgemm = &gemm<double>;
}

}  // namespace ember::cpu
