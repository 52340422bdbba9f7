#include "ops/creation.h"

#include <cmath>

#include "core/error.h"
#include "ops/copy.h"

namespace ember::ops {

Tensor full(const Shape& sizes, double value, DType dtype, Device device) {
  Tensor t = empty(sizes, dtype, device);
  fill_(t, value);
  return t;
}

Tensor arange(double start, double end, double step, DType dtype, Device device) {
  EMBER_CHECK(step != 0, "arange: step must be nonzero");
  EMBER_CHECK(std::isfinite(start) && std::isfinite(end), "arange: unsupported range: ", start, " -> ", end);
  EMBER_CHECK((step > 0 && end >= start) || (step < 0 && end <= start),
              "arange: upper bound and larger bound inconsistent with step sign");
  int64_t n = static_cast<int64_t>(std::ceil((end - start) / step));
  Tensor t = empty({n}, dtype, cpu_device());
  EMBER_DISPATCH_ALL(dtype, "arange", [&] {
    scalar_t* p = t.data<scalar_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<scalar_t>(start + i * step);
  });
  return to_device(t, device);
}

Tensor linspace(double start, double end, int64_t steps, DType dtype, Device device) {
  EMBER_CHECK(steps >= 0, "linspace: number of steps must be non-negative");
  Tensor t = empty({steps}, dtype, cpu_device());
  double step = steps > 1 ? (end - start) / (steps - 1) : 0.0;
  int64_t half = steps / 2;
  EMBER_DISPATCH_ALL(dtype, "linspace", [&] {
    scalar_t* p = t.data<scalar_t>();
    // Both halves are computed from their own end, as PyTorch does, so the last value is exact.
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<scalar_t>(i < half ? start + step * i : end - step * (steps - 1 - i));
  });
  return to_device(t, device);
}

Tensor eye(int64_t n, int64_t m, DType dtype, Device device) {
  EMBER_CHECK(n >= 0, "n must be greater or equal to 0, got ", n);
  EMBER_CHECK(m >= 0, "m must be greater or equal to 0, got ", m);
  Tensor t = full({n, m}, 0, dtype, cpu_device());
  EMBER_DISPATCH_ALL(dtype, "eye", [&] {
    scalar_t* p = t.data<scalar_t>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = static_cast<scalar_t>(1);
  });
  return to_device(t, device);
}

}  // namespace ember::ops
