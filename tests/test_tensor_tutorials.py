"""The tensor and autograd parts of the classic tutorials, run with `import ember as torch` and
with PyTorch: the printed output must be identical."""
import contextlib
import io
import textwrap

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

SNIPPETS = {
    "creation_and_printing": """
        x = torch.empty(5, 3).zero_()
        print(x)
        x = torch.zeros(5, 3, dtype=torch.long)
        print(x)
        x = torch.tensor([5.5, 3])
        print(x)
        x = x.new_ones(5, 3, dtype=torch.double)
        print(x)
        print(x.size(), x.shape, x.dtype)
        y = torch.arange(12).view(3, 4)
        print(y, y.dim(), y.numel())
        print(torch.linspace(0, 1, 5), torch.eye(3))
        print(torch.tensor([[1e-5, 1.0], [100.0, 12345.678]]))
        print(torch.tensor([True, False]), torch.tensor(3.5), torch.tensor([]))
        print(torch.ones(2, 3) * 0.1)
    """,
    "arithmetic": """
        x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
        y = torch.ones(2, 3) * 2
        print(x + y, torch.add(x, y), x - y, x * y, x / y, x ** 2, -x, x // 2, x % 4)
        y.add_(x)
        print(y)
        print(x.sum(), x.sum(0), x.mean(1), x.max(), x.max(1), x.argmax(1), x.std(), x.prod())
        print(x > 2, (x > 2).sum(), x.exp().round(decimals=2), x.sqrt(), x.sigmoid())
        print(torch.tensor([1, 2, 3]) / 2, torch.tensor([1, 2, 3]) * 2.5)
        a = torch.tensor([[1., 2.], [3., 4.]])
        print(a @ a, a.mm(a), a.t(), a.T, torch.matmul(a, torch.tensor([1., 1.])))
    """,
    "reshaping": """
        x = torch.arange(24).reshape(2, 3, 4)
        print(x.view(6, 4), x.view(-1, 8).shape, x.permute(2, 0, 1).shape, x.transpose(0, 1).contiguous().view(3, 8))
        print(x.unsqueeze(0).shape, x[0].unsqueeze(1).squeeze().shape, x.flatten(1))
        print(torch.cat([x[0], x[1]]), torch.stack([x[0], x[1]], dim=1).shape)
        print(x[0].chunk(2, dim=1), x[0].split([1, 3], dim=1))
        print(torch.ones(3, 1).expand(3, 4), torch.tensor([[1, 2]]).repeat(2, 2), x[0].flip(0))
    """,
    "indexing": """
        x = torch.arange(20.0).reshape(4, 5)
        print(x[1], x[:, 1], x[1:3, ::2], x[-1, -2], x[..., 0], x[None, 0].shape)
        print(x[x > 15], x[[0, 2]], x[[0, 1], [1, 2]], x[torch.tensor([3, 0])])
        x[0, 0] = 42
        x[1] = 0
        x[:, -1] += 100
        x[x > 50] = -1
        print(x)
        w = torch.ones(2, 2)
        w.data[:] += 1
        print(w, w.gather(1, torch.tensor([[0], [1]])), w.index_select(0, torch.tensor([1])))
        print(w.masked_fill(w > 1, 0), torch.where(x > 10, x, torch.zeros_like(x)))
    """,
    "numpy_bridge": """
        a = torch.ones(5)
        b = a.numpy()
        a.add_(1)
        print(a)
        print(b)
        import numpy as np
        n = np.ones(5)
        t = torch.from_numpy(n)
        np.add(n, 1, out=n)
        print(n)
        print(t)
        print(torch.tensor(np.arange(4).reshape(2, 2)), torch.as_tensor([1, 2]).dtype)
    """,
    "autograd": """
        Variable = torch.autograd.Variable
        x = Variable(torch.ones(2, 2), requires_grad=True)
        print(x)
        y = x + 2
        print(y)
        print(y.grad_fn.__class__.__name__)
        z = y * y * 3
        out = z.mean()
        print(z, out)
        out.backward()
        print(x.grad)
        x = torch.ones(2, 2, requires_grad=True)
        y = x.sum()
        y.backward(retain_graph=True)
        y.backward(retain_graph=True)
        y.backward()
        print(x.grad)
        x.grad.data.zero_()
        print(x.grad)
        b = torch.ones(3, requires_grad=True)
        (torch.arange(3.0) + b).sum().backward()
        print(b.grad, b.requires_grad, b.is_leaf, (b * 2).is_leaf)
        print(out.grad_fn.next_functions[0][0].__class__.__name__)
        with torch.no_grad():
            print((x * 2).requires_grad)
        print(x.detach().requires_grad, x.data)
    """,
}


def _run(module, source):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(textwrap.dedent(source), {"torch": module, "np": np})
    return buf.getvalue()


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_tutorial_prints_what_pytorch_prints(name):
    assert _run(ember, SNIPPETS[name]) == _run(torch, SNIPPETS[name])
