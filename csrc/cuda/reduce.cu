// Reductions on CUDA: one block per output (split over several blocks when there are few
// outputs and long reductions), warp shuffles then shared memory within a block. Accumulators
// are the CPU's: double for floating sums and products, int64 for integers.
#include <limits>
#include <type_traits>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

constexpr int kMaxGroupDims = 8;

struct Group {  // (sizes, strides) in elements, row-major
  int n = 0;
  int64_t sizes[kMaxGroupDims];
  int64_t strides[kMaxGroupDims];
  __device__ __forceinline__ int64_t offset(int64_t i) const {
    if (n == 1) return i * strides[0];
    int64_t off = 0;
    for (int d = n - 1; d >= 0; --d) {
      off += (i % sizes[d]) * strides[d];
      i /= sizes[d];
    }
    return off;
  }
};

Group make_group(const Shape& sizes, const Shape& strides, const char* what) {
  if (sizes.size() > static_cast<size_t>(kMaxGroupDims))
    throw Error(str(what, ": CUDA reductions take at most ", kMaxGroupDims, " non-mergeable dims per group"));
  Group g;
  g.n = static_cast<int>(sizes.size());
  for (int d = 0; d < g.n; ++d) { g.sizes[d] = sizes[d]; g.strides[d] = strides[d]; }
  return g;
}

template <class T>
__device__ __forceinline__ T shfl_down(T v, int delta) {
  if constexpr (sizeof(T) < 4) {
    return static_cast<T>(__shfl_down_sync(0xffffffffu, static_cast<int>(v), delta));
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return static_cast<int64_t>(__shfl_down_sync(0xffffffffu, static_cast<long long>(v), delta));
  } else {
    return __shfl_down_sync(0xffffffffu, v, delta);
  }
}

template <class T> __device__ __forceinline__ bool is_nan(T v) { return v != v; }

template <class T, class Acc> struct SumOp {
  static __device__ Acc init() { return Acc(0); }
  static __device__ Acc combine(Acc a, Acc b) { return a + b; }
};
template <class T, class Acc> struct ProdOp {
  static __device__ Acc init() { return Acc(1); }
  static __device__ Acc combine(Acc a, Acc b) { return a * b; }
};
template <class T, class Acc> struct MaxOp {
  static __device__ Acc init() {
    return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
  }
  static __device__ Acc combine(Acc a, Acc b) { return is_nan(a) ? a : (is_nan(b) || b > a) ? b : a; }
};
template <class T, class Acc> struct MinOp {
  static __device__ Acc init() {
    return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
  }
  static __device__ Acc combine(Acc a, Acc b) { return is_nan(a) ? a : (is_nan(b) || b < a) ? b : a; }
};
template <class T, class Acc> struct AllOp {
  static __device__ Acc init() { return true; }
  static __device__ Acc combine(Acc a, Acc b) { return a && b; }
};
template <class T, class Acc> struct AnyOp {
  static __device__ Acc init() { return false; }
  static __device__ Acc combine(Acc a, Acc b) { return a || b; }
};

// Combines every thread's value in the block; thread 0 gets the result.
template <class Acc, class Op>
__device__ Acc block_reduce(Acc v) {
  __shared__ Acc warp_sums[kThreads / 32];
  for (int d = 16; d > 0; d >>= 1) v = Op::combine(v, shfl_down(v, d));
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < static_cast<int>(blockDim.x / 32) ? warp_sums[lane] : Op::init();
    for (int d = 16; d > 0; d >>= 1) v = Op::combine(v, shfl_down(v, d));
  }
  return v;
}

// Block (o, s) folds part s of output o's reduced elements; with one part it writes out[o],
// otherwise partial[o * parts + s].
template <class T, class Acc, class Out, class Op>
__global__ void reduce_blocks(const T* __restrict__ x, Group outer, Group inner, int64_t n_in, int64_t chunk,
                              Out* __restrict__ out, Acc* __restrict__ partial) {
  const int64_t o = blockIdx.x;
  const int parts = gridDim.y, s = blockIdx.y;
  const T* base = x + outer.offset(o);
  const int64_t begin = s * chunk, end = min(n_in, begin + chunk);
  Acc acc = Op::init();
  for (int64_t p = begin + threadIdx.x; p < end; p += blockDim.x)
    acc = Op::combine(acc, static_cast<Acc>(base[inner.offset(p)]));
  acc = block_reduce<Acc, Op>(acc);
  if (threadIdx.x == 0) {
    if (parts == 1) out[o] = static_cast<Out>(acc);
    else partial[o * parts + s] = acc;
  }
}

