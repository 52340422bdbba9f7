// 2-D convolution kernels (cross-correlation, as PyTorch's conv2d). All tensors contiguous NCHW.
#pragma once
#include <cstdint>

namespace ember::cpu {

// input [N, C, H, W], weight [O, C/groups, kH, kW], output [N, O, OH, OW].
struct Conv2dShape {
  int64_t N, C, H, W, O, kH, kW, OH, OW;
  int64_t sH, sW, pH, pW, dH, dW, groups;
};

// y = conv(x, w) + bias (bias may be null).
template <class T>
void conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y);
// grad_x from grad_y; gx is fully written.
template <class T>
void conv2d_backward_input(const Conv2dShape& s, const T* gy, const T* w, T* gx);
// grad_w (and grad_bias when gb is not null) from grad_y and x; both fully written.
template <class T>
void conv2d_backward_weight(const Conv2dShape& s, const T* gy, const T* x, T* gw, T* gb);

}  // namespace ember::cpu
