// Function.apply's hot path: deciding whether an op records a graph node, building the node's
// edges, running forward with grad mode off and making the node the output's grad_fn.
//
// Why C: on a tiny tensor these few steps (a node object, one edge tuple per input, grad-mode
// toggling, output attributes) cost more in the interpreter than the kernel itself. Written
// against the raw CPython API (METH_FASTCALL, no pybind11 argument dispatch) because the point
// is to shave microseconds. The graph stays made of the same Python objects as before (nodes
// are instances of each Function's backward class, edges are (node, output_nr, (shape, dtype)))
// so everything that reads it in Python (engine, next_functions, hooks, anomaly mode) is unchanged;
// anything unusual (several outputs, mark_dirty, non-differentiable outputs, an input returned
// as-is, anomaly mode) is handed to the Python code in autograd/function.py.
//
// `record` is the same bookkeeping for built-in ops whose wrapper already computed the result
// with a plain kernel call: it skips forward's Python frame and ctx calls altogether.
#include <iterator>

#include "python/autograd_record.h"
#include "python/pytensor.h"

namespace ember::python {

namespace {

// Python objects autograd/function.py hands over once (bind), kept for the process's lifetime.
struct Bound {
  PyObject* accumulate_cls = nullptr;  // AccumulateGrad
  PyObject* saved_output_cls = nullptr;
  PyObject* grad_state = nullptr;      // grad_mode.state (thread-local)
  PyObject* anomaly = nullptr;         // anomaly_mode._enabled, a one-element list
  PyObject* attach = nullptr;          // function._attach(ctx, out, args): the general case
  PyObject* record_creation = nullptr; // anomaly_mode.record_creation(node)
};
Bound bound;

// Interned attribute names.
PyObject *s_backward_cls, *s_forward, *s_edges, *s_enabled, *s_requires_grad, *s_grad_fn, *s_output_nr,
    *s_accumulator, *s_dirty, *s_non_differentiable, *s_saved, *s_saved_outputs, *s_versions, *s_args, *s_nr, *s_meta;

PyObject* intern(const char* s) { return PyUnicode_InternFromString(s); }

// (shape, dtype code): what the engine needs to fit a gradient to this input.
PyObject* meta_of(const Tensor& t) {
  const Shape& sizes = t.sizes();
  PyObject* shape = PyTuple_New(static_cast<Py_ssize_t>(sizes.size()));
  if (!shape) return nullptr;
  for (size_t i = 0; i < sizes.size(); ++i) {
    PyObject* n = PyLong_FromLongLong(sizes[i]);
    if (!n) {
      Py_DECREF(shape);
      return nullptr;
    }
    PyTuple_SET_ITEM(shape, static_cast<Py_ssize_t>(i), n);
  }
  PyObject* code = PyLong_FromLong(static_cast<long>(t.dtype()));
  if (!code) {
    Py_DECREF(shape);
    return nullptr;
  }
  PyObject* meta = PyTuple_Pack(2, shape, code);
  Py_DECREF(shape);
  Py_DECREF(code);
  return meta;
}

// Whether a (shape, dtype code) tuple describes t.
bool meta_matches(PyObject* meta, const Tensor& t) {
  if (!PyTuple_Check(meta) || PyTuple_GET_SIZE(meta) != 2) return false;
  PyObject* shape = PyTuple_GET_ITEM(meta, 0);
  const Shape& sizes = t.sizes();
  if (!PyTuple_Check(shape) || PyTuple_GET_SIZE(shape) != static_cast<Py_ssize_t>(sizes.size())) return false;
  if (PyLong_AsLong(PyTuple_GET_ITEM(meta, 1)) != static_cast<long>(t.dtype())) return false;
  for (size_t i = 0; i < sizes.size(); ++i)
    if (PyLong_AsLongLong(PyTuple_GET_ITEM(shape, static_cast<Py_ssize_t>(i))) != sizes[i]) return false;
  return true;
}

// The meta of leaf tensor t, cached on its AccumulateGrad node (checked against t's current shape
// and dtype: `.data = ...` or resize_ may change them). A new reference or null.
PyObject* leaf_meta(PyObject* accumulator, const Tensor& t) {
  PyObject* meta = PyObject_GetAttr(accumulator, s_meta);
  if (!meta) return nullptr;
  if (meta != Py_None && meta_matches(meta, t)) return meta;
  Py_DECREF(meta);
  meta = meta_of(t);
  if (meta && PyObject_SetAttr(accumulator, s_meta, meta) < 0) Py_CLEAR(meta);
  return meta;
}

// A new instance of a node class. Node classes made by Function's metaclass define neither
// __new__ nor __init__, so allocating is all object() would do; anything else is called.
PyObject* new_node(PyObject* node_cls) {
  auto* type = reinterpret_cast<PyTypeObject*>(node_cls);
  if (PyType_Check(node_cls) && type->tp_new == PyBaseObject_Type.tp_new &&
      type->tp_init == PyBaseObject_Type.tp_init)
    return type->tp_alloc(type, 0);
  return PyObject_CallNoArgs(node_cls);
}

// 1 true, 0 false, -1 error.
int attr_truth(PyObject* o, PyObject* name) {
  PyObject* v = PyObject_GetAttr(o, name);
  if (!v) return -1;
  int r = PyObject_IsTrue(v);
  Py_DECREF(v);
  return r;
}

// The edge a gradient for tensor `t` (which requires grad) flows into: (grad_fn, output_nr, meta)
// for a computed tensor, (its AccumulateGrad, 0, meta) for a leaf. Same as _tensor.edge_of.
PyObject* edge_of(PyObject* t) {
  const Tensor* impl = impl_of(t);
  if (!impl) return nullptr;
  PyObject* node = PyObject_GetAttr(t, s_grad_fn);
  if (!node) return nullptr;
  PyObject* nr;
  if (node != Py_None) {
    nr = PyObject_GetAttr(t, s_output_nr);
    if (!nr) {
      Py_DECREF(node);
      return nullptr;
    }
  } else {
    Py_DECREF(node);
    node = PyObject_GetAttr(t, s_accumulator);
    if (!node) return nullptr;
    if (node == Py_None) {  // the leaf's first use in a graph: it owns its node from now on
      Py_DECREF(node);
      node = PyObject_CallOneArg(bound.accumulate_cls, t);
      if (!node || PyObject_SetAttr(t, s_accumulator, node) < 0) {
        Py_XDECREF(node);
        return nullptr;
      }
    }
    nr = PyLong_FromLong(0);
    // A leaf is usually used with the same shape many times: its node keeps the meta tuple.
    PyObject* meta = leaf_meta(node, *impl);
    PyObject* edge = meta ? PyTuple_Pack(3, node, nr, meta) : nullptr;
    Py_DECREF(node);
    Py_DECREF(nr);
    Py_XDECREF(meta);
    return edge;
  }
  PyObject* meta = meta_of(*impl);
  PyObject* edge = meta ? PyTuple_Pack(3, node, nr, meta) : nullptr;
  Py_DECREF(node);
  Py_DECREF(nr);
  Py_XDECREF(meta);
  return edge;
}

// One edge per input: None where no gradient flows (not a tensor, no requires_grad, or `track`
// false: grad mode is off). Sets *any when some edge is not None.
PyObject* build_edges(PyObject* const* inputs, Py_ssize_t n, bool track, bool* any) {
  PyObject* edges = PyList_New(n);
  if (!edges) return nullptr;
  for (Py_ssize_t i = 0; i < n; ++i) {
    Py_INCREF(Py_None);
    PyList_SET_ITEM(edges, i, Py_None);
  }
  if (!track) return edges;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* a = inputs[i];
    if (!is_tensor(a)) continue;
    int rg = attr_truth(a, s_requires_grad);
    if (rg == 0) continue;
    PyObject* e = rg < 0 ? nullptr : edge_of(a);
    if (!e) {
      Py_DECREF(edges);
      return nullptr;
    }
    PyList_SetItem(edges, i, e);  // steals e, drops the None
    *any = true;
  }
  return edges;
}

// Sets grad_mode.state.enabled; keeps any pending exception (forward may have raised).
int set_grad_enabled(bool on) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  int r = PyObject_SetAttr(bound.grad_state, s_enabled, on ? Py_True : Py_False);
  if (type) {
    if (r < 0) PyErr_Clear();
    PyErr_Restore(type, value, tb);
  }
  return r;
}

