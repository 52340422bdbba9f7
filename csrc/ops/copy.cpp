#include "ops/copy.h"

#include <cstring>

#include "core/error.h"
#include "core/iter.h"
#include "cuda/backend.h"
#include "cuda/kernels.h"
#include "ops/elementwise.h"

namespace ember::ops {

namespace {

template <class From, class To>
void cast_loop(char** d, const int64_t* s, int64_t n, const double*) {
  if (s[0] == sizeof(To) && s[1] == sizeof(From)) {
    To* __restrict__ o = reinterpret_cast<To*>(d[0]);
    const From* __restrict__ x = reinterpret_cast<const From*>(d[1]);
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<To>(x[i]);
  } else {
    char* o = d[0]; const char* x = d[1];
    for (int64_t i = 0; i < n; ++i, o += s[0], x += s[1])
      *reinterpret_cast<To*>(o) = static_cast<To>(*reinterpret_cast<const From*>(x));
  }
}

cpu::LoopFn cast_kernel(DType from, DType to) {
  return EMBER_DISPATCH_ALL(from, "copy_", [&] {
    using From = scalar_t;
    return EMBER_DISPATCH_ALL(to, "copy_", [&] { return static_cast<cpu::LoopFn>(&cast_loop<From, scalar_t>); });
  });
}

template <class T>
void fill_loop(char** d, const int64_t* s, int64_t n, const double* p) {
  T v = static_cast<T>(p[0]);
  if (s[0] == sizeof(T)) {
    T* o = reinterpret_cast<T*>(d[0]);
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  } else {
    char* o = d[0];
    for (int64_t i = 0; i < n; ++i, o += s[0]) *reinterpret_cast<T*>(o) = v;
  }
}

}  // namespace

void copy_(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  Shape shape = broadcast_shapes(dst.sizes(), src.sizes(), "copy_");
  if (shape != dst.sizes())
    throw Error(str("output with shape ", shape_str(dst.sizes()), " doesn't match the broadcast shape ",
                    shape_str(shape)));
  check_writable(dst, "copy_");
  if (dst.device() != src.device()) {
    // Cross-device: make src contiguous in dst's dtype and shape on its own device, then move bytes.
    Tensor staged = empty(dst.sizes(), dst.dtype(), src.device());
    copy_(staged, src);
    if (dst.is_contiguous()) {
      cuda::copy_bytes(dst.raw(), dst.device(), staged.raw(), staged.device(), dst.numel() * dst.itemsize());
    } else {
      Tensor landing = empty(dst.sizes(), dst.dtype(), dst.device());
      cuda::copy_bytes(landing.raw(), landing.device(), staged.raw(), staged.device(), dst.numel() * dst.itemsize());
      copy_(dst, landing);
    }
    return;
  }
  if (!dst.device().is_cpu()) {
    if (dst.is_contiguous() && src.is_contiguous() && dst.sizes() == src.sizes() && dst.dtype() == src.dtype()) {
      cuda::copy_bytes(dst.raw(), dst.device(), src.raw(), src.device(), dst.numel() * dst.itemsize());
      return;
    }
    cuda::copy(dst, src);
    return;
  }
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous() && dst.sizes() == src.sizes()) {
    if (dst.raw() != src.raw()) std::memmove(dst.raw(), src.raw(), dst.numel() * dst.itemsize());
    return;
  }
  StridedIter({&dst, &src}, dst.sizes()).run(cast_kernel(src.dtype(), dst.dtype()));
}

Tensor contiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  return clone(t);
}

Tensor clone(const Tensor& t) {
  Tensor out = empty(t.sizes(), t.dtype(), t.device());
  copy_(out, t);
  return out;
}

Tensor to_dtype(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = empty(t.sizes(), dtype, t.device());
  copy_(out, t);
  return out;
}

Tensor to_device(const Tensor& t, Device device) {
  if (t.device() == device) return t;
  if (device.is_cuda()) cuda::check_device(device.index);
  Tensor src = contiguous(t);
  Tensor out = empty(t.sizes(), t.dtype(), device);
  cuda::copy_bytes(out.raw(), device, src.raw(), src.device(), src.numel() * src.itemsize());
  return out;
}

void fill_(const Tensor& t, double value) {
  check_writable(t, "fill_");
  if (t.device().is_cuda()) return cuda::fill(t, value);
  cpu::LoopFn fn = EMBER_DISPATCH_ALL(t.dtype(), "fill_", [&] { return static_cast<cpu::LoopFn>(&fill_loop<scalar_t>); });
  StridedIter({&t}, t.sizes()).run(fn, &value);
}

}  // namespace ember::ops
