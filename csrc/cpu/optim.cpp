// The parameters' elements are laid end to end and split across threads in one parallel
// region, so a model of many small tensors pays for threads once, not once per tensor.
#include "cpu/optim.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/element_ops.h"
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

template <class T>
void sgd_range(const OptimSlot& s, int64_t b, int64_t e, const SgdOptions& o) {
  T* __restrict__ p = static_cast<T*>(s.param);
  const T* __restrict__ g = static_cast<const T*>(s.grad);
  T* __restrict__ buf = static_cast<T*>(s.state[0]);
  const T lr = T(o.lr), mom = T(o.momentum), damp = T(1 - o.dampening), wd = T(o.weight_decay);
  // The options as local constants, so the compiler moves the tests out of the loop and
  // vectorises each case (read through `o`, they are reloaded per element).
  const bool maximize = o.maximize, decay = o.weight_decay != 0, momentum = o.momentum != 0;
  const bool first = o.first_step, nesterov = o.nesterov;
  if (momentum && !maximize && !decay && !first && !nesterov) {  // the common case, on its own
    for (int64_t i = b; i < e; ++i) {
      const T m = buf[i] * mom + damp * g[i];
      buf[i] = m;
      p[i] = p[i] + (-lr) * m;
    }
    return;
  }
  const elem::SgdUpdate<T> update{lr, mom, damp, wd, maximize, decay, momentum, first, nesterov};
  for (int64_t i = b; i < e; ++i) update(p[i], g[i], momentum ? buf + i : nullptr);
}

template <class T>
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
  const elem::AdamUpdate<T> update{neg_step_size, bc2_sqrt, eps, w1, beta2, w2, wd, T(1 - o.lr * o.weight_decay),
                                   o.maximize, o.weight_decay != 0, o.decoupled_weight_decay};
  for (int64_t i = b; i < e; ++i) update(p[i], g[i], m[i], v[i], vmax ? vmax + i : nullptr);
}

}  // namespace

void sgd_step(const std::vector<OptimSlot>& slots, const SgdOptions& o) {
  for_each_range(slots, [&](const OptimSlot& s, int64_t b, int64_t e) {
    if (s.dtype == DType::Float32) sgd_range<float>(s, b, e, o);
    else sgd_range<double>(s, b, e, o);
  });
}

void adam_step(const std::vector<OptimSlot>& slots, const AdamOptions& o) {
  for_each_range(slots, [&](const OptimSlot& s, int64_t b, int64_t e) {
    if (s.dtype == DType::Float32) adam_range<float>(s, b, e, o);
    else adam_range<double>(s, b, e, o);
  });
}

}  // namespace ember::cpu
