// The parameters' elements are laid end to end and split across threads in one parallel
// region, so a model of many small tensors pays for threads once, not once per tensor.
#include "cpu/optim.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/parallel.h"

namespace ember::cpu {

namespace {

// Calls fn(slot, begin, end) for every piece of every slot, in parallel over all elements.
template <class F>
void for_each_range(const std::vector<OptimSlot>& slots, const F& fn) {
  std::vector<int64_t> start(slots.size() + 1, 0);
  for (size_t i = 0; i < slots.size(); ++i) start[i + 1] = start[i] + slots[i].numel;
  parallel_for(start.back(), kGrainElementwise, [&](int64_t b, int64_t e) {
    size_t i = std::upper_bound(start.begin(), start.end(), b) - start.begin() - 1;
    for (; i < slots.size() && start[i] < e; ++i) {
      int64_t lo = std::max(b, start[i]) - start[i], hi = std::min(e, start[i + 1]) - start[i];
      if (lo < hi) fn(slots[i], lo, hi);
    }
  });
}

// nan_max and lerp restate elem::maximum_nan and elem::lerp (core/element_ops.h, used by the CUDA
// kernels) in the forms GCC vectorises: with the shared ones the amsgrad Adam and centered
// RMSprop loops ran 2x slower (bench/optim.py, 2026-12-03).

// torch.maximum: NaN if either is NaN.
template <class T>
T nan_max(T a, T b) { return std::isnan(a) ? a : (b > a || std::isnan(b)) ? b : a; }

// torch.lerp's two-sided formula, exact at both ends. Both sides are computed so that the
// choice is a select, not a branch that keeps the loop from vectorising.
template <class T>
T lerp(T self, T end, T w) {
  const T from_self = self + w * (end - self), from_end = end - (end - self) * (T(1) - w);
  return std::abs(w) < T(0.5) ? from_self : from_end;
}

// momentum is a template argument: without it there is no buffer (see rmsprop_range).
template <class T, bool momentum>
void sgd_range(const OptimSlot& s, int64_t b, int64_t e, const SgdOptions& o) {
  T* __restrict__ p = static_cast<T*>(s.param);
  const T* __restrict__ g = static_cast<const T*>(s.grad);
  T* __restrict__ buf = static_cast<T*>(s.state[0]);
  const T lr = T(o.lr), mom = T(o.momentum), damp = T(1 - o.dampening), wd = T(o.weight_decay);
  // The options as local constants, so the compiler moves the tests out of the loop and
  // vectorises each case (read through `o`, they are reloaded per element).
  const bool maximize = o.maximize, decay = o.weight_decay != 0, first = o.first_step, nesterov = o.nesterov;
  if (momentum && !maximize && !decay && !first && !nesterov) {  // the common case, on its own
    for (int64_t i = b; i < e; ++i) {
      const T m = buf[i] * mom + damp * g[i];
      buf[i] = m;
      p[i] = p[i] + (-lr) * m;
    }
    return;
  }
  for (int64_t i = b; i < e; ++i) {
    T d = maximize ? -g[i] : g[i];
    if (decay) d = d + wd * p[i];
    if constexpr (momentum) {
      T m = first ? d : buf[i] * mom + damp * d;
      buf[i] = m;
      d = nesterov ? d + mom * m : m;
    }
    p[i] = p[i] + (-lr) * d;
  }
}

// The gradient as every step starts it: negated under maximize, then weight decay added.
template <class T>
T decayed_grad(T g, T p, bool maximize, bool decay, T wd) {
  T d = maximize ? -g : g;
  return decay ? d + wd * p : d;
}

// amsgrad is a template argument: max_exp_avg_sq may be absent (see rmsprop_range).
template <class T, bool amsgrad>
void adam_range(const OptimSlot& s, int64_t b, int64_t e, const AdamOptions& o) {
  T* __restrict__ p = static_cast<T*>(s.param);
  const T* __restrict__ g = static_cast<const T*>(s.grad);
  T* __restrict__ m = static_cast<T*>(s.state[0]);
  T* __restrict__ v = static_cast<T*>(s.state[1]);
  T* __restrict__ vmax = static_cast<T*>(s.state[2]);
  // Scalars computed in double as PyTorch's Python code does, then used in T.
  const double bc1 = 1 - std::pow(o.beta1, static_cast<double>(o.step));
  const double bc2 = 1 - std::pow(o.beta2, static_cast<double>(o.step));
  const T neg_step_size = T(-(o.lr / bc1)), bc2_sqrt = T(std::sqrt(bc2)), eps = T(o.eps);
  const T w1 = T(1 - o.beta1), beta2 = T(o.beta2), w2 = T(1 - o.beta2), wd = T(o.weight_decay);
  // Maximize and decoupled decay as exact factors (-1 or 1; 1 - lr * wd or 1), and `&` rather
  // than `&&`: each select or short-circuit left in the loop is a branch GCC must unswitch, and
  // past a few it gives up vectorising.
  const T sign = o.maximize ? T(-1) : T(1);
  const T shrink = o.decoupled_weight_decay ? T(1 - o.lr * o.weight_decay) : T(1);
  const bool coupled = !o.decoupled_weight_decay & (o.weight_decay != 0);
  for (int64_t i = b; i < e; ++i) {
    const T pv = p[i] * shrink;
    const T gs = g[i] * sign;
    const T d = coupled ? gs + wd * pv : gs;
    const T mi = lerp(m[i], d, w1);
    m[i] = mi;
    const T vi = v[i] * beta2 + w2 * d * d;
    v[i] = vi;
    T second = vi;
    if constexpr (amsgrad) second = vmax[i] = nan_max(vmax[i], vi);
    p[i] = pv + neg_step_size * mi / (std::sqrt(second) / bc2_sqrt + eps);
  }
}

// Centered and momentum are template arguments: each reads a state that may be absent, and a
// loop that might load through a null pointer cannot be vectorised.
template <class T, bool centered, bool momentum>
void rmsprop_range(const OptimSlot& s, int64_t b, int64_t e, const RmspropOptions& o) {
  T* __restrict__ p = static_cast<T*>(s.param);
  const T* __restrict__ g = static_cast<const T*>(s.grad);
  T* __restrict__ sq = static_cast<T*>(s.state[0]);
  T* __restrict__ buf = static_cast<T*>(s.state[1]);
  T* __restrict__ avg_g = static_cast<T*>(s.state[2]);
  const T neg_lr = T(-o.lr), alpha = T(o.alpha), w = T(1 - o.alpha), eps = T(o.eps), wd = T(o.weight_decay);
  const T mom = T(o.momentum);
  const bool maximize = o.maximize, decay = o.weight_decay != 0;
  for (int64_t i = b; i < e; ++i) {
    const T d = decayed_grad(g[i], p[i], maximize, decay, wd);
    const T v = sq[i] * alpha + w * d * d;
    sq[i] = v;
    T avg;
    if constexpr (centered) {
      const T m = lerp(avg_g[i], d, w);
      avg_g[i] = m;
      avg = std::sqrt(v + T(-1) * m * m) + eps;
    } else {
      avg = std::sqrt(v) + eps;
    }
    if constexpr (momentum) {
      const T u = buf[i] * mom + d / avg;
      buf[i] = u;
      p[i] = p[i] + neg_lr * u;
    } else {
      p[i] = p[i] + neg_lr * d / avg;
    }
  }
}

template <class T>
void adagrad_range(const OptimSlot& s, int64_t b, int64_t e, const AdagradOptions& o) {
  T* __restrict__ p = static_cast<T*>(s.param);
  const T* __restrict__ g = static_cast<const T*>(s.grad);
  T* __restrict__ sum = static_cast<T*>(s.state[0]);
  // clr in double, as PyTorch's Python code computes it.
  const T neg_clr = T(-(o.lr / (1 + (o.step - 1) * o.lr_decay))), eps = T(o.eps), wd = T(o.weight_decay);
  const bool maximize = o.maximize, decay = o.weight_decay != 0;
  for (int64_t i = b; i < e; ++i) {
    const T d = decayed_grad(g[i], p[i], maximize, decay, wd);
    const T acc = sum[i] + d * d;
    sum[i] = acc;
    p[i] = p[i] + neg_clr * d / (std::sqrt(acc) + eps);
  }
}

template <class T>
void adadelta_range(const OptimSlot& s, int64_t b, int64_t e, const AdadeltaOptions& o) {
  T* __restrict__ p = static_cast<T*>(s.param);
  const T* __restrict__ g = static_cast<const T*>(s.grad);
  T* __restrict__ sq = static_cast<T*>(s.state[0]);
  T* __restrict__ acc = static_cast<T*>(s.state[1]);
  const T neg_lr = T(-o.lr), rho = T(o.rho), w = T(1 - o.rho), eps = T(o.eps), wd = T(o.weight_decay);
  const bool maximize = o.maximize, decay = o.weight_decay != 0;
  for (int64_t i = b; i < e; ++i) {
    const T d = decayed_grad(g[i], p[i], maximize, decay, wd);
    const T v = sq[i] * rho + w * d * d;
    sq[i] = v;
    const T delta = std::sqrt(acc[i] + eps) / std::sqrt(v + eps) * d;
    acc[i] = acc[i] * rho + w * delta * delta;
    p[i] = p[i] + neg_lr * delta;
  }
}

template <class T>
auto sgd_kernel(const SgdOptions& o) {
  return o.momentum != 0 ? sgd_range<T, true> : sgd_range<T, false>;
}

template <class T>
auto adam_kernel(const AdamOptions& o) {
  return o.amsgrad ? adam_range<T, true> : adam_range<T, false>;
}

template <class T>
auto rmsprop_kernel(const RmspropOptions& o) {
  if (o.centered) return o.momentum > 0 ? rmsprop_range<T, true, true> : rmsprop_range<T, true, false>;
  return o.momentum > 0 ? rmsprop_range<T, false, true> : rmsprop_range<T, false, false>;
}

// Every range of every slot through the kernel of the slot's dtype.
template <class O>
void by_dtype(const std::vector<OptimSlot>& slots, const O& o, void (*f32)(const OptimSlot&, int64_t, int64_t, const O&),
              void (*f64)(const OptimSlot&, int64_t, int64_t, const O&)) {
  for_each_range(slots, [&](const OptimSlot& s, int64_t b, int64_t e) {
    (s.dtype == DType::Float32 ? f32 : f64)(s, b, e, o);
  });
}

}  // namespace

void sgd_step(const std::vector<OptimSlot>& slots, const SgdOptions& o) {
  by_dtype(slots, o, sgd_kernel<float>(o), sgd_kernel<double>(o));
}

void adam_step(const std::vector<OptimSlot>& slots, const AdamOptions& o) {
  by_dtype(slots, o, adam_kernel<float>(o), adam_kernel<double>(o));
}

void rmsprop_step(const std::vector<OptimSlot>& slots, const RmspropOptions& o) {
  by_dtype(slots, o, rmsprop_kernel<float>(o), rmsprop_kernel<double>(o));
}

void adagrad_step(const std::vector<OptimSlot>& slots, const AdagradOptions& o) {
  by_dtype(slots, o, adagrad_range<float>, adagrad_range<double>);
}

void adadelta_step(const std::vector<OptimSlot>& slots, const AdadeltaOptions& o) {
  by_dtype(slots, o, adadelta_range<float>, adadelta_range<double>);
}

}  // namespace ember::cpu
