"""Benchmark of the impact model (run ``python -m bench.impact``)."""
