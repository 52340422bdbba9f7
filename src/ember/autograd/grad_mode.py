"""Grad modes (thread-local, as in PyTorch): context managers that are also decorators."""
import functools
import threading


class _State(threading.local):
    enabled = True
    inference = False


state = _State()


def is_grad_enabled():
    return state.enabled


def is_inference_mode_enabled():
    return state.inference


class _DecoratorContextManager:
    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return func(*args, **kwargs)

        return wrapper

    _args = ()


class no_grad(_DecoratorContextManager):
    """Disables gradient tracking inside the block (or the decorated function)."""

    def __init__(self, orig_func=None):
        # `@no_grad` without parentheses passes the function here.
        self._wrapped = orig_func

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func):
            self.__init__()
            return self(orig_func)
        return self

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = False

    def __exit__(self, *exc):
        state.enabled = self._prev


class enable_grad(no_grad):
    """Enables gradient tracking inside the block, even within no_grad."""

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = True


class set_grad_enabled(_DecoratorContextManager):
    """Sets grad mode on or off; works as a function call, a context manager and a decorator."""

    def __init__(self, mode):
        self._prev = state.enabled
        self._mode = bool(mode)
        self._args = (mode,)
        state.enabled = self._mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        state.enabled = self._prev


class inference_mode(_DecoratorContextManager):
    """Like no_grad: ember has no separate inference tensors, so this disables tracking."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode):
            self.__init__(True)
            return self(mode)
        return self

    def __init__(self, mode=True):
        self._mode = bool(mode)
        self._args = (mode,)

    def __enter__(self):
        self._prev = (state.enabled, state.inference)
        if self._mode:
            state.enabled, state.inference = False, True

    def __exit__(self, *exc):
        state.enabled, state.inference = self._prev
