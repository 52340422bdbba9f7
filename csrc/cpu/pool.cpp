// Pooling: one plane per task, windows computed as PyTorch's CPU kernels do so results (and
// the argmax index chosen among ties) match exactly. Max-pool forward, the hot one, is
// vectorised per ISA in cpu/isa/max_pool.cpp.
#include "cpu/pool.h"

#include <algorithm>
#include <type_traits>

#include "core/parallel.h"
#include "cpu/kernels.h"

namespace ember::cpu {

namespace {

// Average pooling window along one axis: [lo, hi) clipped, and its extent counting padding.
inline void avg_window(int64_t o, int64_t k, int64_t s, int64_t p, int64_t n, int64_t& lo, int64_t& hi,
                       int64_t& padded) {
  lo = o * s - p;
  hi = std::min(lo + k, n + p);
  padded = hi - lo;
  lo = std::max<int64_t>(lo, 0);
  hi = std::min(hi, n);
}

inline int64_t avg_divisor(bool count_include_pad, int64_t divisor, int64_t padded_size, int64_t size) {
  return divisor ? divisor : count_include_pad ? padded_size : size;
}

// Adaptive window [start, end) of output o of `out` over `in` inputs.
inline int64_t adaptive_start(int64_t o, int64_t out, int64_t in) { return (o / out) * in + ((o % out) * in) / out; }
inline int64_t adaptive_end(int64_t o, int64_t out, int64_t in) { return 1 + ((o + 1) * in - 1) / out; }

}  // namespace

template <class T>
void max_pool2d_forward(const Pool2dShape& s, const T* x, T* y, int64_t* idx) {
  if constexpr (std::is_same_v<T, float>) kernels().max_pool2d_f32(s, x, y, idx);
  else kernels().max_pool2d_f64(s, x, y, idx);
}

template <class T>
void max_pool2d_backward(const Pool2dShape& s, const T* gy, const int64_t* idx, T* gx) {
  const int64_t in_plane = s.H * s.W, out_plane = s.OH * s.OW;
  parallel_for(s.planes, plane_grain(in_plane + out_plane), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* gp = gx + p * in_plane;
      std::fill(gp, gp + in_plane, T(0));
      const T* g = gy + p * out_plane;
      const int64_t* ip = idx + p * out_plane;
      for (int64_t i = 0; i < out_plane; ++i) gp[ip[i]] += g[i];
    }
  });
}

int64_t find_index_out_of_range(const int64_t* idx, int64_t n, int64_t limit) {
  for (int64_t i = 0; i < n; ++i)
    if (idx[i] < 0 || idx[i] >= limit) return i;
  return -1;
}

template <class T>
void avg_pool2d_forward(const Pool2dShape& s, bool count_include_pad, int64_t divisor, const T* x, T* y) {
  const int64_t in_plane = s.H * s.W, out_plane = s.OH * s.OW;
  parallel_for(s.planes, plane_grain(out_plane * s.kH * s.kW), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* xp = x + p * in_plane;
      T* yp = y + p * out_plane;
      for (int64_t oh = 0; oh < s.OH; ++oh) {
        int64_t h0, h1, ph;
        avg_window(oh, s.kH, s.sH, s.pH, s.H, h0, h1, ph);
        for (int64_t ow = 0; ow < s.OW; ++ow) {
          int64_t w0, w1, pw;
          avg_window(ow, s.kW, s.sW, s.pW, s.W, w0, w1, pw);
          if (h0 >= h1 || w0 >= w1) {
            yp[oh * s.OW + ow] = T(0);
            continue;
          }
          T sum = T(0);
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) sum += xp[ih * s.W + iw];
          int64_t div = avg_divisor(count_include_pad, divisor, ph * pw, (h1 - h0) * (w1 - w0));
          yp[oh * s.OW + ow] = sum / static_cast<T>(div);
        }
      }
    }
  });
}

