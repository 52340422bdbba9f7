"""conv2d forward / backward-input / backward-weight kernels at LeNet's shapes, a ResNet-style
3x3 layer forward + backward through autograd, and 2x2 max pooling forward + backward."""
import ember
import torch

from common import both, print_table, randn, row

_C = ember._C
aten = torch.ops.aten

LENET = {"conv1": ((64, 1, 28, 28), (6, 1, 5, 5)), "conv2": ((64, 6, 12, 12), (16, 6, 5, 5))}


def kernel_rows():
    """The three conv kernels called directly in both libraries (no autograd around them)."""
    out = []
    for name, (x_shape, w_shape) in LENET.items():
        ex, tx = both(lambda: randn(*x_shape))
        ew, tw = both(lambda: randn(*w_shape))
        eb, tb = both(lambda: randn(w_shape[0]))
        ty = torch.conv2d(tx, tw, tb)
        eg, tg = both(lambda: randn(*ty.shape))
        args = ([1, 1], [0, 0], [1, 1], 1)
        t_args = ([w_shape[0]], [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
        out.append(row(f"conv2d fwd LeNet {name} b64", lambda: _C.conv2d(ex._c, ew._c, eb._c, *args),
                       lambda: torch.conv2d(tx, tw, tb), 1.0))
        out.append(row(f"conv2d bwd-input LeNet {name} b64",
                       lambda: _C.conv2d_backward_input(eg._c, ew._c, list(x_shape), *args),
                       lambda: aten.convolution_backward(tg, tx, tw, *t_args, [True, False, False]), 1.0))
        out.append(row(f"conv2d bwd-weight+bias LeNet {name} b64",
                       lambda: _C.conv2d_backward_weight(eg._c, ex._c, list(w_shape), *args, True),
                       lambda: aten.convolution_backward(tg, tx, tw, *t_args, [False, True, True]), 1.0))
    return out


def layer_rows():
    """Forward + backward through autograd (nn.functional), as a training step runs them."""
    out = []
    ex, tx = both(lambda: randn(8, 64, 56, 56))
    ew, tw = both(lambda: randn(64, 64, 3, 3) * 0.05)
    eg, tg = both(lambda: randn(8, 64, 56, 56))
    for t in (ex, tx, ew, tw):
        t.requires_grad_(True)
    out.append(row("conv2d 64→64 k3 pad 1, 56×56 b8, fwd+bwd",
                   lambda: ember.nn.functional.conv2d(ex, ew, padding=1).backward(eg),
                   lambda: torch.nn.functional.conv2d(tx, tw, padding=1).backward(tg), 0.7))
    for shape in ((64, 6, 24, 24), (64, 16, 8, 8)):
        ex, tx = both(lambda: randn(*shape))
        eg, tg = both(lambda: randn(shape[0], shape[1], shape[2] // 2, shape[3] // 2))
        ex.requires_grad_(True)
        tx.requires_grad_(True)
        out.append(row(f"max_pool2d 2×2 fwd+bwd {'×'.join(map(str, shape))}",
                       lambda: ember.nn.functional.max_pool2d(ex, 2).backward(eg),
                       lambda: torch.nn.functional.max_pool2d(tx, 2).backward(tg), 1.0))
    return out


def rows():
    return kernel_rows() + layer_rows()


if __name__ == "__main__":
    print_table(rows(), "Convolution and pooling")
