// The Python-level ember.Tensor as C++ binding code sees it: a Python object whose `_c` attribute
// is the TensorImpl (a pybind11 wrapper of core Tensor). Shared by the raw CPython-API files.
#pragma once
#include <new>

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
// t._requires_grad: 1, 0, or -1 with a Python error set.
int requires_grad(PyObject* t);

// kernel() (returning a core Tensor) with the GIL released, as every kernel call from the
// bindings; core exceptions become the Python exceptions PyTorch raises. A new ember.Tensor or null.
template <class Kernel>
PyObject* wrap_result(Kernel kernel) {
  try {
    Tensor result;
    {
      py::gil_scoped_release nogil;
      result = kernel();
    }
    PyObject* c = py::cast(std::move(result)).release().ptr();
    PyObject* out = wrap(c);
    Py_DECREF(c);
    return out;
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const std::exception& e) {
    if (!set_python_error(std::current_exception())) PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

void init_pytensor(py::module_& m);

}  // namespace ember::python
