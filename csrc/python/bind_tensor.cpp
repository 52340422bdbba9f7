// The TensorImpl handle Python's ember.Tensor wraps, and NumPy interop.
#include <omp.h>

#include <cstring>

#include "core/error.h"
#include "cpu/kernels.h"
#include "ops/copy.h"
#include "python/bindings.h"

namespace ember::python {

namespace {

py::dtype numpy_dtype(DType t) {
  switch (t) {
    case DType::Bool: return py::dtype::of<bool>();
    case DType::UInt8: return py::dtype::of<uint8_t>();
    case DType::Int32: return py::dtype::of<int32_t>();
    case DType::Int64: return py::dtype::of<int64_t>();
    case DType::Float32: return py::dtype::of<float>();
    case DType::Float64: return py::dtype::of<double>();
  }
  throw Error("unknown dtype");
}

// The ember dtype of a NumPy array, or TypeError naming the unsupported one.
DType dtype_of_array(const py::array& a) {
  char kind = a.dtype().kind();
  size_t size = a.itemsize();
  if (kind == 'b') return DType::Bool;
  if (kind == 'u' && size == 1) return DType::UInt8;
  if (kind == 'i' && size == 4) return DType::Int32;
  if (kind == 'i' && size == 8) return DType::Int64;
  if (kind == 'f' && size == 4) return DType::Float32;
  if (kind == 'f' && size == 8) return DType::Float64;
  throw TypeError(str("can't convert np.ndarray of type numpy.", std::string(py::str(a.dtype())),
                      ". The only supported types are: float64, float32, int64, int32, uint8, and bool."));
}

py::tuple to_tuple(const Shape& s) {
  py::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = py::int_(s[i]);
  return t;
}

py::object item(const Tensor& t) {
  if (t.numel() != 1)
    throw Error(str("a Tensor with ", t.numel(), " elements cannot be converted to Scalar"));
  Tensor c = t.device().is_cpu() ? t : ops::to_device(t, Device{});
  switch (c.dtype()) {
    case DType::Bool: return py::bool_(*c.data<bool>());
    case DType::UInt8: return py::int_(*c.data<uint8_t>());
    case DType::Int32: return py::int_(*c.data<int32_t>());
    case DType::Int64: return py::int_(*c.data<int64_t>());
    case DType::Float32: return py::float_(*c.data<float>());
    case DType::Float64: return py::float_(*c.data<double>());
  }
  throw Error("unknown dtype");
}

}  // namespace

void init_tensor(py::module_& m) {
  py::class_<Tensor>(m, "TensorImpl")
      .def_property_readonly("shape", [](const Tensor& t) { return to_tuple(t.sizes()); })
      .def_property_readonly("strides", [](const Tensor& t) { return to_tuple(t.strides()); })
      .def_property_readonly("dtype_code", [](const Tensor& t) { return static_cast<int>(t.dtype()); })
      .def_property_readonly("device_type", [](const Tensor& t) { return t.device().is_cpu() ? "cpu" : "cuda"; })
      .def_property_readonly("device_index", [](const Tensor& t) { return t.device().index; })
      .def("meta", [](const Tensor& t) { return py::make_tuple(to_tuple(t.sizes()), static_cast<int>(t.dtype())); },
           "(shape, dtype code): what autograd records about an input.")
      .def_property_readonly("offset", &Tensor::offset)
      .def_property_readonly("version", &Tensor::version)
      .def_property_readonly("ndim", &Tensor::dim)
      .def("numel", &Tensor::numel)
      .def("size", [](const Tensor& t, int64_t d) { return t.size(wrap_dim(d, t.dim())); })
      .def("is_contiguous", &Tensor::is_contiguous)
      .def("bump_version", &Tensor::bump_version)
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.raw()); })
      .def("storage_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.storage()->data); })
      .def("storage_nbytes", [](const Tensor& t) { return t.storage()->nbytes; })
      .def("same_storage", [](const Tensor& a, const Tensor& b) { return a.storage() == b.storage(); })
      .def("item", &item)
      .def("numpy", [](const Tensor& t) {
        if (!t.device().is_cpu())
          throw TypeError(str("can't convert ", t.device().str(), " device type tensor to numpy. Use Tensor.cpu() to "
                              "copy the tensor to host memory first."));
        Shape byte_strides = t.strides();
        for (auto& s : byte_strides) s *= static_cast<int64_t>(t.itemsize());
        // The capsule keeps the storage alive for as long as NumPy uses the memory.
        auto* keep = new std::shared_ptr<Storage>(t.storage());
        py::capsule owner(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
        return py::array(numpy_dtype(t.dtype()), t.sizes(), byte_strides, t.raw(), owner);
      });

  m.def("from_numpy", [](py::array a) {
    DType dt = dtype_of_array(a);
    Shape sizes(a.shape(), a.shape() + a.ndim()), strides(a.ndim());
    for (py::ssize_t d = 0; d < a.ndim(); ++d) {
      if (a.strides(d) < 0)
        throw ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a copy "
                         "of your array  with array.copy().) ");
      if (a.strides(d) % static_cast<py::ssize_t>(a.itemsize()) != 0)
        throw ValueError("given numpy array strides not a multiple of the element byte size. Copy the numpy array "
                         "to reallocate the memory.");
      strides[d] = a.strides(d) / a.itemsize();
    }
    // The bytes the view reaches, not a.nbytes(): a strided array spans more than it holds.
    size_t span = 0;
    if (a.size() > 0) {
      span = a.itemsize();
      for (py::ssize_t d = 0; d < a.ndim(); ++d) span += (a.shape(d) - 1) * a.strides(d);
    }
    auto owner = std::shared_ptr<void>(new py::object(a), [](void* p) {
      py::gil_scoped_acquire gil;
      delete static_cast<py::object*>(p);
    });
    auto storage = Storage::wrap(const_cast<void*>(a.data()), span, std::move(owner));
    return Tensor(std::move(storage), sizes, strides, 0, dt);
  }, "Zero-copy tensor sharing the array's memory (the array is kept alive).");

  m.def("copy_from_numpy", [](py::array a) {
    DType dt = dtype_of_array(a);
    auto c = py::array::ensure(a, py::array::c_style);
    Shape sizes(c.shape(), c.shape() + c.ndim());
    Tensor t = empty(sizes, dt);
    if (c.nbytes()) std::memcpy(t.raw(), c.data(), c.nbytes());  // empty: both pointers may be null
    return t;
  }, "A new tensor holding a copy of the array's data.");

  // DataLoader workers run single-threaded: a forked child must not enter an OpenMP region
  // (libgomp's thread pool does not survive fork, and oversubscribing cores helps nobody).
  m.def("get_num_threads", [] { return omp_get_max_threads(); });
  m.def("set_num_threads", [](int n) {
    if (n <= 0) throw ValueError("set_num_threads expects a positive integer");
    omp_set_num_threads(n);
  });
  m.def("cpu_isa", [] { return std::string(cpu::kernels().isa); }, "The instruction set the CPU kernels use.");
}

}  // namespace ember::python