template <class T>
void avg_pool2d_backward(const Pool2dShape& s, bool count_include_pad, int64_t divisor, const T* gy, T* gx) {
  const int64_t in_plane = s.H * s.W, out_plane = s.OH * s.OW;
  parallel_for(s.planes, plane_grain(in_plane + out_plane * s.kH * s.kW), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* gp = gx + p * in_plane;
      std::fill(gp, gp + in_plane, T(0));
      const T* g = gy + p * out_plane;
      for (int64_t oh = 0; oh < s.OH; ++oh) {
        int64_t h0, h1, ph;
        avg_window(oh, s.kH, s.sH, s.pH, s.H, h0, h1, ph);
        for (int64_t ow = 0; ow < s.OW; ++ow) {
          int64_t w0, w1, pw;
          avg_window(ow, s.kW, s.sW, s.pW, s.W, w0, w1, pw);
          if (h0 >= h1 || w0 >= w1) continue;
          int64_t div = avg_divisor(count_include_pad, divisor, ph * pw, (h1 - h0) * (w1 - w0));
          T v = g[oh * s.OW + ow] / static_cast<T>(div);
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) gp[ih * s.W + iw] += v;
        }
      }
    }
  });
}

template <class T>
void adaptive_avg_pool2d_forward(const Pool2dShape& s, const T* x, T* y) {
  const int64_t in_plane = s.H * s.W, out_plane = s.OH * s.OW;
  parallel_for(s.planes, plane_grain(in_plane + out_plane), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* xp = x + p * in_plane;
      T* yp = y + p * out_plane;
      for (int64_t oh = 0; oh < s.OH; ++oh) {
        int64_t h0 = adaptive_start(oh, s.OH, s.H), h1 = adaptive_end(oh, s.OH, s.H);
        for (int64_t ow = 0; ow < s.OW; ++ow) {
          int64_t w0 = adaptive_start(ow, s.OW, s.W), w1 = adaptive_end(ow, s.OW, s.W);
          T sum = T(0);
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) sum += xp[ih * s.W + iw];
          yp[oh * s.OW + ow] = sum / static_cast<T>(h1 - h0) / static_cast<T>(w1 - w0);  // as PyTorch rounds
        }
      }
    }
  });
}

template <class T>
void adaptive_avg_pool2d_backward(const Pool2dShape& s, const T* gy, T* gx) {
  const int64_t in_plane = s.H * s.W, out_plane = s.OH * s.OW;
  parallel_for(s.planes, plane_grain(in_plane + out_plane), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* gp = gx + p * in_plane;
      std::fill(gp, gp + in_plane, T(0));
      const T* g = gy + p * out_plane;
      for (int64_t oh = 0; oh < s.OH; ++oh) {
        int64_t h0 = adaptive_start(oh, s.OH, s.H), h1 = adaptive_end(oh, s.OH, s.H);
        for (int64_t ow = 0; ow < s.OW; ++ow) {
          int64_t w0 = adaptive_start(ow, s.OW, s.W), w1 = adaptive_end(ow, s.OW, s.W);
          T v = g[oh * s.OW + ow] / static_cast<T>(h1 - h0) / static_cast<T>(w1 - w0);
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) gp[ih * s.W + iw] += v;
        }
      }
    }
  });
}

#define EMBER_INSTANTIATE(T)                                                                              \
  template void max_pool2d_forward<T>(const Pool2dShape&, const T*, T*, int64_t*);                        \
  template void max_pool2d_backward<T>(const Pool2dShape&, const T*, const int64_t*, T*);                 \
  template void avg_pool2d_forward<T>(const Pool2dShape&, bool, int64_t, const T*, T*);                   \
  template void avg_pool2d_backward<T>(const Pool2dShape&, bool, int64_t, const T*, T*);                  \
  template void adaptive_avg_pool2d_forward<T>(const Pool2dShape&, const T*, T*);                         \
  template void adaptive_avg_pool2d_backward<T>(const Pool2dShape&, const T*, T*);
EMBER_INSTANTIATE(float)
EMBER_INSTANTIATE(double)
#undef EMBER_INSTANTIATE

}  // namespace ember::cpu
