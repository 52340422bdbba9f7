// Strided iteration over several operands of one broadcast shape (operand 0 is the output).
// Dimensions are ordered so that the output is walked in memory order, then merged wherever
// every operand is contiguous across them, so a contiguous op becomes one flat loop.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace ember {

// The inner loop: data[i] points at operand i's first element, strides[i] is its byte stride.
using LoopFn = void (*)(char** data, const int64_t* strides, int64_t n, const double* params);

class StridedIter {
 public:
  static constexpr int kMaxOperands = 4;
  // Operands must already have `shape` or broadcast to it.
  StridedIter(const std::vector<const Tensor*>& operands, const Shape& shape);

  int64_t numel() const { return numel_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t inner_size() const { return shape_.empty() ? 1 : shape_[0]; }
  const int64_t* inner_strides() const { return inner_strides_; }

  // Runs fn over the flat range [begin, end) of the iteration space.
  void run_range(LoopFn fn, const double* params, int64_t begin, int64_t end) const;
  // Runs fn over everything, in parallel above `grain` elements.
  void run(LoopFn fn, const double* params = nullptr, int64_t grain = 32768) const;

 private:
  int ntensors_;
  int64_t numel_;
  Shape shape_;                                       // innermost first
  std::vector<int64_t> strides_[kMaxOperands];        // bytes, innermost first
  char* base_[kMaxOperands];
  int64_t inner_strides_[kMaxOperands];
};

// The broadcast shape of a and b, or PyTorch's error naming the op and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace ember
