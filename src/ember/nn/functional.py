"""ember.nn.functional (`import ember.nn.functional as F`): the stateless layers. Each family
lives in nn/_functional/<family>.py; this module only gathers them under PyTorch's names."""
from ._functional.activation import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.distance import *  # noqa: F401,F403
from ._functional.dropout import *  # noqa: F401,F403
from ._functional.linear import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.normalization import *  # noqa: F401,F403
from ._functional.pooling import *  # noqa: F401,F403
from ._functional.sparse import *  # noqa: F401,F403
from ._functional.vision import *  # noqa: F401,F403
