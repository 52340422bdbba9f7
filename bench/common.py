"""Side-by-side timing of ember and PyTorch in one process: same inputs, same thread count,
median of several repeats after warm-up. Ratio = PyTorch time / ember time (higher is better)."""
import os
import platform
import statistics
import time

import numpy as np

import ember
import torch

THREADS = int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1))
torch.set_num_threads(THREADS)
ember.set_num_threads(THREADS)
# BENCH_CLOCK=thread times by the calling thread's CPU time instead of the wall clock: on a loaded
# machine it leaves out the time other processes hold the core. Only meaningful at 1 thread (CPU
# time of worker threads is not counted), so it is refused otherwise.
if os.environ.get("BENCH_CLOCK") == "thread":
    if THREADS != 1:
        raise SystemExit("BENCH_CLOCK=thread needs BENCH_THREADS=1")
    _clock = time.thread_time
else:
    _clock = time.perf_counter


def timeit_all(fns, min_time=0.2, repeats=7):
    """Median seconds per call of each fn(). Their samples are interleaved, so a change in machine
    load (other users, frequency) affects all of them alike."""
    counts = []
    for fn in fns:
        fn()
        start = _clock()
        fn()
        once = _clock() - start
        counts.append(max(1, int(min_time / repeats / max(once, 1e-7))))
    samples = [[] for _ in fns]
    for _ in range(repeats):
        for fn, n, out in zip(fns, counts, samples):
            start = _clock()
            for _ in range(n):
                fn()
            out.append((_clock() - start) / n)
    return [statistics.median(s) for s in samples]


def row(name, ember_fn, torch_fn, target=None, extra="", repeats=7):
    te, tt = timeit_all([ember_fn, torch_fn], repeats=repeats)
    ratio = tt / te
    status = "" if target is None else ("ok" if ratio >= target else "MISSED")
    return {"name": name, "ember_us": te * 1e6, "torch_us": tt * 1e6, "ratio": ratio, "target": target,
            "status": status, "extra": extra}


def both(shape_fn):
    """The same random data as an ember tensor and a torch tensor."""
    a = shape_fn()
    return ember.from_numpy(a), torch.from_numpy(a.copy())


def randn(*shape, dtype=np.float32):
    return np.random.default_rng(0).standard_normal(shape).astype(dtype)


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    clock = "thread CPU time" if _clock is time.thread_time else "wall clock"
    return (f"{cpu}, {os.cpu_count()} cores, ember ISA {ember._C.cpu_isa()}, {THREADS} threads, torch {torch.__version__}, "
            f"{clock}")


def print_table(rows, title):
    print(f"\n### {title}\n")
    print("| benchmark | ember µs | PyTorch µs | PyTorch/ember | target | |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        target = "" if r["target"] is None else f"≥ {r['target']}"
        print(f"| {r['name']} {r['extra']} | {r['ember_us']:.1f} | {r['torch_us']:.1f} | {r['ratio']:.2f} | {target} | "
              f"{r['status']} |")
