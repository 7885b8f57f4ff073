"""Phasing: spread a whole number of units over the acquisition years.

- ``linear``: the same share every year;
- ``front_loaded``: weights n, n-1, ..., 1 (most units early);
- ``back_loaded``: weights 1, 2, ..., n;
- a user schedule: a weight (or a unit count) per year.

Shares are turned into whole units by the largest-remainder method, so the yearly units always
add up to the total exactly; ties go to the earlier year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from imcap.errors import ParameterError

METHODS = ("linear", "front_loaded", "back_loaded")


def weights(method: str, n: int) -> np.ndarray:
    """Weights of each of ``n`` years for a named method (sum 1)."""
    if n < 1:
        raise ParameterError("no acquisition year", expected="at least one year", got=n)
    method = method.strip().lower().replace("-", "_").replace(" ", "_")  # front-loaded too
    if method == "linear":
        w = np.ones(n)
    elif method == "front_loaded":
        w = np.arange(n, 0, -1, dtype=float)
    elif method == "back_loaded":
        w = np.arange(1, n + 1, dtype=float)
    else:
        raise ParameterError("unknown phasing", expected=" or ".join(METHODS) + " or a schedule",
                             got=method, where="phasing")
    return w / w.sum()


def allocate(total: int, w: Sequence[float] | np.ndarray) -> np.ndarray:
    """Whole units per year summing to ``total``, proportional to weights ``w``."""
    if total < 0 or int(total) != total:
        raise ParameterError("units to phase must be a whole number >= 0", expected=">= 0",
                             got=total)
    w = np.asarray(w, dtype=float)
    if w.ndim != 1 or len(w) == 0 or (w < 0).any() or w.sum() <= 0:
        raise ParameterError("phasing weights must be non-negative with a positive sum",
                             expected="weights >= 0, sum > 0", got=list(w))
    exact = total * w / w.sum()
    base = np.floor(exact + 1e-9).astype(int)
    left = int(total - base.sum())
    if left > 0:
        order = np.argsort(-(exact - base), kind="stable")
        base[order[:left]] += 1
    return base


def phase(total: int, years: Sequence[int], method: str = "linear",
          schedule: Mapping[int, float] | None = None) -> np.ndarray:
    """Units acquired in each of ``years`` (a ``schedule`` of year -> weight wins over
    ``method``). Years of a schedule outside ``years`` are an error."""
    years = list(years)
    if schedule:
        bad = sorted(set(schedule) - set(years))
        if bad:
            raise ParameterError("phasing schedule names years outside the plan",
                                 expected=f"years {years[0]}..{years[-1]}", got=bad,
                                 where="phasing.schedule")
        w = np.array([float(schedule.get(y, 0.0)) for y in years])
        return allocate(total, w)
    return allocate(total, weights(method, len(years)))
