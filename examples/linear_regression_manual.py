"""Linear regression with a hand-written model: y = X.mv(w) + b, gradients by autograd and the
update written out by hand (the classic first autograd tutorial)."""
import argparse

import ember as torch
from _plot import save_plot


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--plot", default="linear_regression_manual.png")
    args = p.parse_args(argv)

    torch.manual_seed(0)
    true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
    X = torch.randn(1000, 2)
    y = X.mv(true_w) + true_b + torch.normal(0.0, 0.01, size=(1000,))

    w = torch.zeros(2, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for epoch in range(args.epochs):
        loss = ((X.mv(w) + b - y) ** 2).mean()
        loss.backward()
        w.data = w.data - args.lr * w.grad
        b.data = b.data - args.lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        losses.append(loss.item())
    print(f"w = {w.data.tolist()}, b = {b.item():.4f}, loss = {losses[-1]:.6f}")

    def draw(plt):
        plt.semilogy(losses)
        plt.xlabel("epoch")
        plt.ylabel("MSE")
        plt.title("linear regression (manual updates)")

    save_plot(args.plot, draw)
    return w.data, b.data


if __name__ == "__main__":
    main()
