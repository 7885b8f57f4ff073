"""Referral times: from each facility of one set to the facilities of another (AccessMod's
referral analysis), with the length of the least-time path.

Typical question: how long does a patient referred from a district hospital with X-ray travel
to the nearest facility with a functional CT? ``nearest`` mode runs one multi-source search
from the destinations and reads, at each origin, the travel time and which destination is
nearest (the catchment label): the time to travel *from* the origin *to* the destination, in
the engine's model (see :mod:`imcap.access.engine`; with a DEM, ``direction="towards"`` walks
towards the destination). ``matrix`` mode runs one search per destination (bounded by
``max_minutes`` when given) and reports every origin x destination pair.

The path length (km) is that of the search's own least-time path: the search records, for
each cell, the direction of the move that gave the cell its final time, and the path is
walked back from the origin to its destination, summing the step lengths. Where several paths
tie in time, the one the search kept is measured; zero-cost cells are handled like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np

from imcap.access._kernels import search
from imcap.access.engine import _max, _Setup
from imcap.access.raster import Facilities, check_on_passable
from imcap.access.scenario import Scenario

__all__ = ["Referral", "referral_times", "summarise"]


@dataclass(frozen=True)
class Referral:
    """One origin -> destination figure; ``destination`` None and ``minutes`` inf when no
    destination is reachable (within ``max_minutes``)."""

    origin: str
    destination: str | None
    minutes: float
    km: float

    def as_row(self) -> dict[str, object]:
        return {"origin": self.origin, "destination": self.destination,
                "minutes": round(self.minutes, 2) if np.isfinite(self.minutes) else None,
                "km": round(self.km, 2) if np.isfinite(self.km) else None}


@numba.njit(cache=True)
def _path_metres(lengths, dr, dc, ncols, times, pred, start):  # type: ignore[no-untyped-def]
    """Metres along the recorded least-time path from ``start`` back to its source (the cell
    whose ``pred`` is 255); NaN if ``start`` was not reached."""
    if not np.isfinite(times[start]):
        return np.nan
    x = start
    total = 0.0
    for _ in range(times.size):
        k = pred[x]
        if k == 255:
            return total
        r = x // ncols - dr[k]  # the cell the move came from
        c = x - (x // ncols) * ncols - dc[k]
        total += lengths[r, k]
        x = r * ncols + c
    return np.nan  # cannot happen: predecessors form a tree


class _Searcher:
    """One surface's set-up, reused for every search of a referral run."""

    def __init__(self, sc: Scenario, knight: bool, max_minutes: float | None) -> None:
        self.st = _Setup(sc.cost, sc.grid.cell_size(), knight, sc.dem, sc.walk_mask,
                         sc.direction)
        self.ncols = sc.cost.shape[1]
        self.max_cost = _max(max_minutes)
        self.queue = self.st.queue()
        n = sc.cost.size
        self.times = np.empty(n)
        self.labels = np.empty(n, dtype=np.int32)
        self.pred = np.empty(n, dtype=np.uint8)

    def run(self, cells: np.ndarray) -> None:
        st = self.st
        self.times.fill(np.inf)
        self.labels.fill(-1)
        self.pred.fill(255)
        search(st.cost, st.lengths, st.dr, st.dc, st.mr, st.mc, cells, self.times,
               self.labels, self.max_cost, st.dem, st.walk, st.sign, self.queue,
               pred=self.pred)

    def km(self, cell: int) -> float:
        st = self.st
        return float(_path_metres(st.lengths, st.dr, st.dc, self.ncols, self.times,
                                  self.pred, cell)) / 1000.0


def referral_times(sc: Scenario, origins: Facilities, destinations: Facilities, *,
                   max_minutes: float | None = None, knight: bool | None = None,
                   matrix: bool = False,
                   on_progress: Callable[[int, int], None] | None = None) -> list[Referral]:
    """Travel time and path length from each origin to its nearest destination (``matrix``:
    to every destination, origin-major). Facilities on impassable cells are an error.
    ``on_progress(done, total)`` is called after each search (one, or one per destination)."""
    check_on_passable(origins, sc.cost)
    check_on_passable(destinations, sc.cost)
    knight = sc.knight if knight is None else knight
    ncols = sc.cost.shape[1]
    sr = _Searcher(sc, knight, max_minutes if max_minutes is not None else sc.max_minutes)
    flat_o = (origins.rows * ncols + origins.cols).astype(np.int64)
    flat_d = (destinations.rows * ncols + destinations.cols).astype(np.int64)
    if not matrix:
        sr.run(flat_d)
        out = []
        for name, cell in zip(origins.names, flat_o, strict=True):
            lab = int(sr.labels[cell])
            out.append(Referral(name, destinations.names[lab] if lab >= 0 else None,
                                float(sr.times[cell]), sr.km(int(cell))))
        if on_progress is not None:
            on_progress(1, 1)
        return out
    table: list[list[Referral]] = [[] for _ in origins.names]
    for d, dname in enumerate(destinations.names):
        sr.run(flat_d[d:d + 1])
        for o, cell in enumerate(flat_o):
            t = float(sr.times[cell])
            table[o].append(Referral(origins.names[o], dname if np.isfinite(t) else None, t,
                                     sr.km(int(cell))))
        if on_progress is not None:
            on_progress(d + 1, len(destinations))
    return [r for row in table for r in row]


def summarise(refs: list[Referral], thresholds: tuple[float, ...]) -> dict[str, object]:
    """Share of origins whose (nearest) referral is within each threshold, and the median,
    90th percentile and greatest time among those reachable."""
    best: dict[str, float] = {}
    for r in refs:
        best[r.origin] = min(best.get(r.origin, np.inf), r.minutes)
    t = np.array(list(best.values()), dtype=float)
    fin = t[np.isfinite(t)]
    out: dict[str, object] = {"origins": int(t.size), "reachable": int(fin.size)}
    for th in thresholds:
        out[f"share_within_{th:g}min"] = round(float((t <= th).mean()), 4) if t.size else None
    for name, q in (("median_minutes", 50), ("p90_minutes", 90), ("max_minutes", 100)):
        out[name] = round(float(np.percentile(fin, q)), 1) if fin.size else None
    return out
