#include "ops/index.h"

#include <cstring>

#include "core/error.h"
#include "core/iter.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/shape.h"

namespace ember::ops {

namespace {

void check_cpu(const Tensor& t, const char* op) {
  if (!t.device().is_cpu())
    throw NotImplementedError(str(op, ": no CUDA kernel yet; got a tensor on ", t.device().str(), " (move it to the CPU with .cpu())"));
}

void check_index_dtype(const Tensor& index, const char* op) {
  check_cpu(index, op);  // the index is read on the host
  if (index.dtype() != DType::Int64 && index.dtype() != DType::Int32)
    throw Error(str(op, "(): Expected dtype int64 for index"));
}

// Row-major walk over `sizes`, giving the element offset under `strides` at each step.
struct Walker {
  Shape sizes;
  Shape strides;
  std::vector<int64_t> idx;
  int64_t off = 0;
  Walker(const Shape& s, const Shape& st) : sizes(s), strides(st), idx(s.size(), 0) {}
  void next() {
    for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
      ++idx[d];
      off += strides[d];
      if (idx[d] < sizes[d]) return;
      off -= strides[d] * sizes[d];
      idx[d] = 0;
    }
  }
};

int64_t wrap_index(int64_t i, int64_t size, int64_t dim) {
  if (i < -size || i >= size)
    throw IndexError(str("index ", i, " is out of bounds for dimension ", dim, " with size ", size));
  return i < 0 ? i + size : i;
}

Tensor as_int64(const Tensor& t) { return contiguous(to_dtype(t, DType::Int64)); }

// index_select and index_add_ take no negative indices in PyTorch (advanced indexing does).
void check_index_range(const Tensor& index_t, int64_t size) {
  Tensor flat = as_int64(index_t);
  const int64_t* ip = flat.data<int64_t>();
  for (int64_t i = 0, n = flat.numel(); i < n; ++i)
    if (ip[i] < 0 || ip[i] >= size) throw IndexError("index out of range in self");
}

// The layout shared by index and index_put_: result = [outer rest dims][index block][inner rest dims].
struct AdvancedIndex {
  Shape outer_sizes, outer_strides, inner_sizes, inner_strides, block_shape, result_shape;
  Tensor linear;  // element offsets into x for each position of the index block
};

AdvancedIndex plan_index(const Tensor& x, std::vector<std::optional<Tensor>> indices, const char* op) {
  // Expand bool masks into one long index per masked dim.
  std::vector<std::optional<Tensor>> expanded;
  for (auto& idx : indices) {
    if (idx && (idx->dtype() == DType::Bool || idx->dtype() == DType::UInt8)) {
      int64_t start = static_cast<int64_t>(expanded.size());
      for (int64_t k = 0; k < idx->dim(); ++k) {
        int64_t d = start + k;
        if (d >= x.dim() || x.size(d) != idx->size(k))
          throw IndexError(str("The shape of the mask ", shape_str(idx->sizes()), " at index ", k,
                               " does not match the shape of the indexed tensor ", shape_str(x.sizes()),
                               " at index ", d));
      }
      Tensor nz = nonzero(*idx);
      for (int64_t k = 0; k < idx->dim(); ++k) expanded.push_back(select(nz, 1, k));
      if (idx->dim() == 0) expanded.push_back(std::nullopt);  // x[True]: handled by caller as unsqueeze
    } else {
      if (idx && !is_integral(idx->dtype(), false))
        throw IndexError("tensors used as indices must be long, int, byte or bool tensors");
      expanded.push_back(idx);
    }
  }
  if (static_cast<int64_t>(expanded.size()) > x.dim())
    throw IndexError(str("too many indices for tensor of dimension ", x.dim(), " (got ", expanded.size(), ")"));
  expanded.resize(x.dim());
  AdvancedIndex p;
  int64_t first = -1, last = -1;
  Shape block;
  bool any = false;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (!expanded[d]) continue;
    if (!any) { block = expanded[d]->sizes(); any = true; }
    else block = broadcast_shapes(block, expanded[d]->sizes(), "index");
    if (first < 0) first = d;
    last = d;
  }
  EMBER_CHECK(any, op, ": no index tensors");
  bool adjacent = true;
  for (int64_t d = first; d <= last; ++d) adjacent = adjacent && expanded[d].has_value();
  p.block_shape = block;
  // Linear offsets of the indexed dims.
  p.linear = full(block, 0, DType::Int64, cpu_device());
  int64_t* lin = p.linear.data<int64_t>();
  int64_t nblock = p.linear.numel();
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (!expanded[d]) continue;
    Tensor idx = contiguous(expand(as_int64(*expanded[d]), block));
    const int64_t* ip = idx.data<int64_t>();
    for (int64_t i = 0; i < nblock; ++i) lin[i] += wrap_index(ip[i], x.size(d), d) * x.stride(d);
  }
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (expanded[d]) continue;
    bool before = adjacent && d < first;
    (before ? p.outer_sizes : p.inner_sizes).push_back(x.size(d));
    (before ? p.outer_strides : p.inner_strides).push_back(x.stride(d));
  }
  p.result_shape = p.outer_sizes;
  p.result_shape.insert(p.result_shape.end(), block.begin(), block.end());
  p.result_shape.insert(p.result_shape.end(), p.inner_sizes.begin(), p.inner_sizes.end());
  return p;
}

