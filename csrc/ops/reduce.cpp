#include "ops/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/parallel.h"
#include "cpu/kernels.h"
#include "cuda/kernels.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/shape.h"

namespace ember::ops {

namespace {

// Splits x's dims into kept (outer) and reduced (inner) groups, each merged where contiguous.
struct Geometry {
  Shape outer_sizes, outer_strides, inner_sizes, inner_strides;
  Shape keep_shape, out_shape;  // output with reduced dims as 1, and with them dropped
  int64_t outer_numel = 1, inner_numel = 1;
};

void push_merged(Shape& sizes, Shape& strides, int64_t size, int64_t stride) {
  if (size == 1) return;
  if (!sizes.empty() && strides.back() == stride * size) {
    sizes.back() *= size;
    strides.back() = stride;
    return;
  }
  sizes.push_back(size);
  strides.push_back(stride);
}

std::vector<bool> reduced_mask(const Tensor& x, const std::vector<int64_t>& dims) {
  std::vector<bool> mask(std::max<int64_t>(x.dim(), 1), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, x.dim());
    if (mask[w]) throw Error(str("dim ", w, " appears multiple times in the list of dims"));  // also 0 and -n
    mask[w] = true;
  }
  return mask;
}

Geometry make_geometry(const Tensor& x, const std::vector<bool>& mask) {
  Geometry g;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (mask[d]) {
      push_merged(g.inner_sizes, g.inner_strides, x.size(d), x.stride(d));
      g.inner_numel *= x.size(d);
      g.keep_shape.push_back(1);
    } else {
      push_merged(g.outer_sizes, g.outer_strides, x.size(d), x.stride(d));
      g.outer_numel *= x.size(d);
      g.keep_shape.push_back(x.size(d));
      g.out_shape.push_back(x.size(d));
    }
  }
  return g;
}

// Element offset (in elements) of flat index i within a (sizes, strides) group, row-major.
inline int64_t offset_of(int64_t i, const Shape& sizes, const Shape& strides) {
  int64_t off = 0;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    off += (i % sizes[d]) * strides[d];
    i /= sizes[d];
  }
  return off;
}

template <class T, class Acc> struct SumOp {
  static Acc init() { return Acc(0); }
  static Acc step(Acc a, T v) { return a + static_cast<Acc>(v); }
};
template <class T, class Acc> struct ProdOp {
  static Acc init() { return Acc(1); }
  static Acc step(Acc a, T v) { return a * static_cast<Acc>(v); }
};
template <class T, class Acc> struct MaxOp {
  static Acc init() { return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest(); }
  static Acc step(Acc a, T v) { return (v != v || v > a) ? v : a; }
};
template <class T, class Acc> struct MinOp {
  static Acc init() { return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max(); }
  static Acc step(Acc a, T v) { return (v != v || v < a) ? v : a; }
};
template <class T, class Acc> struct AllOp {
  static Acc init() { return true; }
  static Acc step(Acc a, T v) { return a && static_cast<bool>(v); }
};
template <class T, class Acc> struct AnyOp {
  static Acc init() { return false; }
  static Acc step(Acc a, T v) { return a || static_cast<bool>(v); }
};

