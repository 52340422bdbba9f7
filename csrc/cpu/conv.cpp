// Convolution as GEMM: each image is unfolded (im2col) into a [C*kH*kW, OH*OW] matrix so that
// forward is W @ col, backward-input is W^T @ grad_y folded back (col2im), and backward-weight
// is grad_y @ col^T. The columns are made a block of output rows at a time, small enough to stay
// in cache while the GEMM reads them (a 64-channel 3x3 layer on 56x56 would otherwise write and
// re-read 7 MB per image). Images run in parallel with a single-threaded GEMM each; a batch
// smaller than the thread count runs images one by one and lets the GEMM use the threads instead.
// Small unit-stride convolutions go to the direct kernels (cpu/isa/conv_direct.cpp) instead.
#include "cpu/conv.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#include "core/parallel.h"
#include "cpu/gemm.h"
#include "cpu/kernels.h"
#include "cpu/scratch.h"

namespace ember::cpu {

namespace {

// Below this many multiply-adds an image is not worth its own thread.
constexpr int64_t kConvGrain = 1 << 16;
// Bytes of im2col columns per block of output rows: half of a typical 1 MB L2.
constexpr int64_t kColumnBlockBytes = 1 << 19;

struct Geom {
  int64_t P;   // output pixels per image, OH*OW
  int64_t Cg;  // input channels per group
  int64_t Og;  // output channels per group
  int64_t Kg;  // rows of one group's columns, Cg*kH*kW
  bool pointwise;  // 1x1, stride 1, no padding: the columns are the image itself
};

Geom geom(const Conv2dShape& s) {
  Geom g;
  g.P = s.OH * s.OW;
  g.Cg = s.C / s.groups;
  g.Og = s.O / s.groups;
  g.Kg = g.Cg * s.kH * s.kW;
  g.pointwise = s.kH == 1 && s.kW == 1 && s.sH == 1 && s.sW == 1 && s.pH == 0 && s.pW == 0;
  return g;
}

// Output columns [lo, hi) whose input column ow*sW + iw0 lies inside [0, W).
inline void valid_cols(int64_t iw0, int64_t sW, int64_t W, int64_t OW, int64_t& lo, int64_t& hi) {
  lo = iw0 >= 0 ? 0 : std::min(OW, (-iw0 + sW - 1) / sW);
  hi = W - iw0 <= 0 ? 0 : std::min(OW, (W - iw0 + sW - 1) / sW);
  hi = std::max(hi, lo);
}

// Output rows [oh0, oh1) of an image: a block of its columns.
struct Rows {
  int64_t oh0, oh1;
};

// col[(c, kh, kw), (oh - oh0, ow)] = x[c, oh*sH - pH + kh*dH, ow*sW - pW + kw*dW] for the block's
// rows, 0 in the padding.
template <class T>
void im2col(const Conv2dShape& s, Rows b, const T* __restrict__ x, T* __restrict__ col) {
  const int64_t OW = s.OW, H = s.H, W = s.W, P = (b.oh1 - b.oh0) * OW;
  for (int64_t c = 0; c < s.C; ++c)
    for (int64_t kh = 0; kh < s.kH; ++kh)
      for (int64_t kw = 0; kw < s.kW; ++kw) {
        T* row = col + ((c * s.kH + kh) * s.kW + kw) * P;
        int64_t iw0 = kw * s.dW - s.pW, lo, hi;
        valid_cols(iw0, s.sW, W, OW, lo, hi);
        for (int64_t oh = b.oh0; oh < b.oh1; ++oh) {
          T* r = row + (oh - b.oh0) * OW;
          int64_t ih = oh * s.sH - s.pH + kh * s.dH;
          if (ih < 0 || ih >= H) {
            std::fill(r, r + OW, T(0));
            continue;
          }
          const T* xr = x + (c * H + ih) * W + iw0;
          std::fill(r, r + lo, T(0));
          if (s.sW == 1) {
            std::memcpy(r + lo, xr + lo, (hi - lo) * sizeof(T));
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) r[ow] = xr[ow * s.sW];
          }
          std::fill(r + hi, r + OW, T(0));
        }
      }
}

// The adjoint of im2col for one block: adds every column entry onto the pixel it was read from.
template <class T>
void col2im(const Conv2dShape& s, Rows b, const T* __restrict__ col, T* __restrict__ x) {
  const int64_t OW = s.OW, H = s.H, W = s.W, P = (b.oh1 - b.oh0) * OW;
  for (int64_t c = 0; c < s.C; ++c)
    for (int64_t kh = 0; kh < s.kH; ++kh)
      for (int64_t kw = 0; kw < s.kW; ++kw) {
        const T* row = col + ((c * s.kH + kh) * s.kW + kw) * P;
        int64_t iw0 = kw * s.dW - s.pW, lo, hi;
        valid_cols(iw0, s.sW, W, OW, lo, hi);
        for (int64_t oh = b.oh0; oh < b.oh1; ++oh) {
          int64_t ih = oh * s.sH - s.pH + kh * s.dH;
          if (ih < 0 || ih >= H) continue;
          const T* r = row + (oh - b.oh0) * OW;
          T* xr = x + (c * H + ih) * W + iw0;
          if (s.sW == 1) {
            for (int64_t ow = lo; ow < hi; ++ow) xr[ow] += r[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) xr[ow * s.sW] += r[ow];
          }
        }
      }
}

// Output rows per block of columns (all of them for a pointwise conv, which needs no columns).
template <class T>
int64_t block_rows(const Conv2dShape& s, const Geom& g) {
  if (g.pointwise) return s.OH;
  const int64_t row_bytes = s.groups * g.Kg * s.OW * static_cast<int64_t>(sizeof(T));
  return std::clamp<int64_t>(kColumnBlockBytes / std::max<int64_t>(1, row_bytes), 1, s.OH);
}

// Calls fn(block) for the image's blocks of output rows.
template <class T, class F>
void for_each_block(const Conv2dShape& s, const Geom& g, const F& fn) {
  const int64_t rows = block_rows<T>(s, g);
  for (int64_t oh0 = 0; oh0 < s.OH; oh0 += rows) fn(Rows{oh0, std::min(s.OH, oh0 + rows)});
}

// One block's columns and their row stride: the image itself for a pointwise conv, else unfolded
// into scratch.
template <class T>
std::pair<const T*, int64_t> columns(const Conv2dShape& s, const Geom& g, Rows b, const T* xn) {
  if (g.pointwise) return {xn + b.oh0 * s.OW, g.P};
  const int64_t P = (b.oh1 - b.oh0) * s.OW;
  T* col = scratch<T>(ScratchSlot::Columns, static_cast<size_t>(s.groups * g.Kg * P));
  im2col(s, b, xn, col);
  return {col, P};
}

// Chunks of images to run in parallel: one chunk (GEMMs threaded) when there are fewer images
// than threads.
int64_t image_chunks(const Conv2dShape& s, const Geom& g) {
  if (s.N < num_threads()) return 1;
  return num_chunks(s.N, std::max<int64_t>(1, kConvGrain / std::max<int64_t>(1, s.O * g.Kg * g.P)));
}

template <class T>
ConvDirectFn<T> direct_forward() {
  if constexpr (std::is_same_v<T, float>) return kernels().conv2d_direct_f32;
  else return kernels().conv2d_direct_f64;
}

template <class T>
ConvDirectWeightFn<T> direct_weight() {
  if constexpr (std::is_same_v<T, float>) return kernels().conv2d_direct_weight_f32;
  else return kernels().conv2d_direct_weight_f64;
}

// The direct kernels vectorise along output rows and read a zero-padded copy of one image: faster
// than im2col + GEMM when rows are read with unit stride and fill half a vector or more, and the
// kernel is small (measured up to 64 channels of 3x3, on images up to 224x224: from 56x56 on, the
// GEMM path's columns no longer stay in cache); a pointwise conv needs no im2col, so the GEMM keeps it.
bool use_direct(const Conv2dShape& s) {
  const int64_t Kg = s.C / s.groups * s.kH * s.kW;
  const int64_t padded = s.C * (s.H + 2 * s.pH) * (s.W + 2 * s.pW);
  return s.sW == 1 && s.OW >= 4 && Kg <= 1024 && padded <= (1 << 21) && !geom(s).pointwise;
}

// The direct weight gradient holds a few kernel taps per channel in registers while it sweeps the
// images; with under 4 input channels per group on a large image (an RGB stem) the GEMM is faster.
bool use_direct_weight(const Conv2dShape& s) {
  const int64_t padded = s.C * (s.H + 2 * s.pH) * (s.W + 2 * s.pW);
  return use_direct(s) && (s.C / s.groups >= 4 || padded <= (1 << 16));
}

// Backward-input of a stride-1 conv is a forward conv of grad_y with the kernel flipped and
// in/out channels swapped, padded by the kernel's extent less the original padding.
bool transposed(const Conv2dShape& s, Conv2dShape& t) {
  const int64_t ph = s.dH * (s.kH - 1) - s.pH, pw = s.dW * (s.kW - 1) - s.pW;
  if (s.sH != 1 || s.sW != 1 || ph < 0 || pw < 0) return false;
  t = Conv2dShape{s.N, s.O, s.OH, s.OW, s.C, s.kH, s.kW, s.H, s.W, 1, 1, ph, pw, s.dH, s.dW, s.groups};
  return use_direct(t);
}

// w [O, Cg, kH, kW] flipped in space, as the weight [C, Og, kH, kW] of the transposed conv.
template <class T>
const T* flip_weights(const Conv2dShape& s, const T* w) {
  const int64_t Og = s.O / s.groups, Cg = s.C / s.groups, kk = s.kH * s.kW;
  T* f = scratch<T>(ScratchSlot::FlippedWeights, static_cast<size_t>(s.O * Cg * kk));
  for (int64_t g = 0; g < s.groups; ++g)
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t o = 0; o < Og; ++o)
        for (int64_t i = 0; i < kk; ++i)
          f[((g * Cg + c) * Og + o) * kk + i] = w[((g * Og + o) * Cg + c) * kk + (kk - 1 - i)];
  return f;
}

