"""Fitting y = x^3 + noise with a small MLP."""
import argparse

import ember as torch
from ember import nn, optim
from _plot import save_plot


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=1000)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--plot", default="nonlinear_regression.png")
    args = p.parse_args(argv)

    torch.manual_seed(0)
    x = torch.unsqueeze(torch.linspace(-2, 2, 200), dim=1)
    y = x.pow(3) + 0.3 * torch.rand(x.size())
    net = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
    optimizer = optim.Adam(net.parameters(), lr=args.lr)
    loss_func = nn.MSELoss()
    for step in range(args.epochs):
        loss = loss_func(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"final loss = {loss.item():.5f}")

    def draw(plt):
        plt.scatter(x.numpy().ravel(), y.numpy().ravel(), s=6, label="data")
        with torch.no_grad():
            plt.plot(x.numpy().ravel(), net(x).numpy().ravel(), color="tab:red", lw=2, label="MLP")
        plt.legend()
        plt.title("nonlinear regression: y = x^3")

    save_plot(args.plot, draw)
    return loss.item()


if __name__ == "__main__":
    main()