// Calls cls.forward(ctx, *args, **kwargs) from apply's own vectorcall arguments (args[0] is cls).
PyObject* call_forward(PyObject* cls, PyObject* ctx, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* forward = PyObject_GetAttr(cls, s_forward);
  if (!forward) return nullptr;
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  Py_ssize_t total = nargs + nkw;  // ctx replaces cls in front
  PyObject* small[8];
  std::vector<PyObject*> big;
  PyObject** stack = small;
  if (total > 8) {
    big.resize(static_cast<size_t>(total));
    stack = big.data();
  }
  stack[0] = ctx;
  for (Py_ssize_t i = 1; i < total; ++i) stack[i] = args[i];
  PyObject* out = PyObject_Vectorcall(forward, stack, static_cast<size_t>(nargs), kwnames);
  Py_DECREF(forward);
  return out;
}

// A _SavedOutput(out._c, 0), made without running its Python __init__.
PyObject* saved_output(PyObject* out) {
  auto* type = reinterpret_cast<PyTypeObject*>(bound.saved_output_cls);
  PyObject* c = PyObject_GetAttr(out, attr_c());
  if (!c) return nullptr;
  PyObject* placeholder = type->tp_alloc(type, 0);
  PyObject* zero = PyLong_FromLong(0);
  if (!placeholder || !zero || PyObject_SetAttr(placeholder, attr_c(), c) < 0 ||
      PyObject_SetAttr(placeholder, s_nr, zero) < 0)
    Py_CLEAR(placeholder);
  Py_DECREF(c);
  Py_XDECREF(zero);
  return placeholder;
}

