// Fused cross-entropy: one pass computes log_softmax (kept for backward) and each row's loss;
// backward is the closed form softmax - smoothed one-hot, scaled. Work goes by tiles of up to
// kTile neighbouring positions of one sample, looping classes outside and positions inside, so
// spatial inputs ([N, C, H, W], classes H*W apart) are read contiguously. Sums over rows are
// taken in double, in fixed chunks, so a reduction gives the same bits every run.
#include "cpu/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "core/parallel.h"
#include "cpu/scratch.h"

namespace ember::cpu {

namespace {

constexpr int64_t kTile = 64;

// Calls fn(n, d0, d1) for tiles of positions [d0, d1) of sample n, in parallel; row i of the
// loss is position i % inner of sample i / inner, its class c at ((n * C) + c) * inner + d.
template <class F>
void for_tiles(const LossShape& s, const F& fn) {
  const int64_t per_sample = (s.inner + kTile - 1) / kTile, tiles = s.N * per_sample;
  const int64_t tile_elems = s.C * std::min(s.inner, kTile);
  parallel_for(tiles, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, tile_elems)),
               [&](int64_t b, int64_t e) {
                 for (int64_t t = b; t < e; ++t) {
                   const int64_t n = t / per_sample, d0 = t % per_sample * kTile;
                   fn(n, d0, std::min(s.inner, d0 + kTile));
                 }
               });
}

// Sum of fn(i) = {loss, weight} over rows [0, n), chunked so the total is reproducible.
template <class F>
std::pair<double, double> sum_rows(int64_t n, const F& fn) {
  const int64_t chunks = num_chunks(n, kGrainElementwise);
  std::vector<std::pair<double, double>> part(std::max<int64_t>(chunks, 1), {0.0, 0.0});
  parallel_chunks(n, chunks, [&](int64_t c, int64_t b, int64_t e) {
    double l = 0, w = 0;
    for (int64_t i = b; i < e; ++i) {
      auto [li, wi] = fn(i);
      l += li;
      w += wi;
    }
    part[c] = {l, w};
  });
  std::pair<double, double> total{0.0, 0.0};
  for (auto& p : part) total.first += p.first, total.second += p.second;
  return total;
}

template <class T>
double class_weight(const LossOptions<T>& o, int64_t c) { return o.weight ? static_cast<double>(o.weight[c]) : 1.0; }

// Receives each row's {loss, weight}: writes it out (None), or keeps it for the reduction.
template <class T>
struct RowLosses {
  const LossShape& s;
  Reduction r;
  T* loss;
  double* kept;  // [rows][2] when reducing
  RowLosses(const LossShape& shape, Reduction red, T* out) : s(shape), r(red), loss(out), kept(nullptr) {
    if (r != Reduction::None) kept = scratch<double>(ScratchSlot::Partials, static_cast<size_t>(2 * s.N * s.inner));
  }
  void set(int64_t i, double l, double w) const {
    if (r == Reduction::None) {
      loss[i] = static_cast<T>(l);
    } else {
      kept[2 * i] = l;
      kept[2 * i + 1] = w;
    }
  }
  void finish() const {
    if (r == Reduction::None) return;
    auto [l, w] = sum_rows(s.N * s.inner, [&](int64_t i) { return std::make_pair(kept[2 * i], kept[2 * i + 1]); });
    loss[0] = static_cast<T>(r == Reduction::Sum ? l : l / w);  // all ignored: 0/0, NaN as in PyTorch
  }
};

// The scale of row i's gradient: its own grad (None), or the one grad divided as forward did.
template <class T>
struct GradScale {
  const T* grad;
  Reduction r;
  double total_weight;
  double operator()(int64_t i) const {
    if (r == Reduction::None) return static_cast<double>(grad[i]);
    return r == Reduction::Mean ? static_cast<double>(grad[0]) / total_weight : static_cast<double>(grad[0]);
  }
};

template <class T>
GradScale<T> grad_scale(const LossShape& s, const LossOptions<T>& o, const int64_t* target, const T* grad) {
  double total = 0;
  if (o.reduction == Reduction::Mean)
    total = sum_rows(s.N * s.inner, [&](int64_t i) {
      int64_t t = target[i];
      return std::pair<double, double>{0.0, t == o.ignore_index ? 0.0 : class_weight(o, t)};
    }).second;
  return {grad, o.reduction, total};
}

