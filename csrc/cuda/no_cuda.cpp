// Compiled when ember is built without CUDA: every entry point says so clearly.
#include "core/error.h"
#include "cuda/backend.h"
#include "cuda/kernels.h"

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

// Kernels: unreachable without CUDA tensors, which this build cannot make; still say why.
void unary(UnaryOp, const Tensor&, const Tensor&, const double*, int) { not_built(); }
void binary(BinaryOp, const Tensor&, const Tensor&, const Tensor&) { not_built(); }
void where(const Tensor&, const Tensor&, const Tensor&, const Tensor&) { not_built(); }
void copy(const Tensor&, const Tensor&) { not_built(); }
void fill(const Tensor&, double) { not_built(); }
bool any_true(const Tensor&) { not_built(); }
void reduce(Reduce, const Tensor&, const ReduceGeometry&, const Tensor&) { not_built(); }
void max_dim(const Tensor&, const ReduceGeometry&, int64_t, int64_t, bool, const Tensor&, const Tensor&) { not_built(); }
void gemm(int, DType, int64_t, int64_t, int64_t, int64_t, double, const void*, int64_t, int64_t, int64_t, const void*,
          int64_t, int64_t, int64_t, double, void*, int64_t, int64_t) {
  not_built();
}

}  // namespace ember::cuda
