// Direct convolution for rows read with unit stride (sW == 1), no im2col. Output rows are cut
// into vectors along their width; a block of OB output channels x NP row-vectors is held in
// registers, so each input load feeds OB FMAs and each weight broadcast feeds NP. The image is
// first copied into a zero-padded buffer so the inner loop has no bounds checks. The weight
// gradient is the same loop with the roles swapped: OB channels x KT kernel taps held in
// registers while it sweeps every row-vector of a slab of images.
#include "cpu/isa/isa.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "core/parallel.h"
#include "cpu/kernels.h"
#include "cpu/scratch.h"

namespace ember::cpu {
namespace {

#if defined(__AVX2__)
constexpr int kVecBytes = 32;  // AVX-512 too: the narrow rows this path serves fill 8 floats better than 16
#else
constexpr int kVecBytes = 16;
#endif

template <class T> struct Simd {
  static constexpr int W = kVecBytes / sizeof(T);
  typedef T V __attribute__((vector_size(kVecBytes)));
  typedef T VU __attribute__((vector_size(kVecBytes), aligned(sizeof(T))));  // for unaligned loads
  static V load(const T* p) { return *reinterpret_cast<const VU*>(p); }
  // x - 0 is exactly x, so this folds to a broadcast; `V{} + x` is a real addition (0 + -0 is +0).
  static V splat(T x) { return x - V{}; }
  typedef std::conditional_t<sizeof(T) == 4, int32_t, int64_t> I;
  typedef I IV __attribute__((vector_size(kVecBytes)));
};

// Up to W consecutive outputs of one row: where they read (padded input) and write.
struct RowVec {
  int64_t in, out;
  int count;
  int kh_lo, kh_hi;  // kernel rows that read the image, not its zero padding
};

// Layout shared by every image of one call.
struct Plan {
  int64_t Hp, Wp, plane;        // padded image: Hp x Wp per channel
  int64_t image;                // elements per padded image, with a tail margin for overreads
  std::vector<RowVec> rows;     // all row-vectors of one output image, full ones first
  int64_t nfull = 0;            // rows[0, nfull) hold W outputs each
  std::vector<int64_t> taps;    // offset of tap (c, kh, kw) of one group, in the padded image
  int64_t Cg, kH, kW;
};

inline int64_t ceil_div(int64_t a, int64_t d) { return a >= 0 ? (a + d - 1) / d : -(-a / d); }

Plan make_plan(const Conv2dShape& s, int W, int64_t out_row_stride) {
  Plan p;
  p.Hp = s.H + 2 * s.pH;
  p.Wp = s.W + 2 * s.pW;
  p.plane = p.Hp * p.Wp;
  p.image = s.C * p.plane + W;
  for (int64_t oh = 0; oh < s.OH; ++oh) {
    // Kernel row kh reads padded row oh*sH + kh*dH; the image covers [pH, pH + H).
    int64_t lo = std::clamp<int64_t>(ceil_div(s.pH - oh * s.sH, s.dH), 0, s.kH);
    int64_t hi = std::clamp<int64_t>(ceil_div(s.pH + s.H - oh * s.sH, s.dH), lo, s.kH);
    for (int64_t ow = 0; ow < s.OW; ow += W)
      p.rows.push_back({oh * s.sH * p.Wp + ow, oh * out_row_stride + ow,
                        static_cast<int>(std::min<int64_t>(W, s.OW - ow)), static_cast<int>(lo),
                        static_cast<int>(hi)});
  }
  std::stable_partition(p.rows.begin(), p.rows.end(), [W](const RowVec& r) { return r.count == W; });
  p.nfull = std::count_if(p.rows.begin(), p.rows.end(), [W](const RowVec& r) { return r.count == W; });
  const int64_t Cg = s.C / s.groups;
  p.Cg = Cg, p.kH = s.kH, p.kW = s.kW;
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t kh = 0; kh < s.kH; ++kh)
      for (int64_t kw = 0; kw < s.kW; ++kw) p.taps.push_back(c * p.plane + kh * s.dH * p.Wp + kw * s.dW);
  return p;
}

// x [C, H, W] into xp [C, Hp, Wp] with zeros around it and in the tail margin.
template <class T>
void pad_image(const Conv2dShape& s, const Plan& p, const T* __restrict__ x, T* __restrict__ xp) {
  if (s.pH == 0 && s.pW == 0) {
    std::memcpy(xp, x, s.C * s.H * s.W * sizeof(T));
    std::fill(xp + s.C * s.H * s.W, xp + p.image, T(0));
    return;
  }
  std::fill(xp, xp + p.image, T(0));
  for (int64_t c = 0; c < s.C; ++c)
    for (int64_t h = 0; h < s.H; ++h)
      std::memcpy(xp + c * p.plane + (h + s.pH) * p.Wp + s.pW, x + (c * s.H + h) * s.W, s.W * sizeof(T));
}

// ---- forward -------------------------------------------------------------------------------

template <class T> struct FwdBlock {
  const T* x;     // padded image at the group's first input channel
  const T* w;     // packed weights of the block, [K][OB]
  const T* bias;  // at the block's first output channel, or null
  T* y;           // output image at the block's first output channel
  int nob;        // output channels of the block that exist
};

template <class T, int OB, int NP>
void fwd_block(const Plan& p, const FwdBlock<T>& b, int64_t P) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W;
  const int64_t nrows = static_cast<int64_t>(p.rows.size());
  const int64_t* taps = p.taps.data();
  for (int64_t r0 = 0; r0 < nrows; r0 += NP) {
    const int np = static_cast<int>(std::min<int64_t>(NP, nrows - r0));
    const T* base[NP];
    int kh_lo = static_cast<int>(p.kH), kh_hi = 0;
    for (int q = 0; q < NP; ++q) {
      const RowVec& r = p.rows[r0 + std::min(q, np - 1)];
      base[q] = b.x + r.in;
      kh_lo = std::min(kh_lo, r.kh_lo);
      kh_hi = std::max(kh_hi, r.kh_hi);
    }
    V acc[OB][NP];
    for (int j = 0; j < OB; ++j) {
      T init = b.bias && j < b.nob ? b.bias[j] : T(0);
      for (int q = 0; q < NP; ++q) acc[j][q] = Simd<T>::splat(init);
    }
    // Only kernel rows that reach the image: a backward-input run on zero-padded grad_y
    // (see cpu/conv.cpp) would spend a third of its work on padding rows otherwise.
    for (int64_t c = 0; c < p.Cg; ++c) {  // taps run (c, kh, kw): one stretch per channel
      const int64_t k1 = (c * p.kH + kh_hi) * p.kW;
      const T* wk = b.w + (c * p.kH + kh_lo) * p.kW * OB;
      for (int64_t k = (c * p.kH + kh_lo) * p.kW; k < k1; ++k, wk += OB) {
        V xv[NP];
        for (int q = 0; q < NP; ++q) xv[q] = Simd<T>::load(base[q] + taps[k]);
        for (int j = 0; j < OB; ++j) {
          V wv = Simd<T>::splat(wk[j]);
          for (int q = 0; q < NP; ++q) acc[j][q] += wv * xv[q];
        }
      }
    }
    for (int j = 0; j < b.nob; ++j)
      for (int q = 0; q < np; ++q) {
        const RowVec& r = p.rows[r0 + q];
        T* dst = b.y + j * P + r.out;
        if (r.count == W) {
          std::memcpy(dst, &acc[j][q], sizeof(V));
        } else {
          T tmp[W];
          std::memcpy(tmp, &acc[j][q], sizeof(V));
          for (int i = 0; i < r.count; ++i) dst[i] = tmp[i];
        }
      }
  }
}