// out[o] = fold of x over the inner group at outer position o.
template <class T, class Acc, class Out, template <class, class> class Op>
void reduce_kernel(const Tensor& x, const Geometry& g, Out* out) {
  using O = Op<T, Acc>;
  if (g.outer_numel == 0) return;  // no output; a merged 0-size outer group would divide by zero below
  const T* base = x.data<T>();
  const int64_t n_in = g.inner_numel;
  const bool inner_contig = g.inner_sizes.size() == 1 && g.inner_strides[0] == 1;
  const bool outer_unit = !g.outer_sizes.empty() && g.outer_strides.back() == 1;
  const int64_t grain = std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(n_in, 1));
  if (!inner_contig && outer_unit && n_in > 1) {
    // Column-style reduction: walk the reduced positions outside, a block of outputs inside.
    const int64_t row = g.outer_sizes.back();
    const int64_t rows = g.outer_numel / row;
    constexpr int64_t kBlock = 256;
    const int64_t blocks_per_row = (row + kBlock - 1) / kBlock;
    parallel_for(rows * blocks_per_row, std::max<int64_t>(1, grain / kBlock), [&](int64_t b, int64_t e) {
      Acc acc[kBlock];
      for (int64_t w = b; w < e; ++w) {
        int64_t r = w / blocks_per_row, j0 = (w % blocks_per_row) * kBlock;
        int64_t nj = std::min(kBlock, row - j0);
        int64_t obase = offset_of(r * row, g.outer_sizes, g.outer_strides) + j0;
        for (int64_t j = 0; j < nj; ++j) acc[j] = O::init();
        for (int64_t p = 0; p < n_in; ++p) {
          const T* src = base + obase + offset_of(p, g.inner_sizes, g.inner_strides);
          for (int64_t j = 0; j < nj; ++j) acc[j] = O::step(acc[j], src[j]);
        }
        for (int64_t j = 0; j < nj; ++j) out[r * row + j0 + j] = static_cast<Out>(acc[j]);
      }
    });
    return;
  }
  parallel_for(g.outer_numel, grain, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const T* src = base + offset_of(o, g.outer_sizes, g.outer_strides);
      Acc acc = O::init();
      if (inner_contig || n_in <= 1) {
        for (int64_t p = 0; p < n_in; ++p) acc = O::step(acc, src[p]);
      } else {
        for (int64_t p = 0; p < n_in; ++p) acc = O::step(acc, src[offset_of(p, g.inner_sizes, g.inner_strides)]);
      }
      out[o] = static_cast<Out>(acc);
    }
  });
}

// Sum of a whole contiguous float tensor: per-thread blocked sums, combined in double.
template <class T>
double full_sum(const T* x, int64_t n) {
  const auto& k = cpu::kernels();
  int nt = static_cast<int>(std::min<int64_t>(num_threads(), std::max<int64_t>(1, n / (1 << 16))));
  std::vector<double> parts(nt, 0.0);
  parallel_for(nt, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t chunk = (n + nt - 1) / nt, lo = t * chunk, hi = std::min(n, lo + chunk);
      if (lo >= hi) continue;
      if constexpr (std::is_same_v<T, float>) parts[t] = k.sum_f32(x + lo, hi - lo);
      else parts[t] = k.sum_f64(x + lo, hi - lo);
    }
  });
  double s = 0;
  for (double p : parts) s += p;
  return s;
}

// A contiguous tensor seen as (outer, len, inner) around dim d: the lines that cumulative ops
// and softmax walk.
struct Lines {
  int64_t outer, len, inner;
};
Lines lines_around(const Tensor& x, int64_t d) {
  int64_t len = x.dim() ? x.size(d) : 1;
  int64_t inner = 1;
  for (int64_t k = d + 1; k < x.dim(); ++k) inner *= x.size(k);
  return {x.numel() / (len * inner), len, inner};
}

const char* reduce_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Prod: return "prod";
    case ReduceOp::Max: return "max";
    case ReduceOp::Min: return "min";
    case ReduceOp::All: return "all";
    case ReduceOp::Any: return "any";
  }
  return "reduce";
}

void check_cpu(const Tensor& t, const char* op) {
  if (!t.device().is_cpu())
    throw NotImplementedError(str(op, ": no CUDA kernel yet; got a tensor on ", t.device().str(), " (move it to the CPU with .cpu())"));
}

static_assert(static_cast<int>(ReduceOp::Any) == static_cast<int>(cuda::Reduce::Any) &&
                  static_cast<int>(ReduceOp::Max) == static_cast<int>(cuda::Reduce::Max),
              "ops::ReduceOp and cuda::Reduce must list the reductions in the same order");

cuda::ReduceGeometry cuda_geometry(const Geometry& g) {
  cuda::ReduceGeometry c;
  c.outer_sizes = g.outer_sizes;
  c.outer_strides = g.outer_strides;
  c.inner_sizes = g.inner_sizes;
  c.inner_strides = g.inner_strides;
  c.outer_numel = g.outer_numel;
  c.inner_numel = g.inner_numel;
  return c;
}

}  // namespace

