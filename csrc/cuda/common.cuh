// Shared by the CUDA kernel files: error checks, the launch shape of grid-stride loops, the
// device guard, and the strided operand description every elementwise kernel walks.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>

#include "core/error.h"
#include "core/tensor.h"
#include "cuda/backend.h"

namespace ember::cuda {
namespace {

inline void check_cuda(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw Error(str("CUDA error in ", what, ": ", cudaGetErrorString(err)));
}
// After a launch: a bad configuration shows up here, a fault at the next synchronising call.
inline void check_launch(const char* what) { check_cuda(cudaGetLastError(), what); }

struct DeviceGuard {
  int previous = 0;
  explicit DeviceGuard(int device) {
    cudaGetDevice(&previous);
    if (device >= 0 && device != previous) cudaSetDevice(device);
  }
  ~DeviceGuard() { cudaSetDevice(previous); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;
};

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n items: enough to fill the GPU, no more.
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  static int sms = [] {
    int d = 0, count = 0;
    cudaGetDevice(&d);
    cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, d);
    return count > 0 ? count : 80;
  }();
  int64_t blocks = (n + threads - 1) / threads;
  int64_t cap = static_cast<int64_t>(sms) * 32;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > cap ? cap : blocks));
}

// A device buffer from the caching allocator on the current device, returned at scope exit
// (kernels run in stream order, so a reused block is not overwritten before they have read it).
struct Scratch {
  void* ptr = nullptr;
  int device;
  explicit Scratch(size_t nbytes) : device(current_device()) { ptr = allocate(nbytes, device); }
  ~Scratch() { release(ptr, device); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

constexpr int kMaxDims = 10;

// N operands (operand 0 is the output) over one shape, dims merged where every operand is
// contiguous across them; sizes innermost last, strides in bytes. An operand that is a 0-d CPU
// tensor travels by value in `scalar`.
template <int N>
struct Strided {
  int ndim = 0;
  int64_t sizes[kMaxDims];
  int64_t strides[N][kMaxDims];
  char* ptr[N];
  int64_t scalar[N];
  bool is_scalar[N];

  __device__ __forceinline__ void offsets(int64_t i, int64_t* off) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      int64_t size = sizes[d];
      int64_t idx = d == 0 ? i : i % size;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += idx * strides[k][d];
      if (d > 0) i /= size;
    }
  }
  template <class T>
  __device__ __forceinline__ T load(int k, int64_t off) const {
    if (is_scalar[k]) {
      T v;
      memcpy(&v, &scalar[k], sizeof(T));
      return v;
    }
    return *reinterpret_cast<const T*>(ptr[k] + off);
  }
  template <class T>
  __device__ __forceinline__ void store(int64_t off, T v) const {
    *reinterpret_cast<T*>(ptr[0] + off) = v;
  }
};

// Describes out and inputs (broadcast to out's shape) for a kernel.
template <int N>
Strided<N> make_strided(const Tensor* const (&ops)[N]) {
  const Tensor& out = *ops[0];
  const int nd = static_cast<int>(out.dim());
  Strided<N> s;
  // Full (unmerged) byte strides, outermost first.
  std::vector<int64_t> st[N];
  for (int k = 0; k < N; ++k) {
    const Tensor& t = *ops[k];
    s.is_scalar[k] = k > 0 && t.device().is_cpu();
    s.scalar[k] = 0;
    if (s.is_scalar[k]) {
      std::memcpy(&s.scalar[k], t.raw(), t.itemsize());
      s.ptr[k] = nullptr;
    } else {
      s.ptr[k] = t.raw();
    }
    st[k].assign(nd, 0);
    int off = nd - static_cast<int>(t.dim());
    for (int d = 0; d < t.dim(); ++d)
      st[k][off + d] = t.size(d) == 1 ? 0 : t.stride(d) * static_cast<int64_t>(t.itemsize());
  }
  // Merge from the innermost dim outwards, dropping size-1 dims.
  std::vector<int64_t> sizes;               // innermost first while building
  std::vector<std::vector<int64_t>> mst(N);  // likewise
  for (int d = nd - 1; d >= 0; --d) {
    int64_t size = out.size(d);
    if (size == 1) continue;
    bool merge = !sizes.empty();
    for (int k = 0; k < N && merge; ++k) merge = st[k][d] == mst[k].back() * sizes.back();
    if (merge) {
      sizes.back() *= size;
    } else {
      sizes.push_back(size);
      for (int k = 0; k < N; ++k) mst[k].push_back(st[k][d]);
    }
  }
  if (sizes.size() > static_cast<size_t>(kMaxDims))
    throw Error(str("CUDA kernels take at most ", kMaxDims, " non-mergeable dims; got a tensor of shape ",
                    shape_str(out.sizes()), " (call .contiguous() first)"));
  s.ndim = static_cast<int>(sizes.size());
  for (int d = 0; d < s.ndim; ++d) {
    s.sizes[s.ndim - 1 - d] = sizes[d];
    for (int k = 0; k < N; ++k) s.strides[k][s.ndim - 1 - d] = mst[k][d];
  }
  return s;
}

template <int N, class Fn>
__global__ void strided_kernel(int64_t n, Strided<N> s, Fn fn) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t off[N];
    if (s.ndim == 1) {
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] = i * s.strides[k][0];
    } else {
      s.offsets(i, off);
    }
    fn(s, off);
  }
}

// Runs fn(s, offsets) for every element of ops[0]'s shape.
template <int N, class Fn>
void launch_strided(const Tensor* const (&ops)[N], Fn fn, const char* what) {
  int64_t n = ops[0]->numel();
  if (n == 0) return;
  DeviceGuard guard(ops[0]->device().index);
  Strided<N> s = make_strided<N>(ops);
  strided_kernel<N, Fn><<<grid_for(n), kThreads>>>(n, s, fn);
  check_launch(what);
}

}  // namespace
}  // namespace ember::cuda
