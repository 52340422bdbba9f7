// Graph recording for built-in ops, callable from other binding files (autograd_apply.cpp).
#pragma once
#include <Python.h>

namespace ember::python {

// What Function.apply would have recorded had a forward computed `out` (an ember.Tensor) from
// `inputs`, saved the tuple `saved` (or None) and set ctx.args = args (unless None): a node of
// class node_cls with one edge per input, made out's grad_fn. The caller has checked that grad
// mode is on and some input requires grad. Returns a new reference to out, or null.
// grad_mode.is_grad_enabled() for this thread: 1, 0, or -1 with a Python error set.
int grad_enabled();

PyObject* record_node(PyObject* node_cls, PyObject* out, PyObject* saved, PyObject* args, PyObject* const* inputs,
                      Py_ssize_t n_inputs);

// Whether a result computed from `x` needs a node: grad mode on and x requires grad. 1, 0, or
// -1 with a Python error set.
int needs_node(PyObject* x);

// record_node for a result the caller owns: steals `out`, `saved` and `args` (any may be null
// after a failed allocation, then the result is null with the error kept).
PyObject* record_owned(PyObject* node_cls, PyObject* out, PyObject* saved, PyObject* args, PyObject* const* inputs,
                       Py_ssize_t n_inputs);

}  // namespace ember::python
