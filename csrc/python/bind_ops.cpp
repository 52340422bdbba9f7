// Tensor ops. Views are cheap metadata changes; everything that runs a kernel releases the GIL.
#include "core/error.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/shape.h"
#include "python/bindings.h"

namespace ember::python {

namespace {

using Dims = std::vector<int64_t>;
using OptTensor = std::optional<Tensor>;
using nogil = py::call_guard<py::gil_scoped_release>;

std::optional<DType> opt_dtype(int code) {
  if (code < 0) return std::nullopt;
  return dtype_from_code(code);
}

// The type a Python number takes as an operand: 0 bool, 1 int, 2 float.
DType scalar_kind_dtype(int kind) { return kind == 0 ? DType::Bool : kind == 1 ? DType::Int64 : DType::Float64; }

}  // namespace

void init_ops(py::module_& m) {
  py::list unary_names, binary_names;
  for (int i = 0; i < static_cast<int>(cpu::UnaryOp::Count); ++i)
    unary_names.append(ops::unary_name(static_cast<cpu::UnaryOp>(i)));
  for (int i = 0; i < static_cast<int>(cpu::BinaryOp::Count); ++i)
    binary_names.append(ops::binary_name(static_cast<cpu::BinaryOp>(i)));
  m.attr("unary_op_names") = unary_names;
  m.attr("binary_op_names") = binary_names;

  // ---- creation and copies --------------------------------------------------------------
  m.def("empty", [](const Shape& s, int dt, const std::string& dev, int idx) {
    return empty(s, dtype_from_code(dt), device_from(dev, idx));
  }, nogil());
  m.def("full", [](const Shape& s, double v, int dt, const std::string& dev, int idx) {
    return ops::full(s, v, dtype_from_code(dt), device_from(dev, idx));
  }, nogil());
  m.def("arange", [](double start, double end, double step, int dt, const std::string& dev, int idx) {
    return ops::arange(start, end, step, dtype_from_code(dt), device_from(dev, idx));
  }, nogil());
  m.def("linspace", [](double start, double end, int64_t steps, int dt, const std::string& dev, int idx) {
    return ops::linspace(start, end, steps, dtype_from_code(dt), device_from(dev, idx));
  }, nogil());
  m.def("eye", [](int64_t n, int64_t mm, int dt, const std::string& dev, int idx) {
    return ops::eye(n, mm, dtype_from_code(dt), device_from(dev, idx));
  }, nogil());
  m.def("scalar_tensor", [](double v, int dt) { return ops::scalar_tensor(v, dtype_from_code(dt), false); });
  m.def("wrap_scalar", [](double v, int kind) { return ops::wrap_scalar(v, scalar_kind_dtype(kind)); });
  m.def("copy_", [](const Tensor& dst, const Tensor& src) { ops::copy_(dst, src); dst.bump_version(); }, nogil());
  m.def("contiguous", &ops::contiguous, nogil());
  m.def("clone", &ops::clone, nogil());
  m.def("to_dtype", [](const Tensor& t, int dt) { return ops::to_dtype(t, dtype_from_code(dt)); }, nogil());
  m.def("to_device", [](const Tensor& t, const std::string& dev, int idx) {
    return ops::to_device(t, device_from(dev, idx));
  }, nogil());
  m.def("fill_", [](const Tensor& t, double v) { ops::fill_(t, v); t.bump_version(); }, nogil());
  m.def("result_type", [](const std::vector<Tensor>& ts) {
    std::vector<const Tensor*> ptrs;
    for (auto& t : ts) ptrs.push_back(&t);
    return static_cast<int>(ops::result_type(ptrs));
  });

  // ---- elementwise ----------------------------------------------------------------------
  m.def("unary", [](int op, const Tensor& t, const std::vector<double>& params) {
    return ops::unary(static_cast<cpu::UnaryOp>(op), t, params.data(), static_cast<int>(params.size()));
  }, nogil());
  m.def("unary_", [](int op, Tensor t, const std::vector<double>& params) {
    ops::unary_(static_cast<cpu::UnaryOp>(op), t, params.data(), static_cast<int>(params.size()));
  }, nogil());
  m.def("binary", [](int op, const Tensor& a, const Tensor& b) {
    return ops::binary(static_cast<cpu::BinaryOp>(op), a, b);
  }, nogil());
  m.def("binary_", [](int op, Tensor a, const Tensor& b) { ops::binary_(static_cast<cpu::BinaryOp>(op), a, b); },
        nogil());
  // A Python number as one operand: `reverse` puts it first (2 - t).
  m.def("binary_scalar", [](int op, const Tensor& a, double v, int kind, bool reverse) {
    Tensor s = ops::wrap_scalar(v, scalar_kind_dtype(kind));
    return reverse ? ops::binary(static_cast<cpu::BinaryOp>(op), s, a) : ops::binary(static_cast<cpu::BinaryOp>(op), a, s);
  }, nogil());
  m.def("binary_scalar_", [](int op, Tensor a, double v, int kind) {
    ops::binary_(static_cast<cpu::BinaryOp>(op), a, ops::wrap_scalar(v, scalar_kind_dtype(kind)));
  }, nogil());
  m.def("where", &ops::where, nogil());

  // ---- views and shape ------------------------------------------------------------------
  m.def("as_strided", [](const Tensor& t, const Shape& sizes, const Shape& strides, int64_t offset) {
    EMBER_CHECK(sizes.size() == strides.size(), "mismatch in length of strides and shape");
    return as_strided(t, sizes, strides, offset);
  });
  m.def("view", &ops::view);
  m.def("reshape", &ops::reshape, nogil());
  m.def("permute", &ops::permute);
  m.def("transpose", &ops::transpose);
  m.def("expand", &ops::expand);
  m.def("squeeze", &ops::squeeze);
  m.def("unsqueeze", &ops::unsqueeze);
  m.def("narrow", &ops::narrow);
  m.def("select", &ops::select);
  m.def("slice", &ops::slice);
  m.def("flatten", &ops::flatten, nogil());
  m.def("cat", &ops::cat, nogil());
  m.def("flip", &ops::flip, nogil());
  m.def("repeat", &ops::repeat, nogil());
  m.def("diagonal", &ops::diagonal);
  m.def("tril", &ops::tril, nogil());

  // ---- reductions -----------------------------------------------------------------------
  m.def("reduce", [](int op, const Tensor& t, const Dims& dims, bool keepdim, int dt) {
    return ops::reduce(static_cast<ops::ReduceOp>(op), t, dims, keepdim, opt_dtype(dt));
  }, nogil());
  m.def("mean", [](const Tensor& t, const Dims& dims, bool keepdim, int dt) {
    return ops::mean(t, dims, keepdim, opt_dtype(dt));
  }, nogil());
  m.def("var", &ops::var, nogil());
  m.def("max_dim", &ops::max_dim, nogil());
  m.def("argmax", &ops::argmax, nogil());
  m.def("cumulative", [](const Tensor& t, int64_t dim, bool product, int dt) {
    return ops::cumulative(t, dim, product, opt_dtype(dt));
  }, nogil());
  m.def("softmax", &ops::softmax, nogil());
  m.def("softmax_backward", &ops::softmax_backward, nogil());

  // ---- linear algebra -------------------------------------------------------------------
  m.def("matmul", &ops::matmul, nogil());
  m.def("mm", &ops::mm, nogil());
  m.def("bmm", &ops::bmm, nogil());
  m.def("mv", &ops::mv, nogil());
  m.def("dot", &ops::dot, nogil());
  m.def("linear", &ops::linear, nogil());
  m.def("addmm", &ops::addmm, nogil());

  // ---- indexing -------------------------------------------------------------------------
  m.def("index", &ops::index, nogil());
  m.def("index_put_", [](Tensor x, const std::vector<OptTensor>& idx, const Tensor& v, bool acc) {
    ops::index_put_(x, idx, v, acc);
  }, nogil());
  m.def("index_select", &ops::index_select, nogil());
  m.def("gather", &ops::gather, nogil());
  m.def("scatter_", [](Tensor x, int64_t dim, const Tensor& idx, const Tensor& src, int reduce) {
    ops::scatter_(x, dim, idx, src, reduce);
  }, nogil());
  m.def("index_add_", [](Tensor x, int64_t dim, const Tensor& idx, const Tensor& src) {
    ops::index_add_(x, dim, idx, src);
  }, nogil());
  m.def("masked_fill", &ops::masked_fill, nogil());
  m.def("masked_fill_", [](Tensor x, const Tensor& mask, const Tensor& v) { ops::masked_fill_(x, mask, v); }, nogil());
  m.def("nonzero", &ops::nonzero, nogil());
}

}  // namespace ember::python
