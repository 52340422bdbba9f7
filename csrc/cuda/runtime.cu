// CUDA runtime glue: device queries, a size-bucketed caching allocator (no cudaMalloc per op
// in a training loop) and copies. A CUDA build on a machine without a GPU reports 0 devices.
#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "cuda/backend.h"
#include "cuda/kernels.h"

namespace ember::cuda {

namespace {

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw Error(str("CUDA error in ", what, ": ", cudaGetErrorString(err)));
}

struct DeviceCache {
  std::multimap<size_t, void*> free_blocks;  // rounded size -> block
  std::map<void*, size_t> sizes;             // every block we own
  int64_t allocated = 0, peak = 0, reserved = 0;
};

std::mutex g_mutex;
std::vector<DeviceCache> g_cache;

DeviceCache& cache(int device) {
  if (g_cache.empty()) g_cache.resize(std::max(device_count(), 1));
  return g_cache.at(device);
}

size_t round_size(size_t n) {
  if (n < 512) return 512;
  if (n < (1 << 20)) return (n + 511) / 512 * 512;
  return (n + (1 << 20) - 1) / (1 << 20) * (1 << 20);
}

struct DeviceGuard {
  int previous = 0;
  explicit DeviceGuard(int device) { cudaGetDevice(&previous); if (device != previous) cudaSetDevice(device); }
  ~DeviceGuard() { cudaSetDevice(previous); }
};

}  // namespace

bool is_built() { return true; }

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) { cudaGetLastError(); return 0; }
  return n;
}

void check_device(int device) {
  int n = device_count();
  if (n == 0) throw Error("Found no NVIDIA driver on your system or no CUDA GPU is available");
  if (device < 0 || device >= n)
    throw Error(str("CUDA error: invalid device ordinal ", device, " (", n, " device(s) available)"));
}

void* allocate(size_t nbytes, int device) {
  if (nbytes == 0) return nullptr;
  check_device(device);
  std::lock_guard<std::mutex> lock(g_mutex);
  DeviceCache& c = cache(device);
  size_t size = round_size(nbytes);
  void* ptr = nullptr;
  auto it = c.free_blocks.lower_bound(size);
  if (it != c.free_blocks.end() && it->first <= size * 2) {
    size = it->first;
    ptr = it->second;
    c.free_blocks.erase(it);
  } else {
    DeviceGuard guard(device);
    if (cudaMalloc(&ptr, size) != cudaSuccess) {
      cudaGetLastError();
      for (auto& kv : c.free_blocks) { cudaFree(kv.second); c.sizes.erase(kv.second); c.reserved -= kv.first; }
      c.free_blocks.clear();
      check(cudaMalloc(&ptr, size), "cudaMalloc (out of memory)");
    }
    c.sizes[ptr] = size;
    c.reserved += size;
  }
  c.allocated += size;
  c.peak = std::max(c.peak, c.allocated);
  return ptr;
}

void release(void* ptr, int device) {
  if (!ptr) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  DeviceCache& c = cache(device);
  size_t size = c.sizes.at(ptr);
  c.allocated -= size;
  c.free_blocks.emplace(size, ptr);
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
  if (nbytes == 0) return;
  cudaMemcpyKind kind = dst_device.is_cpu() ? (src_device.is_cpu() ? cudaMemcpyHostToHost : cudaMemcpyDeviceToHost)
                                            : (src_device.is_cpu() ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToDevice);
  check(cudaMemcpy(dst, src, nbytes, kind), "cudaMemcpy");
}

void synchronize(int device) {
  check_device(device);
  DeviceGuard guard(device);
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

int current_device() {
  int d = 0;
  check(cudaGetDevice(&d), "cudaGetDevice");
  return d;
}

void set_device(int device) {
  check_device(device);
  check(cudaSetDevice(device), "cudaSetDevice");
}

int64_t memory_allocated(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return device_count() ? cache(device).allocated : 0;
}
int64_t max_memory_allocated(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return device_count() ? cache(device).peak : 0;
}
int64_t memory_reserved(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return device_count() ? cache(device).reserved : 0;
}
void reset_peak_memory_stats(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (device_count()) cache(device).peak = cache(device).allocated;
}

void empty_cache() {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (auto& c : g_cache) {
    for (auto& kv : c.free_blocks) { cudaFree(kv.second); c.sizes.erase(kv.second); c.reserved -= kv.first; }
    c.free_blocks.clear();
  }
}

DeviceScope::DeviceScope(Device d) {
  if (!d.is_cuda()) return;
  check(cudaGetDevice(&previous), "cudaGetDevice");
  if (previous == d.index) previous = -1;
  else check(cudaSetDevice(d.index), "cudaSetDevice");
}
DeviceScope::~DeviceScope() {
  if (previous >= 0) cudaSetDevice(previous);
}

}  // namespace ember::cuda
