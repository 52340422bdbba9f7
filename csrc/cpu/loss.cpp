// Fused cross-entropy: one pass per row computes log_softmax (kept for backward) and the
// row's loss; backward is the closed form softmax - smoothed one-hot, scaled. Sums over rows
// are taken in double, in fixed chunks, so a reduction gives the same bits every run.
#include "cpu/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"

namespace ember::cpu {

namespace {

// A row is the C class scores of one sample (and one spatial position), `inner` apart.
struct Rows {
  int64_t C, inner;
  int64_t base(int64_t i) const { return (i / inner) * C * inner + i % inner; }
};

int64_t row_grain(int64_t C) { return std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, C)); }

// Sum of fn(row) over all rows, where fn returns {loss, weight}; chunked so the total is
// reproducible.
template <class F>
std::pair<double, double> sum_rows(int64_t rows, int64_t C, const F& fn) {
  const int64_t chunks = num_chunks(rows, row_grain(C));
  std::vector<std::pair<double, double>> part(std::max<int64_t>(chunks, 1), {0.0, 0.0});
  parallel_chunks(rows, chunks, [&](int64_t c, int64_t b, int64_t e) {
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

// Writes the loss of each row (None) or its reduction into loss[0]. row(i) gives {loss, weight}.
template <class T, class F>
void reduce_rows(const LossShape& s, Reduction r, T* loss, const F& row) {
  const int64_t rows = s.N * s.inner;
  if (r == Reduction::None) {
    parallel_for(rows, row_grain(s.C), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) loss[i] = static_cast<T>(row(i).first);
    });
    return;
  }
  auto [l, w] = sum_rows(rows, s.C, row);
  loss[0] = static_cast<T>(r == Reduction::Sum ? l : l / w);  // all ignored: 0/0, NaN as in PyTorch
}

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
    total = sum_rows(s.N * s.inner, 1, [&](int64_t i) {
      int64_t t = target[i];
      return std::pair<double, double>{0.0, t == o.ignore_index ? 0.0 : class_weight(o, t)};
    }).second;
  return {grad, o.reduction, total};
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
  const Rows rows{s.C, s.inner};
  const int64_t st = s.inner;
  const double ls = o.label_smoothing;
  parallel_for(s.N * s.inner, row_grain(s.C), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T* xr = x + rows.base(i);
      T* lr = lsm + rows.base(i);
      T m = -std::numeric_limits<T>::infinity();
      for (int64_t c = 0; c < s.C; ++c) m = std::max(m, xr[c * st]);
      double sum = 0;
      for (int64_t c = 0; c < s.C; ++c) sum += std::exp(xr[c * st] - m);
      // (x - max) - log(sum), not x - (max + log(sum)): keeps log(sum)'s bits at logits ~1e4.
      const T log_sum = static_cast<T>(std::log(sum));
      for (int64_t c = 0; c < s.C; ++c) lr[c * st] = (xr[c * st] - m) - log_sum;
    }
  });
  reduce_rows(s, o.reduction, loss, [&](int64_t i) {
    const int64_t t = target[i];
    if (t == o.ignore_index) return std::pair<double, double>{0.0, 0.0};
    const T* lr = lsm + rows.base(i);
    const double wt = class_weight(o, t);
    double l = -wt * lr[t * st];
    if (ls > 0) {
      double smooth = 0;
      for (int64_t c = 0; c < s.C; ++c) smooth -= class_weight(o, c) * lr[c * st];
      l = (1 - ls) * l + ls / s.C * smooth;
    }
    return std::pair<double, double>{l, wt};
  });
}

template <class T>
void cross_entropy_backward(const LossShape& s, const LossOptions<T>& o, const T* grad, const T* lsm,
                            const int64_t* target, T* grad_x) {
  const Rows rows{s.C, s.inner};
  const int64_t st = s.inner;
  const double ls = o.label_smoothing;
  double weight_sum = 0;  // sum of class weights: the smoothed target's total mass per unit ls/C
  for (int64_t c = 0; c < s.C; ++c) weight_sum += class_weight(o, c);
  const GradScale<T> scale = grad_scale(s, o, target, grad);
  parallel_for(s.N * s.inner, row_grain(s.C), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T* lr = lsm + rows.base(i);
      T* gr = grad_x + rows.base(i);
      const int64_t t = target[i];
      if (t == o.ignore_index) {
        for (int64_t c = 0; c < s.C; ++c) gr[c * st] = T(0);
        continue;
      }
      // d loss / d lsm[c] = -g * ((1 - ls) * w_t * [c == t] + ls / C * w_c); through log_softmax
      // that gives d/dx[c] = d/dlsm[c] - softmax[c] * sum_c d/dlsm[c].
      const double g = scale(i), wt = class_weight(o, t);
      const double smooth = g * ls / s.C;
      const T total = static_cast<T>(-g * (1 - ls) * wt - smooth * weight_sum);
      for (int64_t c = 0; c < s.C; ++c)
        gr[c * st] = static_cast<T>(-smooth * class_weight(o, c)) - std::exp(lr[c * st]) * total;
      gr[t * st] -= static_cast<T>(g * (1 - ls) * wt);
    }
  });
}

template <class T>
void nll_loss_forward(const LossShape& s, const LossOptions<T>& o, const T* logp, const int64_t* target, T* loss) {
  const Rows rows{s.C, s.inner};
  reduce_rows(s, o.reduction, loss, [&](int64_t i) {
    const int64_t t = target[i];
    if (t == o.ignore_index) return std::pair<double, double>{0.0, 0.0};
    const double wt = class_weight(o, t);
    return std::pair<double, double>{-wt * logp[rows.base(i) + t * s.inner], wt};
  });
}

template <class T>
void nll_loss_backward(const LossShape& s, const LossOptions<T>& o, const T* grad, const int64_t* target, T* grad_x) {
  const Rows rows{s.C, s.inner};
  const GradScale<T> scale = grad_scale(s, o, target, grad);
  parallel_for(s.N * s.inner, row_grain(s.C), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      T* gr = grad_x + rows.base(i);
      for (int64_t c = 0; c < s.C; ++c) gr[c * s.inner] = T(0);
      const int64_t t = target[i];
      if (t != o.ignore_index) gr[t * s.inner] = static_cast<T>(-scale(i) * class_weight(o, t));
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
