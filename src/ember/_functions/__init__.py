"""The differentiable ops: one autograd Function per op, grouped by family. Forward calls the C++
core; backward is written in ember ops so that it can itself be differentiated."""
