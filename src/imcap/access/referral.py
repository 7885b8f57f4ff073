"""Referral times: from each facility of one set to the facilities of another (AccessMod's
referral analysis), with the length of the least-time path.

Typical question: how long does a patient referred from a district hospital with X-ray travel
to the nearest facility with a functional CT? ``nearest`` mode runs one multi-source search
from the destinations and reads, at each origin, the travel time and which destination is
nearest (the catchment label): the time to travel *from* the origin *to* the destination, in
the engine's model (see :mod:`imcap.access.engine`; with a DEM, ``direction="towards"`` walks
towards the destination). ``matrix`` mode runs one search per destination (bounded by
``max_minutes`` when given) and reports every origin x destination pair.

The path length (km) is found by walking back from the origin along the search's own
predecessors: at each cell the neighbour whose time plus the move cost equals the cell's
time, bit for bit (the same float operations as the search), and summing the step lengths.
Where several paths tie in time, one of them is measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np

from imcap.access._kernels import _edge
from imcap.access.engine import _Setup, travel_time
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
        ok = np.isfinite(self.minutes)
        return {"origin": self.origin, "destination": self.destination,
                "minutes": round(self.minutes, 2) if ok else None,
                "km": round(self.km, 2) if ok else None}


@numba.njit(cache=True)
def _path_metres(cost, lengths, dr, dc, mr, mc, dem, walk, sign, times, start):  # type: ignore[no-untyped-def]  # noqa: E501
    """Length in metres of the least-time path from ``start`` back to a source (time 0),
    following the predecessors of the search that filled ``times``; NaN if unreachable."""
    nrows, ncols = cost.shape
    flat = cost.ravel()
    x = start
    if not np.isfinite(times[x]):
        return np.nan
    total = 0.0
    for _ in range(times.size):
        tx = times[x]
        if tx == 0.0:
            return total
        rx = x // ncols
        cx = x - rx * ncols
        best = -1
        best_gap = np.inf
        best_len = 0.0
        best_t = np.inf
        for k in range(dr.size):  # the move y -> x in direction k
            ry = rx - dr[k]
            cy = cx - dc[k]
            if ry < 0 or ry >= nrows or cy < 0 or cy >= ncols:
                continue
            y = ry * ncols + cy
            ty = times[y]
            if not ty <= tx:
                continue
            w = _edge(flat, ncols, y, x, ry, cy, rx, cx, k, np.float64(flat[y]),
                      np.float64(flat[x]), lengths, mr, mc, dem, walk, sign)
            if w < 0.0:
                continue
            gap = abs(ty + w - tx)
            if gap < best_gap or (gap == best_gap and ty < best_t):
                best, best_gap, best_len, best_t = y, gap, lengths[ry, k], ty
        if best < 0 or best_t >= tx:
            return np.nan  # no predecessor (cannot happen for a settled cell) or a flat loop
        total += best_len
        x = best
    return np.nan


def _search(sc: Scenario, dest: Facilities, max_minutes: float | None,
            knight: bool) -> tuple[np.ndarray, np.ndarray]:
    return travel_time(sc.cost, np.column_stack([dest.rows, dest.cols]), sc.grid.cell_size(),
                       max_cost=max_minutes, knight=knight, dem=sc.dem,
                       walk_mask=sc.walk_mask, direction=sc.direction)


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
    max_minutes = max_minutes if max_minutes is not None else sc.max_minutes
    st = _Setup(sc.cost, sc.grid.cell_size(), knight, sc.dem, sc.walk_mask, sc.direction)
    flat_o = origins.rows * sc.cost.shape[1] + origins.cols

    def measure(times: np.ndarray, cell: int) -> float:
        return float(_path_metres(st.cost, st.lengths, st.dr, st.dc, st.mr, st.mc, st.dem,
                                  st.walk, st.sign, times, cell)) / 1000.0

    if not matrix:
        minutes, nearest = _search(sc, destinations, max_minutes, knight)
        times, labels = minutes.ravel(), nearest.ravel()
        out = []
        for name, cell in zip(origins.names, flat_o, strict=True):
            lab = int(labels[cell])
            out.append(Referral(name, destinations.names[lab] if lab >= 0 else None,
                                float(times[cell]), measure(times, int(cell))))
        if on_progress is not None:
            on_progress(1, 1)
        return out
    table: list[list[Referral]] = [[] for _ in origins.names]
    for d, dname in enumerate(destinations.names):
        one = Facilities(destinations.rows[d:d + 1], destinations.cols[d:d + 1], [dname])
        times = _search(sc, one, max_minutes, knight)[0].ravel()
        for o, cell in enumerate(flat_o):
            t = float(times[cell])
            table[o].append(Referral(origins.names[o], dname if np.isfinite(t) else None, t,
                                     measure(times, int(cell))))
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
