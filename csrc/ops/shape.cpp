#include "ops/shape.h"

#include <algorithm>

#include "core/error.h"
#include "ops/copy.h"
#include "ops/elementwise.h"

namespace ember::ops {

Shape infer_size(Shape shape, int64_t numel, const char* op) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw Error("only one dimension can be inferred");
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw Error(str("invalid shape dimension ", shape[i]));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0 && known != 0 && numel % known == 0) {
    shape[infer] = numel / known;
    return shape;
  }
  if (infer < 0 && known == numel) return shape;
  throw Error(str("shape '", shape_str(shape), "' is invalid for input of size ", numel));
  (void)op;
}

namespace {
// Strides for viewing (sizes, strides) as `shape` without copying, if possible (PyTorch's
// computeStride): each group of old dims that is contiguous within itself may be re-split.
bool view_strides(const Shape& sizes, const Shape& strides, const Shape& shape, Shape& out) {
  out.assign(shape.size(), 0);
  int64_t numel = shape_numel(sizes);
  if (numel == 0) { out = contiguous_strides(shape); return true; }
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= sizes[d];
    if (d == 0 || (sizes[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}
}  // namespace

Tensor view(const Tensor& t, Shape shape) {
  shape = infer_size(std::move(shape), t.numel(), "view");
  Shape strides;
  if (t.is_contiguous()) strides = contiguous_strides(shape);
  else if (!view_strides(t.sizes(), t.strides(), shape, strides))
    throw Error("view size is not compatible with input tensor's size and stride (at least one dimension spans "
                "across two contiguous subspaces). Use .reshape(...) instead.");
  return as_strided(t, shape, strides, t.offset());
}

Tensor reshape(const Tensor& t, Shape shape) {
  shape = infer_size(std::move(shape), t.numel(), "reshape");
  Shape strides;
  if (t.is_contiguous()) return as_strided(t, shape, contiguous_strides(shape), t.offset());
  if (view_strides(t.sizes(), t.strides(), shape, strides)) return as_strided(t, shape, strides, t.offset());
  return view(clone(t), shape);
}

Tensor permute(const Tensor& t, const std::vector<int64_t>& dims) {
  int64_t nd = t.dim();
  if (static_cast<int64_t>(dims.size()) != nd)
    throw Error(str("permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
                    "the desired ordering of dimensions i.e. input.dim() = ", nd, " is not equal to len(dims) = ",
                    dims.size()));
  Shape sizes(nd), strides(nd);
  std::vector<bool> seen(nd, false);
  for (int64_t i = 0; i < nd; ++i) {
    int64_t d = wrap_dim(dims[i], nd);
    if (seen[d]) throw Error("permute(): duplicate dims are not allowed.");
    seen[d] = true;
    sizes[i] = t.size(d);
    strides[i] = t.stride(d);
  }
  return as_strided(t, sizes, strides, t.offset());
}

Tensor transpose(const Tensor& t, int64_t d0, int64_t d1) {
  if (t.dim() == 0) { wrap_dim(d0, 0); wrap_dim(d1, 0); return t; }
  d0 = wrap_dim(d0, t.dim());
  d1 = wrap_dim(d1, t.dim());
  Shape sizes = t.sizes(), strides = t.strides();
  std::swap(sizes[d0], sizes[d1]);
  std::swap(strides[d0], strides[d1]);
  return as_strided(t, sizes, strides, t.offset());
}

Tensor expand(const Tensor& t, const Shape& sizes) {
  int64_t nd = static_cast<int64_t>(sizes.size());
  if (nd < t.dim())
    throw Error(str("expand(torch.FloatTensor{", shape_str(t.sizes()), "}, size=", shape_str(sizes),
                    "): the number of sizes provided (", nd, ") must be greater or equal to the number of dimensions "
                    "in the tensor (", t.dim(), ")"));
  Shape out_sizes(nd), out_strides(nd);
  int64_t lead = nd - t.dim();
  for (int64_t i = nd - 1; i >= 0; --i) {
    int64_t want = sizes[i];
    if (i < lead) {
      if (want < 0) throw Error(str("The expanded size of the tensor (", want, ") isn't allowed in a leading, non-existing dimension ", i));
      out_sizes[i] = want;
      out_strides[i] = 0;
      continue;
    }
    int64_t have = t.size(i - lead);
    if (want == -1) want = have;
    if (have == want) {
      out_sizes[i] = have;
      out_strides[i] = t.stride(i - lead);
    } else if (have == 1) {
      out_sizes[i] = want;
      out_strides[i] = 0;
    } else {
      throw Error(str("The expanded size of the tensor (", want, ") must match the existing size (", have,
                      ") at non-singleton dimension ", i, ".  Target sizes: ", shape_str(sizes),
                      ".  Tensor sizes: ", shape_str(t.sizes())));
    }
  }
  return as_strided(t, out_sizes, out_strides, t.offset());
}

Tensor squeeze(const Tensor& t, const std::vector<int64_t>& dims) {
  std::vector<bool> drop(t.dim(), false);
  if (dims.empty()) {
    for (int64_t d = 0; d < t.dim(); ++d) drop[d] = t.size(d) == 1;
  } else {
    for (int64_t d : dims) {
      if (t.dim() == 0) { wrap_dim(d, 0); continue; }
      int64_t w = wrap_dim(d, t.dim());
      drop[w] = t.size(w) == 1;
    }
  }
  Shape sizes, strides;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (!drop[d]) { sizes.push_back(t.size(d)); strides.push_back(t.stride(d)); }
  return as_strided(t, sizes, strides, t.offset());
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  dim = wrap_dim(dim, t.dim() + 1);
  Shape sizes = t.sizes(), strides = t.strides();
  int64_t stride = dim < t.dim() ? t.stride(dim) * t.size(dim) : 1;
  sizes.insert(sizes.begin() + dim, 1);
  strides.insert(strides.begin() + dim, stride);
  return as_strided(t, sizes, strides, t.offset());
}

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  EMBER_CHECK(t.dim() > 0, "narrow() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, t.dim());
  int64_t size = t.size(dim);
  if (start < 0) start += size;
  if (start < 0 || start > size)
    throw IndexError(str("start out of range (expected to be in range of [", -size, ", ", size, "], but got ", start, ")"));
  EMBER_CHECK(length >= 0 && start + length <= size, "start (", start, ") + length (", length,
              ") exceeds dimension size (", size, ").");
  Shape sizes = t.sizes();
  sizes[dim] = length;
  return as_strided(t, sizes, t.strides(), t.offset() + start * t.stride(dim));
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  if (t.dim() == 0) throw IndexError("select() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, t.dim());
  int64_t size = t.size(dim);
  if (index < -size || index >= size)
    throw IndexError(str("index ", index, " is out of bounds for dimension ", dim, " with size ", size));
  if (index < 0) index += size;
  Shape sizes = t.sizes(), strides = t.strides();
  sizes.erase(sizes.begin() + dim);
  strides.erase(strides.begin() + dim);
  return as_strided(t, sizes, strides, t.offset() + index * t.stride(dim));
}

Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t stop, int64_t step) {
  dim = wrap_dim(dim, t.dim());
  EMBER_CHECK_VALUE(step > 0, "step must be greater than zero");
  int64_t size = t.size(dim);
  auto clampi = [&](int64_t v) {
    if (v < 0) v += size;
    return std::min(std::max<int64_t>(v, 0), size);
  };
  start = clampi(start);
  stop = clampi(stop);
  int64_t len = stop > start ? (stop - start + step - 1) / step : 0;
  Shape sizes = t.sizes(), strides = t.strides();
  sizes[dim] = len;
  strides[dim] *= step;
  return as_strided(t, sizes, strides, t.offset() + start * t.stride(dim));
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  if (t.dim() == 0) return reshape(t, {1});
  start_dim = wrap_dim(start_dim, t.dim());
  end_dim = wrap_dim(end_dim, t.dim());
  EMBER_CHECK(start_dim <= end_dim, "flatten() has invalid args: start_dim cannot come after end_dim");
  Shape shape(t.sizes().begin(), t.sizes().begin() + start_dim);
  int64_t n = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) n *= t.size(d);
  shape.push_back(n);
  shape.insert(shape.end(), t.sizes().begin() + end_dim + 1, t.sizes().end());
  return reshape(t, shape);
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "torch.cat(): expected a non-empty list of Tensors");
  // Legacy rule kept by PyTorch: 1-d empty tensors are skipped.
  // The skipped ones still take part in type promotion, and all-empty input gives a new tensor.
  DType dt = tensors[0].dtype();
  for (auto& t : tensors) dt = promote_types(dt, t.dtype());
  const Tensor* ref = nullptr;
  for (auto& t : tensors) if (!(t.dim() == 1 && t.numel() == 0)) { ref = &t; break; }
  if (!ref) return empty({0}, dt, tensors[0].device());
  EMBER_CHECK(ref->dim() > 0, "zero-dimensional tensor (at position 0) cannot be concatenated");
  dim = wrap_dim(dim, ref->dim());
  Shape out_sizes = ref->sizes();
  out_sizes[dim] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dim() == 1 && t.numel() == 0) continue;
    check_device_match(*ref, t, "cat");
    if (t.dim() != ref->dim())
      throw Error(str("Tensors must have same number of dimensions: got ", ref->dim(), " and ", t.dim()));
    for (int64_t d = 0; d < t.dim(); ++d)
      if (d != dim && t.size(d) != ref->size(d))
        throw Error(str("Sizes of tensors must match except in dimension ", dim, ". Expected size ", ref->size(d),
                        " but got size ", t.size(d), " for tensor number ", i, " in the list."));
    out_sizes[dim] += t.size(dim);
  }
  Tensor out = empty(out_sizes, dt, ref->device());
  int64_t pos = 0;
  for (auto& t : tensors) {
    if (t.dim() == 1 && t.numel() == 0) continue;
    copy_(narrow(out, dim, pos, t.size(dim)), t);
    pos += t.size(dim);
  }
  return out;
}