// gb[o] = sum of grad_y over images and pixels.
template <class T>
void bias_grad(const Conv2dShape& s, const T* gy, T* gb) {
  const int64_t P = s.OH * s.OW;
  SumFn<T> sum;
  if constexpr (std::is_same_v<T, float>) sum = kernels().sum_f32;
  else sum = kernels().sum_f64;
  parallel_for(s.O, std::max<int64_t>(1, kConvGrain / std::max<int64_t>(1, s.N * P)), [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      double acc = 0;
      for (int64_t n = 0; n < s.N; ++n) acc += sum(gy + (n * s.O + o) * P, P);
      gb[o] = static_cast<T>(acc);
    }
  });
}

}  // namespace

template <class T>
void conv2d_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y) {
  if (use_direct(s)) return direct_forward<T>()(s, x, w, bias, y);
  const Geom g = geom(s);
  parallel_chunks(s.N, image_chunks(s, g), [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const T* xn = x + n * s.C * s.H * s.W;
      T* yn = y + n * s.O * g.P;
      if (bias)
        for (int64_t o = 0; o < s.O; ++o) std::fill(yn + o * g.P, yn + (o + 1) * g.P, bias[o]);
      for_each_block<T>(s, g, [&](Rows b) {
        auto [col, ld] = columns(s, g, b, xn);
        const int64_t P = (b.oh1 - b.oh0) * s.OW;
        for (int64_t grp = 0; grp < s.groups; ++grp)
          gemm<T>(g.Og, P, g.Kg, T(1), w + grp * g.Og * g.Kg, g.Kg, 1, col + grp * g.Kg * ld, ld, 1,
                  bias ? T(1) : T(0), yn + grp * g.Og * g.P + b.oh0 * s.OW, g.P);
      });
    }
  });
}

