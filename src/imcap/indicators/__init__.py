"""Indicators and benchmarks of imaging capacity.

Public API (kept stable; see docs/indicators.md):

- :data:`CATALOGUE` / :class:`Indicator`: every indicator, declared once.
- :func:`compute`: all indicators for every country, area and year, as one pandas DataFrame.
- :mod:`imcap.indicators.benchmarks`: ``benchmark_table``, ``position``, ``gap_to_target``.
- :mod:`imcap.indicators.synthetic`: ``build_synthetic_inventory`` (the labelled demo
  inventory on real facility locations).
"""

from imcap.indicators.catalogue import CATALOGUE, Indicator, catalogue_markdown, indicator
from imcap.indicators.engine import COLUMNS, compute

__all__ = ["CATALOGUE", "COLUMNS", "Indicator", "catalogue_markdown", "compute", "indicator"]