Tensor reduce(ReduceOp op, const Tensor& x, std::vector<int64_t> dims, bool keepdim, std::optional<DType> dtype) {
  const char* name = reduce_name(op);
  auto mask = reduced_mask(x, dims);
  Geometry g = make_geometry(x, mask);
  if ((op == ReduceOp::Max || op == ReduceOp::Min) && g.inner_numel == 0) {
    const char* aname = op == ReduceOp::Max ? "amax" : "amin";
    if (dims.empty())
      throw Error(str(aname, "(): Expected reduction dim to be specified for input.numel() == 0. "
                             "Specify the reduction dim with the 'dim' argument."));
    for (int64_t d = 0; d < x.dim(); ++d)
      if (mask[d] && x.size(d) == 0)
        throw IndexError(str(aname, "(): Expected reduction dim ", d, " to have non-zero size."));
  }
  DType in_dt = dtype ? *dtype : x.dtype();
  DType out_dt = in_dt;
  if ((op == ReduceOp::Sum || op == ReduceOp::Prod) && !dtype && is_integral(x.dtype(), true)) out_dt = DType::Int64;
  if (op == ReduceOp::All || op == ReduceOp::Any) out_dt = x.dtype() == DType::UInt8 ? DType::UInt8 : DType::Bool;
  if (op == ReduceOp::Sum || op == ReduceOp::Prod) in_dt = out_dt;
  Tensor src = to_dtype(x, in_dt);
  g = make_geometry(src, mask);  // a converted copy has its own (contiguous) strides
  Tensor out = empty(keepdim ? g.keep_shape : g.out_shape, out_dt, x.device());
  if (x.device().is_cuda()) {
    cuda::reduce(static_cast<cuda::Reduce>(op), src, cuda_geometry(g), out);
    return out;
  }
  const bool full_contig = g.outer_numel == 1 && src.is_contiguous();
  EMBER_DISPATCH_ALL(in_dt, name, [&] {
    using T = scalar_t;
    constexpr bool fp = std::is_floating_point_v<T>;
    using Acc = std::conditional_t<fp, double, std::conditional_t<std::is_same_v<T, bool>, int64_t, int64_t>>;
    switch (op) {
      case ReduceOp::Sum:
        if constexpr (fp) {
          if (full_contig) { *out.data<T>() = static_cast<T>(full_sum<T>(src.data<T>(), src.numel())); break; }
        }
        reduce_kernel<T, Acc, T, SumOp>(src, g, out.data<T>());
        break;
      case ReduceOp::Prod: reduce_kernel<T, Acc, T, ProdOp>(src, g, out.data<T>()); break;
      case ReduceOp::Max: reduce_kernel<T, T, T, MaxOp>(src, g, out.data<T>()); break;
      case ReduceOp::Min: reduce_kernel<T, T, T, MinOp>(src, g, out.data<T>()); break;
      case ReduceOp::All:
        if (out_dt == DType::UInt8) reduce_kernel<T, bool, uint8_t, AllOp>(src, g, out.data<uint8_t>());
        else reduce_kernel<T, bool, bool, AllOp>(src, g, out.data<bool>());
        break;
      case ReduceOp::Any:
        if (out_dt == DType::UInt8) reduce_kernel<T, bool, uint8_t, AnyOp>(src, g, out.data<uint8_t>());
        else reduce_kernel<T, bool, bool, AnyOp>(src, g, out.data<bool>());
        break;
    }
  });
  return out;
}

