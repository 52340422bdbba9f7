"""The CPU GEMM's paths (pack-free loop for tiny products, gemm_direct for mid-sized ones with K <=
512, the packed blocked path for the rest), each at shapes that do not fill a tile, with every
operand layout, float32 and float64, alpha/beta (addmm), batched, and under every ISA this CPU
supports (forced by EMBER_CPU_ISA in a subprocess, since the kernel table is chosen once)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from test_isa import _supported

CHECK = r"""
import itertools, numpy as np, ember
rng = np.random.default_rng(1)
shapes = [(1, 1, 1), (1, 7, 1), (5, 1, 9), (0, 4, 3), (4, 0, 3), (4, 3, 0), (64, 64, 64), (37, 1, 41), (13, 29, 31),
          (65, 33, 47), (97, 130, 17), (7, 300, 129), (128, 128, 128), (129, 257, 65), (255, 256, 257), (600, 20, 40),
          (70, 513, 90), (300, 300, 300)]
def layouts(x):  # contiguous, transposed view, column-sliced (strided rows and columns)
    yield x
    yield ember.tensor(np.ascontiguousarray(x.T)).t()
    wide = np.zeros((x.shape[0], 2 * x.shape[1] + 1), x.dtype)
    wide[:, ::2][:, :x.shape[1]] = x
    yield ember.tensor(wide)[:, ::2][:, :x.shape[1]]
for dt, tol in ((np.float32, 2e-4), (np.float64, 1e-11)):
    for m, k, n in shapes:
        a = rng.standard_normal((m, k)).astype(dt)
        b = rng.standard_normal((k, n)).astype(dt)
        want = a.astype(np.float64) @ b.astype(np.float64)
        scale = tol * max(1.0, np.sqrt(k))
        for ea, eb in itertools.product(layouts(a), layouts(b)):
            ea = ember.tensor(ea) if isinstance(ea, np.ndarray) else ea
            eb = ember.tensor(eb) if isinstance(eb, np.ndarray) else eb
            got = (ea @ eb).numpy()
            assert got.dtype == dt and got.shape == (m, n), (got.dtype, got.shape)
            np.testing.assert_allclose(got, want, rtol=scale, atol=scale, err_msg=f"{dt.__name__} {m}x{k}x{n}")
        c = rng.standard_normal((m, n)).astype(dt)
        got = ember.addmm(ember.tensor(c), ember.tensor(a), ember.tensor(b), beta=0.5, alpha=-2.0).numpy()
        np.testing.assert_allclose(got, 0.5 * c - 2.0 * want, rtol=2 * scale, atol=2 * scale)
a = rng.standard_normal((5, 33, 70)).astype(np.float32)
b = rng.standard_normal((5, 70, 19)).astype(np.float32)
np.testing.assert_allclose((ember.tensor(a) @ ember.tensor(b)).numpy(), a @ b, rtol=1e-3, atol=1e-3)
np.testing.assert_allclose((ember.tensor(a) @ ember.tensor(b[0])).numpy(), a @ b[0], rtol=1e-3, atol=1e-3)
print("ok", ember._C.cpu_isa())
"""


@pytest.mark.parametrize("isa", _supported())
def test_gemm_paths_under_each_isa(isa):
    env = dict(os.environ, EMBER_CPU_ISA=isa)
    r = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["ok", isa]


@pytest.mark.parametrize("threads", [1, 2])
def test_gemm_direct_thread_counts_agree(threads):
    import ember
    rng = np.random.default_rng(2)
    a = rng.standard_normal((131, 200)).astype(np.float32)
    b = rng.standard_normal((200, 77)).astype(np.float32)
    old = ember.get_num_threads()
    ember.set_num_threads(threads)
    try:
        got = (ember.tensor(a) @ ember.tensor(b)).numpy()
    finally:
        ember.set_num_threads(old)
    np.testing.assert_allclose(got, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)
