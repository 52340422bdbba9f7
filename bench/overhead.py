"""Per-op overhead on tiny tensors, with and without requires_grad."""
import ember
import torch

from common import print_table, row


def rows():
    out = []
    for grad in (False, True):
        ea, eb = ember.randn(4, requires_grad=grad), ember.randn(4)
        ta, tb = torch.randn(4, requires_grad=grad), torch.randn(4)
        tag = " (requires_grad)" if grad else ""
        out.append(row("a + b" + tag, lambda: ea + eb, lambda: ta + tb, 1.0))
        out.append(row("relu(a)" + tag, lambda: ember.relu(ea), lambda: torch.relu(ta), 1.0))
        out.append(row("a.sum()" + tag, lambda: ea.sum(), lambda: ta.sum(), 1.0))
    ea, eb = ember.randn(4, requires_grad=True), ember.randn(4)
    ta, tb = torch.randn(4, requires_grad=True), torch.randn(4)
    out.append(row("3-op forward+backward", lambda: (ea * eb).relu().sum().backward(),
                   lambda: (ta * tb).relu().sum().backward(), 1.0))
    return out


if __name__ == "__main__":
    print_table(rows(), "Per-op overhead")
