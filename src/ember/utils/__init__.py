"""ember.utils: data loading (ember.utils.data) and the safetensors format (ember.utils.safetensors)."""
from . import data  # noqa: F401  (so `ember.utils.data.DataLoader` works after `import ember`, as in PyTorch)
