#include "core/storage.h"

#include <cstdlib>
#include <new>

#include "core/error.h"
#include "cuda/backend.h"

namespace ember {

namespace {
constexpr size_t kAlignment = 64;

void* cpu_allocate(size_t nbytes) {
  if (nbytes == 0) return nullptr;
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (!p) throw Error(str("DefaultCPUAllocator: not enough memory: you tried to allocate ", nbytes, " bytes."));
  return p;
}
}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  auto s = std::make_shared<Storage>();
  s->nbytes = nbytes;
  s->device = device;
  s->data = device.is_cpu() ? cpu_allocate(nbytes) : cuda::allocate(nbytes, device.index);
  return s;
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, std::shared_ptr<void> owner) {
  auto s = std::make_shared<Storage>();
  s->data = data;
  s->nbytes = nbytes;
  s->external_owner = std::move(owner);
  return s;
}

Storage::~Storage() {
  if (external_owner || !data) return;
  if (device.is_cpu()) std::free(data);
  else cuda::release(data, device.index);
}

}  // namespace ember
