"""Least-cost travel time on a raster: the array engine of :mod:`imcap.access`.

Everything here works on plain numpy arrays in row/column terms; geography (CRS, transforms,
files) lives in :mod:`imcap.access.raster`. This module's public names are **stable** (the
siting service builds on them):

``travel_time(cost, sources, cell_size, *, max_cost=None, knight=False, dem=None,
walk_mask=None, direction="towards") -> (minutes, nearest)``
    Multi-source Dijkstra in one pass. ``minutes`` is float64 with ``inf`` where no source is
    reachable (or beyond ``max_cost``); ``nearest`` is int32, the position in ``sources`` of
    the source with the least travel time (the catchment label), ``-1`` where unreachable.

``BoundedSearch(cost, cell_size, *, knight=False, dem=None, walk_mask=None,
direction="towards")`` with ``.run(source, max_cost) -> (touched, minutes)``
    Repeated single- (or multi-) source searches bounded by ``max_cost``. It keeps its work
    arrays between runs and resets only the cells a run touched, so one run costs time in
    proportion to the area within reach, not to the raster. ``touched`` is the int64 array
    of flat (row-major) indices reached within ``max_cost``; ``minutes`` their travel times.

``cell_lengths(cell_size, nrows)`` returns the per-row (row_m, col_m) arrays used.

Model
-----
``cost[r, c]`` is the time to cross one metre of cell (r, c) (minutes per metre when the
answer should be in minutes; the Malaria Atlas Project friction surfaces are in exactly these
units). Cells with a cost that is NaN, infinite or negative are impassable. A move from cell
``a`` to a neighbour ``b`` costs::

    (cost[a] + cost[b]) / 2 * L(a, b)

where ``L`` is the distance between the cell centres in metres. This is the rule of
``skimage.graph.MCP_Geometric`` and of GRASS ``r.cost`` (whose input is cost per cell width).
Sources start at 0. Moves go to the 8 neighbours; with ``knight=True`` also to the 8 knight's
move cells (16 directions, GRASS ``r.cost -k``), costing the mean of the four cells the move
crosses (start, end and the two cells the straight segment passes through) times its length, as
``r.cost`` does; a knight's move never jumps over an impassable cell. A diagonal move may pass
between two diagonally touching impassable cells, as in both peers: rasterise barrier lines
with ``all_touched=True`` (the scenario builder does).

Cell size: ``cell_size=(row_m, col_m)``, each a scalar (projected raster) or an array with one
value per row (geographic raster: the width of a 0.01° cell shrinks with cos(latitude)). The
vertical distance between the centres of rows r and r+1 is ``(row_m[r] + row_m[r+1]) / 2``;
the horizontal distance of a move of ``dc`` columns between rows r and r' is
``|dc| * (col_m[r] + col_m[r']) / 2``; ``L = hypot(vertical, horizontal)``. Moves are symmetric.

Anisotropic walking (AccessMod's "anisotropic" mode): give ``dem`` (metres, same shape) and
``walk_mask`` (True where people walk; motorised cells ignore slope). The half of a move that
lies in a walking cell is slowed by Tobler's hiking function relative to flat ground::

    v(s) = 6 * exp(-3.5 * |s + 0.05|) km/h,   factor(s) = v(0) / v(s) = exp(3.5 (|s+0.05| - 0.05))

with ``s = dz / L`` the slope in the direction the person walks: towards the facility
(``direction="towards"``, the default: from the cell to the source) or away from it
(``"away"``). The flat-ground speed is whatever ``cost`` encodes. Tobler W. (1993) Three
presentations on geographical analysis and modeling, NCGIA Technical Report 93-1.

Algorithm: see :mod:`imcap.access._kernels` (numba Dijkstra with an exact bucket queue, or a
4-ary heap when some cell costs nothing; lazy deletion, catchment label carried in the queue
entry, branch-free move costs without knight's moves or a DEM, prefetching, no reallocation
inside the compiled loop).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from imcap.access._kernels import Queue, _finite_range, search
from imcap.errors import ParameterError

__all__ = ["BoundedSearch", "cell_lengths", "travel_time", "neighbour_offsets"]

DIRECTIONS = ("towards", "away")
_INF = np.inf
# The bucket queue's widest window (see queue_plan). Measured (bench/README.md): windows of
# 64-128 buckets, with what lies beyond them in the heap, were as fast as or faster than wider
# ones on every surface tried (deeper buckets under the same memory cap); 128 is a little
# faster than 64 on the benchmark problem at 4000².
MAX_BUCKETS = 128


# --------------------------------------------------------------------------- geometry helpers


def neighbour_offsets(knight: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Row and column offsets of the moves: 8 neighbours, then (knight) the 8 knight's moves."""
    dr = [-1, -1, -1, 0, 0, 1, 1, 1]
    dc = [-1, 0, 1, -1, 1, -1, 0, 1]
    if knight:
        dr += [-2, -2, -1, -1, 1, 1, 2, 2]
        dc += [-1, 1, -2, 2, -2, 2, -1, 1]
    return np.array(dr, dtype=np.int64), np.array(dc, dtype=np.int64)


