#include "ops/random.h"
#include "python/bindings.h"

namespace ember::python {

void init_random(py::module_& m) {
  using ops::Generator;
  using nogil = py::call_guard<py::gil_scoped_release>;
  py::class_<Generator>(m, "GeneratorImpl")
      .def(py::init<>())
      .def_readwrite("seed", &Generator::seed)
      .def_readwrite("offset", &Generator::offset);
  m.def("default_generator", &ops::default_generator, py::return_value_policy::reference);
  m.def("uniform_", &ops::uniform_, nogil());
  m.def("normal_", &ops::normal_, nogil());
  m.def("random_int_", &ops::random_int_, nogil());
  m.def("bernoulli_", &ops::bernoulli_, nogil());
  m.def("randperm", &ops::randperm, nogil());
}

}  // namespace ember::python
