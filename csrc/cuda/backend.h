// What the core needs from CUDA. Implemented by runtime.cu in a CUDA build and by no_cuda.cpp
// otherwise, so the rest of the code never needs #ifdefs.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/device.h"

namespace ember::cuda {

bool is_built();
int device_count();  // 0 when built without CUDA or when no GPU/driver is present
void* allocate(size_t nbytes, int device);
void release(void* ptr, int device);
// Copies between any two devices (CPU <-> CUDA, CUDA <-> CUDA); blocks until done.
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
void synchronize(int device);
int current_device();
void set_device(int device);
int64_t memory_allocated(int device);
int64_t max_memory_allocated(int device);
int64_t memory_reserved(int device);
void reset_peak_memory_stats(int device);
void empty_cache();

// Checks that `device` is a usable CUDA device, else PyTorch's errors.
void check_device(int device);

}  // namespace ember::cuda
