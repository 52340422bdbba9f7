// Elementwise ops in one C call: `a + b` (and -, *, /, ...) for two ember.Tensors, and the unary
// math functions (relu, exp, ...): type checks, the kernel, the result's Tensor object and, under
// autograd, its node (record_node). In Python this path was three frames and a pybind11 dispatch,
// more than the kernel on small tensors. Everything else (Python numbers as operands, Functions
// without a C recipe) stays in _ops._binary.
#include <iterator>

#include "ops/elementwise.h"
#include "python/autograd_record.h"
#include "python/pytensor.h"

namespace ember::python {

namespace {

PyObject *s_saves_operands, *s_backward_cls, *s_apply;

// The node class to record for fn, with *saves set from fn.saves_operands; Py_None (borrowed)
// when fn has no C recipe and must go through apply; null on error.
PyObject* recipe(PyObject* fn, bool* saves) {
  PyObject* flag = PyObject_GetAttr(fn, s_saves_operands);
  if (!flag) return nullptr;
  if (flag == Py_None) {
    Py_DECREF(flag);
    return Py_None;
  }
  *saves = flag == Py_True;
  Py_DECREF(flag);
  return PyObject_GetAttr(fn, s_backward_cls);
}

// tensor_binary(fn, op, a, b): fn is the op's Function (Add, Mul, ...), op its kernel code.
PyObject* tensor_binary(PyObject*, PyObject* const* argv, Py_ssize_t nargs) {
  if (nargs != 4 || !is_tensor(argv[2]) || !is_tensor(argv[3])) {
    PyErr_SetString(PyExc_TypeError, "tensor_binary(fn, op, a: Tensor, b: Tensor)");
    return nullptr;
  }
  PyObject *fn = argv[0], *a = argv[2], *b = argv[3];
  int op = static_cast<int>(PyLong_AsLong(argv[1]));
  if (op == -1 && PyErr_Occurred()) return nullptr;

  int track = grad_enabled();
  if (track > 0) {
    track = requires_grad(a);
    if (track == 0) track = requires_grad(b);
  }
  if (track < 0) return nullptr;
  PyObject* node_cls = nullptr;
  bool saves = false;
  if (track) {
    node_cls = recipe(fn, &saves);
    if (!node_cls) return nullptr;
    if (node_cls == Py_None) return PyObject_CallMethodObjArgs(fn, s_apply, a, b, nullptr);
  }

  const Tensor* ia = impl_of(a);
  const Tensor* ib = ia ? impl_of(b) : nullptr;
  PyObject* out = ib ? wrap_result([&] { return ops::binary(static_cast<cpu::BinaryOp>(op), *ia, *ib); }) : nullptr;
  if (!out || !track) {
    Py_XDECREF(node_cls);
    return out;
  }
  // Mul and Div keep both operands (and no Python numbers: ctx.args), as operands_to_save says.
  PyObject* saved = Py_None;  // borrowed unless saves
  PyObject* args = Py_None;
  if (saves) {
    saved = PyTuple_Pack(2, a, b);
    args = PyTuple_Pack(2, Py_None, Py_None);
  }
  PyObject* inputs[2] = {a, b};
  PyObject* result = saved && args ? record_node(node_cls, out, saved, args, inputs, 2) : nullptr;
  if (saves) {
    Py_XDECREF(saved);
    Py_XDECREF(args);
  }
  Py_DECREF(node_cls);
  Py_DECREF(out);
  return result;
}

// tensor_unary(op, node_cls, result_only, x, *params): kernel `op` on x; under autograd a node of
// node_cls saving (x, y) (or (None, y) when result_only) with ctx.args = params, as Unary.forward.
PyObject* tensor_unary(PyObject*, PyObject* const* argv, Py_ssize_t nargs) {
  if (nargs < 4) {
    PyErr_SetString(PyExc_TypeError, "tensor_unary(op, node_cls, result_only, x, *params)");
    return nullptr;
  }
  PyObject *node_cls = argv[1], *x = argv[3];
  if (!is_tensor(x)) {
    PyErr_Format(PyExc_TypeError, "%s(): argument 'input' (position 1) must be Tensor, not %s",
                 reinterpret_cast<PyTypeObject*>(node_cls)->tp_name, Py_TYPE(x)->tp_name);
    return nullptr;
  }
  int op = static_cast<int>(PyLong_AsLong(argv[0]));
  if (op == -1 && PyErr_Occurred()) return nullptr;
  double params[8];
  Py_ssize_t np = nargs - 4;
  if (np > 8) {
    PyErr_SetString(PyExc_TypeError, "tensor_unary: at most 8 parameters");
    return nullptr;
  }
  for (Py_ssize_t i = 0; i < np; ++i) {
    params[i] = PyFloat_AsDouble(argv[4 + i]);
    if (params[i] == -1.0 && PyErr_Occurred()) return nullptr;
  }
  const Tensor* ix = impl_of(x);
  if (!ix) return nullptr;
  PyObject* y = wrap_result([&] { return ops::unary(static_cast<cpu::UnaryOp>(op), *ix, params, static_cast<int>(np)); });
  int track = y ? needs_node(x) : 0;
  if (track <= 0) {
    if (track < 0) Py_CLEAR(y);
    return y;
  }
  PyObject* saved = PyTuple_Pack(2, PyObject_IsTrue(argv[2]) ? Py_None : x, y);
  PyObject* args = PyTuple_New(np);
  for (Py_ssize_t i = 0; args && i < np; ++i) {
    Py_INCREF(argv[4 + i]);
    PyTuple_SET_ITEM(args, i, argv[4 + i]);
  }
  return record_owned(node_cls, y, saved, args, &x, 1);
}

const FastDef fast_functions[] = {
    {"tensor_binary", tensor_binary,
     "tensor_binary(fn, op, a, b): the Function fn's result for two tensors (kernel `op`), its node recorded "
     "when autograd needs one."},
    {"tensor_unary", tensor_unary,
     "tensor_unary(op, node_cls, result_only, x, *params): unary kernel `op` on x, its node recorded when "
     "autograd needs one."},
};

}  // namespace

void init_fast_elementwise(py::module_& m) {
  s_saves_operands = PyUnicode_InternFromString("saves_operands");
  s_backward_cls = PyUnicode_InternFromString("_backward_cls");
  s_apply = PyUnicode_InternFromString("apply");
  add_fast_functions(m, fast_functions, std::size(fast_functions));
}

}  // namespace ember::python
