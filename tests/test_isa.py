"""Every kernel ISA this CPU supports gives the same answers: each runs in a subprocess with
EMBER_CPU_ISA forcing it (the table is chosen once per process)."""
import os
import subprocess
import sys

import pytest

CHECK = r"""
import numpy as np, ember
rng = np.random.default_rng(0)
assert ember._C.cpu_isa() == "{isa}", ember._C.cpu_isa()
for m, k, n in [(1, 1, 1), (7, 13, 5), (33, 65, 17), (130, 70, 257)]:
    a, b = rng.standard_normal((m, k)).astype(np.float32), rng.standard_normal((k, n)).astype(np.float32)
    np.testing.assert_allclose((ember.tensor(a) @ ember.tensor(b)).numpy(), a @ b, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose((ember.tensor(a.T.copy()).t() @ ember.tensor(b)).numpy(), a @ b, rtol=1e-4, atol=1e-4)
    d = a.astype(np.float64)
    np.testing.assert_allclose((ember.tensor(d) @ ember.tensor(b.astype(np.float64))).numpy(), d @ b, rtol=1e-10)
x = rng.standard_normal(100003).astype(np.float32)
t = ember.tensor(x)
np.testing.assert_allclose(t.exp().numpy(), np.exp(x), rtol=1e-5)
np.testing.assert_allclose((t * 2 + 1).relu().numpy(), np.maximum(x * 2 + 1, 0), rtol=1e-6)
assert abs(t.sum().item() - x.astype(np.float64).sum()) < 1e-2
img = rng.standard_normal((3, 2, 9, 11)).astype(np.float32)
w = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
y = ember.nn.functional.conv2d(ember.tensor(img), ember.tensor(w), padding=1)
out = ember.nn.functional.max_pool2d(y, 2)
print("ok", out.shape)
"""


def _supported():
    flags = ""
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    isas = ["generic"]
    if " avx2" in flags and " fma" in flags:
        isas.append("avx2")
    if all(f" {x}" in flags for x in ("avx512f", "avx512dq", "avx512bw", "avx512vl")):
        isas.append("avx512")
    return isas


@pytest.mark.parametrize("isa", _supported())
def test_forced_isa_gives_correct_results(isa):
    env = dict(os.environ, EMBER_CPU_ISA=isa)
    r = subprocess.run([sys.executable, "-c", CHECK.replace("{isa}", isa)], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok")


def test_unknown_isa_is_refused():
    env = dict(os.environ, EMBER_CPU_ISA="sse9")
    r = subprocess.run([sys.executable, "-c", "import ember; ember.ones(2) + 1"], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode != 0 and "EMBER_CPU_ISA must be generic, avx2 or avx512" in r.stderr
