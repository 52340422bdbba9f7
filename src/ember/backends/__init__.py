"""ember.backends: what this build of ember was compiled with."""
from . import cuda  # noqa: F401