template <class T> using FwdBlockFn = void (*)(const Plan&, const FwdBlock<T>&, int64_t);

// Register blocks (channels x vectors) tried for a shape: 12 or fewer accumulators, so with the
// loaded vectors and the broadcast weight they fit 16 vector registers.
template <class T> struct FwdShape { int OB, NP; FwdBlockFn<T> fn; };
template <class T>
const FwdShape<T> kFwdShapes[] = {{6, 2, &fwd_block<T, 6, 2>}, {4, 3, &fwd_block<T, 4, 3>},
                                  {3, 4, &fwd_block<T, 3, 4>}, {2, 6, &fwd_block<T, 2, 6>},
                                  {4, 2, &fwd_block<T, 4, 2>}, {8, 1, &fwd_block<T, 8, 1>},
                                  {1, 8, &fwd_block<T, 1, 8>}};

// Estimated half-cycles per step of an a x b register block: its FMAs and its loads each issue
// two per cycle, and fewer than ~10 accumulators cannot hide the FMA latency.
inline int64_t block_cost(int a, int b) { return std::max({a * b, a + b, 10}); }

template <class T>
const FwdShape<T>& pick_fwd(int64_t Og, int64_t nrows) {
  const FwdShape<T>* best = &kFwdShapes<T>[0];
  int64_t best_cost = std::numeric_limits<int64_t>::max();
  for (const auto& c : kFwdShapes<T>) {
    int64_t cost = (Og + c.OB - 1) / c.OB * ((nrows + c.NP - 1) / c.NP) * block_cost(c.OB, c.NP);
    if (cost < best_cost) best_cost = cost, best = &c;
  }
  return *best;
}

