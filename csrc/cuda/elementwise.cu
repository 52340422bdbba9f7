// Elementwise CUDA kernels: unary, binary (broadcasting), where, casts, fill. The element
// functors are the CPU's (core/element_ops.h) and so is the list of which op exists for which
// dtype (cpu/elementwise_table.h); here each becomes a grid-stride kernel over strided operands.
#include <array>
#include <type_traits>

#include "core/element_ops.h"
#include "cpu/elementwise_table.h"
#include "cuda/common.cuh"
#include "cuda/kernels.h"

namespace ember::cuda {
namespace {

using namespace ::ember::elem;

struct Params { double v[4]; };

template <class T, class Out, class F>
struct UnaryFn {
  Params p;
  __device__ void operator()(const Strided<2>& s, const int64_t* off) const {
    s.store<Out>(off[0], static_cast<Out>(F::f(s.load<T>(1, off[1]), p.v)));
  }
};

template <class T, class Out, class F>
struct BinaryFn {
  __device__ void operator()(const Strided<3>& s, const int64_t* off) const {
    s.store<Out>(off[0], static_cast<Out>(F::f(s.load<T>(1, off[1]), s.load<T>(2, off[2]))));
  }
};

template <class T>
struct WhereFn {
  __device__ void operator()(const Strided<4>& s, const int64_t* off) const {
    s.store<T>(off[0], s.load<bool>(1, off[1]) ? s.load<T>(2, off[2]) : s.load<T>(3, off[3]));
  }
};

template <class From, class To>
struct CastFn {
  __device__ void operator()(const Strided<2>& s, const int64_t* off) const {
    s.store<To>(off[0], static_cast<To>(s.load<From>(1, off[1])));
  }
};

template <class T>
struct FillFn {
  T value;
  __device__ void operator()(const Strided<1>& s, const int64_t* off) const { s.store<T>(off[0], value); }
};

using UnaryLaunch = void (*)(const Tensor&, const Tensor&, const double*, int);
using BinaryLaunch = void (*)(const Tensor&, const Tensor&, const Tensor&);

template <class T, class Out, class F>
void launch_unary(const Tensor& out, const Tensor& in, const double* params, int nparams) {
  UnaryFn<T, Out, F> fn{};
  if (params) for (int i = 0; i < nparams && i < 4; ++i) fn.p.v[i] = params[i];
  const Tensor* ops[2] = {&out, &in};
  launch_strided<2>(ops, fn, "unary kernel");
}

template <class T, class Out, class F>
void launch_binary(const Tensor& out, const Tensor& a, const Tensor& b) {
  const Tensor* ops[3] = {&out, &a, &b};
  launch_strided<3>(ops, BinaryFn<T, Out, F>{}, "binary kernel");
}

// The launch table, filled from the same list as the CPU's kernel table.
struct Table {
  UnaryLaunch unary[static_cast<int>(UnaryOp::Count)][kNumDTypes] = {};
  BinaryLaunch binary[static_cast<int>(BinaryOp::Count)][kNumDTypes] = {};

  template <class F, bool ToBool, class... Ts>
  void unary_reg(UnaryOp op) {
    ((unary[static_cast<int>(op)][static_cast<int>(dtype_of<Ts>::value)] =
          &launch_unary<Ts, std::conditional_t<ToBool, bool, Ts>, F>), ...);
  }
  template <class F, bool ToBool, class... Ts>
  void binary_reg(BinaryOp op) {
    ((binary[static_cast<int>(op)][static_cast<int>(dtype_of<Ts>::value)] =
          &launch_binary<Ts, std::conditional_t<ToBool, bool, Ts>, F>), ...);
  }
};

// register_elementwise calls r.unary<...>/r.binary<...>; forward to the table.
struct Registrar {
  Table& t;
  template <class F, bool ToBool, class... Ts> void unary(UnaryOp op) { t.unary_reg<F, ToBool, Ts...>(op); }
  template <class F, bool ToBool, class... Ts> void binary(BinaryOp op) { t.binary_reg<F, ToBool, Ts...>(op); }
};

const Table& table() {
  static const Table t = [] {
    Table t;
    Registrar r{t};
    register_elementwise(r);
    return t;
  }();
  return t;
}

}  // namespace

void unary(UnaryOp op, const Tensor& out, const Tensor& in, const double* params, int nparams) {
  UnaryLaunch fn = table().unary[static_cast<int>(op)][static_cast<int>(in.dtype())];
  if (!fn) throw NotImplementedError(str("unary op ", static_cast<int>(op), " has no CUDA kernel for ", dtype_name(in.dtype())));
  fn(out, in, params, nparams);
}

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  BinaryLaunch fn = table().binary[static_cast<int>(op)][static_cast<int>(a.dtype())];
  if (!fn) throw NotImplementedError(str("binary op ", static_cast<int>(op), " has no CUDA kernel for ", dtype_name(a.dtype())));
  fn(out, a, b);
}

void where(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  const Tensor* ops[4] = {&out, &cond, &a, &b};
  EMBER_DISPATCH_ALL(out.dtype(), "where", [&] { launch_strided<4>(ops, WhereFn<scalar_t>{}, "where kernel"); });
}

void copy(const Tensor& dst, const Tensor& src) {
  const Tensor* ops[2] = {&dst, &src};
  EMBER_DISPATCH_ALL(src.dtype(), "copy_", [&] {
    using From = scalar_t;
    EMBER_DISPATCH_ALL(dst.dtype(), "copy_", [&] { launch_strided<2>(ops, CastFn<From, scalar_t>{}, "copy kernel"); });
  });
}

void fill(const Tensor& t, double value) {
  const Tensor* ops[1] = {&t};
  EMBER_DISPATCH_ALL(t.dtype(), "fill_", [&] {
    launch_strided<1>(ops, FillFn<scalar_t>{static_cast<scalar_t>(value)}, "fill kernel");
  });
}

namespace {
__global__ void any_true_kernel(int64_t n, Strided<1> s, int* flag) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t off[1];
    s.offsets(i, off);
    if (*reinterpret_cast<const bool*>(s.ptr[0] + off[0])) { *flag = 1; return; }
  }
}
}  // namespace

bool any_true(const Tensor& t) {
  int64_t n = t.numel();
  if (n == 0) return false;
  DeviceGuard guard(t.device().index);
  const Tensor* ops[1] = {&t};
  Strided<1> s = make_strided<1>(ops);
  Scratch flag_buf(sizeof(int));
  int* flag = static_cast<int*>(flag_buf.ptr);
  int host = 0;
  check_cuda(cudaMemset(flag, 0, sizeof(int)), "cudaMemset");
  any_true_kernel<<<grid_for(n), kThreads>>>(n, s, flag);
  check_launch("any_true kernel");
  check_cuda(cudaMemcpy(&host, flag, sizeof(int), cudaMemcpyDeviceToHost), "any_true kernel");
  return host != 0;
}

}  // namespace ember::cuda
