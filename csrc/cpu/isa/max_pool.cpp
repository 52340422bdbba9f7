// Max pooling forward, compiled per ISA: each window tap is applied to a whole output row at
// once (running max and argmax per column), which the compiler vectorises when the column
// stride is a compile-time 1 or 2. The taps go in PyTorch's window order (rows, then columns)
// and only a strictly greater value or a NaN replaces the running max, so ties keep the first
// index and NaN wins, as in PyTorch.
#include "cpu/isa/isa.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "cpu/kernels.h"

namespace ember::cpu {
namespace {

// take ? a : b by bit masks. A plain ternary becomes a branch wherever the loop is not
// vectorised (short rows, the remainder), and random data mispredicts it every other time.
template <class T>
inline T select(bool take, T a, T b) {
  using U = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;
  U ua, ub;
  std::memcpy(&ua, &a, sizeof(T));
  std::memcpy(&ub, &b, sizeof(T));
  const U mask = U(0) - U(take), r = (ua & mask) | (ub & ~mask);
  T out;
  std::memcpy(&out, &r, sizeof(T));
  return out;
}

// m[ow], best[ow] updated with x[base + ow * sW] for ow in [lo, hi); SW > 0 fixes sW.
template <class T, int SW>
void update_row(const T* EMBER_RESTRICT x, T* EMBER_RESTRICT m, int64_t* EMBER_RESTRICT best, int64_t lo,
                int64_t hi, int64_t base, int64_t sW) {
  const int64_t step = SW > 0 ? SW : sW;
  for (int64_t ow = lo; ow < hi; ++ow) {
    const T v = x[base + ow * step];
    const bool take = (v > m[ow]) | (v != v);
    m[ow] = select(take, v, m[ow]);
    best[ow] = select(take, base + ow * step, best[ow]);
  }
}

template <class T, int SW>
void max_pool_planes(const Pool2dShape& s, const T* x, T* y, int64_t* idx, int64_t p0, int64_t p1) {
  const int64_t in_plane = s.H * s.W, out_plane = s.OH * s.OW;
  // Per output column: its first input column (where an all -inf window points); per kernel
  // column: the output columns whose tap lands inside the row.
  std::vector<int64_t> first_col(s.OW), lo(s.kW), hi(s.kW);
  for (int64_t ow = 0; ow < s.OW; ++ow) {
    int64_t end;
    max_window(ow, s.kW, s.sW, s.pW, s.dW, s.W, first_col[ow], end);
  }
  for (int64_t kw = 0; kw < s.kW; ++kw) {
    const int64_t off = kw * s.dW - s.pW;
    lo[kw] = off >= 0 ? 0 : std::min(s.OW, (-off + s.sW - 1) / s.sW);
    hi[kw] = std::max(lo[kw], s.W - off <= 0 ? 0 : std::min(s.OW, (s.W - off + s.sW - 1) / s.sW));
  }
  std::vector<T> m(s.OW);
  std::vector<int64_t> best(s.OW);
  for (int64_t p = p0; p < p1; ++p) {
    const T* xp = x + p * in_plane;
    for (int64_t oh = 0; oh < s.OH; ++oh) {
      int64_t h0, h1;
      max_window(oh, s.kH, s.sH, s.pH, s.dH, s.H, h0, h1);
      for (int64_t ow = 0; ow < s.OW; ++ow) {
        m[ow] = -std::numeric_limits<T>::infinity();
        best[ow] = h0 * s.W + first_col[ow];
      }
      for (int64_t ih = h0; ih < h1; ih += s.dH)
        for (int64_t kw = 0; kw < s.kW; ++kw)
          update_row<T, SW>(xp, m.data(), best.data(), lo[kw], hi[kw], ih * s.W + kw * s.dW - s.pW, s.sW);
      std::copy(m.begin(), m.end(), y + p * out_plane + oh * s.OW);
      std::copy(best.begin(), best.end(), idx + p * out_plane + oh * s.OW);
    }
  }
}

// 2x2 windows with stride 2 that all lie inside the input (most CNNs' pooling), a vector of
// outputs at a time, running on across rows and planes (LeNet's rows hold only 4 outputs): the
// four taps of each window are gathered into four vectors in PyTorch's window order and compared
// as in update_row; the winning tap becomes the flat index when stored.
template <class T>
void max_pool_2x2(const Pool2dShape& s, const T* x, T* y, int64_t* idx, int64_t p0, int64_t p1) {
#if defined(__AVX2__)
  constexpr int kBytes = 32;
#else
  constexpr int kBytes = 16;
#endif
  constexpr int L = kBytes / sizeof(T);
  typedef T V __attribute__((vector_size(kBytes)));
  const int64_t W = s.W, in_plane = s.H * W, out_plane = s.OH * s.OW;
  const int64_t end = p1 * out_plane;
  int64_t p = p0, oh = 0, ow = 0;  // the next output's position
  int64_t q = p0 * out_plane;      // ... and its flat index
  const T* r0[L];                  // per lane: the window's first value
  int64_t at[L];                   // ... and its flat index in the plane
  auto next = [&](int l) {
    at[l] = 2 * oh * W + 2 * ow;
    r0[l] = x + p * in_plane + at[l];
    if (++ow == s.OW) {
      ow = 0;
      if (++oh == s.OH) oh = 0, ++p;
    }
  };
  for (; q + L <= end; q += L) {
    V tap[4];
    for (int l = 0; l < L; ++l) {
      next(l);
      tap[0][l] = r0[l][0], tap[1][l] = r0[l][1], tap[2][l] = r0[l][W], tap[3][l] = r0[l][W + 1];
    }
    V m = tap[0], which = V{};
    for (int t = 1; t < 4; ++t) {
      const auto take = (tap[t] > m) | (tap[t] != tap[t]);
      m = take ? tap[t] : m;
      which = take ? V{} + T(t) : which;
    }
    for (int l = 0; l < L; ++l) {
      const int t = static_cast<int>(which[l]);
      y[q + l] = m[l];
      idx[q + l] = at[l] + (t & 1) + (t >> 1) * W;
    }
  }
  for (; q < end; ++q) {
    next(0);
    T m = r0[0][0];
    int64_t best = at[0];
    for (const int64_t off : {int64_t(1), W, W + 1}) {
      const T v = r0[0][off];
      const bool take = (v > m) | (v != v);
      m = select(take, v, m);
      best = select(take, at[0] + off, best);
    }
    y[q] = m;
    idx[q] = best;
  }
}

bool is_2x2(const Pool2dShape& s) {
  return s.kH == 2 && s.kW == 2 && s.sH == 2 && s.sW == 2 && s.pH == 0 && s.pW == 0 && s.dH == 1 && s.dW == 1 &&
         2 * s.OH <= s.H && 2 * s.OW <= s.W;
}

template <class T>
void max_pool2d(const Pool2dShape& s, const T* x, T* y, int64_t* idx) {
  auto planes = is_2x2(s) ? &max_pool_2x2<T> : s.sW == 1 ? &max_pool_planes<T, 1>
              : s.sW == 2 ? &max_pool_planes<T, 2> : &max_pool_planes<T, 0>;
  parallel_for(s.planes, plane_grain(s.OH * s.OW * s.kH * s.kW),
               [&](int64_t p0, int64_t p1) { planes(s, x, y, idx, p0, p1); });
}

}  // namespace

void EMBER_ISA_FN(fill_pool)(KernelTable& t) {
  t.max_pool2d_f32 = &max_pool2d<float>;
  t.max_pool2d_f64 = &max_pool2d<double>;
}

}  // namespace ember::cpu
