"""The backward engine: an iterative topological walk (no recursion, so graphs of any depth work)
that runs each node once with the sum of its incoming gradients. Imported at the first backward,
when the package is complete."""
from .. import _C
from .._tensor import wrap
from . import anomaly_mode, function, grad_mode
from .function import _FREED, AccumulateGrad, BackwardCFunction

_function_node_apply = BackwardCFunction.apply


def _reachable(root_nodes):
    """Dependency counts (number of incoming edges) of every node reachable from the roots."""
    deps = {}
    roots = set(root_nodes)
    stack = list(roots)
    while stack:
        for e in stack.pop()._edges:
            if e is not None:
                nxt = e[0]
                if nxt in deps:
                    deps[nxt] += 1
                else:  # first visit (a root is visited from the start)
                    deps[nxt] = 1
                    if nxt not in roots:
                        stack.append(nxt)
    return deps


def _needed(root_nodes, deps, targets):
    """Nodes from which some target can be reached (only those run when gradients are captured)."""
    order = []
    remaining = dict(deps)
    ready = [n for n in root_nodes if remaining.get(n, 0) == 0]
    seen_ready = set(ready)
    while ready:
        node = ready.pop()
        order.append(node)
        for e in node._edges:
            if e is None:
                continue
            remaining[e[0]] -= 1
            if remaining[e[0]] == 0 and e[0] not in seen_ready:
                seen_ready.add(e[0])
                ready.append(e[0])
    needed = set()
    for node in reversed(order):
        if node in targets or any(e is not None and e[0] in needed for e in node._edges):
            needed.add(node)
    return needed


def _add_grad(buffers, node, nr, grad):
    buf = buffers.get(node)
    if buf is None:
        meta = node._output_meta
        buf = buffers[node] = [None] * max(len(meta) if meta is not None else 1, nr + 1)
    buf[nr] = grad if buf[nr] is None else buf[nr] + grad


def _fit(grad, meta):
    """Sums a broadcast gradient back to the input's shape and casts it to the input's dtype."""
    shape, code = meta
    if grad._c.shape != shape:
        grad = grad.sum_to_size(shape)
    if grad._c.dtype_code != code:
        from .._dtype import BY_CODE

        grad = grad.to(BY_CODE[code])
    return grad


def _materialize(node, grads):
    meta = node._output_meta
    if not getattr(node, "_materialize_grads", True):
        return grads
    from .. import _creation

    return [g if g is not None or m is None else _creation.zeros(m[0], dtype=m[1], device=m[2])
            for g, m in zip(grads, meta)]


def run_backward(roots, grad_roots, retain_graph, create_graph, inputs=None, capture=False, allow_unused=False):
    """Backpropagates from `roots`. With `capture`, returns the gradients of `inputs` instead of
    accumulating into `.grad`; otherwise accumulates into leaves (only `inputs` when given)."""
    edge_of = function._edge_of
    root_edges = []
    buffers = {}
    for t, g in zip(roots, grad_roots):
        e = edge_of(t)
        if e is None:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        root_edges.append(e)
        _add_grad(buffers, e[0], e[1], g)
    root_nodes = list(dict.fromkeys(e[0] for e in root_edges))
    deps = _reachable(root_nodes)

    targets = {}
    needed = None
    if inputs is not None:
        for i, t in enumerate(inputs):
            e = edge_of(t)
            if e is None:
                if capture:
                    raise RuntimeError("One of the differentiated Tensors does not require grad")
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            targets.setdefault(e[0], []).append((e[1], i))
        needed = _needed(root_nodes, deps, targets)
    captured = [None] * (len(inputs) if inputs is not None else 0)

    prev_mode = grad_mode.state.enabled
    grad_mode.state.enabled = create_graph
    try:
        ready = [n for n in root_nodes if deps.get(n, 0) == 0]
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None) or [None]
            if needed is not None and node not in needed:
                _release_edges(node, deps, ready)
                if not retain_graph:
                    node._release()
                continue
            if node._hooks:
                grads = _run_tensor_hooks(node._hooks, grads)
            if targets and node in targets:
                for nr, i in targets[node]:
                    captured[i] = grads[nr] if nr < len(grads) else None
            if type(node) is AccumulateGrad:
                var = node.variable
                if not capture and var is not None:
                    _accumulate(var, grads[0], create_graph)
                continue
            if capture and node in targets and not any(e is not None and e[0] in needed for e in node._edges):
                _release_edges(node, deps, ready)
                continue
            if node._released:
                raise RuntimeError(_FREED)
            grad_inputs = _call_node(node, grads if node._output_meta is None else _materialize(node, grads))
            if not retain_graph:
                node._release()
            # Route each input gradient to the next node and release that node when all its
            # consumers are done (inlined: this loop is the engine's hot path).
            for e, g in zip(node._edges, grad_inputs):
                if e is None:
                    continue
                nxt, nr, meta = e
                if g is not None:
                    if g._c.meta() != meta:
                        g = _fit(g, meta)
                    if nr == 0 and nxt._output_meta is None and nxt not in buffers:
                        buffers[nxt] = [g]  # the usual case: the first gradient of a one-output node
                    else:
                        _add_grad(buffers, nxt, nr, g)
                n = deps[nxt] - 1
                deps[nxt] = n
                if n == 0:
                    ready.append(nxt)
    finally:
        grad_mode.state.enabled = prev_mode
    if capture:
        for i, g in enumerate(captured):
            if g is None and not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
        return tuple(captured)
    return None


def _release_edges(node, deps, ready):
    for e in node._edges:
        if e is None:
            continue
        n = deps[e[0]] - 1
        deps[e[0]] = n
        if n == 0:
            ready.append(e[0])


def _run_tensor_hooks(hooks, grads):
    grads = list(grads)
    for nr, fns in hooks.items():
        for fn in list(fns):
            if nr < len(grads) and grads[nr] is not None:
                out = fn(grads[nr])
                if out is not None:
                    grads[nr] = out
    return grads


def _call_node(node, grads):
    if type(node).apply is _function_node_apply:  # a Function's node: call its backward without the hop
        out = node._forward_cls.backward(node, *grads)
    else:
        out = node.apply(*grads)
    if not isinstance(out, tuple):
        out = (out,)
    n_edges = len(node._edges)
    if len(out) != n_edges:
        # Custom Functions return one gradient per forward argument (None for non-tensors).
        if len(out) > n_edges and all(g is None for g in out[n_edges:]):
            out = out[:n_edges]
        else:
            raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                               f"(expected {n_edges}, got {len(out)})")
    if node._post_hooks:
        for hook in node._post_hooks:
            res = hook(out, grads)
            if res is not None:
                out = tuple(res)
    if anomaly_mode._enabled[0]:
        anomaly_mode.check_nan(node, out)
    return out


def _accumulate(var, grad, create_graph):
    if var._hooks:
        for fn in list(var._hooks):
            out = fn(grad)
            if out is not None:
                grad = out
    if create_graph:
        var._grad = grad if var._grad is None else var._grad + grad
        return
    if var._grad is None:
        var._grad = wrap(_C.clone(grad._c))  # a copy: the incoming tensor may be shared with other leaves
    else:
        var._grad._inplace_add(grad)
    if var._post_accumulate_hooks:
        for fn in list(var._post_accumulate_hooks):
            fn(var)
