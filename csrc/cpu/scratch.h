// Per-thread work buffers that grow as needed and live as long as the thread, so a training
// loop's im2col columns and partial sums are allocated once, not on every call.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace ember::cpu {

// Columns: one image's im2col matrix or padded copy, per thread. Partials: per-chunk sums.
// Weights / FlippedWeights: a call's repacked weights. Batch: a slab of images shared by threads.
enum class ScratchSlot : int { Columns = 0, Partials, Weights, FlippedWeights, Batch, Count };

// 64-byte aligned room for `elems` values of T in this thread's `slot`; previous contents are
// not kept when it grows.
template <class T>
T* scratch(ScratchSlot slot, size_t elems) {
  struct Buf { void* p = nullptr; size_t bytes = 0; ~Buf() { std::free(p); } };
  thread_local Buf bufs[static_cast<int>(ScratchSlot::Count)];
  Buf& b = bufs[static_cast<int>(slot)];
  size_t bytes = (elems * sizeof(T) + 63) / 64 * 64;
  if (b.bytes < bytes) {
    std::free(b.p);
    b.p = std::aligned_alloc(64, bytes);
    b.bytes = b.p ? bytes : 0;
    if (!b.p) throw std::bad_alloc();
  }
  return static_cast<T*>(b.p);
}

}  // namespace ember::cpu
