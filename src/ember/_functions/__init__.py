"""The differentiable ops: one autograd Function per op, grouped by family. Forward calls the C++
core; backward is written in ember ops so that it can itself be differentiated, except where a fused
backward kernel exists (conv, pooling, class-index losses): graph.py says when that one may run."""
