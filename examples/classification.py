"""Classifying Gaussian clusters (2 or 3 classes) with a small MLP and CrossEntropyLoss."""
import argparse

import ember as torch
from ember import nn, optim
from _plot import save_plot

CENTERS = {2: [(2.0, 2.0), (-2.0, -2.0)], 3: [(2.0, 2.0), (-2.0, -2.0), (2.0, -2.0)]}


def make_clusters(n_classes, per_class=100):
    """ember.normal around each center, joined with cat, labels 0..n_classes-1."""
    xs, ys = [], []
    for label, (cx, cy) in enumerate(CENTERS[n_classes]):
        center = torch.tensor([cx, cy]).expand(per_class, 2)
        xs.append(torch.normal(center, torch.ones(per_class, 2)))
        ys.append(torch.full((per_class,), label, dtype=torch.long))
    return torch.cat(xs, 0).type(torch.FloatTensor), torch.cat(ys).type(torch.LongTensor)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--classes", type=int, choices=[2, 3], default=3)
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--plot", default=None, help="PNG path (default classification_<classes>.png, '' skips)")
    args = p.parse_args(argv)

    torch.manual_seed(1)
    x, y = make_clusters(args.classes)
    net = nn.Sequential(nn.Linear(2, 10), nn.ReLU(), nn.Linear(10, args.classes))
    optimizer = optim.SGD(net.parameters(), lr=args.lr)
    loss_func = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        out = net(x)
        loss = loss_func(out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    prediction = torch.max(net(x), 1)[1]
    accuracy = (prediction == y).sum().item() / float(y.size(0))
    print(f"{args.classes} classes: loss = {loss.item():.4f}, accuracy = {accuracy:.3f}")

    def draw(plt):
        plt.scatter(x[:, 0].numpy(), x[:, 1].numpy(), c=prediction.numpy(), s=12, cmap="viridis")
        plt.title(f"{args.classes}-class clusters, accuracy {accuracy:.2f}")

    save_plot(f"classification_{args.classes}.png" if args.plot is None else args.plot, draw)
    return accuracy


if __name__ == "__main__":
    main()