def cell_lengths(
    cell_size: float | Sequence[float] | tuple[object, object], nrows: int
) -> tuple[np.ndarray, np.ndarray]:
    """(row_m, col_m): float64 arrays of one cell height and width in metres per row.

    ``cell_size`` is one number (square cells), a pair of numbers, or a pair whose items are
    per-row arrays of length ``nrows``.
    """
    if np.isscalar(cell_size):
        cell_size = (cell_size, cell_size)  # type: ignore[assignment]
    try:
        row_m, col_m = cell_size  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ParameterError("bad cell size", expected="(row_m, col_m)", got=cell_size,
                             where="cell_size") from None
    out = []
    for name, v in (("row_m", row_m), ("col_m", col_m)):
        a = np.asarray(v, dtype=np.float64)
        if a.ndim == 0:
            a = np.full(nrows, float(a))
        if a.shape != (nrows,):
            raise ParameterError("per-row cell size has the wrong length",
                                 expected=f"a number or {nrows} values", got=a.shape, where=name)
        if not np.all(np.isfinite(a)) or np.any(a <= 0):
            raise ParameterError("cell sizes must be positive metres", expected="> 0",
                                 got=float(np.nanmin(a)), where=name)
        out.append(a)
    return out[0], out[1]


def _step_lengths(row_m: np.ndarray, col_m: np.ndarray, dr: np.ndarray,
                  dc: np.ndarray) -> np.ndarray:
    """L[r, k]: metres from a cell of row r to its neighbour in direction k (0 off the grid)."""
    n = row_m.size
    out = np.zeros((n, dr.size), dtype=np.float64)
    centre = np.concatenate([[0.0], np.cumsum((row_m[:-1] + row_m[1:]) / 2)])
    rows = np.arange(n)
    for k in range(dr.size):
        r2 = rows + dr[k]
        ok = (r2 >= 0) & (r2 < n)
        v = np.abs(centre[r2[ok]] - centre[rows[ok]])
        h = abs(int(dc[k])) * (col_m[rows[ok]] + col_m[r2[ok]]) / 2
        out[ok, k] = np.hypot(v, h)
    return out