// log_softmax and losses of one tile. ONE: the input has no spatial dims, so a tile is one
// row, known at compile time so its position loops vanish.
template <class T, bool ONE>
void cross_entropy_tile(const LossShape& s, const LossOptions<T>& o, const T* x, const int64_t* target, T* lsm,
                        const RowLosses<T>& out, int64_t n, int64_t d0, int64_t d1) {
  const int64_t in = ONE ? 1 : s.inner, B = ONE ? 1 : d1 - d0, base = n * s.C * in + d0;
  const double ls = o.label_smoothing;
  const T* xt = x + base;
  T* lt = lsm + base;
  T m[kTile], log_sum[kTile];
  double sum[kTile], smooth[kTile];
  std::fill(m, m + B, -std::numeric_limits<T>::infinity());
  std::fill(sum, sum + B, 0.0);
  std::fill(smooth, smooth + B, 0.0);
  for (int64_t c = 0; c < s.C; ++c)
    for (int64_t d = 0; d < B; ++d) m[d] = std::max(m[d], xt[c * in + d]);
  for (int64_t c = 0; c < s.C; ++c)
    for (int64_t d = 0; d < B; ++d) sum[d] += std::exp(xt[c * in + d] - m[d]);
  for (int64_t d = 0; d < B; ++d) log_sum[d] = static_cast<T>(std::log(sum[d]));
  // (x - max) - log(sum), not x - (max + log(sum)): keeps log(sum)'s bits at logits ~1e4.
  for (int64_t c = 0; c < s.C; ++c)
    for (int64_t d = 0; d < B; ++d) lt[c * in + d] = (xt[c * in + d] - m[d]) - log_sum[d];
  if (ls > 0)
    for (int64_t c = 0; c < s.C; ++c)
      for (int64_t d = 0; d < B; ++d) smooth[d] -= class_weight(o, c) * lt[c * in + d];
  for (int64_t d = 0; d < B; ++d) {
    const int64_t i = n * in + d0 + d, t = target[i];
    if (t == o.ignore_index) {
      out.set(i, 0.0, 0.0);
      continue;
    }
    const double wt = class_weight(o, t), nll = -wt * lt[t * in + d];
    out.set(i, ls > 0 ? (1 - ls) * nll + ls / s.C * smooth[d] : nll, wt);
  }
}

// grad_x of one tile (see cross_entropy_tile for ONE).
template <class T, bool ONE>
void cross_entropy_grad_tile(const LossShape& s, const LossOptions<T>& o, const GradScale<T>& scale,
                             double weight_sum, const T* lsm, const int64_t* target, T* grad_x, int64_t n, int64_t d0,
                             int64_t d1) {
  const int64_t in = ONE ? 1 : s.inner, B = ONE ? 1 : d1 - d0, base = n * s.C * in + d0;
  const double ls = o.label_smoothing;
  const T* lt = lsm + base;
  T* gt = grad_x + base;
  // d loss / d lsm[c] = -g * ((1 - ls) * w_t * [c == t] + ls / C * w_c); through log_softmax
  // that gives d/dx[c] = d/dlsm[c] - softmax[c] * sum_c d/dlsm[c].
  double g[kTile], smooth[kTile];
  T total[kTile];
  for (int64_t d = 0; d < B; ++d) {
    const int64_t i = n * in + d0 + d, t = target[i];
    const bool ignored = t == o.ignore_index;
    g[d] = ignored ? 0.0 : scale(i) * class_weight(o, t);  // the target's share, w_t folded in
    smooth[d] = ignored ? 0.0 : scale(i) * ls / s.C;
    total[d] = static_cast<T>(-g[d] * (1 - ls) - smooth[d] * weight_sum);
  }
  for (int64_t c = 0; c < s.C; ++c) {
    const double wc = class_weight(o, c);
    for (int64_t d = 0; d < B; ++d)
      gt[c * in + d] = static_cast<T>(-smooth[d] * wc) - std::exp(lt[c * in + d]) * total[d];
  }
  for (int64_t d = 0; d < B; ++d) {
    const int64_t t = target[n * in + d0 + d];
    if (t != o.ignore_index) {
      gt[t * in + d] -= static_cast<T>(g[d] * (1 - ls));
    } else {  // zeros even where log_softmax is not finite
      for (int64_t c = 0; c < s.C; ++c) gt[c * in + d] = T(0);
    }
  }
}

}  // namespace

