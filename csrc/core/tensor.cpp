#include "core/tensor.h"

#include "core/error.h"

namespace ember {

int64_t shape_numel(const Shape& sizes) {
  int64_t n = 1;
  for (auto s : sizes) n *= s;
  return n;
}

int64_t Tensor::numel() const { return shape_numel(sizes_); }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (sizes_[d] == 1) continue;
    if (strides_[d] != expected) return numel() == 0;
    expected *= sizes_[d];
  }
  return true;
}

Shape contiguous_strides(const Shape& sizes) {
  Shape strides(sizes.size());
  int64_t s = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    strides[d] = s;
    s *= std::max<int64_t>(sizes[d], 1);
  }
  return strides;
}

std::string shape_str(const Shape& sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

Tensor empty(const Shape& sizes, DType dtype, Device device) {
  for (auto s : sizes)
    EMBER_CHECK(s >= 0, "Trying to create tensor with negative dimension ", s, ": ", shape_str(sizes));
  auto storage = Storage::allocate(shape_numel(sizes) * itemsize(dtype), device);
  return Tensor(std::move(storage), sizes, contiguous_strides(sizes), 0, dtype);
}

Tensor empty_like(const Tensor& t) { return empty(t.sizes(), t.dtype(), t.device()); }

Tensor as_strided(const Tensor& t, Shape sizes, Shape strides, int64_t offset) {
  return Tensor(t.storage(), std::move(sizes), std::move(strides), offset, t.dtype());
}

int64_t wrap_dim(int64_t dim, int64_t ndim) {
  int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1
  if (dim < -n || dim >= n)
    throw IndexError(str("Dimension out of range (expected to be in range of [", -n, ", ", n - 1,
                         "], but got ", dim, ")"));
  return dim < 0 ? dim + n : dim;
}

void check_device_match(const Tensor& ref, const Tensor& t, const char* op, const char* arg) {
  if (ref.device() == t.device()) return;
  throw Error(str("Expected all tensors to be on the same device, but found at least two devices, ", ref.device().str(),
                  " and ", t.device().str(), "! (when checking argument for ", op, arg ? ", " : "", arg ? arg : "",
                  ")"));
}

}  // namespace ember
