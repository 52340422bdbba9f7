// The Python-level ember.Tensor as C++ binding code sees it: a Python object whose `_c` attribute
// is the TensorImpl (a pybind11 wrapper of core Tensor). Shared by the raw CPython-API files.
#pragma once
#include "python/bindings.h"

namespace ember::python {

// The class ember._tensor registers (bind_tensor_class); null before.
PyTypeObject* tensor_type();
// isinstance(o, ember.Tensor).
bool is_tensor(PyObject* o);
// The core tensor behind `t._c`; null with a Python error set if there is none. Valid while t lives.
const Tensor* impl_of(PyObject* t);
// A new ember.Tensor around TensorImpl `c` (the Python `wrap`); a new reference or null.
PyObject* wrap(PyObject* c);
// Interned attribute name "_c".
PyObject* attr_c();

void init_pytensor(py::module_& m);

}  // namespace ember::python
