#pragma once
#include <vector>

#include "core/tensor.h"

namespace ember::ops {

Tensor view(const Tensor& t, Shape shape);        // no copy; PyTorch's error when impossible
Tensor reshape(const Tensor& t, Shape shape);     // a view when possible, else a copy
Tensor permute(const Tensor& t, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& t, int64_t d0, int64_t d1);
Tensor expand(const Tensor& t, const Shape& sizes);
Tensor squeeze(const Tensor& t, const std::vector<int64_t>& dims);  // empty dims: all size-1 dims
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t stop, int64_t step);  // Python slice semantics
Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim);
Tensor flip(const Tensor& t, const std::vector<int64_t>& dims);
Tensor repeat(const Tensor& t, const Shape& repeats);
Tensor diagonal(const Tensor& t, int64_t offset, int64_t d0, int64_t d1);
Tensor tril(const Tensor& t, int64_t k, bool upper);  // upper=true gives triu
// Fills the shape inferred for one -1 entry (view, reshape), or PyTorch's error.
Shape infer_size(Shape shape, int64_t numel, const char* op);

}  // namespace ember::ops
