// A tensor is a strided view into a Storage: sizes, strides (in elements), an element offset
// and a dtype. Copying a Tensor copies the view, never the data.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/dtype.h"
#include "core/storage.h"

namespace ember {

using Shape = std::vector<int64_t>;

class Tensor {
 public:
  Tensor() = default;
  Tensor(std::shared_ptr<Storage> storage, Shape sizes, Shape strides, int64_t offset, DType dtype)
      : storage_(std::move(storage)), sizes_(std::move(sizes)), strides_(std::move(strides)),
        offset_(offset), dtype_(dtype) {}

  const Shape& sizes() const { return sizes_; }
  const Shape& strides() const { return strides_; }
  int64_t size(int64_t d) const { return sizes_[d]; }
  int64_t stride(int64_t d) const { return strides_[d]; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t offset() const { return offset_; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_->device; }
  size_t itemsize() const { return ember::itemsize(dtype_); }
  int64_t numel() const;
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  // Python numbers taking part in an op: they do not decide the result dtype within a category.
  bool is_wrapped_number() const { return wrapped_number_; }
  void set_wrapped_number(bool v) { wrapped_number_ = v; }

  char* raw() const { return static_cast<char*>(storage_->data) + offset_ * itemsize(); }
  template <class T> T* data() const { return reinterpret_cast<T*>(raw()); }

  int64_t version() const { return storage_->version; }
  void bump_version() const { ++storage_->version; }

 private:
  std::shared_ptr<Storage> storage_;
  Shape sizes_, strides_;
  int64_t offset_ = 0;
  DType dtype_ = DType::Float32;
  bool wrapped_number_ = false;
};

Shape contiguous_strides(const Shape& sizes);
int64_t shape_numel(const Shape& sizes);
std::string shape_str(const Shape& sizes);  // "[2, 3]", as PyTorch prints shapes in messages

Tensor empty(const Shape& sizes, DType dtype, Device device = Device{});
Tensor empty_like(const Tensor& t);  // contiguous, same dtype and device
Tensor as_strided(const Tensor& t, Shape sizes, Shape strides, int64_t offset);
// PyTorch's RuntimeError when two tensors of one op live on different devices ("Expected all
// tensors to be on the same device, but found at least two devices, cuda:0 and cpu! (when
// checking argument for op[, arg])"); `arg` may be null.
void check_device_match(const Tensor& ref, const Tensor& t, const char* op, const char* arg = nullptr);
// Wraps `dim` (may be negative) into [0, ndim); PyTorch's IndexError when out of range.
int64_t wrap_dim(int64_t dim, int64_t ndim);

}  // namespace ember