template <class T>
void conv_direct_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y) {
  constexpr int W = Simd<T>::W;
  const Plan plan = make_plan(s, W, s.OW);
  const int64_t Og = s.O / s.groups, Cg = s.C / s.groups, K = static_cast<int64_t>(plan.taps.size());
  const int64_t P = s.OH * s.OW;
  const FwdShape<T>& shape = pick_fwd<T>(Og, static_cast<int64_t>(plan.rows.size()));
  const int OB = shape.OB;
  const int64_t nblocks = (Og + OB - 1) / OB;
  // Weights as [group][block][tap][OB], zero where the block runs past the group's channels.
  T* wp = scratch<T>(ScratchSlot::Weights, static_cast<size_t>(s.groups * nblocks * K * OB));
  for (int64_t g = 0; g < s.groups; ++g)
    for (int64_t b = 0; b < nblocks; ++b)
      for (int64_t k = 0; k < K; ++k)
        for (int j = 0; j < OB; ++j) {
          int64_t o = b * OB + j;
          wp[((g * nblocks + b) * K + k) * OB + j] = o < Og ? w[(g * Og + o) * K + k] : T(0);
        }
  const int64_t work = s.O * K * P;
  parallel_for(s.N, std::max<int64_t>(1, (1 << 16) / std::max<int64_t>(1, work)), [&](int64_t n0, int64_t n1) {
    T* xp = scratch<T>(ScratchSlot::Columns, static_cast<size_t>(plan.image));
    for (int64_t n = n0; n < n1; ++n) {
      pad_image(s, plan, x + n * s.C * s.H * s.W, xp);
      for (int64_t g = 0; g < s.groups; ++g)
        for (int64_t b = 0; b < nblocks; ++b) {
          int64_t o0 = g * Og + b * OB;
          FwdBlock<T> blk{xp + g * Cg * plan.plane, wp + (g * nblocks + b) * K * OB, bias ? bias + o0 : nullptr,
                          y + (n * s.O + o0) * P, static_cast<int>(std::min<int64_t>(OB, Og - b * OB))};
          shape.fn(plan, blk, P);
        }
    }
  });
}

// ---- weight gradient -----------------------------------------------------------------------

