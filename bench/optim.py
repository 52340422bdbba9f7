"""One optimizer step over LeNet-5's parameters (the model of examples/lenet_mnist.py), in ember
and PyTorch from the same weights and gradients; PyTorch with its CPU default (foreach=False)."""
import numpy as np

import ember
import torch

from common import print_table, row
from lenet import twin_models

CASES = [
    ("SGD", {"lr": 0.01, "momentum": 0.9}),
    ("Adam", {"lr": 1e-3}),
    ("AdamW", {"lr": 1e-3, "amsgrad": True}),
    ("RMSprop", {"lr": 1e-3}),
    ("RMSprop", {"lr": 1e-3, "momentum": 0.9, "centered": True}),
    ("Adagrad", {"lr": 0.01, "lr_decay": 1e-3}),
    ("Adadelta", {}),
]


def stepper(lib, net, kwargs, name):
    """opt.step of `lib` over the net's params, each holding a fixed random gradient."""
    rng = np.random.default_rng(0)
    params = list(net.parameters())
    for p in params:
        p.grad = lib.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32))
    return getattr(lib.optim, name)(params, **kwargs).step


def rows():
    out = []
    for name, kwargs in CASES:
        e_net, t_net = twin_models()
        options = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        out.append(row(f"{name}({options}) step, LeNet-5 params", stepper(ember, e_net, kwargs, name),
                       stepper(torch, t_net, kwargs, name), repeats=15))
    return out


if __name__ == "__main__":
    print_table(rows(), "Optimizer step (LeNet-5 parameters)")