// Calls fn(result_flat_index, x_element_offset) for every element of the indexing result.
template <class F>
void for_each_indexed(const AdvancedIndex& p, const F& fn) {
  int64_t n_outer = shape_numel(p.outer_sizes), n_block = p.linear.numel(), n_inner = shape_numel(p.inner_sizes);
  const int64_t* lin = p.linear.data<int64_t>();
  int64_t r = 0;
  Walker outer(p.outer_sizes, p.outer_strides);
  for (int64_t o = 0; o < n_outer; ++o, outer.next())
    for (int64_t b = 0; b < n_block; ++b) {
      Walker inner(p.inner_sizes, p.inner_strides);
      for (int64_t i = 0; i < n_inner; ++i, inner.next()) fn(r++, outer.off + lin[b] + inner.off);
    }
}

}  // namespace

Tensor nonzero(const Tensor& x) {
  check_cpu(x, "nonzero");
  Tensor b = contiguous(to_dtype(x, DType::Bool));
  const bool* p = b.data<bool>();
  int64_t n = b.numel(), count = 0;
  for (int64_t i = 0; i < n; ++i) count += p[i];
  int64_t nd = x.dim();
  Tensor out = empty({count, nd}, DType::Int64);
  int64_t* o = out.data<int64_t>();
  std::vector<int64_t> idx(nd, 0);
  for (int64_t i = 0; i < n; ++i) {
    if (p[i]) { for (int64_t d = 0; d < nd; ++d) *o++ = idx[d]; }
    for (int64_t d = nd - 1; d >= 0; --d) { if (++idx[d] < x.size(d)) break; idx[d] = 0; }
  }
  return out;
}

Tensor index(const Tensor& x, const std::vector<std::optional<Tensor>>& indices) {
  check_cpu(x, "index");
  AdvancedIndex p = plan_index(x, indices, "index");
  Tensor out = empty(p.result_shape, x.dtype(), x.device());
  size_t isz = x.itemsize();
  char* dst = out.raw();
  const char* src = x.raw();
  for_each_indexed(p, [&](int64_t r, int64_t off) { std::memcpy(dst + r * isz, src + off * isz, isz); });
  return out;
}

