"""SGEMM against PyTorch (and NumPy for 2048), with GFLOP/s."""
import os

import numpy as np

import ember
import torch

from common import both, machine, print_table, randn, row, timeit_all


def rows():
    out = []
    for n in (64, 128, 256, 512, 1024, 2048):
        ea, ta = both(lambda: randn(n, n))
        eb, tb = both(lambda: randn(n, n))
        r = row(f"sgemm {n}", lambda: ea @ eb, lambda: ta @ tb, 1.0 if n <= 256 else 0.9)
        r["extra"] = f"({2 * n ** 3 / r['ember_us'] / 1e3:.0f} GFLOP/s)"
        out.append(r)
    n = 2048
    na, nb = randn(n, n), randn(n, n)
    ea, eb = ember.from_numpy(na), ember.from_numpy(nb)
    te, tn = timeit_all([lambda: ea @ eb, lambda: na @ nb])
    out.append({"name": "sgemm 2048 vs NumPy", "ember_us": te * 1e6, "torch_us": tn * 1e6, "ratio": tn / te,
                "target": 0.9, "status": "ok" if tn / te >= 0.9 else "MISSED", "extra": "(NumPy in the PyTorch column)"})
    ea, ta = both(lambda: randn(512, 512))
    eb, tb = both(lambda: randn(512, 512))
    out.append(row("matmul a.T @ b.T 512", lambda: ea.t() @ eb.t(), lambda: ta.t() @ tb.t(), 0.9))
    ea, ta = both(lambda: randn(32, 128, 128))
    eb, tb = both(lambda: randn(32, 128, 128))
    out.append(row("bmm 32x128x128", lambda: ea @ eb, lambda: ta @ tb, 0.9))
    return out


if __name__ == "__main__":
    print(f"Machine: {machine()}; load average before: {os.getloadavg()[0]:.1f}")
    print_table(rows(), "GEMM")
    print(f"\nLoad average after: {os.getloadavg()[0]:.1f}")
