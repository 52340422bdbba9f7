"""Ops called from several Python threads at once (kernels release the GIL) give the same results
as the same calls made one after another."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import ember
import ember.nn.functional as F

JOBS = {
    "matmul": lambda a, b, w: a @ b,
    "conv2d": lambda a, b, w: F.conv2d(a.reshape(16, 4, 16, 16), w, padding=1),
    "sum": lambda a, b, w: a.sum(1),
    "elementwise": lambda a, b, w: (a * b.t() + a.exp()).tanh(),
    "softmax": lambda a, b, w: a.softmax(-1),
    "backward": lambda a, b, w: _grad(a, b),
}


def _grad(a, b):
    x = a.detach().requires_grad_()
    ((x @ b).relu().sum()).backward()
    return x.grad


def _inputs(seed):
    g = np.random.default_rng(seed)
    a = ember.tensor(g.standard_normal((64, 256)).astype(np.float32))
    b = ember.tensor(g.standard_normal((256, 64)).astype(np.float32))
    w = ember.tensor(g.standard_normal((8, 4, 3, 3)).astype(np.float32))
    return a, b, w


def test_concurrent_ops_match_serial_results():
    tasks = [(name, seed) for seed in range(6) for name in JOBS]
    inputs = {seed: _inputs(seed) for seed in range(6)}
    serial = [JOBS[name](*inputs[seed]).numpy() for name, seed in tasks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):  # several rounds: interleavings differ from run to run
            futures = [pool.submit(JOBS[name], *inputs[seed]) for name, seed in tasks]
            for (name, seed), f, want in zip(tasks, futures, serial):
                np.testing.assert_array_equal(f.result().numpy(), want, err_msg=f"{name} seed {seed}")


def test_threads_sharing_one_input_and_writing_their_own_outputs():
    x = ember.randn(128, 128)
    outs = [ember.zeros(128, 128) for _ in range(8)]

    def work(i):
        for _ in range(20):
            outs[i].copy_(x @ x * i)
        return outs[i]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    want = (x @ x).numpy()
    for i, r in enumerate(results):
        np.testing.assert_allclose(r.numpy(), want * i, rtol=1e-6)