Tensor mean(const Tensor& x, std::vector<int64_t> dims, bool keepdim, std::optional<DType> dtype) {
  DType dt = dtype ? *dtype : x.dtype();
  if (!is_floating(dt))
    throw Error(str("mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                    "dtype. Got: ", scalar_type_name(dt)));
  auto mask = reduced_mask(x, dims);
  int64_t n = 1;
  for (int64_t d = 0; d < x.dim(); ++d) if (mask[d]) n *= x.size(d);
  Tensor s = reduce(ReduceOp::Sum, x, dims, keepdim, dt);
  return binary(BinaryOp::Div, s, scalar_tensor(static_cast<double>(n), DType::Float64, true));
}

Tensor var(const Tensor& x, std::vector<int64_t> dims, double correction, bool keepdim) {
  if (!is_floating(x.dtype()))
    throw Error(str("std and var only support floating point and complex dtypes"));
  auto mask = reduced_mask(x, dims);
  int64_t n = 1;
  for (int64_t d = 0; d < x.dim(); ++d) if (mask[d]) n *= x.size(d);
  Tensor m = mean(x, dims, true, std::nullopt);
  Tensor dev = binary(BinaryOp::Sub, x, m);
  Tensor sq = binary(BinaryOp::Mul, dev, dev);
  Tensor s = reduce(ReduceOp::Sum, sq, dims, keepdim);
  double denom = std::max(0.0, static_cast<double>(n) - correction);
  return binary(BinaryOp::Div, s, scalar_tensor(denom, DType::Float64, true));
}

std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim, bool max) {
  const char* name = max ? "max" : "min";
  int64_t d = wrap_dim(dim, x.dim());
  if (x.dim() > 0 && x.size(d) == 0)
    throw IndexError(str(name, "(): Expected reduction dim ", d, " to have non-zero size."));
  std::vector<bool> mask(std::max<int64_t>(x.dim(), 1), false);
  mask[d] = true;
  Geometry g = make_geometry(x, mask);
  int64_t len = x.dim() == 0 ? 1 : x.size(d), stride = x.dim() == 0 ? 1 : x.stride(d);
  Tensor values = empty(keepdim ? g.keep_shape : g.out_shape, x.dtype(), x.device());
  Tensor indices = empty(keepdim ? g.keep_shape : g.out_shape, DType::Int64, x.device());
  if (x.device().is_cuda()) {
    cuda::max_dim(x, cuda_geometry(g), len, stride, max, values, indices);
    return {values, indices};
  }
  EMBER_DISPATCH_ALL(x.dtype(), name, [&] {
    using T = scalar_t;
    const T* base = x.data<T>();
    T* vo = values.data<T>();
    int64_t* io = indices.data<int64_t>();
    parallel_for(g.outer_numel, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(len, 1)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* src = base + offset_of(o, g.outer_sizes, g.outer_strides);
        T best = src[0];
        int64_t bi = 0;
        for (int64_t i = 1; i < len && best == best; ++i) {
          T v = src[i * stride];
          if (v != v || (max ? v > best : v < best)) { best = v; bi = i; }
        }
        vo[o] = best;
        io[o] = bi;
      }
    });
  });
  return {values, indices};
}

Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim, bool max) {
  if (!dim) {
    if (x.numel() == 0)
      throw IndexError(str(max ? "argmax" : "argmin", "(): Expected reduction dim to be specified for input.numel() == 0."));
    Tensor flat = reshape(x, {x.numel()});
    Tensor idx = max_dim(flat, 0, false, max).second;
    if (keepdim) return reshape(idx, Shape(x.dim(), 1));
    return idx;
  }
  return max_dim(x, *dim, keepdim, max).second;
}

Tensor cumulative(const Tensor& x, int64_t dim, bool product, std::optional<DType> dtype) {
  const char* name = product ? "cumprod" : "cumsum";
  DType dt = dtype ? *dtype : (is_integral(x.dtype(), true) ? DType::Int64 : x.dtype());
  Tensor src = contiguous(to_dtype(x, dt));
  int64_t d = wrap_dim(dim, x.dim());  // checked for empty tensors too
  Tensor out = empty(x.sizes(), dt, x.device());
  if (x.numel() == 0) return out;
  if (x.dim() == 0) return clone(src);  // a scalar is its own running total (-0.0 stays -0.0)
  const auto [outer, len, inner] = lines_around(x, d);
  if (x.device().is_cuda()) {
    cuda::DeviceScope scope(x.device());
    EMBER_DISPATCH_NUMERIC(dt, name, [&] {
      cuda::cumulative<scalar_t>(outer, len, inner, src.data<scalar_t>(), out.data<scalar_t>(), product);
    });
    return out;
  }
  EMBER_DISPATCH_NUMERIC(dt, name, [&] {
    using T = scalar_t;
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    const T* s = src.data<T>();
    T* o = out.data<T>();
    for (int64_t a = 0; a < outer; ++a)
      for (int64_t c = 0; c < inner; ++c) {
        Acc acc = product ? Acc(1) : Acc(0);
        for (int64_t i = 0; i < len; ++i) {
          int64_t k = (a * len + i) * inner + c;
          acc = product ? acc * static_cast<Acc>(s[k]) : acc + static_cast<Acc>(s[k]);
          o[k] = static_cast<T>(acc);
        }
      }
  });
  return out;
}

