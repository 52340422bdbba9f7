// Reference-counted, 64-byte aligned memory shared by a tensor and its views.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/device.h"

namespace ember {

struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  // Bumped by every in-place write; shared by all views so autograd can tell when a tensor it
  // saved was modified.
  int64_t version = 0;
  // Set when the memory belongs to someone else (a NumPy array); releasing it frees that owner.
  std::shared_ptr<void> external_owner;

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, std::shared_ptr<void> owner);
};

}  // namespace ember
