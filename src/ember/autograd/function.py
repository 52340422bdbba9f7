"""Function (the custom-op API PyTorch users know) and the graph nodes it creates.

A Function's `apply` runs `forward` without tracking, then records one node: an instance of the
Function's backward class (e.g. `MulBackward0`), which is also the `ctx` that forward saw. The
node holds one edge per input: (next node, output index, input shape, input dtype), so the
engine can sum broadcast gradients back to each input's shape in one place.
"""
import weakref

from .. import _C
from . import anomaly_mode, grad_mode

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they have "
          "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
          "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
          "if you need to access saved tensors after calling backward.")


class Node:
    """A backward node. Subclasses implement `apply(*grad_outputs) -> tuple of grad_inputs`."""

    _edges = ()
    _released = False
    _hooks = None      # {output_nr: [hook(grad) -> grad or None]}, tensor hooks of this node's outputs
    _post_hooks = None  # [hook(grad_inputs, grad_outputs)], module backward hooks
    _saved = ()
    _versions = ()
    _output_meta = None  # (shape, dtype) per output of a multi-output node
    _graph_inputs = None  # see Function.graph_inputs
    metadata = None

    def name(self):
        return type(self).__name__

    @property
    def next_functions(self):
        edges, chosen = self._edges, self._graph_inputs
        if type(chosen) is slice:
            edges = edges[chosen]
        elif chosen is not None:
            edges = [edges[i] for i in chosen]
        return tuple((e[0], e[1]) if e is not None else (None, 0) for e in edges)

    def register_hook(self, fn):
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def _register_tensor_hook(self, output_nr, fn):
        if self._hooks is None:
            self._hooks = {}
        hooks = self._hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    def _release(self):
        # Only a node that saved tensors becomes unusable, as in PyTorch: a view or a sum saved
        # none and can be backpropagated through again.
        if self._saved:
            self._saved = ()
            self._released = True

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


class _RemovableHandle:
    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


class AccumulateGrad(Node):
    """The node for a leaf tensor that requires grad: adds incoming gradients into `.grad`.

    The leaf owns its node and the node refers back weakly, so no reference cycle keeps either
    alive; a gradient for a leaf that no longer exists has nowhere to go and is dropped."""

    _leaf_meta = None  # the leaf's (shape, dtype code) as its last edge recorded it (autograd_apply.cpp)

    def __init__(self, variable):
        self._variable = weakref.ref(variable)

    @property
    def variable(self):
        return self._variable()

    def apply(self, grad):
        raise RuntimeError("AccumulateGrad is applied by the engine")


def check_version(t, version):
    """PyTorch's error when a tensor kept for backward was modified in place since it was kept."""
    if t._c.version != version:
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{t.type()} {list(t.shape)}], which is output {t._output_nr} of "
            f"{t.grad_fn.name() if t.grad_fn else 'AccumulateGrad'}, is at version {t._c.version}; expected "
            f"version {version} instead. Hint: the backtrace further above can show the operation that failed to "
            "compute its gradient. The variable in question was changed in there or anywhere later. Good luck!")


class FunctionCtx:
    """What `forward` and `backward` see as `ctx`."""

    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._versions = _C.saved_versions(*tensors)

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(_FREED)
        saved = self._saved
        if self._saved_outputs:
            saved = tuple([t.unpack(self) if type(t) is _SavedOutput else t for t in saved])
        for t, v in zip(saved, self._versions):
            if t is not None and t._c.version != v:
                check_version(t, v)
        return saved

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        self._materialize_grads = value

    _dirty = ()
    _non_differentiable = ()
    _materialize_grads = True
    _output_meta = None
    _saved_outputs = False  # some saved tensor is one of this node's outputs (see _SavedOutput)


class _SavedOutput:
    """An output a node saved for its own backward, kept as its TensorImpl and output index: holding
    the tensor itself would be a reference cycle (output -> grad_fn -> output) that only the garbage
    collector frees, so every such op's result (relu, exp, softmax, ...) would outlive its last use.
    Unpacked, it is a tensor on the same storage whose grad_fn is the node again, as in PyTorch."""

    __slots__ = ("_c", "nr")

    def __init__(self, c, nr):
        self._c, self.nr = c, nr

    def unpack(self, node):
        t = _wrap(self._c)
        t._requires_grad, t.grad_fn, t._output_nr = True, node, self.nr
        return t


