// Threads only when the work is worth it: below `grain` elements everything runs inline.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace ember {

constexpr int64_t kGrainElementwise = 32768;

inline int num_threads() { return omp_get_max_threads(); }

// Calls fn(begin, end) over [0, n) split into contiguous chunks, one per thread.
template <class F>
void parallel_for(int64_t n, int64_t grain, const F& fn) {
  if (n <= 0) return;
  int64_t max_chunks = grain > 0 ? std::max<int64_t>(1, n / grain) : n;
  int threads = static_cast<int>(std::min<int64_t>(num_threads(), max_chunks));
  if (threads <= 1 || omp_in_parallel()) {
    fn(int64_t(0), n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t chunk = (n + nt - 1) / nt;
    int64_t begin = t * chunk, end = std::min(n, begin + chunk);
    if (begin < end) fn(begin, end);
  }
}

// The number of chunks parallel_chunks splits n items into: one per thread, fewer when the
// items would not fill `grain` each.
inline int64_t num_chunks(int64_t n, int64_t grain) {
  if (n <= 0) return 0;
  int64_t by_grain = grain > 0 ? std::max<int64_t>(1, n / grain) : n;
  return omp_in_parallel() ? 1 : std::min<int64_t>(num_threads(), by_grain);
}

// Calls fn(chunk, begin, end) for `chunks` fixed contiguous pieces of [0, n), in parallel. The
// split does not depend on scheduling, so per-chunk partial sums add up the same every run.
template <class F>
void parallel_chunks(int64_t n, int64_t chunks, const F& fn) {
  if (n <= 0 || chunks <= 0) return;
  if (chunks == 1) return fn(int64_t(0), int64_t(0), n);
  int64_t per = (n + chunks - 1) / chunks;
#pragma omp parallel for schedule(static, 1) num_threads(static_cast<int>(chunks)) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t begin = c * per, end = std::min(n, begin + per);
    if (begin < end) fn(c, begin, end);
  }
}

}  // namespace ember
