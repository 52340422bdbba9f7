"""The tutorial recipe of examples/lenet_mnist.py (batch 4, SGD lr 0.001 momentum 0.9, 2 epochs)
trained by ember and by PyTorch from the same initial weights on the same batch order, so the two
accuracies differ only by floating-point rounding. Prints test accuracy and seconds per epoch of
each framework, per seed. Needs the MNIST files in $EMBER_DATA/mnist (or --root).

    python bench/lenet_recipe.py --seeds 0 1 2
"""
import argparse
import os
import sys
import time

import numpy as np

import ember
import torch

from common import machine

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
from lenet_mnist import build, evaluate, load_mnist  # noqa: E402  (the example's model, data and metric)


def twin_models(seed):
    """An ember LeNet initialised from `seed` and a PyTorch LeNet holding a copy of its weights."""
    ember.manual_seed(seed)
    e_net, t_net = build(ember), build(torch)
    t_net.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in e_net.state_dict().items()})
    return e_net, t_net


def train(lib, net, x_train, y_train, orders, args):
    """The example's training loop over the given per-epoch orders; returns seconds per epoch."""
    opt = lib.optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum)
    loss_fn = lib.nn.CrossEntropyLoss()
    times = []
    for order in orders:
        net.train()
        start = time.perf_counter()
        for i in range(0, len(order), args.batch_size):
            idx = order[i:i + args.batch_size]
            images, labels = lib.from_numpy(x_train[idx]), lib.from_numpy(y_train[idx])
            opt.zero_grad()
            loss_fn(net(images), labels).backward()
            opt.step()
        times.append(time.perf_counter() - start)
    return times


def main():
    default_root = os.path.join(os.environ.get("EMBER_DATA", "."), "mnist")
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default=default_root)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--limit", type=int, default=0, help="train on the first N images only (0: all)")
    args = p.parse_args()
    x_train, y_train = load_mnist(args.root, True, args.limit)
    x_test, y_test = load_mnist(args.root, False)
    print(f"Machine: {machine()}. Recipe: {args.epochs} epochs, batch {args.batch_size}, "
          f"SGD lr {args.lr} momentum {args.momentum}\n")
    print("| seed | ember accuracy | PyTorch accuracy | difference | ember s/epoch | PyTorch s/epoch |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for seed in args.seeds:
        rng = np.random.default_rng(seed)
        orders = [rng.permutation(len(x_train)) for _ in range(args.epochs)]
        e_net, t_net = twin_models(seed)
        e_times = train(ember, e_net, x_train, y_train, orders, args)
        t_times = train(torch, t_net, x_train, y_train, orders, args)
        e_acc = evaluate(ember, e_net, x_test, y_test, "cpu") * 100
        t_acc = evaluate(torch, t_net, x_test, y_test, "cpu") * 100
        print(f"| {seed} | {e_acc:.2f}% | {t_acc:.2f}% | {e_acc - t_acc:+.2f} | {np.mean(e_times):.1f} | "
              f"{np.mean(t_times):.1f} |", flush=True)


if __name__ == "__main__":
    main()
