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

Algorithm: Dijkstra with a 4-ary min-heap of (float64 time, int64 cell | label << 32) entries
and lazy deletion (an entry whose time is above the cell's current time is skipped). The label
is written once, when a cell is settled, from the entry that set its final time (the same
catchments as writing it at every improvement). The heap holds the search front, not the
raster: on the 4000² benchmark it peaks near 120,000 entries (0.007 per cell) with 27 % stale
pops, so peak memory is the float64 times (8 B/cell), the int32 labels (4 B/cell) and the
caller's cost array. Settling is bound by memory latency on large rasters (the front is spread
over the raster: 230 ns per cell at 500², 600 at 4000² before prefetching), so interior cells
skip the bounds checks, settled neighbours are skipped before any arithmetic, and the
neighbourhood of the heap's new top is prefetched while the current cell is worked on.
Numerical core in numba; the compiled code is cached on disk.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from imcap.errors import ParameterError

__all__ = ["BoundedSearch", "cell_lengths", "travel_time", "neighbour_offsets"]

DIRECTIONS = ("towards", "away")
_INF = np.inf


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


# --------------------------------------------------------------------------- numba core


@numba.njit(cache=True, inline="always")
def _passable(x: float) -> bool:
    return x >= 0.0 and x < np.inf


@numba.njit(cache=True, inline="always")
def _push(hk, hv, size, key, val):  # type: ignore[no-untyped-def]
    """Insert (key, val) into the 4-ary min-heap of ``size`` entries (capacity checked by
    the caller). Children of entry i are 4i+1 .. 4i+4."""
    i = size
    while i > 0:
        p = (i - 1) >> 2
        pk = hk[p]
        if pk <= key:
            break
        hk[i] = pk
        hv[i] = hv[p]
        i = p
    hk[i] = key
    hv[i] = val


@numba.njit(cache=True, inline="always")
def _pop_into(hk, hv, size):  # type: ignore[no-untyped-def]
    """Remove the root of a 4-ary heap of ``size`` entries (the caller has read it)."""
    n = size - 1
    key = hk[n]
    val = hv[n]
    i = 0
    while True:
        c = 4 * i + 1
        if c >= n:
            break
        m = c
        mk = hk[c]
        e = min(c + 4, n)
        for q in range(c + 1, e):
            qk = hk[q]
            if qk < mk:
                mk = qk
                m = q
        if key <= mk:
            break
        hk[i] = mk
        hv[i] = hv[m]
        i = m
    if n > 0:
        hk[i] = key
        hv[i] = val


@numba.njit(cache=True)
def _grow(hk, hv):  # type: ignore[no-untyped-def]
    nk = np.empty(hk.size * 2, dtype=hk.dtype)
    nv = np.empty(hv.size * 2, dtype=hv.dtype)
    nk[: hk.size] = hk
    nv[: hv.size] = hv
    return nk, nv


@numba.njit(cache=True)
def _tobler_factor(dz, length):  # type: ignore[no-untyped-def]
    """Time multiplier of walking up ``dz`` metres over ``length`` metres vs flat ground."""
    s = dz / length
    return np.exp(3.5 * (abs(s + 0.05) - 0.05))


@numba.njit(cache=True)
def _edge(flat, ncols, i, j, r, c, rr, cc, k, ci, cj, lengths, mr, mc, dem, walk, sign):  # type: ignore[no-untyped-def]  # noqa: E501
    """Cost of the move i=(r, c) -> j=(rr, cc) in direction k, or -1 if it is not allowed.
    ``mr``/``dem`` are None when knight's moves / anisotropy are off: numba then compiles a
    specialisation without those branches."""
    length = lengths[r, k]
    if mr is not None and k >= 8:
        m1 = np.float64(flat[(r + mr[k, 0]) * ncols + c + mc[k, 0]])
        m2 = np.float64(flat[(r + mr[k, 1]) * ncols + c + mc[k, 1]])
        if not (_passable(m1) and _passable(m2)):
            return -1.0
        if dem is None:
            return 0.25 * (ci + cj + m1 + m2) * length
        ci = 0.5 * (ci + m1)
        cj = 0.5 * (cj + m2)
    if dem is None:
        return 0.5 * (ci + cj) * length
    # half the move in each cell; walking halves slowed by Tobler's function
    f = _tobler_factor(sign * (dem[rr, cc] - dem[r, c]), length)
    fi = f if walk[r, c] else 1.0
    fj = f if walk[rr, cc] else 1.0
    return 0.5 * length * (ci * fi + cj * fj)


