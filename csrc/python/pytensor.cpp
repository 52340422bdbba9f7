// ember.Tensor objects made and read from C: `wrap` (every op's result passes through it, so one
// Python frame less per op matters) and the TensorImpl behind a Tensor, for autograd_apply.cpp.
#include "python/pytensor.h"

namespace ember::python {

namespace {

PyTypeObject* tensor_cls = nullptr;  // set once by ember._tensor, kept for the process's lifetime
PyObject* s_c = nullptr;
PyObject* s_requires_grad = nullptr;

PyObject* wrap_py(PyObject*, PyObject* c) { return wrap(c); }

PyMethodDef methods[] = {
    {"wrap", wrap_py, METH_O, "wrap(impl): a new ember.Tensor around a TensorImpl returned by the core."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

PyTypeObject* tensor_type() { return tensor_cls; }

PyObject* attr_c() { return s_c; }

bool is_tensor(PyObject* o) { return tensor_cls && PyObject_TypeCheck(o, tensor_cls); }

const Tensor* impl_of(PyObject* t) {
  PyObject* c = PyObject_GetAttr(t, s_c);
  if (!c) return nullptr;
  const Tensor* impl = nullptr;
  try {
    impl = &py::handle(c).cast<const Tensor&>();
  } catch (const py::cast_error&) {
    PyErr_SetString(PyExc_TypeError, "ember.Tensor without a TensorImpl");
  }
  Py_DECREF(c);  // the Tensor object keeps `_c` (and so *impl) alive
  return impl;
}

int requires_grad(PyObject* t) {
  PyObject* v = PyObject_GetAttr(t, s_requires_grad);
  if (!v) return -1;
  int r = PyObject_IsTrue(v);
  Py_DECREF(v);
  return r;
}

PyObject* wrap(PyObject* c) {
  if (!tensor_cls) {
    PyErr_SetString(PyExc_RuntimeError, "ember.Tensor is not bound yet");
    return nullptr;
  }
  // What object.__new__(Tensor) does; Tensor.__new__ is the legacy constructor, not for this.
  PyObject* t = tensor_cls->tp_alloc(tensor_cls, 0);
  if (t && PyObject_SetAttr(t, s_c, c) < 0) Py_CLEAR(t);
  return t;
}

void init_pytensor(py::module_& m) {
  s_c = PyUnicode_InternFromString("_c");
  s_requires_grad = PyUnicode_InternFromString("_requires_grad");
  if (PyModule_AddFunctions(m.ptr(), methods) < 0) throw py::error_already_set();
  m.def(
      "bind_tensor_class",
      [](py::type cls) { tensor_cls = reinterpret_cast<PyTypeObject*>(cls.release().ptr()); },
      "Tells the C code which class ember.Tensor is (called once by ember._tensor).");
}

}  // namespace ember::python
