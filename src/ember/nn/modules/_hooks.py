"""Module hook plumbing: removable handles over hook dicts, and the identity Functions that
let `register_full_backward_hook` see a module's gradients w.r.t. its inputs and outputs."""
import itertools
import warnings

from ..._tensor import Tensor
from ...autograd import grad_mode
from ...autograd.function import Function

_ids = itertools.count()


class RemovableHandle:
    """Returned by every register_*_hook; `remove()` (or leaving a `with` block) unregisters it."""

    def __init__(self, hooks_dict, *extra_dicts):
        self.id = next(_ids)
        self._dicts = (hooks_dict,) + extra_dicts

    def remove(self):
        for d in self._dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class BackwardHookFunction(Function):
    """Identity on its tensors; its backward hands their gradients to `on_grads`, which may replace them."""

    graph_inputs = slice(1, None)

    @staticmethod
    def forward(ctx, on_grads, *tensors):
        ctx.on_grads = on_grads
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.on_grads(grads))


class BackwardHook:
    """One forward call's backward hooks: wraps the inputs and the outputs in BackwardHookFunction.
    Output gradients arrive first (pre-hooks may replace them); the input gradients then go, with
    them, to the full backward hooks."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_positions = None

    def _wrap(self, values, on_grads):
        positions = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
        if not positions or not grad_mode.is_grad_enabled():
            return values, None
        wrapped = BackwardHookFunction.apply(on_grads, *[values[i] for i in positions])
        out = list(values)
        for i, t in zip(positions, wrapped):
            out[i] = t
        return out, positions

    @staticmethod
    def _pack(positions, grads, n):
        """Gradients placed back at their argument positions, None elsewhere."""
        packed = [None] * n
        for i, g in zip(positions, grads):
            packed[i] = g
        return tuple(packed)

    def setup_input_hook(self, args):
        self.n_inputs = len(args)
        if not self.hooks:
            return args
        out, self.input_positions = self._wrap(args, self._on_grad_inputs)
        return tuple(out)

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        values = (result,) if single else result
        if not isinstance(values, tuple):
            return result
        out, positions = self._wrap(values, lambda grads: self._on_grad_outputs(positions, grads, len(values)))
        return out[0] if single else tuple(out)

    def _on_grad_outputs(self, positions, grads, n):
        self.grad_outputs = self._pack(positions, grads, n)
        for hook in self.pre_hooks:
            res = hook(self.module, self.grad_outputs)
            if res is not None:
                self.grad_outputs = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        grads = tuple(self.grad_outputs[i] for i in positions)
        if self.input_positions is None and self.hooks:
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
                          "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.",
                          stacklevel=5)
            # No input requires grad: the hooks run now and see None for every input.
            for hook in self.hooks:
                res = hook(self.module, (None,) * self.n_inputs, self.grad_outputs)
                if res is not None and any(r is not None for r in res):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should always "
                                       "return None or None for all gradients.")
        return grads

    def _on_grad_inputs(self, grads):
        grad_inputs = self._pack(self.input_positions, grads, self.n_inputs)
        for hook in self.hooks:
            res = hook(self.module, grad_inputs, self.grad_outputs)
            if res is None:
                continue
            res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
            if len(res) != len(grad_inputs):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(res)}, but "
                                   f"expected {len(grad_inputs)}")
            grad_inputs = res
        return tuple(grad_inputs[i] for i in self.input_positions)
