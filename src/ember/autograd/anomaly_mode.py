"""Anomaly detection: remembers where each node was created and names the forward op whose
backward produced NaN."""
import traceback
import warnings

_enabled = [False]


def is_anomaly_enabled():
    return _enabled[0]


class detect_anomaly:
    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _enabled[0]
        _enabled[0] = True

    def __exit__(self, *exc):
        _enabled[0] = self._prev


class set_detect_anomaly:
    """Turns anomaly detection on or off; also usable as a context manager."""

    def __init__(self, mode, check_nan=True):
        self._prev = _enabled[0]
        _enabled[0] = bool(mode)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _enabled[0] = self._prev


def record_creation(node):
    node.metadata = {"traceback_": "".join(traceback.format_stack()[:-3])}


def check_nan(node, grads):
    for i, g in enumerate(grads):
        if g is not None and g.dtype.is_floating_point and bool(g.isnan().any()):
            trace = (node.metadata or {}).get("traceback_")
            if trace:
                warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
                              f"{trace}")
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