template <class Acc, class Out, class Op>
__global__ void combine_parts(const Acc* __restrict__ partial, int parts, int64_t n_out, Out* __restrict__ out) {
  for (int64_t o = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; o < n_out;
       o += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    Acc acc = Op::init();
    for (int s = 0; s < parts; ++s) acc = Op::combine(acc, partial[o * parts + s]);
    out[o] = static_cast<Out>(acc);
  }
}

// Short reductions (many outputs, few elements each): one thread per output.
template <class T, class Acc, class Out, class Op>
__global__ void reduce_threads(const T* __restrict__ x, Group outer, Group inner, int64_t n_in, int64_t n_out,
                               Out* __restrict__ out) {
  for (int64_t o = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; o < n_out;
       o += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const T* base = x + outer.offset(o);
    Acc acc = Op::init();
    for (int64_t p = 0; p < n_in; ++p) acc = Op::combine(acc, static_cast<Acc>(base[inner.offset(p)]));
    out[o] = static_cast<Out>(acc);
  }
}

int num_sms() {
  int d = 0, count = 0;
  cudaGetDevice(&d);
  cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, d);
  return count > 0 ? count : 80;
}

template <class T, class Acc, class Out, template <class, class> class OpT>
void run_reduce(const Tensor& src, const ReduceGeometry& g, const Tensor& out) {
  using Op = OpT<T, Acc>;
  const int64_t n_out = g.outer_numel, n_in = g.inner_numel;
  if (n_out == 0) return;
  DeviceGuard guard(src.device().index);
  Group outer = make_group(g.outer_sizes, g.outer_strides, "reduce");
  Group inner = make_group(g.inner_sizes, g.inner_strides, "reduce");
  const T* x = src.data<T>();
  Out* o = out.data<Out>();
  if (n_in <= 32 && n_out >= 1024) {
    reduce_threads<T, Acc, Out, Op><<<grid_for(n_out), kThreads>>>(x, outer, inner, n_in, n_out, o);
    check_launch("reduce kernel");
    return;
  }
  // Split long reductions over several blocks when the outputs alone would not fill the GPU.
  int64_t parts = 1;
  const int64_t per_block = int64_t(kThreads) * 16;
  if (n_out < 2 * static_cast<int64_t>(num_sms()) && n_in > per_block) {
    parts = std::min<int64_t>((n_in + per_block - 1) / per_block, std::max<int64_t>(1, 4 * num_sms() / n_out));
    parts = std::min<int64_t>(parts, 1024);
  }
  const int64_t chunk = (n_in + parts - 1) / parts;
  if (parts == 1) {
    reduce_blocks<T, Acc, Out, Op><<<dim3(static_cast<unsigned>(n_out), 1), kThreads>>>(x, outer, inner, n_in, chunk,
                                                                                      o, nullptr);
    check_launch("reduce kernel");
    return;
  }
  Tensor partial = empty({n_out * parts * static_cast<int64_t>(sizeof(Acc))}, DType::UInt8, src.device());
  Acc* pp = reinterpret_cast<Acc*>(partial.raw());
  reduce_blocks<T, Acc, Out, Op><<<dim3(static_cast<unsigned>(n_out), static_cast<unsigned>(parts)), kThreads>>>(
      x, outer, inner, n_in, chunk, o, pp);
  check_launch("reduce kernel");
  combine_parts<Acc, Out, Op><<<grid_for(n_out), kThreads>>>(pp, static_cast<int>(parts), n_out, o);
  check_launch("reduce combine kernel");
}

// ---- max/min with the index -------------------------------------------------------------
template <class T>
struct ValIdx { T v; int64_t i; };

template <class T>
__device__ __forceinline__ ValIdx<T> better(ValIdx<T> a, ValIdx<T> b, bool max) {
  if (b.i < 0) return a;
  if (a.i < 0) return b;
  bool an = is_nan(a.v), bn = is_nan(b.v);
  if (an || bn) return (an && (!bn || a.i < b.i)) ? a : b;
  if (max ? b.v > a.v : b.v < a.v) return b;
  if (b.v == a.v && b.i < a.i) return b;
  return a;
}