template <class T> struct WgradBlock {
  const T* x;        // first padded image of the slab, at the group's first input channel
  const T* gy;       // first gradient image of the slab (rows padded to whole vectors), at the block
  const int64_t* taps;  // KT tap offsets
  int64_t nimg, x_image, gy_image, gy_plane;
  T* out;            // [OB][KT] sums
};

template <class T, int OB, int KT>
void wgrad_block(const Plan& p, const WgradBlock<T>& b) {
  using S = Simd<T>;
  using V = typename S::V;
  using IV = typename S::IV;
  constexpr int W = S::W;
  IV lane;
  for (int i = 0; i < W; ++i) lane[i] = i;
  V acc[OB][KT];
  for (int j = 0; j < OB; ++j)
    for (int t = 0; t < KT; ++t) acc[j][t] = V{};
  int64_t tap[KT];
  for (int t = 0; t < KT; ++t) tap[t] = b.taps[t];
  const RowVec* rows = p.rows.data();
  const int64_t nrows = static_cast<int64_t>(p.rows.size());
  for (int64_t n = 0; n < b.nimg; ++n) {
    const T* xn = b.x + n * b.x_image;
    const T* gn = b.gy + n * b.gy_image;
    for (int64_t r = 0; r < p.nfull; ++r) {
      V g[OB];
      for (int j = 0; j < OB; ++j) g[j] = S::load(gn + j * b.gy_plane + rows[r].out);
      const T* xr = xn + rows[r].in;
      for (int t = 0; t < KT; ++t) {
        V xv = S::load(xr + tap[t]);
        for (int j = 0; j < OB; ++j) acc[j][t] += g[j] * xv;
      }
    }
    // Lanes past a row's end read real pixels of the next row; zero them so that an inf there
    // cannot turn the zero gradient lanes into NaN.
    for (int64_t r = p.nfull; r < nrows; ++r) {
      const IV keep = lane < (IV{} + static_cast<typename S::I>(rows[r].count));
      const T* xr = xn + rows[r].in;
      for (int t = 0; t < KT; ++t) {
        V xv = S::load(xr + tap[t]);
        xv = keep ? xv : V{};
        for (int j = 0; j < OB; ++j) acc[j][t] += S::load(gn + j * b.gy_plane + rows[r].out) * xv;
      }
    }
  }
  for (int j = 0; j < OB; ++j)
    for (int t = 0; t < KT; ++t) {
      T sum = T(0);
      for (int i = 0; i < W; ++i) sum += acc[j][t][i];
      b.out[j * KT + t] = sum;
    }
}

template <class T> using WgradBlockFn = void (*)(const Plan&, const WgradBlock<T>&);
// Register blocks (channels x taps): the OB*KT accumulators, OB gradient vectors and one input
// vector must fit 16 registers, or an accumulator spills and each step waits on memory.
template <class T> struct WgradShape { int OB, KT; WgradBlockFn<T> fn; };
template <class T>
const WgradShape<T> kWgradShapes[] = {{3, 4, &wgrad_block<T, 3, 4>}, {2, 6, &wgrad_block<T, 2, 6>},
                                      {4, 2, &wgrad_block<T, 4, 2>}, {3, 3, &wgrad_block<T, 3, 3>},
                                      {2, 5, &wgrad_block<T, 2, 5>}, {1, 8, &wgrad_block<T, 1, 8>}};

template <class T>
const WgradShape<T>& pick_wgrad(int64_t Og, int64_t K) {
  const WgradShape<T>* best = &kWgradShapes<T>[0];
  int64_t best_cost = std::numeric_limits<int64_t>::max();
  for (const auto& c : kWgradShapes<T>) {
    int64_t cost = (Og + c.OB - 1) / c.OB * ((K + c.KT - 1) / c.KT) * block_cost(c.OB, c.KT);
    if (cost < best_cost) best_cost = cost, best = &c;
  }
  return *best;
}

// Images per slab: enough to amortise each block's horizontal sums, few enough to stay in cache.
constexpr int64_t kSlabElems = 1 << 18;

