"""Linear regression with nn.Linear, nn.MSELoss and optim.SGD."""
import argparse

import ember as torch
from ember import nn, optim
from _plot import save_plot


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--plot", default="linear_regression_nn.png")
    args = p.parse_args(argv)

    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 100).unsqueeze(1)
    y = 3 * x + 0.5 + torch.randn(100, 1) * 0.1
    model = nn.Linear(1, 1)
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    print(f"weight = {model.weight.item():.4f}, bias = {model.bias.item():.4f}, loss = {loss.item():.6f}")

    def draw(plt):
        plt.scatter(x.squeeze().numpy(), y.squeeze().numpy(), s=8, label="data")
        with torch.no_grad():
            plt.plot(x.squeeze().numpy(), model(x).squeeze().numpy(), color="tab:red", label="fit")
        plt.legend()
        plt.title("linear regression with nn.Linear")

    save_plot(args.plot, draw)
    return model


if __name__ == "__main__":
    main()
