#include "core/iter.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "core/parallel.h"

namespace ember {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw Error(str(op, ": the size of tensor a (", da, ") must match the size of tensor b (", db,
                      ") at non-singleton dimension ", i, "; shapes ", shape_str(a), " and ", shape_str(b)));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

StridedIter::StridedIter(const std::vector<const Tensor*>& operands, const Shape& shape)
    : ntensors_(static_cast<int>(operands.size())), numel_(shape_numel(shape)) {
  EMBER_CHECK(ntensors_ <= kMaxOperands, "StridedIter: too many operands");
  const int nd = static_cast<int>(shape.size());
  // Byte strides of every operand broadcast to `shape` (0 where it is broadcast).
  std::vector<std::vector<int64_t>> full(ntensors_, std::vector<int64_t>(nd, 0));
  for (int t = 0; t < ntensors_; ++t) {
    const Tensor& op = *operands[t];
    base_[t] = op.raw();
    int lead = nd - static_cast<int>(op.dim());
    for (int d = 0; d < op.dim(); ++d)
      if (op.size(d) != 1) full[t][lead + d] = op.stride(d) * static_cast<int64_t>(op.itemsize());
  }
  // Order dims innermost-first by the output's strides (then the inputs'), so writes are sequential.
  std::vector<int> order(nd);
  std::iota(order.begin(), order.end(), 0);
  std::reverse(order.begin(), order.end());
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
    for (int t = 0; t < ntensors_; ++t) {
      int64_t sx = std::abs(full[t][x]), sy = std::abs(full[t][y]);
      if (sx == 0 || sy == 0) continue;
      if (sx != sy) return sx < sy;
    }
    return false;
  });
  // Drop size-1 dims and merge dims that are contiguous for every operand.
  for (int k = 0; k < nd; ++k) {
    int d = order[k];
    if (shape[d] == 1) continue;
    if (!shape_.empty()) {
      bool mergeable = true;
      for (int t = 0; t < ntensors_; ++t)
        if (strides_[t].back() * shape_.back() != full[t][d]) { mergeable = false; break; }
      if (mergeable) { shape_.back() *= shape[d]; continue; }
    }
    shape_.push_back(shape[d]);
    for (int t = 0; t < ntensors_; ++t) strides_[t].push_back(full[t][d]);
  }
  for (int t = 0; t < ntensors_; ++t) inner_strides_[t] = shape_.empty() ? 0 : strides_[t][0];
}

void StridedIter::run_range(LoopFn fn, const double* params, int64_t begin, int64_t end) const {
  if (begin >= end) return;
  const int nd = ndim();
  if (nd == 0) {
    char* ptrs[kMaxOperands];
    for (int t = 0; t < ntensors_; ++t) ptrs[t] = base_[t];
    fn(ptrs, inner_strides_, 1, params);
    return;
  }
  int64_t idx[64];
  int64_t rem = begin;
  for (int d = 0; d < nd; ++d) { idx[d] = rem % shape_[d]; rem /= shape_[d]; }
  char* ptrs[kMaxOperands];
  while (begin < end) {
    for (int t = 0; t < ntensors_; ++t) {
      char* p = base_[t];
      for (int d = 0; d < nd; ++d) p += idx[d] * strides_[t][d];
      ptrs[t] = p;
    }
    int64_t n = std::min(shape_[0] - idx[0], end - begin);
    fn(ptrs, inner_strides_, n, params);
    begin += n;
    idx[0] += n;
    for (int d = 0; d < nd - 1 && idx[d] == shape_[d]; ++d) { idx[d] = 0; ++idx[d + 1]; }
  }
}

void StridedIter::run(LoopFn fn, const double* params, int64_t grain) const {
  EMBER_CHECK(ndim() <= 64, "tensors with more than 64 dimensions are not supported");
  if (numel_ == 0) return;
  parallel_for(numel_, grain, [&](int64_t b, int64_t e) { run_range(fn, params, b, e); });
}

}  // namespace ember
