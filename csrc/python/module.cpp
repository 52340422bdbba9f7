// The ember._C extension: one module, split into init_* functions by area. Every kernel call
// releases the GIL; every core exception becomes the Python exception PyTorch raises.
#include <malloc.h>

#include "core/error.h"
#include "python/bindings.h"

namespace ember::python {

DType dtype_from_code(int code) {
  if (code < 0 || code >= kNumDTypes) throw ValueError(str("invalid dtype code ", code));
  return static_cast<DType>(code);
}

Device device_from(const std::string& type, int index) {
  if (type == "cpu") return Device{};
  if (type == "cuda") return Device{DeviceType::CUDA, index < 0 ? 0 : index};
  throw Error(str("Expected one of cpu, cuda device type at start of device string: ", type));
}

void add_fast_functions(py::module_& m, const FastDef* defs, size_t n) {
  // CPython keeps pointers to the PyMethodDefs: one table per call, alive as long as the process.
  auto* table = new PyMethodDef[n + 1]();
  for (size_t i = 0; i < n; ++i)
    table[i] = {defs[i].name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(defs[i].fn)), METH_FASTCALL,
                defs[i].doc};
  if (PyModule_AddFunctions(m.ptr(), table) < 0) throw py::error_already_set();
}

bool set_python_error(std::exception_ptr p) {
  try {
    std::rethrow_exception(p);
  } catch (const TypeError& e) {
    PyErr_SetString(PyExc_TypeError, e.what());
  } catch (const ValueError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const IndexError& e) {
    PyErr_SetString(PyExc_IndexError, e.what());
  } catch (const NotImplementedError& e) {
    PyErr_SetString(PyExc_NotImplementedError, e.what());
  } catch (const Error& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (...) {
    return false;
  }
  return true;
}

}  // namespace ember::python

PYBIND11_MODULE(_C, m) {
  using namespace ember;
  m.doc() = "ember's C++ core: tensors, kernels and their bindings";
  // Keep freed training-step buffers in the heap instead of returning them to the OS, so the
  // next step's same-sized allocations do not page-fault again.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);

  py::register_exception_translator([](std::exception_ptr p) {
    if (p && !python::set_python_error(p)) std::rethrow_exception(p);
  });
  python::init_tensor(m);
  python::init_ops(m);
  python::init_random(m);
  python::init_cuda(m);
  python::init_nn(m);
  python::init_pytensor(m);
  python::init_autograd(m);
  python::init_fast_elementwise(m);
  python::init_fast_reduce(m);
}
