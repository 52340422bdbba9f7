#pragma once
#include <optional>
#include <vector>

#include "core/tensor.h"

namespace ember::ops {

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// reduce: 0 = replace, 1 = add
Tensor& scatter_(Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, int reduce);
Tensor& index_add_(Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value);
Tensor& masked_fill_(Tensor& x, const Tensor& mask, const Tensor& value);
Tensor nonzero(const Tensor& x);  // (n, ndim) int64
// Advanced indexing: indices[d] (int64 or bool, or absent) applies to dim d of x.
Tensor index(const Tensor& x, const std::vector<std::optional<Tensor>>& indices);
Tensor& index_put_(Tensor& x, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                   bool accumulate);

}  // namespace ember::ops
