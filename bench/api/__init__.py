"""API latency benchmark: ``python -m bench.api`` (see bench/README.md, section API)."""
