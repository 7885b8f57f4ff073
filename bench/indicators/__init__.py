"""Benchmark of the indicator engine (``python -m bench.indicators``)."""
