"""ember: a small PyTorch-like deep-learning library with C++ kernels.

Use it as PyTorch: `import ember as torch`.
"""
from . import _C
from ._dtype import (bool, float32, float64, get_default_dtype, int32, int64, set_default_dtype, uint8)  # noqa: A004
from ._dtype import dtype
from ._device import device
from ._tensor import Size, Tensor
from . import _tensor_methods  # noqa: F401  (attaches methods and operators to Tensor)
from ._creation import (BoolTensor, ByteTensor, DoubleTensor, FloatTensor, Generator, IntTensor, LongTensor, arange,
                        as_tensor, bernoulli, default_generator, empty, empty_like, eye, from_numpy, full, full_like,
                        get_rng_state, initial_seed, linspace, logspace, manual_seed, multinomial, normal, ones,
                        ones_like, rand, rand_like, randint, randint_like, randn, randn_like, randperm, scalar_tensor,
                        seed, set_rng_state, tensor, zeros, zeros_like)
from ._ops import *  # noqa: F401,F403
from ._ops import (abs, all, any, max, min, pow, round, sum)  # noqa: A004  (shadow builtins as torch does)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from . import autograd, backends, cuda  # noqa: F401
from . import nn  # noqa: F401,E402  (after the Tensor API it builds on)
from . import optim, utils  # noqa: F401
from .serialization import load, save
from ._tensor_str import get_printoptions, set_printoptions
from ._C import get_num_threads, set_num_threads  # noqa: F401

float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001
half = None  # ember has no float16; kept so `torch.half` attribute checks fail clearly at use
float16 = None

__version__ = "0.1.0"
