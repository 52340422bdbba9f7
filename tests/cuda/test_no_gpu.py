"""A CUDA build on a machine without a GPU: imports, reports no device, and refuses CUDA
tensors with a clear RuntimeError (the rest of the suite checks that the CPU still works)."""
import pytest

import ember

built = ember.backends.cuda.is_built()
pytestmark = pytest.mark.skipif(not built or ember.cuda.is_available(),
                                reason="needs a CUDA build on a machine without a GPU")


def test_reports_no_device():
    assert ember.backends.cuda.is_built()
    assert not ember.cuda.is_available()
    assert ember.cuda.device_count() == 0
    assert ember.cuda.memory_allocated() == 0


@pytest.mark.parametrize("make", [
    lambda: ember.ones(2).cuda(),
    lambda: ember.ones(2).to("cuda"),
    lambda: ember.ones(2, device="cuda"),
    lambda: ember.zeros(2, 3, device="cuda:0"),
    lambda: ember.tensor([1.0, 2.0], device="cuda"),
])
def test_cuda_tensors_raise_clearly(make):
    with pytest.raises(RuntimeError, match="no NVIDIA driver|no CUDA GPU"):
        make()


def test_cpu_still_computes():
    x = ember.arange(6.0).reshape(2, 3)
    assert (x @ x.T).sum().item() == 0 * 0 + 1 + 4 + 9 + 16 + 25 + 2 * (0 * 3 + 1 * 4 + 2 * 5)
