"""The implementation of ember.nn.functional, one file per family (see functional.py)."""
