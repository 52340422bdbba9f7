#include "cuda/backend.h"
#include "python/bindings.h"

namespace ember::python {

void init_cuda(py::module_& m) {
  auto c = m.def_submodule("cuda", "CUDA runtime queries; all safe to call without a GPU");
  c.def("is_built", &cuda::is_built);
  c.def("device_count", &cuda::device_count);
  c.def("synchronize", &cuda::synchronize, py::call_guard<py::gil_scoped_release>());
  c.def("current_device", &cuda::current_device);
  c.def("set_device", &cuda::set_device);
  c.def("memory_allocated", &cuda::memory_allocated);
  c.def("max_memory_allocated", &cuda::max_memory_allocated);
  c.def("memory_reserved", &cuda::memory_reserved);
  c.def("reset_peak_memory_stats", &cuda::reset_peak_memory_stats);
  c.def("empty_cache", &cuda::empty_cache);
}

}  // namespace ember::python
