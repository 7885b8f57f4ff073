"""Import benchmark: 100,000 imaging-unit rows validated and imported on SQLite.

Budget (DESIGN.md, performance budgets): import of 100,000 unit rows with validation in under
30 s. Run ``python -m bench.ingest [--rows N]``; it prints the seconds and the ratio to the
budget (below 1.0 is within budget).
"""
