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
DeviceScope::DeviceScope(Device) {}
DeviceScope::~DeviceScope() {}
template <class T> void softmax_forward(int64_t, int64_t, int64_t, const T*, T*, bool) { not_built(); }
template <class T> void softmax_backward(int64_t, int64_t, int64_t, const T*, const T*, T*, bool) { not_built(); }
template <class T> void cumulative(int64_t, int64_t, int64_t, const T*, T*, bool) { not_built(); }
template <class T> void adaptive_avg_pool2d_forward(const cpu::Pool2dShape&, const T*, T*) { not_built(); }
template <class T> void adaptive_avg_pool2d_backward(const cpu::Pool2dShape&, const T*, T*) { not_built(); }
template <class T> void conv2d_forward(const cpu::Conv2dShape&, const T*, const T*, const T*, T*) { not_built(); }
template <class T> void conv2d_backward_input(const cpu::Conv2dShape&, const T*, const T*, T*) { not_built(); }
template <class T> void conv2d_backward_weight(const cpu::Conv2dShape&, const T*, const T*, T*, T*) { not_built(); }
template <class T> void max_pool2d_forward(const cpu::Pool2dShape&, const T*, T*, int64_t*) { not_built(); }
template <class T> void max_pool2d_backward(const cpu::Pool2dShape&, const T*, const int64_t*, T*) { not_built(); }
template <class T> void avg_pool2d_forward(const cpu::Pool2dShape&, bool, int64_t, const T*, T*) { not_built(); }
template <class T> void avg_pool2d_backward(const cpu::Pool2dShape&, bool, int64_t, const T*, T*) { not_built(); }
template <class T>
void cross_entropy_forward(const cpu::LossShape&, const cpu::LossOptions<T>&, const T*, const int64_t*, T*, T*) {
  not_built();
}
template <class T>
void cross_entropy_backward(const cpu::LossShape&, const cpu::LossOptions<T>&, const T*, const T*, const int64_t*,
                            T*) {
  not_built();
}
template <class T>
void nll_loss_forward(const cpu::LossShape&, const cpu::LossOptions<T>&, const T*, const int64_t*, T*) { not_built(); }
template <class T>
void nll_loss_backward(const cpu::LossShape&, const cpu::LossOptions<T>&, const T*, const int64_t*, T*) { not_built(); }
void random_fill(DType, void*, int64_t, uint64_t, uint64_t, const rng::DistParams&) { not_built(); }
bool any_index_out_of_range(const int64_t*, int64_t, int64_t) { not_built(); }
void sgd_step(const std::vector<cpu::OptimSlot>&, const cpu::SgdOptions&) { not_built(); }
void adam_step(const std::vector<cpu::OptimSlot>&, const cpu::AdamOptions&) { not_built(); }
#define EMBER_NO_CUDA_INSTANTIATE(T)                                                            \
  template void softmax_forward<T>(int64_t, int64_t, int64_t, const T*, T*, bool);                \
  template void softmax_backward<T>(int64_t, int64_t, int64_t, const T*, const T*, T*, bool);     \
  template void conv2d_forward<T>(const cpu::Conv2dShape&, const T*, const T*, const T*, T*);     \
  template void conv2d_backward_input<T>(const cpu::Conv2dShape&, const T*, const T*, T*);        \
  template void conv2d_backward_weight<T>(const cpu::Conv2dShape&, const T*, const T*, T*, T*);   \
  template void max_pool2d_forward<T>(const cpu::Pool2dShape&, const T*, T*, int64_t*);           \
  template void max_pool2d_backward<T>(const cpu::Pool2dShape&, const T*, const int64_t*, T*);    \
  template void avg_pool2d_forward<T>(const cpu::Pool2dShape&, bool, int64_t, const T*, T*);      \
  template void avg_pool2d_backward<T>(const cpu::Pool2dShape&, bool, int64_t, const T*, T*);      \
  template void cross_entropy_forward<T>(const cpu::LossShape&, const cpu::LossOptions<T>&, const T*, \
                                         const int64_t*, T*, T*);                                   \
  template void cross_entropy_backward<T>(const cpu::LossShape&, const cpu::LossOptions<T>&, const T*, \
                                          const T*, const int64_t*, T*);                             \
  template void nll_loss_forward<T>(const cpu::LossShape&, const cpu::LossOptions<T>&, const T*,     \
                                    const int64_t*, T*);                                             \
  template void nll_loss_backward<T>(const cpu::LossShape&, const cpu::LossOptions<T>&, const T*,    \
                                     const int64_t*, T*);
EMBER_NO_CUDA_INSTANTIATE(float)
EMBER_NO_CUDA_INSTANTIATE(double)
template void adaptive_avg_pool2d_forward<float>(const cpu::Pool2dShape&, const float*, float*);
template void adaptive_avg_pool2d_forward<double>(const cpu::Pool2dShape&, const double*, double*);
template void adaptive_avg_pool2d_backward<float>(const cpu::Pool2dShape&, const float*, float*);
template void adaptive_avg_pool2d_backward<double>(const cpu::Pool2dShape&, const double*, double*);
template void cumulative<uint8_t>(int64_t, int64_t, int64_t, const uint8_t*, uint8_t*, bool);
template void cumulative<int32_t>(int64_t, int64_t, int64_t, const int32_t*, int32_t*, bool);
template void cumulative<int64_t>(int64_t, int64_t, int64_t, const int64_t*, int64_t*, bool);
template void cumulative<float>(int64_t, int64_t, int64_t, const float*, float*, bool);
template void cumulative<double>(int64_t, int64_t, int64_t, const double*, double*, bool);
#undef EMBER_NO_CUDA_INSTANTIATE

void gemm(int, DType, int64_t, int64_t, int64_t, int64_t, double, const void*, int64_t, int64_t, int64_t, const void*,
          int64_t, int64_t, int64_t, double, void*, int64_t, int64_t) {
  not_built();
}

}  // namespace ember::cuda
