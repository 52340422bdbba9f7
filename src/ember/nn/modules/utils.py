"""Argument normalisers shared by layers: an int or a sequence becomes an n-tuple."""
import collections.abc
from itertools import repeat


def _ntuple(n, name="parse"):
    def parse(x):
        if type(x) is tuple:  # what layers pass on every call, and F.*'s int defaults: skip the ABC check
            return x
        if type(x) is int:
            return (x,) * n
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(repeat(x, n))

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t, n):
    """(a, b) -> (b, b, a, a) for n=2: conv padding in F.pad's last-dim-first order."""
    return tuple(x for x in reversed(t) for _ in range(n))
