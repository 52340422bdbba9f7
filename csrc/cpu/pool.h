// 2-D pooling kernels over contiguous planes (N*C of them), PyTorch's window rules.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/parallel.h"

namespace ember::cpu {

// planes of H x W in, OH x OW out; kernel, stride, padding, dilation per axis.
struct Pool2dShape {
  int64_t planes, H, W, OH, OW;
  int64_t kH, kW, sH, sW, pH, pW, dH, dW;
};

// Planes per task so that a task does at least kGrainElementwise element visits.
inline int64_t plane_grain(int64_t per_plane) {
  return std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, per_plane));
}

// Output o's max-pool window along one axis: [lo, hi) stepping by d, clipped to [0, n).
inline void max_window(int64_t o, int64_t k, int64_t s, int64_t p, int64_t d, int64_t n, int64_t& lo, int64_t& hi) {
  lo = o * s - p;
  hi = std::min(lo + (k - 1) * d + 1, n);
  if (lo < 0) lo += (-lo + d - 1) / d * d;
}

// y = window max, idx = its flat index ih*W + iw in the plane (NaN wins, as in PyTorch).
template <class T>
void max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, int64_t* idx);
// gx (fully written) = grad_y added at the saved indices.
template <class T>
void max_pool2d_backward(const Pool2dShape& s, const T* gy, const int64_t* idx, T* gx);
// The first of n indices outside [0, limit), or -1 when all are inside.
int64_t find_index_out_of_range(const int64_t* idx, int64_t n, int64_t limit);

// divisor 0 means: the window's size, with or without the padding it covers.
template <class T>
void avg_pool2d_forward(const Pool2dShape& s, bool count_include_pad, int64_t divisor, const T* x, T* y);
template <class T>
void avg_pool2d_backward(const Pool2dShape& s, bool count_include_pad, int64_t divisor, const T* gy, T* gx);

// Windows [floor(o*H/OH), ceil((o+1)*H/OH)); kernel, stride and padding fields unused.
template <class T>
void adaptive_avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y);
template <class T>
void adaptive_avg_pool2d_backward(const Pool2dShape& s, const T* gy, T* gx);

}  // namespace ember::cpu