template <class T>
void conv2d_backward_input(const Conv2dShape& s, const T* gy, const T* w, T* gx) {
  Conv2dShape t;
  if (transposed(s, t)) return direct_forward<T>()(t, gy, flip_weights(s, w), nullptr, gx);
  const Geom g = geom(s);
  parallel_chunks(s.N, image_chunks(s, g), [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const T* gyn = gy + n * s.O * g.P;
      T* gxn = gx + n * s.C * s.H * s.W;
      if (!g.pointwise) std::fill(gxn, gxn + s.C * s.H * s.W, T(0));
      for_each_block<T>(s, g, [&](Rows b) {
        // Per group: columns [Kg, P] = W_g^T [Kg, Og] @ grad_y_g [Og, P] (the image itself when pointwise).
        const int64_t P = (b.oh1 - b.oh0) * s.OW, ld = g.pointwise ? g.P : P;
        T* col = g.pointwise ? gxn : scratch<T>(ScratchSlot::Columns, static_cast<size_t>(s.groups * g.Kg * P));
        for (int64_t grp = 0; grp < s.groups; ++grp)
          gemm<T>(g.Kg, P, g.Og, T(1), w + grp * g.Og * g.Kg, 1, g.Kg, gyn + grp * g.Og * g.P + b.oh0 * s.OW, g.P,
                  1, T(0), col + grp * g.Kg * ld, ld);
        if (!g.pointwise) col2im(s, b, col, gxn);
      });
    }
  });
}

