// Shared by the binding files: pybind11 and the helpers that convert between Python and core.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "core/tensor.h"

namespace py = pybind11;

namespace ember::python {

void init_tensor(py::module_& m);
void init_ops(py::module_& m);
void init_random(py::module_& m);
void init_cuda(py::module_& m);
void init_nn(py::module_& m);
void init_autograd(py::module_& m);
void init_pytensor(py::module_& m);
void init_fast_elementwise(py::module_& m);
void init_fast_reduce(py::module_& m);

DType dtype_from_code(int code);
Device device_from(const std::string& type, int index);
// Sets the Python exception PyTorch raises for an exception from the core (TypeError for
// ember::TypeError, ...); false, with nothing set, for an exception that is not the core's.
bool set_python_error(std::exception_ptr p);

// Entry points written against the raw CPython API (the per-op hot paths, where pybind11's
// argument dispatch costs more than the work): METH_FASTCALL functions added to the module.
using FastFunction = PyObject* (*)(PyObject* self, PyObject* const* args, Py_ssize_t nargs);
struct FastDef {
  const char* name;
  FastFunction fn;
  const char* doc;
};
// Adds the functions to m; the table must outlive the module (a static array).
void add_fast_functions(py::module_& m, const FastDef* defs, size_t n);

}  // namespace ember::python