def _knight_mids(dr: np.ndarray, dc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each direction, the two cells (row, col offsets) a knight's move passes through
    (both equal to the target for the 8 plain moves, where they are not used)."""
    m = dr.size
    mr = np.zeros((m, 2), dtype=np.int64)
    mc = np.zeros((m, 2), dtype=np.int64)
    for k in range(m):
        a, b = int(dr[k]), int(dc[k])
        if abs(a) == 1 and abs(b) == 2:
            mr[k] = (0, a)
            mc[k] = (np.sign(b), np.sign(b))
        elif abs(a) == 2 and abs(b) == 1:
            mr[k] = (np.sign(a), np.sign(a))
            mc[k] = (0, b)
        else:
            mr[k] = (a, a)
            mc[k] = (b, b)
    return mr, mc


# --------------------------------------------------------------------------- python API


def _check_cost(cost: np.ndarray) -> np.ndarray:
    cost = np.asarray(cost)
    if cost.ndim != 2 or cost.size == 0:
        raise ParameterError("cost must be a non-empty 2-D raster", expected="2-D array",
                             got=cost.shape, where="cost")
    if cost.dtype not in (np.float32, np.float64):
        cost = cost.astype(np.float64)
    cost = np.ascontiguousarray(cost)
    if (cost < 0).any():  # impassable: the kernel expects NaN or +inf there (a copy)
        cost = np.where(cost < 0, np.nan, cost).astype(cost.dtype)
    return cost


def _flat_sources(sources: object, shape: tuple[int, int]) -> np.ndarray:
    """Sources as flat indices: an (n, 2) array of (row, col) or a 1-D array of flat indices."""
    a = np.asarray(sources)
    if a.size == 0:
        raise ParameterError("no sources (facilities) given", expected="at least one source",
                             got=0, where="sources")
    if a.ndim == 2 and a.shape[1] == 2:
        rows, cols = a[:, 0].astype(np.int64), a[:, 1].astype(np.int64)
        bad = np.flatnonzero((rows < 0) | (rows >= shape[0]) | (cols < 0) | (cols >= shape[1]))
        if bad.size:
            raise ParameterError("source outside the raster", expected=f"rows < {shape[0]}, "
                                 f"cols < {shape[1]}", got=[tuple(a[b]) for b in bad[:5]],
                                 where=f"sources {bad[:5].tolist()}")
        return rows * shape[1] + cols
    if a.ndim == 1 and np.issubdtype(a.dtype, np.integer):
        bad = np.flatnonzero((a < 0) | (a >= shape[0] * shape[1]))
        if bad.size:
            raise ParameterError("source outside the raster", expected="flat index in raster",
                                 got=a[bad[:5]].tolist(), where=f"sources {bad[:5].tolist()}")
        return a.astype(np.int64)
    raise ParameterError("bad sources", expected="(n, 2) rows/cols or 1-D flat indices",
                         got=a.shape, where="sources")


def _check_passable(cost: np.ndarray, src: np.ndarray) -> None:
    v = cost.ravel()[src]
    bad = np.flatnonzero(~((v >= 0) & (v < np.inf)))
    if bad.size:
        rc = [divmod(int(src[b]), cost.shape[1]) for b in bad[:5]]
        raise ParameterError("source on an impassable cell", expected="finite cost >= 0",
                             got=[float(v[b]) for b in bad[:5]],
                             where=f"sources {bad[:5].tolist()} at (row, col) {rc}")


class _Setup:
    """Validated arrays shared by travel_time and BoundedSearch."""

    def __init__(self, cost: np.ndarray, cell_size: object, knight: bool,
                 dem: np.ndarray | None, walk_mask: np.ndarray | None, direction: str) -> None:
        self.cost = _check_cost(cost)
        nrows = self.cost.shape[0]
        row_m, col_m = cell_lengths(cell_size, nrows)  # type: ignore[arg-type]
        self.dr, self.dc = neighbour_offsets(knight)
        self.mr, self.mc = _knight_mids(self.dr, self.dc)
        self.lengths = _step_lengths(row_m, col_m, self.dr, self.dc)
        if direction not in DIRECTIONS:
            raise ParameterError("unknown walking direction", expected=" or ".join(DIRECTIONS),
                                 got=direction, where="direction")
        self.sign = 1.0 if direction == "towards" else -1.0
        if not knight:
            self.mr = self.mc = None  # type: ignore[assignment]
        self.dem: np.ndarray | None = None
        self.walk: np.ndarray | None = None
        if dem is not None:
            dem = np.ascontiguousarray(dem, dtype=np.float64)
            if dem.shape != self.cost.shape:
                raise ParameterError("DEM and cost rasters differ in shape",
                                     expected=self.cost.shape, got=dem.shape, where="dem")
            walk = (np.ones(dem.shape, dtype=np.bool_) if walk_mask is None
                    else np.ascontiguousarray(walk_mask, dtype=np.bool_))
            if walk.shape != self.cost.shape:
                raise ParameterError("walk mask and cost rasters differ in shape",
                                     expected=self.cost.shape, got=walk.shape, where="walk_mask")
            # "towards": the person walks from the neighbour (further) to the cell (closer):
            # dz = z_closer - z_further = -(z_j - z_i); the kernel computes sign * (z_j - z_i).
            self.sign = -self.sign
            self.dem, self.walk = dem, walk
        self.plan = queue_plan(self.cost, self.lengths, self.dem is not None)

    def queue(self) -> Queue:
        return Queue(*self.plan) if self.plan is not None else Queue()


def queue_plan(cost: np.ndarray, lengths: np.ndarray,
               anisotropic: bool) -> tuple[float, int] | None:
    """(bucket width, number of buckets) for an exact bucket queue, or None for the heap.

    Every move costs at least ``least passable cost x shortest step`` (x ``exp(-0.175)``, the
    least Tobler factor, with a DEM; knight's moves: the mean of four cells x a longer step).
    Buckets a little narrower than that hold cells that cannot improve one another, so each
    bucket is final when it is emptied, in any order (Dial's algorithm: the same times as the
    heap, without its ordering work). The window covers the greatest flat move (up to
    :data:`MAX_BUCKETS` buckets); moves beyond it (steep walking, extreme cost ratios) wait
    in a heap. Zero-cost cells, or ``MAX_BUCKETS`` 0, keep the heap alone."""
    if MAX_BUCKETS < 1:
        return None
    lo, hi = _finite_range(cost.ravel())
    steps = lengths[lengths > 0]
    if not (lo > 0 and np.isfinite(hi)) or steps.size == 0:
        return None
    least = lo * float(steps.min()) * (math.exp(-0.175) if anisotropic else 1.0)
    width = least * (1.0 - 2.0**-20)
    if not (width > 0 and math.isfinite(width)):
        return None  # a subnormal least cost: no usable width
    span = hi * float(steps.max()) / width
    if not span < MAX_BUCKETS:  # also an infinite span (costs near the float maximum)
        return width, MAX_BUCKETS
    return width, min(1 << math.ceil(math.log2(span + 3)), MAX_BUCKETS)


def _max(max_cost: float | None) -> float:
    if max_cost is None:
        return np.inf
    if not max_cost > 0:
        raise ParameterError("maximum travel time must be positive", expected="> 0",
                             got=max_cost, where="max_cost")
    return float(max_cost)


def travel_time(
    cost: np.ndarray,
    sources: object,
    cell_size: object,
    *,
    max_cost: float | None = None,
    knight: bool = False,
    dem: np.ndarray | None = None,
    walk_mask: np.ndarray | None = None,
    direction: str = "towards",
) -> tuple[np.ndarray, np.ndarray]:
    """Least travel time from every cell to the nearest source, and which source that is.

    cost: 2-D crossing cost per metre (minutes/m gives minutes); NaN/inf/negative impassable.
    sources: (n, 2) int rows/cols or 1-D flat indices; each must be on a passable cell.
    cell_size: (row_m, col_m), scalars or per-row arrays (see module docstring).
    max_cost: stop at this travel time; cells beyond it are unreachable (inf, -1).
    Returns (minutes float64 with inf where unreachable, nearest int32 with -1 there).
    """
    st = _Setup(cost, cell_size, knight, dem, walk_mask, direction)
    src = _flat_sources(sources, st.cost.shape)
    _check_passable(st.cost, src)
    n = st.cost.size
    times = np.full(n, np.inf, dtype=np.float64)
    labels = np.full(n, -1, dtype=np.int32)
    search(st.cost, st.lengths, st.dr, st.dc, st.mr, st.mc, src, times, labels,
           _max(max_cost), st.dem, st.walk, st.sign, st.queue())
    return times.reshape(st.cost.shape), labels.reshape(st.cost.shape)


class BoundedSearch:
    """Many bounded searches on one cost raster, each resetting only the cells it touched.

    >>> bs = BoundedSearch(cost, (100.0, 100.0))
    >>> touched, minutes = bs.run(source_index, max_cost=120.0)

    ``source_index``: a flat index, a (row, col) pair, or several of either (one multi-source
    run). ``touched``: int64 flat indices reached within ``max_cost`` (in the order first
    reached); ``minutes``: float64 times of those cells. Same model and options as
    :func:`travel_time`. Not thread-safe (one instance per thread).
    """

    def __init__(self, cost: np.ndarray, cell_size: object, *, knight: bool = False,
                 dem: np.ndarray | None = None, walk_mask: np.ndarray | None = None,
                 direction: str = "towards") -> None:
        self._st = _Setup(cost, cell_size, knight, dem, walk_mask, direction)
        self.shape = self._st.cost.shape
        self._times = np.full(self._st.cost.size, np.inf, dtype=np.float64)
        self._touched = np.empty(1024, dtype=np.int64)
        self._queue = self._st.queue()

    def run(self, source_index: object, max_cost: float) -> tuple[np.ndarray, np.ndarray]:
        src = np.atleast_1d(np.asarray(source_index))
        if src.ndim == 1 and src.size == 2 and isinstance(source_index, tuple):
            src = src.reshape(1, 2)
        src = _flat_sources(src, self.shape)
        _check_passable(self._st.cost, src)
        st = self._st
        self._touched, n = search(
            st.cost, st.lengths, st.dr, st.dc, st.mr, st.mc, src, self._times, None,
            _max(max_cost), st.dem, st.walk, st.sign, self._queue, self._touched)
        touched = self._touched[:n].copy()
        minutes = self._times[touched]
        self._times[touched] = np.inf
        return touched, minutes