Tensor softmax(const Tensor& x, int64_t dim, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  DType dt = is_floating(x.dtype()) ? x.dtype() : DType::Float32;
  Tensor src = contiguous(to_dtype(x, dt));
  int64_t d = wrap_dim(dim, x.dim());  // checked for empty tensors too
  Tensor out = empty(x.sizes(), dt, x.device());
  if (x.numel() == 0) return out;
  const auto [outer, len, inner] = lines_around(x, d);
  if (x.device().is_cuda()) {
    cuda::DeviceScope scope(x.device());
    EMBER_DISPATCH_FLOAT(dt, name, [&] {
      cuda::softmax_forward<scalar_t>(outer, len, inner, src.data<scalar_t>(), out.data<scalar_t>(), log);
    });
    return out;
  }
  EMBER_DISPATCH_FLOAT(dt, name, [&] {
    using T = scalar_t;
    const T* s = src.data<T>();
    T* o = out.data<T>();
    parallel_for(outer * inner, std::max<int64_t>(1, kGrainElementwise / len), [&](int64_t b, int64_t e) {
      for (int64_t w = b; w < e; ++w) {
        int64_t a = w / inner, c = w % inner;
        const T* row = s + a * len * inner + c;
        T* orow = o + a * len * inner + c;
        T m = -std::numeric_limits<T>::infinity();
        for (int64_t i = 0; i < len; ++i) m = std::max(m, row[i * inner]);
        if (std::isinf(m) && m < 0) m = 0;  // an all -inf row: exp gives 0s, log gives -inf
        double sum = 0;
        if (log) {
          for (int64_t i = 0; i < len; ++i) sum += std::exp(static_cast<double>(row[i * inner] - m));
          // (x - m) - log(sum), not x - (m + log(sum)): at logits ~1e4 the float sum m + log(sum) rounds away
          // log(sum)'s low bits (PyTorch's order)
          T log_sum = static_cast<T>(std::log(sum));
          for (int64_t i = 0; i < len; ++i) orow[i * inner] = (row[i * inner] - m) - log_sum;
        } else {
          for (int64_t i = 0; i < len; ++i) {
            T ex = std::exp(row[i * inner] - m);
            orow[i * inner] = ex;
            sum += ex;
          }
          T inv = static_cast<T>(1.0 / sum);
          for (int64_t i = 0; i < len; ++i) orow[i * inner] *= inv;
        }
      }
    });
  });
  return out;
}

Tensor softmax_backward(const Tensor& grad_in, const Tensor& out_in, int64_t dim, bool log) {
  check_device_match(out_in, grad_in, log ? "_log_softmax_backward_data" : "_softmax_backward_data");
  Tensor grad = contiguous(to_dtype(grad_in, out_in.dtype())), out = contiguous(out_in);
  Tensor gi = empty(out.sizes(), out.dtype(), out.device());
  if (out.numel() == 0) return gi;
  int64_t d = wrap_dim(dim, out.dim());
  const auto [outer, len, inner] = lines_around(out, d);
  if (out.device().is_cuda()) {
    cuda::DeviceScope scope(out.device());
    EMBER_DISPATCH_FLOAT(out.dtype(), "softmax_backward", [&] {
      cuda::softmax_backward<scalar_t>(outer, len, inner, grad.data<scalar_t>(), out.data<scalar_t>(),
                                       gi.data<scalar_t>(), log);
    });
    return gi;
  }
  EMBER_DISPATCH_FLOAT(out.dtype(), "softmax_backward", [&] {
    using T = scalar_t;
    const T* g = grad.data<T>();
    const T* y = out.data<T>();
    T* r = gi.data<T>();
    parallel_for(outer * inner, std::max<int64_t>(1, kGrainElementwise / len), [&](int64_t b, int64_t e) {
      for (int64_t w = b; w < e; ++w) {
        int64_t base = (w / inner) * len * inner + w % inner;
        double acc = 0;
        if (log) {  // dx = g - softmax * sum(g)
          for (int64_t i = 0; i < len; ++i) acc += g[base + i * inner];
          for (int64_t i = 0; i < len; ++i)
            r[base + i * inner] = g[base + i * inner] - std::exp(y[base + i * inner]) * static_cast<T>(acc);
        } else {  // dx = y * (g - sum(g * y))
          for (int64_t i = 0; i < len; ++i) acc += g[base + i * inner] * y[base + i * inner];
          for (int64_t i = 0; i < len; ++i)
            r[base + i * inner] = y[base + i * inner] * (g[base + i * inner] - static_cast<T>(acc));
        }
      }
    });
  });
  return gi;
}

}  // namespace ember::ops
