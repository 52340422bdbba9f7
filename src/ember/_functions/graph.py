"""The one rule for choosing between a fused C++ kernel and the differentiable formula.

A Function's forward always runs with grad mode off, and so does its backward unless the user
asked for `create_graph=True`. Only then, and only when one of the tensors the result depends
on requires grad, must the result be built from ember ops so that it can be differentiated again.
"""
from ..autograd import grad_mode


def builds_graph(*tensors):
    """True when a result computed from `tensors` now must record a graph (None entries ignored)."""
    if not grad_mode.state.enabled:
        return False
    for t in tensors:
        if t is not None and t._requires_grad:
            return True
    return False