// `saved` with `out` (relu saves its result) replaced by a _SavedOutput, so that the output does
// not hold itself alive through its grad_fn (see function._SavedOutput). A new reference; the
// same tuple when out is not in it. Sets *replaced.
PyObject* without_output(PyObject* saved, PyObject* out, bool* replaced) {
  Py_ssize_t n = PyTuple_GET_SIZE(saved);
  *replaced = false;
  for (Py_ssize_t i = 0; i < n && !*replaced; ++i) *replaced = PyTuple_GET_ITEM(saved, i) == out;
  if (!*replaced) {
    Py_INCREF(saved);
    return saved;
  }
  PyObject* placeholder = saved_output(out);
  PyObject* fresh = placeholder ? PyTuple_New(n) : nullptr;
  if (fresh) {
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* item = PyTuple_GET_ITEM(saved, i);
      PyObject* v = item == out ? placeholder : item;
      Py_INCREF(v);
      PyTuple_SET_ITEM(fresh, i, v);
    }
  }
  Py_XDECREF(placeholder);
  return fresh;
}

// Sets node._saved (and _saved_outputs when `out` was among them); -1 on error.
int set_saved(PyObject* node, PyObject* saved, PyObject* out) {
  bool replaced;
  PyObject* kept = without_output(saved, out, &replaced);
  if (!kept) return -1;
  int r = PyObject_SetAttr(node, s_saved, kept);
  Py_DECREF(kept);
  if (r == 0 && replaced) r = PyObject_SetAttr(node, s_saved_outputs, Py_True);
  return r;
}

// The common result: one fresh floating-point tensor, nothing marked. 1 done, 0 not this case, -1 error.
int attach_single(PyObject* ctx, PyObject* out, PyObject* const* args, Py_ssize_t nargs) {
  if (Py_TYPE(out) != tensor_type()) return 0;
  for (Py_ssize_t i = 1; i < nargs; ++i)
    if (args[i] == out) return 0;  // an input returned as-is must become a view first
  int r = attr_truth(ctx, s_dirty);
  if (r != 0) return r < 0 ? -1 : 0;
  r = attr_truth(ctx, s_non_differentiable);
  if (r != 0) return r < 0 ? -1 : 0;
  if (PyList_GET_ITEM(bound.anomaly, 0) != Py_False) return 0;  // records where the node was created
  const Tensor* impl = impl_of(out);
  if (!impl) return -1;
  if (impl->dtype() != DType::Float32 && impl->dtype() != DType::Float64) return 0;
  if (PyObject_SetAttr(out, s_requires_grad, Py_True) < 0 || PyObject_SetAttr(out, s_grad_fn, ctx) < 0) return -1;
  PyObject* saved = PyObject_GetAttr(ctx, s_saved);  // a tuple: save_for_backward's
  if (!saved) return -1;
  r = PyTuple_Check(saved) && PyTuple_GET_SIZE(saved) ? set_saved(ctx, saved, out) : 0;
  Py_DECREF(saved);
  return r < 0 ? -1 : 1;
}