Tensor& index_put_(Tensor& x, const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate) {
  check_cpu(x, "index_put_");
  check_writable(x, "index_put_");
  AdvancedIndex p = plan_index(x, indices, "index_put_");
  bool fits = values.dim() <= static_cast<int64_t>(p.result_shape.size());
  for (int64_t i = 1; fits && i <= values.dim(); ++i) {
    int64_t v = values.size(values.dim() - i), r = p.result_shape[p.result_shape.size() - i];
    fits = v == r || v == 1;
  }
  if (!fits)
    throw Error(str("shape mismatch: value tensor of shape ", shape_str(values.sizes()),
                    " cannot be broadcast to indexing result of shape ", shape_str(p.result_shape)));
  Tensor v = contiguous(expand(to_dtype(values, x.dtype()), p.result_shape));
  EMBER_DISPATCH_ALL(x.dtype(), "index_put_", [&] {
    using T = scalar_t;
    T* dst = x.data<T>();
    const T* src = v.data<T>();
    if (accumulate) for_each_indexed(p, [&](int64_t r, int64_t off) { dst[off] = static_cast<T>(dst[off] + src[r]); });
    else for_each_indexed(p, [&](int64_t r, int64_t off) { dst[off] = src[r]; });
  });
  x.bump_version();
  return x;
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index_t) {
  check_index_dtype(index_t, "index_select");
  EMBER_CHECK(index_t.dim() <= 1, "index_select(): Index is supposed to be a vector");
  int64_t d = wrap_dim(dim, x.dim());
  // PyTorch's exception types here follow its kernels: an input of 2+ dims with an empty indexed dim
  // raises RuntimeError, and so does an out-of-range index into the last dim of a 2-d input
  // (its row-gather kernel) or into any dim of an empty input of 2+ dims; everything else out of
  // range is an IndexError.
  if (x.dim() > 1 && x.size(d) == 0 && index_t.numel() > 0)
    throw Error("index_select(): self indexing axis dim should be positive");
  if (x.dim() > 1 && (x.numel() == 0 || (x.dim() == 2 && d == 1))) {
    try {
      check_index_range(index_t, x.size(d));
    } catch (const IndexError&) {
      throw Error(str("index_select(): index out of range for dim ", d, " of size ", x.size(d)));
    }
  }
  check_index_range(index_t, x.dim() ? x.size(d) : 1);
  if (x.dim() == 0) return reshape(index(unsqueeze(x, 0), {reshape(index_t, {-1})}), index_t.sizes());
  std::vector<std::optional<Tensor>> idx(d, std::nullopt);
  idx.push_back(reshape(index_t, {-1}));
  return index(x, idx);
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index_t) {
  check_cpu(x, "gather");
  check_index_dtype(index_t, "gather");
  int64_t d = wrap_dim(dim, x.dim());
  EMBER_CHECK(index_t.dim() == x.dim() || (x.dim() == 0 && index_t.dim() <= 1),
              "Index tensor must have the same number of dimensions as input tensor");
  for (int64_t k = 0; k < x.dim(); ++k)
    if (k != d && index_t.size(k) > x.size(k))
      throw Error(str("Size does not match at dimension ", k, " expected index ", shape_str(index_t.sizes()),
                      " to be smaller than self ", shape_str(x.sizes()), " apart from dimension ", d));
  Tensor idx = as_int64(index_t);
  Tensor out = empty(index_t.sizes(), x.dtype(), x.device());
  int64_t n = idx.numel(), size = x.dim() ? x.size(d) : 1, xstride = x.dim() ? x.stride(d) : 1;
  Shape xs(x.strides());
  if (x.dim()) xs[d] = 0;
  const int64_t* ip = idx.data<int64_t>();
  size_t isz = x.itemsize();
  Walker w(index_t.sizes(), x.dim() ? xs : Shape{});
  for (int64_t i = 0; i < n; ++i, w.next()) {
    int64_t j = ip[i];
    if (j < 0 || j >= size)  // gather takes no negative indices, as PyTorch
      throw Error(str("index ", j, " is out of bounds for dimension ", d, " with size ", size));
    std::memcpy(out.raw() + i * isz, x.raw() + (w.off + j * xstride) * isz, isz);
  }
  return out;
}

