"""How accurate are ember's float32 gradients? LeNet is trained for one epoch of the tutorial recipe
(batch 4, SGD lr 0.001 momentum 0.9) with ember; then, on random batches of 4, the float32
gradients of ember and of PyTorch (same weights) are compared with PyTorch's float64 gradient.
Prints the relative error of each and the size of their summed (systematic) error.

    python bench/lenet_grad_accuracy.py --batches 400
"""
import argparse
import copy
import os
import sys

import numpy as np

import ember
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from lenet_mnist import build, load_mnist  # noqa: E402


def train_one_epoch(x, y, seed):
    ember.manual_seed(seed)
    net = build(ember)
    opt = ember.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    order = np.random.default_rng(seed).permutation(len(x))
    for i in range(0, len(order), 4):
        idx = order[i:i + 4]
        opt.zero_grad()
        ember.nn.functional.cross_entropy(net(ember.from_numpy(x[idx])), ember.from_numpy(y[idx])).backward()
        opt.step()
    return net


def flat_gradient(lib, model, images, labels):
    model.zero_grad()
    lib.nn.functional.cross_entropy(model(images), labels).backward()
    return np.concatenate([p.grad.numpy().astype(np.float64).ravel() for p in model.parameters()])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default=os.path.join(os.environ.get("EMBER_DATA", "."), "mnist"))
    p.add_argument("--batches", type=int, default=400)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    x, y = load_mnist(args.root, True)
    e_net = train_one_epoch(x, y, args.seed)
    t32 = build(torch)
    t32.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in e_net.state_dict().items()})
    t64 = copy.deepcopy(t32).double()
    rng = np.random.default_rng(args.seed + 1)
    errors = {"ember": [], "PyTorch": []}
    summed = {"ember": 0.0, "PyTorch": 0.0}
    for _ in range(args.batches):
        idx = rng.choice(len(x), 4, replace=False)
        truth = flat_gradient(torch, t64, torch.from_numpy(x[idx]).double(), torch.from_numpy(y[idx]))
        size = np.linalg.norm(truth)
        if size == 0:
            continue
        for name, lib, model in (("ember", ember, e_net), ("PyTorch", torch, t32)):
            err = flat_gradient(lib, model, lib.from_numpy(x[idx]), lib.from_numpy(y[idx])) - truth
            errors[name].append(np.linalg.norm(err) / size)
            summed[name] = summed[name] + err
    print(f"{len(errors['ember'])} batches; gradient error relative to float64")
    for name, errs in errors.items():
        print(f"  {name:8s} median {np.median(errs):.2e}  mean {np.mean(errs):.2e}  max {np.max(errs):.2e}  "
              f"|summed error| {np.linalg.norm(summed[name]):.2e}")


if __name__ == "__main__":
    main()
