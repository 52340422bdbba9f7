"""Finite-difference checks of analytical gradients (use float64 inputs)."""


def _flat_inputs(inputs):
    from .._tensor import Tensor

    return [x for x in (inputs if isinstance(inputs, (tuple, list)) else (inputs,)) if isinstance(x, Tensor)
            and x.requires_grad]


def _as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def _numerical(fn, inputs, x, out_index, eps):
    """d out[out_index] / d x by central differences, as a (x.numel(), out.numel()) array."""
    import numpy as np

    flat = x.detach().reshape(-1)
    cols = []
    if True:
        for i in range(flat.numel()):
            orig = flat[i].item()
            flat[i] = orig + eps
            plus = _as_tuple(fn(*inputs))[out_index].detach().double().numpy().ravel().copy()
            flat[i] = orig - eps
            minus = _as_tuple(fn(*inputs))[out_index].detach().double().numpy().ravel().copy()
            flat[i] = orig
            cols.append((plus - minus) / (2 * eps))
    return np.array(cols)


def _analytical(fn, inputs, targets, out_index, create_graph=False):
    import numpy as np

    from . import grad
    from .. import _creation

    out = _as_tuple(fn(*inputs))[out_index]
    rows = []
    for j in range(out.numel()):
        g = _creation.zeros_like(out).reshape(-1)
        g[j] = 1.0
        grads = grad(out, targets, g.reshape(out.shape), retain_graph=True, allow_unused=True)
        rows.append([np.zeros(t.numel()) if gi is None else gi.detach().double().numpy().ravel() for gi, t in
                     zip(grads, targets)])
    return [np.array([r[k] for r in rows]).T if rows else np.zeros((t.numel(), 0)) for k, t in enumerate(targets)]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_):
    """True when analytical gradients of `func` match central differences at `inputs`."""
    import numpy as np

    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    targets = _flat_inputs(inputs)
    n_out = len(_as_tuple(func(*inputs)))
    for o in range(n_out):
        out = _as_tuple(func(*inputs))[o]
        if not out.requires_grad:
            continue
        analytical = _analytical(func, inputs, targets, o)
        for k, x in enumerate(targets):
            numerical = _numerical(func, inputs, x, o, eps)
            if not np.allclose(analytical[k], numerical, atol=atol, rtol=rtol):
                if raise_exception:
                    raise RuntimeError(f"Jacobian mismatch for output {o} with respect to input {k},\n"
                                       f"numerical:{numerical}\nanalytical:{analytical[k]}\n")
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_):
    """gradcheck of the first derivatives (built with create_graph=True)."""
    from . import grad
    from .. import _creation

    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    targets = _flat_inputs(inputs)
    outs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        grad_outputs = tuple(_creation.randn(o.shape, dtype=o.dtype) for o in outs)

    def first_derivatives(*xs):
        ys = _as_tuple(func(*xs))
        ts = _flat_inputs(xs)
        gs = grad(ys, ts, grad_outputs, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else _creation.zeros_like(t) for g, t in zip(gs, ts))

    return gradcheck(first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
