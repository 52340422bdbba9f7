"""ember.autograd: backward, grad, Function, grad modes, Variable, gradcheck, anomaly mode."""
from .. import _C
from . import function
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


def _tensors(x):
    if x is None:
        return None
    return [x] if isinstance(x, function._Tensor) else list(x)


def _default_grads(outputs, grads, create_graph):
    grads = _tensors(grads) if grads is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs")
    result = []
    for out, g in zip(outputs, grads):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            c = out._c  # ones_like(out), straight from the core: every training step's backward() comes here
            g = function._wrap(_C.full(c.shape, 1.0, c.dtype_code, c.device_type, c.device_index))
        elif g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and output[0] has a "
                               f"shape of {out.shape}.")
        elif g.dtype != out.dtype:  # PyTorch's engine casts a root gradient to its output's dtype first
            g = g.to(out.dtype)
        result.append(g)
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    from .engine import run_backward

    outputs = _tensors(tensors)
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    grads = _default_grads(outputs, grad_tensors, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(outputs, grads, retain_graph, create_graph, inputs=_tensors(inputs))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    from .engine import run_backward

    outs = _tensors(outputs)
    ins = _tensors(inputs)
    for t in outs:
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    grads = _default_grads(outs, grad_outputs, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outs, grads, retain_graph, create_graph, inputs=ins, capture=True,
                          allow_unused=bool(allow_unused) or materialize_grads)
    if materialize_grads:
        from .. import _creation

        result = tuple(g if g is not None else _creation.zeros_like(i) for g, i in zip(result, ins))
    return result


def Variable(data, requires_grad=False, volatile=False):
    """The legacy wrapper: in PyTorch 2.x (and here) a Variable is just a Tensor."""
    t = data.detach() if data.requires_grad else data
    if requires_grad:
        t.requires_grad_(True)
    return t


from .gradcheck import gradcheck, gradgradcheck  # noqa: E402

__all__ = ["Function", "Variable", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "is_grad_enabled", "gradcheck", "gradgradcheck", "detect_anomaly",
           "set_detect_anomaly", "is_anomaly_enabled", "once_differentiable"]
