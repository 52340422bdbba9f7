"""Fuzz tests whose remaining discrepancies are still open (docs/known_differences.md, "Open"):
marked xfail, not strict, so they keep running and a fix shows as XPASS."""
import pytest

OPEN = {
    "test_binary_tensors[pow]": "bool/uint8 pow corner case",
    "test_binary_tensors[minimum]": "minimum gradient where both inputs are infinite",
    "test_type_conversions": "sign of zero after an integer round trip",
    "test_masked_fill_and_select": "mask broadcasting on 0-d / size-0 shapes",
    "test_nonzero_and_take": "take on size-0 inputs",
    "test_addmm_and_linear": "linear backward with size-0 batch and features",
    "test_cat_and_stack": "cat backward with an expanded size-0 input",
    "test_setitem": "setitem with mixed advanced indices on size-0 dims",
}


def pytest_collection_modifyitems(items):
    for item in items:
        reason = OPEN.get(item.name)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
