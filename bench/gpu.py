"""GPU rows: ember's CUDA kernels against PyTorch CUDA (cuBLAS/cuDNN) on the same data, each call
timed to completion (synchronised). SGEMM 1024-8192 with TFLOP/s, and the LeNet-5 training step
of bench/lenet.py on the GPU. Skips cleanly (exit 0) where ember or PyTorch sees no GPU."""
import sys

import numpy as np

import ember
import torch

from common import print_table, randn, row


def available():
    if not ember.cuda.is_available():
        return "ember sees no CUDA GPU" + ("" if ember.backends.cuda.is_built() else " (built without CUDA)")
    if not torch.cuda.is_available():
        return "PyTorch sees no CUDA GPU (a CPU-only torch build?)"
    return None


def synced(lib, fn):
    def run():
        fn()
        lib.cuda.synchronize()
    return run


def sgemm_rows():
    out = []
    for n in (1024, 2048, 4096, 8192):
        a, b = randn(n, n), randn(n, n)
        ea, eb = ember.tensor(a, device="cuda"), ember.tensor(b, device="cuda")
        ta, tb = torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()
        torch.backends.cuda.matmul.allow_tf32 = False  # both in plain FP32
        r = row(f"cuda sgemm {n}", synced(ember, lambda: ea @ eb), synced(torch, lambda: ta @ tb), None,
                repeats=5)
        r["extra"] = f"({2 * n ** 3 / r['ember_us'] / 1e6:.1f} TFLOP/s; cuBLAS {2 * n ** 3 / r['torch_us'] / 1e6:.1f})"
        out.append(r)
    return out


def lenet_rows():
    from lenet import trainer, twin_models

    out = []
    for batch in (64, 256):
        images = randn(batch, 1, 28, 28)
        labels = np.random.default_rng(1).integers(0, 10, batch)
        e_net, t_net = twin_models()
        e_net.cuda()
        t_net.cuda()
        e_step = trainer(ember, e_net, images, labels, device="cuda")
        t_step = trainer(torch, t_net, images, labels, device="cuda")
        out.append(row(f"cuda LeNet-5 train step, batch {batch}", synced(ember, e_step), synced(torch, t_step),
                       None, repeats=9))
    return out


if __name__ == "__main__":
    why = available()
    if why:
        print(f"bench/gpu.py: skipped: {why}")
        sys.exit(0)
    print(f"GPU: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    print_table(sgemm_rows() + lenet_rows(), "CUDA (ember kernels vs PyTorch CUDA)")
