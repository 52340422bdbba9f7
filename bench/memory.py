"""Import time and memory, and the peak RSS of a LeNet training run, each framework measured in
a fresh subprocess (so neither sees the other's memory). Ratio = PyTorch / ember."""
import json
import os
import subprocess
import sys

# Peak RSS from /proc's VmHWM: ru_maxrss would carry over the parent's peak across fork + exec.
PEAK = """
def peak_kib():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
"""

IMPORT = PEAK + """
import json, time
t = time.perf_counter()
import {lib}
dt = time.perf_counter() - t
print(json.dumps({{"seconds": dt, "rss_kib": peak_kib()}}))
"""

TRAIN = PEAK + """
import json, os, sys
import numpy as np
sys.path.insert(0, {examples!r})
import {lib} as lib
from lenet_mnist import build
lib.manual_seed(0)
net = build(lib)
opt = lib.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
loss_fn = lib.nn.CrossEntropyLoss()
rng = np.random.default_rng(0)
x = lib.from_numpy(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
y = lib.from_numpy(rng.integers(0, 10, 64))
for _ in range(200):
    opt.zero_grad()
    loss_fn(net(x), y).backward()
    opt.step()
print(json.dumps({{"rss_kib": peak_kib()}}))
"""


def _run(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    return json.loads(out.stdout.strip().splitlines()[-1])


def _best(code, n=5):
    runs = [_run(code) for _ in range(n)]
    return min(r.get("seconds", 0) for r in runs), min(r["rss_kib"] for r in runs)


def rows():
    examples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")
    e_t, e_rss = _best(IMPORT.format(lib="ember"))
    t_t, t_rss = _best(IMPORT.format(lib="torch"))
    _, e_train = _best(TRAIN.format(lib="ember", examples=examples), 2)
    _, t_train = _best(TRAIN.format(lib="torch", examples=examples), 2)

    def r(name, e, t, unit):
        return {"name": name, "ember_us": e, "torch_us": t, "ratio": t / e, "target": 1.0,
                "status": "ok" if t / e >= 1.0 else "MISSED", "extra": f"({unit})"}

    return [r("import time", e_t * 1e6, t_t * 1e6, "µs"), r("RSS after import", e_rss, t_rss, "KiB"),
            r("peak RSS, 200 LeNet steps at batch 64", e_train, t_train, "KiB")]


if __name__ == "__main__":
    from common import print_table

    print_table(rows(), "Import and memory (values in the unit shown, not µs)")