Tensor& scatter_(Tensor& x, int64_t dim, const Tensor& index_t, const Tensor& src_t, int reduce) {
  check_cpu(x, "scatter_");
  check_index_dtype(index_t, "scatter");
  check_writable(x, "scatter_");
  int64_t d = wrap_dim(dim, x.dim());
  EMBER_CHECK(index_t.dim() == x.dim() || x.dim() == 0, "Index tensor must have the same number of dimensions as self tensor");
  // src's strides are walked over index's dims: a src of another rank would be read out of bounds
  EMBER_CHECK(src_t.dim() == 0 || src_t.dim() == index_t.dim(),
              "Index tensor must have the same number of dimensions as src tensor");
  for (int64_t k = 0; k < index_t.dim(); ++k) {
    if (k != d && index_t.size(k) > x.size(k))
      throw Error(str("Expected index ", shape_str(index_t.sizes()), " to be smaller than self ", shape_str(x.sizes()),
                      " apart from dimension ", d, " and to be smaller size than src ", shape_str(src_t.sizes())));
    if (src_t.dim() == index_t.dim() && index_t.size(k) > src_t.size(k))
      throw Error(str("Expected index ", shape_str(index_t.sizes()), " to be smaller than src ", shape_str(src_t.sizes())));
  }
  Tensor idx = as_int64(index_t);
  Tensor src = src_t.dim() == 0 ? expand(to_dtype(src_t, x.dtype()), index_t.sizes()) : to_dtype(src_t, x.dtype());
  int64_t size = x.dim() ? x.size(d) : 1, xstride = x.dim() ? x.stride(d) : 1;
  Shape xs(x.strides());
  if (x.dim()) xs[d] = 0;
  const int64_t* ip = idx.data<int64_t>();
  EMBER_DISPATCH_ALL(x.dtype(), "scatter_", [&] {
    using T = scalar_t;
    T* dst = x.data<T>();
    const T* sp = src.data<T>();
    Walker wx(index_t.sizes(), x.dim() ? xs : Shape{});
    Walker ws(index_t.sizes(), src.dim() ? Shape(src.strides().begin(), src.strides().begin() + index_t.dim()) : Shape(index_t.dim(), 0));
    for (int64_t i = 0, n = idx.numel(); i < n; ++i, wx.next(), ws.next()) {
      int64_t j = ip[i];
      if (j < 0 || j >= size)  // no negative indices, as PyTorch
        throw Error(str("index ", j, " is out of bounds for dimension ", d, " with size ", size));
      T& slot = dst[wx.off + j * xstride];
      slot = reduce == 1 ? static_cast<T>(slot + sp[ws.off]) : sp[ws.off];
    }
  });
  x.bump_version();
  return x;
}

Tensor& index_add_(Tensor& x, int64_t dim, const Tensor& index_t, const Tensor& src) {
  check_index_dtype(index_t, "index_add_");
  int64_t d = wrap_dim(dim, x.dim());
  EMBER_CHECK(index_t.dim() <= 1, "index_add_(): Index is supposed to be a vector");
  int64_t n = index_t.numel(), src_n = src.dim() ? src.size(wrap_dim(dim, src.dim())) : 1;
  if (n != src_n)
    throw Error(str("index_add_(): Number of indices (", n, ") should be equal to source.size(dim): (", src_n,
                    "), for dim: ", d));
  check_index_range(index_t, x.dim() ? x.size(d) : 1);
  std::vector<std::optional<Tensor>> idx(d, std::nullopt);
  idx.push_back(reshape(index_t, {-1}));
  // index_put_ with accumulate puts the index block where dim d is, which is index_add_'s layout.
  return index_put_(x, idx, src, true);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
  if (mask.dtype() != DType::Bool)
    throw Error(str("masked_fill_ only supports boolean masks, but got mask with dtype ", dtype_name(mask.dtype())));
  if (value.dim() != 0)
    throw Error(str("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ", value.dim(),
                    " dimension(s)."));
  Shape shape = broadcast_shapes(x.sizes(), mask.sizes(), "masked_fill");
  if (shape != x.sizes())
    throw Error(str("The size of the mask ", shape_str(mask.sizes()), " must match the size of tensor ",
                    shape_str(x.sizes())));
  Tensor v = to_dtype(value, x.dtype());
  return where(mask, v, x);
}

Tensor& masked_fill_(Tensor& x, const Tensor& mask, const Tensor& value) {
  Tensor filled = masked_fill(x, mask, value);
  copy_(x, filled);
  x.bump_version();
  return x;
}

}  // namespace ember::ops