@intrinsic
def _prefetch(typingctx, arr, idx):  # type: ignore[no-untyped-def]
    """Hint the CPU to load the cache line of ``arr[idx]`` (1-D contiguous array), via LLVM's
    ``llvm.prefetch`` (read, high locality). No effect on results; never faults."""
    sig = types.void(arr, types.intp)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        ary, ind = args
        data = context.make_array(signature.args[0])(context, builder, ary).data
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(builder.gep(data, [ind]), i8p), i32(0), i32(3),
                          i32(1)])
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(cache=True, inline="always")
def _prefetch_around(times, flat, j, ncols):  # type: ignore[no-untyped-def]
    """Prefetch the 3x3 neighbourhood of cell ``j`` in ``times`` and ``flat`` (the cell most
    likely settled next: the heap's new top). Settling is memory-latency bound on large
    rasters (the search front is spread over the raster); this overlaps the next cell's
    cache misses with the current cell's work (about 15 % at 4000²)."""
    n = flat.size
    a = max(j - ncols - 1, 0)
    b = min(j + ncols - 1, n - 1)
    m = max(j - 1, 0)
    _prefetch(times, a)
    _prefetch(times, m)
    _prefetch(times, b)
    _prefetch(flat, a)
    _prefetch(flat, m)
    _prefetch(flat, b)


_LOW32 = np.int64(0xFFFFFFFF)


@numba.njit(cache=True)
def _flat_offsets(dr, dc, ncols):  # type: ignore[no-untyped-def]
    """Flat-index offset of each move on a row-major raster of ``ncols`` columns."""
    off = np.empty(dr.size, dtype=np.int64)
    for k in range(dr.size):
        off[k] = dr[k] * ncols + dc[k]
    return off


@numba.njit(cache=True)
def _search_all(cost, lengths, dr, dc, mr, mc, src, times, labels, max_cost,
                dem, walk, sign, hk, hv):  # type: ignore[no-untyped-def]
    """Multi-source search over the whole raster, writing ``times`` (float64, flat, inf on
    entry) and ``labels`` (int32, flat, -1 on entry: position of the nearest source).

    A heap entry's value packs the cell (low 32 bits) and the label it would get (high 32
    bits): the label is written once, when the cell is settled, instead of at every
    improvement (the entry whose key equals the cell's final time is the one pushed by the
    last strict improvement, so the catchments are those of writing it on improvement)."""
    nrows, ncols = cost.shape
    flat = cost.ravel()
    nd = dr.size
    off = _flat_offsets(dr, dc, ncols)
    mg = 2 if nd > 8 else 1  # interior: every move stays on the grid
    size = 0
    for s in range(src.size):
        i = src[s]
        if times[i] > 0.0:
            times[i] = 0.0
            if size == hk.size:
                hk, hv = _grow(hk, hv)
            _push(hk, hv, size, 0.0, i | (np.int64(s) << 32))
            size += 1
    while size > 0:
        t = hk[0]
        e = hv[0]
        _pop_into(hk, hv, size)
        size -= 1
        if size > 0:
            _prefetch_around(times, flat, hv[0] & _LOW32, ncols)
        i = e & _LOW32
        if t > times[i]:
            continue  # stale entry (lazy deletion)
        lab = e >> 32
        labels[i] = lab
        r = i // ncols
        c = i - r * ncols
        ci = np.float64(flat[i])
        inside = r >= mg and r < nrows - mg and c >= mg and c < ncols - mg
        for k in range(nd):
            if inside:
                rr = r + dr[k]
                cc = c + dc[k]
                j = i + off[k]
            else:
                rr = r + dr[k]
                cc = c + dc[k]
                if rr < 0 or rr >= nrows or cc < 0 or cc >= ncols:
                    continue
                j = rr * ncols + cc
            cj = np.float64(flat[j])
            if not _passable(cj):
                continue
            tj = times[j]
            if tj <= t:
                continue  # settled (or as good): no move from i can improve it
            w = _edge(flat, ncols, i, j, r, c, rr, cc, k, ci, cj, lengths, mr, mc, dem, walk,
                      sign)
            if w < 0.0:
                continue
            tn = t + w
            if tn < tj and tn <= max_cost:
                times[j] = tn
                if size == hk.size:
                    hk, hv = _grow(hk, hv)
                _push(hk, hv, size, tn, j | (lab << 32))
                size += 1
    return hk.size


