"""LeNet-5 on MNIST: the main job. `python examples/lenet_mnist.py --help` lists the options.

The same script trains with PyTorch (`--framework torch`) on the same data and seed, which is
how accuracy and time per epoch are compared.
"""
import argparse
import os
import sys
import time


def parse_args(argv=None):
    default_root = os.path.join(os.environ["EMBER_DATA"], "mnist") if os.environ.get("EMBER_DATA") else "./data"
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default=default_root, help="folder with the MNIST IDX files (default: $EMBER_DATA/mnist "
                                                        "or ./data, downloading when absent)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--device", default="cpu")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=0, help="train on the first N images only (0: all)")
    p.add_argument("--checkpoint", default="checkpoints/lenet.pt", help="written after every epoch ('' to skip)")
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    p.add_argument("--plot", default="", help="write loss/accuracy curves to this PNG (needs matplotlib)")
    p.add_argument("--framework", choices=["ember", "torch"], default="ember")
    p.add_argument("--min-accuracy", type=float, default=0.0, help="exit with status 1 below this test accuracy")
    return p.parse_args(argv)


def build(torch):
    nn = torch.nn

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 4 * 4, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            F = nn.functional
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.flatten(1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return LeNet()


def load_mnist(root, train, limit=0):
    """MNIST as normalised float32 arrays (N, 1, 28, 28) and int64 labels, via ember.vision."""
    import numpy as np

    from ember.vision import datasets

    ds = datasets.MNIST(root, train=train, download=True)
    images = ds.data.numpy().astype(np.float32)[:, None] / 255.0
    images = (images - 0.1307) / 0.3081
    labels = ds.targets.numpy().astype(np.int64)
    if limit:
        images, labels = images[:limit], labels[:limit]
    return images, labels


def progress(iterable, total, desc):
    try:
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=desc, leave=False, file=sys.stdout, disable=not sys.stdout.isatty())
    except ImportError:
        return iterable


def main(argv=None):
    args = parse_args(argv)
    if args.framework == "torch":
        import torch
    else:
        import ember as torch
    torch.manual_seed(args.seed)
    x_train, y_train = load_mnist(args.root, True, args.limit)
    x_test, y_test = load_mnist(args.root, False)
    train = torch.utils.data.TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    gen = torch.Generator().manual_seed(args.seed)
    loader = torch.utils.data.DataLoader(train, batch_size=args.batch_size, shuffle=True, generator=gen)
    device = torch.device(args.device)
    net = build(torch).to(device)
    if args.optimizer == "sgd":
        opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    start_epoch, history = 0, {"loss": [], "accuracy": []}
    if args.resume and os.path.exists(args.checkpoint):
        ckpt = torch.load(args.checkpoint)
        net.load_state_dict(ckpt["state_dict"])
        opt.load_state_dict(ckpt["optimizer"])
        start_epoch, history = ckpt["epoch"], ckpt["history"]
        print(f"resumed from {args.checkpoint} at epoch {start_epoch}")
    print(net)
    accuracy = 0.0
    for epoch in range(start_epoch, args.epochs):
        net.train()
        t0, seen, total_loss = time.perf_counter(), 0, 0.0
        bar = progress(loader, len(loader), f"epoch {epoch + 1}/{args.epochs}")
        for images, labels in bar:
            images, labels = images.to(device), labels.to(device)
            opt.zero_grad()
            loss = loss_fn(net(images), labels)
            loss.backward()
            opt.step()
            seen += labels.shape[0]
            total_loss += loss.item() * labels.shape[0]
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{loss.item():.4f}", img_s=f"{seen / (time.perf_counter() - t0):.0f}")
        epoch_time = time.perf_counter() - t0
        accuracy = evaluate(torch, net, x_test, y_test, device)
        history["loss"].append(total_loss / seen)
        history["accuracy"].append(accuracy)
        print(f"epoch {epoch + 1}: loss {total_loss / seen:.4f}  test accuracy {accuracy * 100:.2f}%  "
              f"time {epoch_time:.1f}s ({seen / epoch_time:.0f} img/s)")
        if args.checkpoint:
            os.makedirs(os.path.dirname(args.checkpoint) or ".", exist_ok=True)
            torch.save({"state_dict": net.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch + 1,
                        "history": history}, args.checkpoint)
    if args.plot:
        plot(history, args.plot)
    print(f"final test accuracy: {accuracy * 100:.2f}%")
    if accuracy < args.min_accuracy:
        print(f"accuracy below the required {args.min_accuracy * 100:.2f}%")
        return 1
    return 0


def evaluate(torch, net, x_test, y_test, device, batch=1000):
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x_test), batch):
            images = torch.from_numpy(x_test[i:i + batch]).to(device)
            labels = torch.from_numpy(y_test[i:i + batch]).to(device)
            correct += (net(images).argmax(1) == labels).sum().item()
    return correct / len(x_test)


def plot(history, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.5))
    epochs = range(1, len(history["loss"]) + 1)
    a.plot(epochs, history["loss"], marker="o")
    a.set(title="training loss", xlabel="epoch")
    b.plot(epochs, [x * 100 for x in history["accuracy"]], marker="o", color="tab:green")
    b.set(title="test accuracy (%)", xlabel="epoch")
    fig.tight_layout()
    fig.savefig(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