// Function.apply(cls, *args, **kwargs), as a vectorcall function so that no argument tuple is built.
PyObject* function_apply(PyObject*, PyObject* const* args, Py_ssize_t nargsf, PyObject* kwnames) {
  Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  if (nargs < 1) {
    PyErr_SetString(PyExc_TypeError, "apply() needs the Function class");
    return nullptr;
  }
  PyObject* cls = args[0];
  PyObject* node_cls = PyObject_GetAttr(cls, s_backward_cls);
  if (!node_cls) return nullptr;
  PyObject* ctx = new_node(node_cls);
  Py_DECREF(node_cls);
  if (!ctx) return nullptr;

  int enabled = grad_enabled();
  if (enabled < 0) {
    Py_DECREF(ctx);
    return nullptr;
  }
  bool any_edge = false;
  PyObject* edges = build_edges(args + 1, nargs - 1, enabled > 0, &any_edge);
  if (!edges) {
    Py_DECREF(ctx);
    return nullptr;
  }
  if (PyObject_SetAttr(ctx, s_edges, edges) < 0) goto fail;
  Py_CLEAR(edges);

  {
    // Forward never records a graph, as in PyTorch; restore the mode even if it raises.
    if (enabled > 0 && set_grad_enabled(false) < 0) goto fail;
    PyObject* out = call_forward(cls, ctx, args, nargs, kwnames);
    if (enabled > 0 && set_grad_enabled(true) < 0) {
      Py_XDECREF(out);
      goto fail;
    }
    if (!out || !any_edge) {
      Py_DECREF(ctx);
      return out;
    }
    int r = attach_single(ctx, out, args, nargs);
    if (r != 0) {
      Py_DECREF(ctx);
      if (r < 0) Py_CLEAR(out);
      return out;
    }
    // Everything else: several outputs, mark_dirty, non-differentiable outputs, anomaly mode.
    PyObject* arg_tuple = PyTuple_New(nargs - 1);
    if (!arg_tuple) {
      Py_DECREF(out);
      goto fail;
    }
    for (Py_ssize_t i = 1; i < nargs; ++i) {
      Py_INCREF(args[i]);
      PyTuple_SET_ITEM(arg_tuple, i - 1, args[i]);
    }
    PyObject* result = PyObject_CallFunctionObjArgs(bound.attach, ctx, out, arg_tuple, nullptr);
    Py_DECREF(arg_tuple);
    Py_DECREF(out);
    Py_DECREF(ctx);
    return result;
  }

fail:
  Py_XDECREF(edges);
  Py_DECREF(ctx);
  return nullptr;
}

// The version counters of the tensors a node saves (0 for None), read without a Python call each.
PyObject* versions_of(PyObject* const* tensors, Py_ssize_t n) {
  PyObject* versions = PyTuple_New(n);
  if (!versions) return nullptr;
  for (Py_ssize_t i = 0; i < n; ++i) {
    long long v = 0;
    if (tensors[i] != Py_None) {
      const Tensor* impl = impl_of(tensors[i]);
      if (!impl) {
        Py_DECREF(versions);
        return nullptr;
      }
      v = impl->version();
    }
    PyObject* num = PyLong_FromLongLong(v);
    if (!num) {
      Py_DECREF(versions);
      return nullptr;
    }
    PyTuple_SET_ITEM(versions, i, num);
  }
  return versions;
}

PyObject* saved_versions(PyObject*, PyObject* const* args, Py_ssize_t nargs) { return versions_of(args, nargs); }

// record(node_cls, out, saved, args, *inputs) from Python; see record_node.
PyObject* record(PyObject*, PyObject* const* argv, Py_ssize_t nargs) {
  if (nargs < 4) {
    PyErr_SetString(PyExc_TypeError, "record(node_cls, out, saved, args, *inputs)");
    return nullptr;
  }
  if (argv[2] != Py_None && !PyTuple_Check(argv[2])) {
    PyErr_SetString(PyExc_TypeError, "record: saved must be a tuple or None");
    return nullptr;
  }
  return record_node(argv[0], argv[1], argv[2], argv[3], argv + 4, nargs - 4);
}

// function_apply takes keywords (forward's), so it is not a FastDef.
PyMethodDef apply_def[] = {
    {"function_apply", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(function_apply)),
     METH_FASTCALL | METH_KEYWORDS,
     "function_apply(cls, *args, **kwargs): Function.apply, recording cls's backward node when an input requires "
     "grad."},
    {nullptr, nullptr, 0, nullptr}};

