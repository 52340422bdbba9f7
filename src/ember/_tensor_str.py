"""Tensor printing that matches PyTorch's repr character for character.

The rules follow torch/_tensor_str.py (strided, real dtypes only), applied to the
NumPy copy of a tensor, so `import ember as torch` prints what PyTorch prints.
"""
import dataclasses
import math
import sys
from typing import Optional

import numpy as np


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: Optional[bool] = None


_OPTS = _PrintOptions()

# (precision, threshold, edgeitems, linewidth), as in torch.set_printoptions.
_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None,
                     linewidth=None, profile=None, sci_mode=None):
    """Set options for printing tensors; same arguments and defaults as PyTorch."""
    if profile in _PROFILES:
        (_OPTS.precision, _OPTS.threshold,
         _OPTS.edgeitems, _OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        _OPTS.precision = precision
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTS.linewidth = linewidth
    # PyTorch resets sci_mode on every call, even when it is not passed.
    _OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options, as keyword arguments for set_printoptions()."""
    return dataclasses.asdict(_OPTS)


class _Formatter:
    """One number format shared by every element, so columns line up."""

    def __init__(self, a):
        self.floating = a.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not self.floating:
            self.max_width = max([1] + [len(str(v)) for v in a.ravel().tolist()])
            return
        vals = a[np.isfinite(a) & (a != 0)]
        if vals.size == 0:
            return  # PyTorch ignores sci_mode here too
        absvals = np.abs(vals).astype(np.float64)
        lo, hi = absvals.min(), absvals.max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if _OPTS.sci_mode is None:
            # hi / lo last: the other tests catch every case where it would overflow.
            self.sci_mode = bool(hi > 1.0e8 or lo < 1.0e-4 or hi / lo > 1000.0)
        else:
            self.sci_mode = _OPTS.sci_mode
        p = _OPTS.precision
        if self.sci_mode:
            widths = [len(f"{v:.{p}e}") for v in vals.tolist()]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in vals.tolist()]  # + the "."
        else:
            widths = [len(f"{v:.{p}f}") for v in vals.tolist()]
        self.max_width = max(widths)

    def format(self, v):
        p = _OPTS.precision
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = f"{v:.{p}e}"
        elif self.int_mode:
            # The trailing "." marks a float dtype; nan and inf carry no dot.
            s = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            s = f"{v:.{p}f}"
        return s.rjust(self.max_width)


def _summarized(a):
    """The elements a summarised print shows, which alone set the formatter."""
    e = _OPTS.edgeitems
    if a.ndim >= 2 and not e:
        return a[(slice(0, 0),) * a.ndim]
    if a.ndim == 1 and not e:
        return a  # PyTorch's a[-0:] keeps everything
    for axis, n in enumerate(a.shape):
        if n > 2 * e:
            a = np.take(a, list(range(e)) + list(range(n - e, n)), axis=axis)
    return a


def _vector_str(a, indent, summarize, fmt):
    e = _OPTS.edgeitems
    per_line = max(1, (_OPTS.linewidth - indent) // (fmt.max_width + 2))
    if summarize and not e:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        data = ([fmt.format(v) for v in a[:e].tolist()] + [" ..."]
                + [fmt.format(v) for v in a[-e:].tolist()])
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _array_str(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    e, n = _OPTS.edgeitems, a.shape[0]
    if summarize and n > 2 * e:
        rows = list(range(e)) + [None] + list(range(n - e, n))
    else:
        rows = range(n)
    slices = ["..." if i is None else _array_str(a[i], indent + 1, summarize, fmt)
              for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _add_suffixes(text, suffixes, indent):
    # PyTorch's off-by-two in last_line_len is kept: it decides where lines wrap.
    last_line_len = len(text) - text.rfind("\n") + 1
    parts = [text]
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"


def _default_float_name():
    # Looked up lazily: ember may not be imported (tests load this file alone).
    ember = sys.modules.get("ember")
    get_default = getattr(ember, "get_default_dtype", None)
    return get_default().name if get_default else "float32"


def tensor_repr(t):
    """repr(t) and str(t) of an ember tensor, exactly as PyTorch prints it."""
    prefix = "tensor("
    indent = len(prefix)
    a = t.detach().cpu().numpy()
    shape = tuple(int(n) for n in t.shape)
    dtype_name = t.dtype.name
    default_float = _default_float_name()
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if a.size == 0:
        if len(shape) != 1:
            suffixes.append(f"size={shape}")
        # No elements to tell int64 from float, so any non-default dtype is named.
        if dtype_name != default_float:
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={shape}")
        if dtype_name not in (default_float, "int64", "bool"):
            suffixes.append(f"dtype=torch.{dtype_name}")
        summarize = a.size > _OPTS.threshold
        fmt = _Formatter(_summarized(a) if summarize else a)
        body = _array_str(a, indent, summarize, fmt)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
