"""One-way sensitivity (tornado) and probabilistic runs over the parameter ranges.

Tornado: every parameter row the case uses is set to its low, then its high value, the
others staying central; the outcome (total cost, or NPV) is recomputed. Rows are sorted by
swing ``|high - low|``, largest first.

Probabilistic: each row used draws independently from a triangular distribution
(low, central, high) — whole-number parameters (years) are rounded; a row used by several
modalities takes the same draw for all of them. Intervals are the 2.5th and 97.5th
percentiles of the draws (``seed`` makes a run reproducible).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from imcap.errors import ParameterError
from imcap.planning import costs
from imcap.planning.case import PlanSpec, compute, total_by_year
from imcap.planning.parameters import ANY, SPECS, Key, ParameterTable, Picker


def used_keys(spec: PlanSpec, table: ParameterTable) -> list[Key]:
    """The parameter rows (most specific match) a case reads, in first-use order."""
    seen: dict[Key, None] = {}

    def pick(parameter: str, modality: str = ANY, income_group: str = ANY,
             cadre: str = ANY) -> float:
        v = table.find(parameter, modality, income_group, cadre)
        seen.setdefault(v.key, None)
        return v.central

    compute(spec, pick, table)
    return list(seen)


def _outcome(spec: PlanSpec, table: ParameterTable, measure: str) -> float:
    from imcap.planning.parameters import central_picker

    by_year = total_by_year(compute(spec, central_picker(table), table))
    if measure == "npv":
        return float(costs.npv(by_year, spec.discount_rate))
    return float(by_year.sum())


def tornado(spec: PlanSpec, table: ParameterTable, measure: str = "npv") -> pd.DataFrame:
    """One row per parameter used: its low/central/high values and the outcome at each."""
    if measure not in ("npv", "total"):
        raise ParameterError("unknown tornado measure", expected="npv or total", got=measure)
    base = _outcome(spec, table, measure)
    rows = []
    for key in used_keys(spec, table):
        v = table.find(key.parameter, key.modality, key.income_group, key.cadre)
        lo = _outcome(spec, table.at_level(key, "low"), measure)
        hi = _outcome(spec, table.at_level(key, "high"), measure)
        rows.append({"parameter": key.parameter, "modality": key.modality,
                     "income_group": key.income_group, "cadre": key.cadre,
                     "label": key.label(), "low_value": v.low, "central_value": v.central,
                     "high_value": v.high, "outcome_low": lo, "outcome_central": base,
                     "outcome_high": hi, "swing": abs(hi - lo), "basis": v.basis})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    return df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def draw_picker(table: ParameterTable, draws: int, seed: int | None) -> Picker:
    """A picker returning, per parameter row, an array of ``draws`` triangular draws."""
    if draws < 2:
        raise ParameterError("too few draws", expected="at least 2", got=draws,
                             where="--draws")
    rng = np.random.default_rng(seed)
    cache: dict[Key, np.ndarray] = {}

    def pick(parameter: str, modality: str = ANY, income_group: str = ANY,
             cadre: str = ANY) -> np.ndarray:
        v = table.find(parameter, modality, income_group, cadre)
        if v.key not in cache:
            if v.high > v.low:
                x = rng.triangular(v.low, v.central, v.high, size=draws)
            else:
                x = np.full(draws, v.central)
            if SPECS[parameter].integer:
                x = np.rint(x)
            cache[v.key] = x
        return cache[v.key]

    return pick


def probabilistic(spec: PlanSpec, table: ParameterTable, draws: int = 1000,
                  seed: int | None = 20250513) -> dict[str, Any]:
    """Draws of total cost, NPV and each line's total; with mean and 95% intervals."""
    computed = compute(spec, draw_picker(table, draws, seed), table)
    by_year = total_by_year(computed)  # (draws, T)
    samples: dict[str, np.ndarray] = {
        "total": by_year.sum(axis=-1),
        "npv": costs.npv(by_year, spec.discount_rate),
    }
    for line in costs.LINES:
        arrs = [lines[line] for lines in computed["lines"].values()]
        if arrs:
            samples[line] = np.sum(np.broadcast_arrays(*arrs), axis=0).sum(axis=-1)
    rows = []
    for name, x in samples.items():
        x = np.broadcast_to(x, (draws,))
        rows.append({"measure": name, "mean": float(x.mean()),
                     "p2_5": float(np.percentile(x, 2.5)), "median": float(np.median(x)),
                     "p97_5": float(np.percentile(x, 97.5))})
    return {"draws": draws, "seed": seed, "intervals": pd.DataFrame(rows),
            "samples": {k: np.broadcast_to(v, (draws,)).copy() for k, v in samples.items()}}
