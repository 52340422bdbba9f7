"""LeNet-5 training steps (forward, cross-entropy, backward, SGD with momentum) of
examples/lenet_mnist.py, in ember and PyTorch from the same initial weights on the same batch."""
import os
import sys

import numpy as np

import ember
import torch

from common import print_table, randn, row

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from lenet_mnist import build  # noqa: E402  (the example's model, so the bench times what it trains)

TARGETS = {4: 2.0, 64: 1.2, 256: 1.0}


def trainer(lib, net, images, labels, device="cpu"):
    """One training step of `lib` (ember or torch) on a fixed batch, as the example's loop does it."""
    opt = lib.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()
    x, y = lib.from_numpy(images).to(device), lib.from_numpy(labels).to(device)

    def step():
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    return step


def twin_models():
    """A PyTorch LeNet and an ember LeNet holding a copy of its initial weights."""
    t_net, e_net = build(torch), build(ember)
    e_net.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_net.state_dict().items()})
    return e_net, t_net


def rows():
    out = []
    for batch, target in TARGETS.items():
        images = randn(batch, 1, 28, 28)
        labels = np.random.default_rng(1).integers(0, 10, batch)
        e_net, t_net = twin_models()
        out.append(row(f"LeNet-5 train step, batch {batch}", trainer(ember, e_net, images, labels),
                       trainer(torch, t_net, images, labels), target, repeats=15))
    return out


if __name__ == "__main__":
    print_table(rows(), "LeNet-5 training step")