template <class T>
void conv_direct_weight(const Conv2dShape& s, const T* gy, const T* x, T* gw) {
  constexpr int W = Simd<T>::W;
  const int64_t OWr = (s.OW + W - 1) / W * W;  // gradient rows padded to whole vectors
  const Plan plan = make_plan(s, W, OWr);
  const int64_t Og = s.O / s.groups, Cg = s.C / s.groups, K = static_cast<int64_t>(plan.taps.size());
  const int64_t gy_plane = s.OH * OWr, gy_image = s.O * gy_plane;
  const WgradShape<T>& shape = pick_wgrad<T>(Og, K);
  const int OB = shape.OB, KT = shape.KT;
  const int64_t oblocks = (Og + OB - 1) / OB, kblocks = (K + KT - 1) / KT;
  // Taps padded to whole blocks by repeating the last one; its sums are dropped.
  std::vector<int64_t> taps(kblocks * KT);
  for (int64_t k = 0; k < kblocks * KT; ++k) taps[k] = plan.taps[std::min(k, K - 1)];
  const int64_t slab = std::max<int64_t>(1, std::min<int64_t>(s.N, kSlabElems / (plan.image + gy_image)));
  // Gradient channels padded up to whole blocks (zeros) so the last block reads real memory.
  const int64_t gy_image_alloc = (s.groups * oblocks * OB) * gy_plane;
  T* xs = scratch<T>(ScratchSlot::Batch, static_cast<size_t>(slab * (plan.image + gy_image_alloc)));
  T* gs = xs + slab * plan.image;
  std::fill(gw, gw + s.O * K, T(0));
  const int64_t tasks = s.groups * oblocks * kblocks;
  for (int64_t n0 = 0; n0 < s.N; n0 += slab) {
    const int64_t nimg = std::min(slab, s.N - n0);
    parallel_for(nimg, std::max<int64_t>(1, (1 << 15) / (plan.image + gy_image_alloc)), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        pad_image(s, plan, x + (n0 + i) * s.C * s.H * s.W, xs + i * plan.image);
        T* gi = gs + i * gy_image_alloc;
        std::fill(gi, gi + gy_image_alloc, T(0));
        for (int64_t g = 0; g < s.groups; ++g)
          for (int64_t o = 0; o < Og; ++o)
            for (int64_t oh = 0; oh < s.OH; ++oh)
              std::copy_n(gy + (((n0 + i) * s.O + g * Og + o) * s.OH + oh) * s.OW, s.OW,
                          gi + (g * oblocks * OB + o) * gy_plane + oh * OWr);
      }
    });
    const int64_t per_task = nimg * static_cast<int64_t>(plan.rows.size()) * OB * KT;
    parallel_for(tasks, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, per_task)), [&](int64_t t0, int64_t t1) {
      T out[64];  // OB * KT sums of one block
      for (int64_t task = t0; task < t1; ++task) {
        int64_t g = task / (oblocks * kblocks), b = task / kblocks % oblocks, kb = task % kblocks;
        WgradBlock<T> blk{xs + g * Cg * plan.plane, gs + (g * oblocks + b) * OB * gy_plane, taps.data() + kb * KT,
                          nimg, plan.image, gy_image_alloc, gy_plane, out};
        shape.fn(plan, blk);
        for (int j = 0; j < OB && b * OB + j < Og; ++j)
          for (int t = 0; t < KT && kb * KT + t < K; ++t)
            gw[(g * Og + b * OB + j) * K + kb * KT + t] += out[j * KT + t];
      }
    });
  }
}

}  // namespace

void EMBER_ISA_FN(fill_conv)(KernelTable& t) {
  t.conv2d_direct_f32 = &conv_direct_forward<float>;
  t.conv2d_direct_f64 = &conv_direct_forward<double>;
  t.conv2d_direct_weight_f32 = &conv_direct_weight<float>;
  t.conv2d_direct_weight_f64 = &conv_direct_weight<double>;
}

}  // namespace ember::cpu