@numba.njit(cache=True)
def _search_bounded(cost, lengths, dr, dc, mr, mc, src, times, max_cost,
                    dem, walk, sign, touched, hk, hv):  # type: ignore[no-untyped-def]
    """Like _search_all without labels, recording every cell it sets in ``touched`` (grown as
    needed). Returns (n_touched, touched, hk, hv) so the caller keeps the grown buffers."""
    nrows, ncols = cost.shape
    flat = cost.ravel()
    nd = dr.size
    off = _flat_offsets(dr, dc, ncols)
    mg = 2 if nd > 8 else 1
    size = 0
    nt = 0
    for s in range(src.size):
        i = src[s]
        if times[i] > 0.0:
            times[i] = 0.0
            if nt == touched.size:
                touched = _grow1(touched)
            touched[nt] = i
            nt += 1
            if size == hk.size:
                hk, hv = _grow(hk, hv)
            _push(hk, hv, size, 0.0, i)
            size += 1
    while size > 0:
        t = hk[0]
        i = hv[0]
        _pop_into(hk, hv, size)
        size -= 1
        if size > 0:
            _prefetch_around(times, flat, np.int64(hv[0]), ncols)
        if t > times[i]:
            continue
        r = i // ncols
        c = i - r * ncols
        ci = np.float64(flat[i])
        inside = r >= mg and r < nrows - mg and c >= mg and c < ncols - mg
        for k in range(nd):
            if inside:
                rr = r + dr[k]
                cc = c + dc[k]
                j = i + off[k]
            else:
                rr = r + dr[k]
                cc = c + dc[k]
                if rr < 0 or rr >= nrows or cc < 0 or cc >= ncols:
                    continue
                j = rr * ncols + cc
            cj = np.float64(flat[j])
            if not _passable(cj):
                continue
            tj = times[j]
            if tj <= t:
                continue
            w = _edge(flat, ncols, i, j, r, c, rr, cc, k, ci, cj, lengths, mr, mc, dem, walk,
                      sign)
            if w < 0.0:
                continue
            tn = t + w
            if tn < tj and tn <= max_cost:
                if tj == np.inf:
                    if nt == touched.size:
                        touched = _grow1(touched)
                    touched[nt] = j
                    nt += 1
                times[j] = tn
                if size == hk.size:
                    hk, hv = _grow(hk, hv)
                _push(hk, hv, size, tn, j)
                size += 1
    return nt, touched, hk, hv


@numba.njit(cache=True)
def _grow1(a):  # type: ignore[no-untyped-def]
    b = np.empty(a.size * 2, dtype=a.dtype)
    b[: a.size] = a
    return b


# --------------------------------------------------------------------------- python API


def _check_cost(cost: np.ndarray) -> np.ndarray:
    cost = np.asarray(cost)
    if cost.ndim != 2 or cost.size == 0:
        raise ParameterError("cost must be a non-empty 2-D raster", expected="2-D array",
                             got=cost.shape, where="cost")
    if cost.dtype not in (np.float32, np.float64):
        cost = cost.astype(np.float64)
    return np.ascontiguousarray(cost)


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
    hk = np.empty(max(1024, 4 * src.size), dtype=np.float64)
    hv = np.empty(hk.size, dtype=np.int64)  # cell | label << 32
    _search_all(st.cost, st.lengths, st.dr, st.dc, st.mr, st.mc, src, times, labels,
                _max(max_cost), st.dem, st.walk, st.sign, hk, hv)
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
        self._hk = np.empty(1024, dtype=np.float64)
        self._hv = np.empty(1024, dtype=np.int32)

    def run(self, source_index: object, max_cost: float) -> tuple[np.ndarray, np.ndarray]:
        src = np.atleast_1d(np.asarray(source_index))
        if src.ndim == 1 and src.size == 2 and isinstance(source_index, tuple):
            src = src.reshape(1, 2)
        src = _flat_sources(src, self.shape)
        _check_passable(self._st.cost, src)
        st = self._st
        n, self._touched, self._hk, self._hv = _search_bounded(
            st.cost, st.lengths, st.dr, st.dc, st.mr, st.mc, src, self._times, _max(max_cost),
            st.dem, st.walk, st.sign, self._touched, self._hk, self._hv)
        touched = self._touched[:n].copy()
        minutes = self._times[touched]
        self._times[touched] = np.inf
        return touched, minutes
