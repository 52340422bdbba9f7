"""Optimizer: parameter groups, per-parameter state, step hooks and PyTorch's state_dict layout."""
import functools
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain

from .. import _dtype
from .._creation import tensor
from .._tensor import Tensor
from ..autograd.function import _RemovableHandle
from ..autograd.grad_mode import enable_grad, no_grad


class _RequiredParameter:
    """A default that a param group must override (`lr=required` in old-style optimizers)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

# What a negative hyperparameter is called in PyTorch's "Invalid ...: {value}" messages.
_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


def check_non_negative(**values):
    """Raises PyTorch's ValueError for the first negative value, checked in the order given."""
    for name, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_LABELS.get(name, name + ' value')}: {value}")


def check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    check_non_negative(lr=lr)


def check_fused(fused, foreach, differentiable):
    """The flag combinations PyTorch refuses; the flags themselves change nothing in ember."""
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def new_step():
    """PyTorch keeps `state['step']` as a 0-d tensor, float64 only under a float64 default dtype."""
    dt = _dtype.float64 if _dtype.get_default_dtype() is _dtype.float64 else _dtype.float32
    return tensor(0.0, dtype=dt)


def increment(step_t):
    """Adds one to a parameter's step tensor and returns the new count as a float. fill_ with
    the next count rounds as add_(1) does and costs a third as much, once per param per step."""
    step_t.fill_(step_t.item() + 1)
    return step_t.item()


def evaluate(closure):
    """The loss a step's closure returns, computed with gradients on (step itself runs without)."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def _with_step_hooks(step):
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        if self._in_step:  # a subclass's step calling super().step(): hooks already ran
            return step(self, *args, **kwargs)
        for hook in list(self._optimizer_step_pre_hooks):  # a hook may remove itself
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{hook} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
                args, kwargs = result
        self._in_step = True
        try:
            out = step(self, *args, **kwargs)
        finally:
            self._in_step = False
        self._opt_called = True  # read by LRScheduler to warn when it steps before the optimizer
        for hook in list(self._optimizer_step_post_hooks):
            hook(self, args, kwargs)
        return out

    return wrapper


class Optimizer:
    """Base class: holds `param_groups` (dicts of params and options) and `state` (per parameter)."""

    _in_step = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = []
        self._optimizer_step_post_hooks = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                            + params.type())
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]  # from named_parameters()
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)
        param_set = set()
        for group in self.param_groups:
            param_set.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not param_set.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        # `_grad`, not the `grad` property: params are leaves (or retain grad), so it is the same
        # value without the property's checks, on a path every training step takes.
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    @_with_step_hooks
    def step(self, closure=None):
        """Evaluates the closure (with gradients on), then updates each param group without
        recording a graph. Built-in optimizers implement `_update_group`; custom ones may
        override `step` itself, as in PyTorch."""
        loss = evaluate(closure)
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group):
        raise NotImplementedError

    def _params_with_grad(self, group):
        """(parameter, its state) for each parameter of the group that has a gradient."""
        return [(p, self.state[p]) for p in group["params"] if p._grad is not None]

    def _advance(self, group, init_state):
        """{step count after this step: [params]} over the params of the group that have a
        gradient, with each count incremented; init_state(param, state) fills an empty state.
        Step-dependent formulas then take one fused call per count (one, in the usual case)."""
        by_step = {}
        for p, state in self._params_with_grad(group):
            if len(state) == 0:
                init_state(p, state)
            by_step.setdefault(increment(state["step"]), []).append(p)
        return by_step

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), run before each step."""
        self._optimizer_step_pre_hooks.append(hook)
        return _RemovableHandle(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs) -> None, run after each step."""
        self._optimizer_step_post_hooks.append(hook)
        return _RemovableHandle(self._optimizer_step_post_hooks, hook)

    # ---- state_dict: parameters become their position across all groups --------------------
    def state_dict(self):
        ids = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                ids.setdefault(id(p), i)
            packed["params"] = [ids[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(ids[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's "
                             "group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = _cast(id_map[k], v)
            else:
                state[k] = v
        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            for name, default in self.defaults.items():  # options added after the dict was saved
                new_group.setdefault(name, default)
        for s in state.values():
            if isinstance(s, dict) and "step" in s and not isinstance(s["step"], Tensor):  # saved by old PyTorch
                s["step"] = new_step().fill_(float(s["step"]))
        self.state, self.param_groups = state, saved_groups


def _typename(obj):
    module = type(obj).__module__
    return type(obj).__qualname__ if module in ("", "builtins") else f"{module}.{type(obj).__qualname__}"


def _cast(param, value, key=None):
    """A copy of a saved state value on the parameter's device; floating state takes its dtype
    (the step count keeps its own). Copies, so two optimizers never share state tensors."""
    if isinstance(value, Tensor):
        if key == "step":
            return value.clone()
        out = value.to(dtype=param.dtype if param.is_floating_point() else value.dtype, device=param.device)
        return out.clone() if out is value else out
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value
