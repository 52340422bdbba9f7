// sum() in one C call: the reduction kernel, the result's Tensor and, under autograd, the node
// Sum.forward would have made (ctx.args = (input shape, dims, keepdim)). `loss.sum()` and
// `x.sum(dim)` are on every training step's path; in Python this was three frames and a pybind11
// dispatch around a kernel that takes well under a microsecond on small tensors.
#include <iterator>

#include "ops/reduce.h"
#include "python/autograd_record.h"
#include "python/pytensor.h"

namespace ember::python {

namespace {

// tensor_sum(node_cls, x, dims, keepdim, dtype_code): dims a list of ints (empty: all dims),
// dtype_code -1 for the default.
PyObject* tensor_sum(PyObject*, PyObject* const* argv, Py_ssize_t nargs) {
  if (nargs != 5 || !PyList_Check(argv[2])) {
    PyErr_SetString(PyExc_TypeError, "tensor_sum(node_cls, x, dims: list, keepdim, dtype_code)");
    return nullptr;
  }
  PyObject *node_cls = argv[0], *x = argv[1], *dims_list = argv[2];
  if (!is_tensor(x)) {
    PyErr_Format(PyExc_TypeError, "sum(): argument 'input' (position 1) must be Tensor, not %s", Py_TYPE(x)->tp_name);
    return nullptr;
  }
  std::vector<int64_t> dims(static_cast<size_t>(PyList_GET_SIZE(dims_list)));
  for (size_t i = 0; i < dims.size(); ++i) {
    dims[i] = PyLong_AsLongLong(PyList_GET_ITEM(dims_list, static_cast<Py_ssize_t>(i)));
    if (dims[i] == -1 && PyErr_Occurred()) return nullptr;
  }
  int keepdim = PyObject_IsTrue(argv[3]);
  long code = PyLong_AsLong(argv[4]);
  if (keepdim < 0 || (code == -1 && PyErr_Occurred())) return nullptr;
  const Tensor* ix = impl_of(x);
  if (!ix) return nullptr;
  PyObject* out = wrap_result([&] {
    std::optional<DType> dtype;
    if (code >= 0) dtype = dtype_from_code(static_cast<int>(code));
    return ops::reduce(ops::ReduceOp::Sum, *ix, dims, keepdim != 0, dtype);
  });
  int track = out ? needs_node(x) : 0;
  if (track <= 0) {
    if (track < 0) Py_CLEAR(out);
    return out;
  }
  const Shape& sizes = ix->sizes();
  PyObject* shape = PyTuple_New(static_cast<Py_ssize_t>(sizes.size()));
  for (size_t i = 0; shape && i < sizes.size(); ++i) {
    PyObject* n = PyLong_FromLongLong(sizes[i]);
    if (!n) Py_CLEAR(shape);
    else PyTuple_SET_ITEM(shape, static_cast<Py_ssize_t>(i), n);
  }
  PyObject* args = shape ? PyTuple_Pack(3, shape, dims_list, keepdim ? Py_True : Py_False) : nullptr;
  Py_XDECREF(shape);
  Py_INCREF(Py_None);  // saved: nothing
  return record_owned(node_cls, out, Py_None, args, &x, 1);
}

const FastDef fast_functions[] = {
    {"tensor_sum", tensor_sum,
     "tensor_sum(node_cls, x, dims, keepdim, dtype_code): x.sum(dims) and, when autograd needs one, its node."},
};

}  // namespace

void init_fast_reduce(py::module_& m) {
  add_fast_functions(m, fast_functions, std::size(fast_functions));
}

}  // namespace ember::python
