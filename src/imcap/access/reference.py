"""Reference travel-time engine: plain-Python Dijkstra with :mod:`heapq`, written for clarity.

It implements the same model as :mod:`imcap.access.engine` (see its docstring) move by move
and is the oracle the fast engine is tested against, including knight's moves, per-row cell
sizes and anisotropic walking, where scikit-image has no equivalent. Slow: use it on small
rasters only.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from imcap.access.engine import _knight_mids, _step_lengths, cell_lengths, neighbour_offsets


def _ok(x: float) -> bool:
    return 0.0 <= x < math.inf


def reference_travel_time(
    cost: np.ndarray,
    sources: list[tuple[int, int]],
    cell_size: object,
    *,
    max_cost: float | None = None,
    knight: bool = False,
    dem: np.ndarray | None = None,
    walk_mask: np.ndarray | None = None,
    direction: str = "towards",
) -> tuple[np.ndarray, np.ndarray]:
    """Same contract as :func:`imcap.access.engine.travel_time` (sources as (row, col))."""
    cost = np.asarray(cost, dtype=np.float64)
    nrows, ncols = cost.shape
    row_m, col_m = cell_lengths(cell_size, nrows)  # type: ignore[arg-type]
    dr, dc = neighbour_offsets(knight)
    mr, mc = _knight_mids(dr, dc)
    lengths = _step_lengths(row_m, col_m, dr, dc)
    limit = math.inf if max_cost is None else max_cost
    times = np.full(cost.shape, np.inf)
    labels = np.full(cost.shape, -1, dtype=np.int32)
    heap: list[tuple[float, int, int]] = []
    for s, (r, c) in enumerate(sources):
        if times[r, c] > 0:
            times[r, c] = 0.0
            labels[r, c] = s
            heapq.heappush(heap, (0.0, r, c))
    done = np.zeros(cost.shape, dtype=bool)
    while heap:
        t, r, c = heapq.heappop(heap)
        if done[r, c]:
            continue
        done[r, c] = True
        for k in range(dr.size):
            rr, cc = r + int(dr[k]), c + int(dc[k])
            if not (0 <= rr < nrows and 0 <= cc < ncols) or not _ok(cost[rr, cc]):
                continue
            length = lengths[r, k]
            ci, cj = cost[r, c], cost[rr, cc]
            if k >= 8:  # knight's move: mean of the four cells crossed
                m1 = cost[r + mr[k, 0], c + mc[k, 0]]
                m2 = cost[r + mr[k, 1], c + mc[k, 1]]
                if not (_ok(m1) and _ok(m2)):
                    continue
                ci, cj = (ci + m1) / 2, (cj + m2) / 2
            if dem is None:
                w = (ci + cj) / 2 * length
            else:
                # the walker goes from (rr, cc) to (r, c) ("towards") or the reverse ("away")
                dz = dem[r, c] - dem[rr, cc] if direction == "towards" else dem[rr, cc] - dem[r, c]
                f = math.exp(3.5 * (abs(dz / length + 0.05) - 0.05))
                walk = np.ones(cost.shape, bool) if walk_mask is None else walk_mask
                w = length / 2 * (ci * (f if walk[r, c] else 1) + cj * (f if walk[rr, cc] else 1))
            nt = t + w
            if nt < times[rr, cc] and nt <= limit:
                times[rr, cc] = nt
                labels[rr, cc] = labels[r, c]
                heapq.heappush(heap, (nt, rr, cc))
    return times, labels