const FastDef fast_functions[] = {
    {"saved_versions", saved_versions,
     "saved_versions(*tensors): each tensor's version counter (0 for None), as save_for_backward records them."},
    {"record", record,
     "record(node_cls, out, saved, args, *inputs): records a built-in op's node for a result computed without "
     "Function.apply; returns out."},
};

}  // namespace

int grad_enabled() { return attr_truth(bound.grad_state, s_enabled); }

PyObject* record_node(PyObject* node_cls, PyObject* out, PyObject* saved, PyObject* args, PyObject* const* inputs,
                      Py_ssize_t n_inputs) {
  const Tensor* impl = impl_of(out);
  if (!impl) return nullptr;
  // Only a floating-point result carries a gradient (a sum to an integer dtype does not): then
  // there is nothing to record, as in Function.apply.
  if (impl->dtype() != DType::Float32 && impl->dtype() != DType::Float64) {
    Py_INCREF(out);
    return out;
  }
  PyObject* node = new_node(node_cls);
  if (!node) return nullptr;
  bool any_edge = false;
  PyObject* edges = build_edges(inputs, n_inputs, true, &any_edge);
  int r = edges ? PyObject_SetAttr(node, s_edges, edges) : -1;
  Py_XDECREF(edges);
  if (r == 0 && saved != Py_None) {
    PyObject* versions = versions_of(&PyTuple_GET_ITEM(saved, 0), PyTuple_GET_SIZE(saved));
    r = versions ? PyObject_SetAttr(node, s_versions, versions) : -1;
    Py_XDECREF(versions);
    if (r == 0) r = set_saved(node, saved, out);
  }
  if (r == 0 && args != Py_None) r = PyObject_SetAttr(node, s_args, args);
  if (r == 0) r = PyObject_SetAttr(out, s_requires_grad, Py_True);
  if (r == 0) r = PyObject_SetAttr(out, s_grad_fn, node);
  if (r == 0 && PyList_GET_ITEM(bound.anomaly, 0) != Py_False) {
    PyObject* res = PyObject_CallOneArg(bound.record_creation, node);
    r = res ? 0 : -1;
    Py_XDECREF(res);
  }
  Py_DECREF(node);
  if (r < 0) return nullptr;
  Py_INCREF(out);
  return out;
}

int needs_node(PyObject* x) {
  int r = grad_enabled();
  return r > 0 ? requires_grad(x) : r;
}

PyObject* record_owned(PyObject* node_cls, PyObject* out, PyObject* saved, PyObject* args, PyObject* const* inputs,
                       Py_ssize_t n_inputs) {
  PyObject* result = out && saved && args ? record_node(node_cls, out, saved, args, inputs, n_inputs) : nullptr;
  Py_XDECREF(out);
  Py_XDECREF(saved);
  Py_XDECREF(args);
  return result;
}

void init_autograd(py::module_& m) {
  for (auto [slot, name] : {std::pair{&s_backward_cls, "_backward_cls"}, {&s_forward, "forward"},
                            {&s_edges, "_edges"}, {&s_enabled, "enabled"}, {&s_requires_grad, "_requires_grad"},
                            {&s_grad_fn, "grad_fn"}, {&s_output_nr, "_output_nr"}, {&s_accumulator, "_accumulator"},
                            {&s_dirty, "_dirty"}, {&s_non_differentiable, "_non_differentiable"},
                            {&s_saved, "_saved"}, {&s_saved_outputs, "_saved_outputs"},
                            {&s_versions, "_versions"}, {&s_args, "args"}, {&s_nr, "nr"},
                            {&s_meta, "_leaf_meta"}})
    *slot = intern(name);
  if (PyModule_AddFunctions(m.ptr(), apply_def) < 0) throw py::error_already_set();
  add_fast_functions(m, fast_functions, std::size(fast_functions));
  m.def(
      "autograd_bind",
      [](py::object accumulate_cls, py::object saved_output_cls, py::object grad_state,
         py::list anomaly, py::object attach, py::object record_creation) {
        // Called once, when ember._tensor is imported; the references live as long as the process.
        bound = Bound{accumulate_cls.release().ptr(), saved_output_cls.release().ptr(),
                      grad_state.release().ptr(), anomaly.release().ptr(), attach.release().ptr(),
                      record_creation.release().ptr()};
      },
      "Hands function_apply and record the Python classes and state it works with (autograd/function.py).");
}

}  // namespace ember::python