template <class T>
__global__ void max_dim_kernel(const T* __restrict__ x, Group outer, int64_t len, int64_t stride, bool max,
                               T* __restrict__ values, int64_t* __restrict__ indices) {
  __shared__ T sv[kThreads / 32];
  __shared__ int64_t si[kThreads / 32];
  const int64_t o = blockIdx.x;
  const T* base = x + outer.offset(o);
  ValIdx<T> best{T(0), -1};
  for (int64_t p = threadIdx.x; p < len; p += blockDim.x) best = better(best, ValIdx<T>{base[p * stride], p}, max);
  for (int d = 16; d > 0; d >>= 1) {
    ValIdx<T> other{shfl_down(best.v, d), shfl_down(best.i, d)};
    best = better(best, other, max);
  }
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) { sv[warp] = best.v; si[warp] = best.i; }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < static_cast<int>(blockDim.x / 32); ++w) best = better(best, ValIdx<T>{sv[w], si[w]}, max);
    values[o] = best.v;
    indices[o] = best.i;
  }
}

}  // namespace

void reduce(Reduce op, const Tensor& src, const ReduceGeometry& g, const Tensor& out) {
  EMBER_DISPATCH_ALL(src.dtype(), "reduce", [&] {
    using T = scalar_t;
    constexpr bool fp = std::is_floating_point_v<T>;
    using Acc = std::conditional_t<fp, double, int64_t>;
    switch (op) {
      case Reduce::Sum: run_reduce<T, Acc, T, SumOp>(src, g, out); break;
      case Reduce::Prod: run_reduce<T, Acc, T, ProdOp>(src, g, out); break;
      case Reduce::Max: run_reduce<T, T, T, MaxOp>(src, g, out); break;
      case Reduce::Min: run_reduce<T, T, T, MinOp>(src, g, out); break;
      case Reduce::All:
        if (out.dtype() == DType::UInt8) run_reduce<T, bool, uint8_t, AllOp>(src, g, out);
        else run_reduce<T, bool, bool, AllOp>(src, g, out);
        break;
      case Reduce::Any:
        if (out.dtype() == DType::UInt8) run_reduce<T, bool, uint8_t, AnyOp>(src, g, out);
        else run_reduce<T, bool, bool, AnyOp>(src, g, out);
        break;
    }
  });
}

void max_dim(const Tensor& x, const ReduceGeometry& g, int64_t len, int64_t stride, bool max, const Tensor& values,
             const Tensor& indices) {
  if (g.outer_numel == 0) return;
  DeviceGuard guard(x.device().index);
  Group outer = make_group(g.outer_sizes, g.outer_strides, max ? "max" : "min");
  EMBER_DISPATCH_ALL(x.dtype(), max ? "max" : "min", [&] {
    using T = scalar_t;
    max_dim_kernel<T><<<static_cast<unsigned>(g.outer_numel), kThreads>>>(x.data<T>(), outer, len, stride, max,
                                                                          values.data<T>(), indices.data<int64_t>());
    check_launch("max_dim kernel");
  });
}

// ---- softmax / log_softmax: one warp per line, the CPU's arithmetic -------------------------
namespace {

template <class T>
__device__ __forceinline__ T warp_max(T v) {
  for (int d = 16; d > 0; d >>= 1) {
    T o = __shfl_xor_sync(0xffffffffu, v, d);
    v = v < o ? o : v;  // std::max's rule: a NaN operand on the right is dropped, as on the CPU
  }
  return v;
}
__device__ __forceinline__ double warp_sum(double v) {
  for (int d = 16; d > 0; d >>= 1) v += __shfl_xor_sync(0xffffffffu, v, d);
  return v;
}

template <class T>
__global__ void softmax_kernel(int64_t lines, int64_t len, int64_t inner, const T* __restrict__ x, T* __restrict__ y,
                               bool log) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t w = blockIdx.x * static_cast<int64_t>(blockDim.x / 32) + threadIdx.x / 32; w < lines; w += warps) {
    const int64_t base = (w / inner) * len * inner + w % inner;
    const T* row = x + base;
    T* out = y + base;
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t i = lane; i < len; i += 32) m = m < row[i * inner] ? row[i * inner] : m;
    m = warp_max(m);
    if (isinf(m) && m < 0) m = 0;  // an all -inf line: exp gives 0s, log gives -inf
    double sum = 0;
    if (log) {
      for (int64_t i = lane; i < len; i += 32) sum += exp(static_cast<double>(row[i * inner] - m));
      const T log_sum = static_cast<T>(::log(warp_sum(sum)));
      for (int64_t i = lane; i < len; i += 32) out[i * inner] = (row[i * inner] - m) - log_sum;
    } else {
      for (int64_t i = lane; i < len; i += 32) {
        T e = exp(row[i * inner] - m);
        out[i * inner] = e;
        sum += e;
      }
      const T inv = static_cast<T>(1.0 / warp_sum(sum));
      for (int64_t i = lane; i < len; i += 32) out[i * inner] *= inv;
    }
  }
}

