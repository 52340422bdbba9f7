"""Activation modules: thin wrappers over nn.functional with PyTorch's arguments and reprs."""
from ... import _creation
from .. import functional as F
from .. import init as nn_init
from ..parameter import Parameter
from .module import Module


class _Activation(Module):
    """An activation with an optional `inplace` flag (printed only when set)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def _args_repr(self):
        return ""

    def extra_repr(self):
        inplace = "inplace=True" if self.inplace else ""
        return ", ".join(s for s in (self._args_repr(), inplace) if s)


class ReLU(_Activation):
    def forward(self, input):
        return F.relu(input, inplace=self.inplace)


class SELU(_Activation):
    def forward(self, input):
        return F.selu(input, self.inplace)


class SiLU(_Activation):
    def forward(self, input):
        return F.silu(input, inplace=self.inplace)


class Mish(_Activation):
    def forward(self, input):
        return F.mish(input, inplace=self.inplace)


class Hardsigmoid(_Activation):
    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)


class Hardswish(_Activation):
    def forward(self, input):
        return F.hardswish(input, self.inplace)


class Hardtanh(_Activation):
    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__(inplace)
        if max_val <= min_val:
            raise ValueError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val = min_val, max_val

    def _args_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)


class ReLU6(Hardtanh):
    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def _args_repr(self):
        return ""


class LeakyReLU(_Activation):
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__(inplace)
        self.negative_slope = negative_slope

    def _args_repr(self):
        return f"negative_slope={self.negative_slope}"

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)


class ELU(_Activation):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = alpha

    def _args_repr(self):
        return f"alpha={self.alpha}"

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)


class CELU(ELU):
    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class Threshold(_Activation):
    def __init__(self, threshold, value, inplace=False):
        super().__init__(inplace)
        self.threshold, self.value = threshold, value

    def _args_repr(self):
        return f"threshold={self.threshold}, value={self.value}"

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)


class GELU(Module):
    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


def _stateless(name, fn):
    """An activation module without arguments, e.g. Sigmoid()."""
    return type(name, (Module,), {"forward": lambda self, input: fn(input), "__module__": __name__,
                                  "__doc__": f"Applies F.{fn.__name__} elementwise."})


Sigmoid = _stateless("Sigmoid", F.sigmoid)
Tanh = _stateless("Tanh", F.tanh)
Softsign = _stateless("Softsign", F.softsign)
Tanhshrink = _stateless("Tanhshrink", F.tanhshrink)
LogSigmoid = _stateless("LogSigmoid", F.logsigmoid)


class Softplus(Module):
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardshrink(Module):
    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    def forward(self, input):
        return F.softshrink(input, self.lambd)


class PReLU(Module):
    """leaky ReLU with a learnt slope, one per channel or shared."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        nn_init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class _DimActivation(Module):
    """Softmax-like: applied along `dim`."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_DimActivation):
    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)


class Softmin(_DimActivation):
    def forward(self, input):
        return F.softmin(input, self.dim, _stacklevel=5)


class LogSoftmax(_DimActivation):
    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


class GLU(_DimActivation):
    def __init__(self, dim=-1):
        super().__init__(dim)

    def forward(self, input):
        return F.glu(input, self.dim)


class Softmax2d(Module):
    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3, _stacklevel=5)
