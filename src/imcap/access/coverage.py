"""Population coverage on plain arrays: within thresholds, by zone, by catchment, by capacity.

All functions take a travel-time raster in minutes (inf/NaN where unreachable) and a
population raster of people per cell on the same grid (see
:func:`imcap.access.raster.align_population`). A cell counts as covered within T minutes when
its travel time is ``<= T``. Shares are covered / total population of the area considered
(NaN when that population is 0).

Capacity-limited coverage follows AccessMod 5's "geographic coverage analysis": facilities are
taken one at a time (by default largest capacity first); each serves the people nearest to it
by travel time (within ``max_minutes``) until its capacity is used up, the last cell being
taken in part; people served are removed before the next facility is processed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from imcap.access.engine import BoundedSearch
from imcap.errors import ParameterError

DEFAULT_THRESHOLDS: tuple[float, ...] = (30.0, 60.0, 120.0, 240.0)


def check_thresholds(thresholds: Sequence[float]) -> tuple[float, ...]:
    t = tuple(float(x) for x in thresholds)
    if not t or any(not (x > 0) for x in t):
        raise ParameterError("thresholds must be positive minutes", expected="e.g. 30,60,120",
                             got=list(thresholds), where="--thresholds")
    return tuple(sorted(set(t)))


def _row(label: str, pop: np.ndarray, minutes: np.ndarray,
         thresholds: Sequence[float]) -> dict[str, object]:
    total = float(pop.sum())
    row: dict[str, object] = {"area": label, "population": total}
    for t in thresholds:
        covered = float(pop[minutes <= t].sum())
        row[f"pop_within_{t:g}min"] = covered
        row[f"share_within_{t:g}min"] = covered / total if total > 0 else float("nan")
    return row


def coverage_table(minutes: np.ndarray, population: np.ndarray,
                   thresholds: Sequence[float] = DEFAULT_THRESHOLDS, *, label: str = "total",
                   zones: np.ndarray | None = None, zone_names: Sequence[str] | None = None,
                   ) -> list[dict[str, object]]:
    """One row for the whole raster, then (with ``zones``: int zone index per cell, -1 none)
    one row per zone: population, and population and share within each threshold."""
    if minutes.shape != population.shape:
        raise ParameterError("travel time and population differ in shape",
                             expected=minutes.shape, got=population.shape)
    thresholds = check_thresholds(thresholds)
    m = np.where(np.isfinite(minutes), minutes, np.inf).ravel()
    p = np.where(np.isfinite(population) & (population > 0), population, 0.0).ravel()
    rows = [_row(label, p, m, thresholds)]
    if zones is not None:
        z = zones.ravel()
        names = list(zone_names) if zone_names is not None else []
        order = np.argsort(z, kind="stable")
        zs = z[order]
        starts = np.searchsorted(zs, np.arange(len(names) + 1))
        for k, name in enumerate(names):
            idx = order[starts[k]:starts[k + 1]]
            rows.append(_row(name, p[idx], m[idx], thresholds))
    return rows


def catchment_table(minutes: np.ndarray, nearest: np.ndarray, population: np.ndarray,
                    names: Sequence[str],
                    thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> list[dict[str, object]]:
    """One row per facility: population of its catchment (cells whose nearest facility it is)
    and how much of it lies within each threshold."""
    zones = np.where(nearest >= 0, nearest, -1)
    rows = coverage_table(minutes, population, thresholds, zones=zones, zone_names=names)
    for r in rows[1:]:
        r["facility"] = r.pop("area")
    return rows[1:]


@dataclass(frozen=True)
class CapacityResult:
    """Per facility (in input order): people served, capacity, the travel time of the
    farthest person served (minutes), and the people left unserved overall."""

    served: np.ndarray
    capacity: np.ndarray
    max_minutes_served: np.ndarray
    order: np.ndarray
    unserved: float
    total: float


def capacity_coverage(cost: np.ndarray, cell_size: object, population: np.ndarray,
                      rows: np.ndarray, cols: np.ndarray, capacity: np.ndarray, *,
                      max_minutes: float, order: str = "capacity",
                      knight: bool = False) -> CapacityResult:
    """Capacity-limited coverage (AccessMod-style, see module docstring).

    ``capacity``: people each facility can serve; ``order``: "capacity" (largest first) or
    "input" (as given)."""
    capacity = np.asarray(capacity, dtype=np.float64)
    if capacity.shape != (len(rows),) or np.any(~np.isfinite(capacity)) or np.any(capacity < 0):
        raise ParameterError("capacities must be one non-negative number per facility",
                             expected=f"{len(rows)} values >= 0", got=capacity.tolist()[:10],
                             where="capacity")
    if order not in ("capacity", "input"):
        raise ParameterError("unknown processing order", expected="capacity or input",
                             got=order, where="order")
    seq = (np.argsort(-capacity, kind="stable") if order == "capacity"
           else np.arange(len(rows)))
    left = np.where(np.isfinite(population) & (population > 0), population, 0.0).ravel().copy()
    total = float(left.sum())
    search = BoundedSearch(cost, cell_size, knight=knight)
    served = np.zeros(len(rows))
    far = np.full(len(rows), np.nan)
    for f in seq:
        if capacity[f] <= 0:
            continue
        touched, minutes = search.run((int(rows[f]), int(cols[f])), max_minutes)
        by_time = np.argsort(minutes, kind="stable")
        cells = touched[by_time]
        people = left[cells]
        cum = np.cumsum(people)
        k = int(np.searchsorted(cum, capacity[f], side="left"))
        if k >= cells.size:  # capacity not reached: everyone within reach is served
            take = people
        else:
            take = people.copy()
            take[k + 1:] = 0.0
            take[k] = capacity[f] - (cum[k - 1] if k > 0 else 0.0)
        left[cells] -= take
        served[f] = float(take.sum())
        got = np.flatnonzero(take > 0)
        if got.size:
            far[f] = float(minutes[by_time][got[-1]])
    return CapacityResult(served, capacity, far, seq, float(left.sum()), total)