template <class T>
__global__ void softmax_backward_kernel(int64_t lines, int64_t len, int64_t inner, const T* __restrict__ g,
                                        const T* __restrict__ y, T* __restrict__ r, bool log) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t w = blockIdx.x * static_cast<int64_t>(blockDim.x / 32) + threadIdx.x / 32; w < lines; w += warps) {
    const int64_t base = (w / inner) * len * inner + w % inner;
    double acc = 0;
    if (log) {  // dx = g - softmax * sum(g)
      for (int64_t i = lane; i < len; i += 32) acc += g[base + i * inner];
      const T total = static_cast<T>(warp_sum(acc));
      for (int64_t i = lane; i < len; i += 32) r[base + i * inner] = g[base + i * inner] - exp(y[base + i * inner]) * total;
    } else {  // dx = y * (g - sum(g * y))
      for (int64_t i = lane; i < len; i += 32) acc += g[base + i * inner] * y[base + i * inner];
      const T total = static_cast<T>(warp_sum(acc));
      for (int64_t i = lane; i < len; i += 32) r[base + i * inner] = y[base + i * inner] * (g[base + i * inner] - total);
    }
  }
}

unsigned warp_blocks(int64_t lines) { return grid_for(lines * 32); }

}  // namespace

template <class T>
void softmax_forward(int64_t outer, int64_t len, int64_t inner, const T* x, T* y, bool log) {
  const int64_t lines = outer * inner;
  if (lines == 0 || len == 0) return;
  softmax_kernel<T><<<warp_blocks(lines), kThreads>>>(lines, len, inner, x, y, log);
  check_launch("softmax kernel");
}

template <class T>
void softmax_backward(int64_t outer, int64_t len, int64_t inner, const T* grad, const T* y, T* grad_x, bool log) {
  const int64_t lines = outer * inner;
  if (lines == 0 || len == 0) return;
  softmax_backward_kernel<T><<<warp_blocks(lines), kThreads>>>(lines, len, inner, grad, y, grad_x, log);
  check_launch("softmax backward kernel");
}

template void softmax_forward<float>(int64_t, int64_t, int64_t, const float*, float*, bool);
template void softmax_forward<double>(int64_t, int64_t, int64_t, const double*, double*, bool);
template void softmax_backward<float>(int64_t, int64_t, int64_t, const float*, const float*, float*, bool);
template void softmax_backward<double>(int64_t, int64_t, int64_t, const double*, const double*, double*, bool);

// ---- cumsum / cumprod: one thread per line, the CPU's accumulator and order ------------------
namespace {

template <class T>
__global__ void cumulative_kernel(int64_t lines, int64_t len, int64_t inner, const T* __restrict__ x,
                                  T* __restrict__ y, bool product) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
  for (int64_t w = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; w < lines;
       w += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t base = (w / inner) * len * inner + w % inner;
    Acc acc = product ? Acc(1) : Acc(0);
    for (int64_t i = 0; i < len; ++i) {
      const int64_t k = base + i * inner;
      acc = product ? acc * static_cast<Acc>(x[k]) : acc + static_cast<Acc>(x[k]);
      y[k] = static_cast<T>(acc);
    }
  }
}

}  // namespace

template <class T>
void cumulative(int64_t outer, int64_t len, int64_t inner, const T* x, T* y, bool product) {
  const int64_t lines = outer * inner;
  if (lines == 0 || len == 0) return;
  cumulative_kernel<T><<<grid_for(lines), kThreads>>>(lines, len, inner, x, y, product);
  check_launch("cumulative kernel");
}

template void cumulative<uint8_t>(int64_t, int64_t, int64_t, const uint8_t*, uint8_t*, bool);
template void cumulative<int32_t>(int64_t, int64_t, int64_t, const int32_t*, int32_t*, bool);
template void cumulative<int64_t>(int64_t, int64_t, int64_t, const int64_t*, int64_t*, bool);
template void cumulative<float>(int64_t, int64_t, int64_t, const float*, float*, bool);
template void cumulative<double>(int64_t, int64_t, int64_t, const double*, double*, bool);

}  // namespace ember::cuda
