// Compiled when ember is built without CUDA: every entry point says so clearly.
#include "core/error.h"
#include "cuda/backend.h"

namespace ember::cuda {

namespace {
[[noreturn]] void not_built() { throw Error("Torch not compiled with CUDA enabled"); }
}  // namespace

bool is_built() { return false; }
int device_count() { return 0; }
void* allocate(size_t, int) { not_built(); }
void release(void*, int) {}
void copy_bytes(void*, Device, const void*, Device, size_t) { not_built(); }
void synchronize(int) { not_built(); }
int current_device() { not_built(); }
void set_device(int) { not_built(); }
int64_t memory_allocated(int) { return 0; }
int64_t max_memory_allocated(int) { return 0; }
int64_t memory_reserved(int) { return 0; }
void reset_peak_memory_stats(int) {}
void empty_cache() {}
void check_device(int) { not_built(); }

}  // namespace ember::cuda