Tensor flip(const Tensor& t, const std::vector<int64_t>& dims) {
  Shape strides = t.strides();
  int64_t offset = t.offset();
  std::vector<bool> seen(std::max<int64_t>(t.dim(), 1), false);
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, t.dim());
    EMBER_CHECK(!seen[w], "dim ", w, " appears multiple times in the list of dims");
    seen[w] = true;
    if (t.dim() == 0 || t.size(w) == 0) continue;
    offset += (t.size(w) - 1) * strides[w];
    strides[w] = -strides[w];
  }
  return clone(as_strided(t, t.sizes(), strides, offset));
}

Tensor repeat(const Tensor& t, const Shape& repeats) {
  EMBER_CHECK(static_cast<int64_t>(repeats.size()) >= t.dim(),
              "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  for (auto r : repeats) EMBER_CHECK(r >= 0, "Trying to create tensor with negative dimension ", r, ": ", shape_str(repeats));
  int64_t lead = static_cast<int64_t>(repeats.size()) - t.dim();
  Shape padded(lead, 1);
  padded.insert(padded.end(), t.sizes().begin(), t.sizes().end());
  Tensor src = reshape(t, padded);
  // View as (1, s0, 1, s1, ...), expand to (r0, s0, r1, s1, ...), copy, merge pairs.
  Shape interleaved, expanded, out_shape;
  for (size_t i = 0; i < repeats.size(); ++i) {
    interleaved.push_back(1);
    interleaved.push_back(padded[i]);
    expanded.push_back(repeats[i]);
    expanded.push_back(padded[i]);
    out_shape.push_back(repeats[i] * padded[i]);
  }
  Tensor big = clone(expand(reshape(src, interleaved), expanded));
  return view(big, out_shape);
}

Tensor diagonal(const Tensor& t, int64_t offset, int64_t d0, int64_t d1) {
  d0 = wrap_dim(d0, t.dim());
  d1 = wrap_dim(d1, t.dim());
  EMBER_CHECK(d0 != d1, "diagonal dimensions cannot be identical ", d0, ", ", d1);
  int64_t start = t.offset();
  int64_t len;
  if (offset >= 0) {
    len = std::max<int64_t>(std::min(t.size(d0), t.size(d1) - offset), 0);
    start += offset * t.stride(d1);
  } else {
    len = std::max<int64_t>(std::min(t.size(d0) + offset, t.size(d1)), 0);
    start -= offset * t.stride(d0);
  }
  if (len == 0) start = t.offset();
  Shape sizes, strides;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (d != d0 && d != d1) { sizes.push_back(t.size(d)); strides.push_back(t.stride(d)); }
  sizes.push_back(len);
  strides.push_back(t.stride(d0) + t.stride(d1));
  return as_strided(t, sizes, strides, start);
}

Tensor tril(const Tensor& t, int64_t k, bool upper) {
  EMBER_CHECK(t.dim() >= 2, upper ? "triu" : "tril", ": input tensor must have at least 2 dimensions");
  int64_t rows = t.size(-2 + t.dim()), cols = t.size(t.dim() - 1);
  if (t.device().is_cuda()) {  // where(keep, t, 0) with the (rows, cols) mask built here, moved once
    Tensor keep = empty({rows, cols}, DType::Bool);
    bool* kp = keep.data<bool>();
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) kp[i * cols + j] = upper ? (j - i >= k) : (j - i <= k);
    return where(to_device(keep, t.device()), t, scalar_tensor(0, t.dtype(), true));
  }
  Tensor out = clone(t);
  int64_t batch = t.numel() / std::max<int64_t>(rows * cols, 1);
  EMBER_DISPATCH_ALL(t.dtype(), "tril", [&] {
    scalar_t* p = out.data<scalar_t>();
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          bool keep = upper ? (j - i >= k) : (j - i <= k);
          if (!keep) p[(b * rows + i) * cols + j] = scalar_t(0);
        }
  });
  return out;
}

}  // namespace ember::ops