template <class T>
void conv2d_backward_weight(const Conv2dShape& s, const T* gy, const T* x, T* gw, T* gb) {
  if (gb) bias_grad(s, gy, gb);
  if (use_direct_weight(s)) return direct_weight<T>()(s, gy, x, gw);
  const Geom g = geom(s);
  const int64_t wsize = s.O * g.Kg, chunks = image_chunks(s, g);
  // Chunk 0 sums straight into gw, the others into partials added at the end.
  T* partials = scratch<T>(ScratchSlot::Partials, static_cast<size_t>(std::max<int64_t>(1, chunks - 1) * wsize));
  std::fill(partials, partials + (chunks - 1) * wsize, T(0));
  std::fill(gw, gw + wsize, T(0));
  parallel_chunks(s.N, chunks, [&](int64_t chunk, int64_t begin, int64_t end) {
    T* pw = chunk == 0 ? gw : partials + (chunk - 1) * wsize;
    for (int64_t n = begin; n < end; ++n) {
      const T* xn = x + n * s.C * s.H * s.W;
      const T* gyn = gy + n * s.O * g.P;
      for_each_block<T>(s, g, [&](Rows b) {
        auto [col, ld] = columns(s, g, b, xn);
        const int64_t P = (b.oh1 - b.oh0) * s.OW;
        // Per group: grad_w_g [Og, Kg] += grad_y_g [Og, P] @ col_g^T [P, Kg].
        for (int64_t grp = 0; grp < s.groups; ++grp)
          gemm<T>(g.Og, g.Kg, P, T(1), gyn + grp * g.Og * g.P + b.oh0 * s.OW, g.P, 1, col + grp * g.Kg * ld, 1, ld,
                  T(1), pw + grp * g.Og * g.Kg, g.Kg);
      });
    }
  });
  for (int64_t c = 1; c < chunks; ++c) {
    const T* pw = partials + (c - 1) * wsize;
    for (int64_t i = 0; i < wsize; ++i) gw[i] += pw[i];
  }
}

#define EMBER_INSTANTIATE(T)                                                                        \
  template void conv2d_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*);           \
  template void conv2d_backward_input<T>(const Conv2dShape&, const T*, const T*, T*);              \
  template void conv2d_backward_weight<T>(const Conv2dShape&, const T*, const T*, T*, T*);
EMBER_INSTANTIATE(float)
EMBER_INSTANTIATE(double)
#undef EMBER_INSTANTIATE

}  // namespace ember::cpu