def _unlink_output(ctx, out, nr):
    """Replaces `out`, now an output of ctx, in ctx's saved tensors by a _SavedOutput."""
    for t in ctx._saved:
        if t is out:
            ctx._saved = tuple([_SavedOutput(out._c, nr) if t is out else t for t in ctx._saved])
            ctx._saved_outputs = True
            return



class BackwardCFunction(FunctionCtx, Node):
    """Base of every Function's node class: calls the Function's backward with itself as ctx."""

    _forward_cls = None

    @property
    def needs_input_grad(self):
        return tuple([e is not None for e in self._edges])

    def apply(self, *grads):
        return self._forward_cls.backward(self, *grads)


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        node_name = attrs.get("node_name", name + "Backward")
        cls._backward_cls = type(node_name, (BackwardCFunction,), {
            "_forward_cls": cls, "_graph_inputs": cls.graph_inputs, "__module__": cls.__module__})
        super().__init__(name, bases, attrs)


class Function(metaclass=_FunctionMeta):
    """Subclass with `forward(ctx, *args)` and `backward(ctx, *grad_outputs)` static methods and call
    `YourFunction.apply(*args)`, as in PyTorch."""

    # Which of forward's arguments are inputs of the node in PyTorch's graph, as listed by
    # `next_functions`: a slice or a tuple of positions. None (custom Functions) lists them all;
    # a built-in op lists the tensors of its PyTorch signature, not its dims, flags or indices.
    graph_inputs = None

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    # Function.apply(*args, **kwargs): runs forward with grad mode off and, when an input requires
    # grad, records the node (an instance of cls._backward_cls, also forward's ctx). The hot path
    # is C (csrc/python/autograd_apply.cpp); it hands unusual outputs to _attach below.
    apply = classmethod(_C.function_apply)


_FLOAT_CODES = (4, 5)  # float32, float64
_Tensor = None
_edge_of = None
_wrap = None


def bind_tensor(tensor_cls, edge_of, wrap):
    """Called once by ember._tensor (which imports this module first)."""
    global _Tensor, _edge_of, _wrap
    _Tensor, _edge_of, _wrap = tensor_cls, edge_of, wrap
    _C.autograd_bind(AccumulateGrad, _SavedOutput, grad_mode.state, anomaly_mode._enabled, _attach,
                     anomaly_mode.record_creation)


def _attach(ctx, out, args):
    """Makes `ctx` the grad_fn of the outputs (and of inputs marked dirty, for in-place ops)."""
    outputs = out if isinstance(out, tuple) else (out,)
    non_diff = {id(t) for t in ctx._non_differentiable}
    dirty = {id(t) for t in ctx._dirty}
    for a in args:
        if isinstance(a, _Tensor) and id(a) in dirty and a.is_leaf and a._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    result = []
    meta = []
    for i, o in enumerate(outputs):
        if isinstance(o, _Tensor):
            if id(o) not in dirty and any(o is a for a in args):
                o = o.view_as(o)  # an input returned as-is must not lose its own history
            meta.append((o.shape, o.dtype, o.device))
            if id(o) not in non_diff and o._c.dtype_code in _FLOAT_CODES:
                o._requires_grad = True
                o.grad_fn = ctx
                o._output_nr = i
                _unlink_output(ctx, o, i)
        else:
            meta.append(None)
        result.append(o)
    if isinstance(out, tuple):
        ctx._output_meta = tuple(meta)  # lets the engine fill in zeros for outputs without a gradient
    if anomaly_mode._enabled[0]:
        anomaly_mode.record_creation(ctx)
    return tuple(result) if isinstance(out, tuple) else result[0]


class once_differentiable:
    """Decorator kept for PyTorch compatibility: the backward runs without building a graph."""

    def __new__(cls, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(ctx, *args):
            with grad_mode.no_grad():
                return fn(ctx, *args)

        return wrapper
