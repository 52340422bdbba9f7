"""Shared by the constant-memory tests: how much resident memory a training step leaks."""
import gc


def _rss_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def rss_growth_kib(step, steps=10_000, warmup=300):
    """RSS growth over `steps` calls of `step` after `warmup` calls, with the garbage collector
    off so growth can only come from memory that is never released."""
    gc.disable()
    try:
        for _ in range(warmup):  # allocator pools and caches settle
            step()
        before = _rss_kib()
        for _ in range(steps):
            step()
        return _rss_kib() - before
    finally:
        gc.enable()