int64_t find_bad_target(const int64_t* target, int64_t n, int64_t C, int64_t ignore_index) {
  for (int64_t i = 0; i < n; ++i)
    if (target[i] != ignore_index && (target[i] < 0 || target[i] >= C)) return i;
  return -1;
}

template <class T>
void cross_entropy_forward(const LossShape& s, const LossOptions<T>& o, const T* x, const int64_t* target, T* lsm,
                           T* loss) {
  const RowLosses<T> out(s, o.reduction, loss);
  for_tiles(s, [&](int64_t n, int64_t d0, int64_t d1) {
    if (s.inner == 1) cross_entropy_tile<T, true>(s, o, x, target, lsm, out, n, d0, d1);
    else cross_entropy_tile<T, false>(s, o, x, target, lsm, out, n, d0, d1);
  });
  out.finish();
}

template <class T>
void cross_entropy_backward(const LossShape& s, const LossOptions<T>& o, const T* grad, const T* lsm,
                            const int64_t* target, T* grad_x) {
  double weight_sum = 0;  // sum of class weights: the smoothed target's total mass per unit ls/C
  for (int64_t c = 0; c < s.C; ++c) weight_sum += class_weight(o, c);
  const GradScale<T> scale = grad_scale(s, o, target, grad);
  for_tiles(s, [&](int64_t n, int64_t d0, int64_t d1) {
    if (s.inner == 1) cross_entropy_grad_tile<T, true>(s, o, scale, weight_sum, lsm, target, grad_x, n, d0, d1);
    else cross_entropy_grad_tile<T, false>(s, o, scale, weight_sum, lsm, target, grad_x, n, d0, d1);
  });
}

template <class T>
void nll_loss_forward(const LossShape& s, const LossOptions<T>& o, const T* logp, const int64_t* target, T* loss) {
  const RowLosses<T> out(s, o.reduction, loss);
  parallel_for(s.N * s.inner, kGrainElementwise, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t t = target[i];
      if (t == o.ignore_index) {
        out.set(i, 0.0, 0.0);
        continue;
      }
      const double wt = class_weight(o, t);
      out.set(i, -wt * logp[(i / s.inner * s.C + t) * s.inner + i % s.inner], wt);
    }
  });
  out.finish();
}

template <class T>
void nll_loss_backward(const LossShape& s, const LossOptions<T>& o, const T* grad, const int64_t* target, T* grad_x) {
  const GradScale<T> scale = grad_scale(s, o, target, grad);
  const int64_t total = s.N * s.C * s.inner;
  parallel_for(total, kGrainElementwise, [&](int64_t b, int64_t e) { std::fill(grad_x + b, grad_x + e, T(0)); });
  parallel_for(s.N * s.inner, kGrainElementwise, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t t = target[i];
      if (t != o.ignore_index)
        grad_x[(i / s.inner * s.C + t) * s.inner + i % s.inner] = static_cast<T>(-scale(i) * class_weight(o, t));
    }
  });
}

#define EMBER_INSTANTIATE(T)                                                                                     \
  template void cross_entropy_forward<T>(const LossShape&, const LossOptions<T>&, const T*, const int64_t*, T*,  \
                                         T*);                                                                    \
  template void cross_entropy_backward<T>(const LossShape&, const LossOptions<T>&, const T*, const T*,           \
                                          const int64_t*, T*);                                                   \
  template void nll_loss_forward<T>(const LossShape&, const LossOptions<T>&, const T*, const int64_t*, T*);      \
  template void nll_loss_backward<T>(const LossShape&, const LossOptions<T>&, const T*, const int64_t*, T*);
EMBER_INSTANTIATE(float)
EMBER_INSTANTIATE(double)
#undef EMBER_INSTANTIATE

}  // namespace ember::cpu
