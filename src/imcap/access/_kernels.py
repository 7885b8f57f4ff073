"""Numba kernels of :mod:`imcap.access.engine`: the heap, the move cost and the two searches.

Private to :mod:`imcap.access`; the model (move costs, Tobler walking, cell sizes) is documented
in :mod:`imcap.access.engine`, which validates the inputs and calls :func:`_search_all` and
:func:`_search_bounded` on plain contiguous arrays.

Algorithm: Dijkstra with a 4-ary min-heap of (float64 time, int64 cell | label << 32) entries
and lazy deletion (an entry whose time is above the cell's current time is skipped). The label
is written once, when a cell is settled, from the entry that set its final time (the same
catchments as writing it at every improvement). The heap holds the search front, not the
raster: on the 4000² benchmark it peaks near 120,000 entries (0.007 per cell) with 27 % stale
pops, so peak memory is the float64 times (8 B/cell), the int32 labels (4 B/cell) and the
caller's cost array. Settling is bound by memory latency on large rasters (the front is spread
over the raster: 230 ns per cell at 500², 600 at 4000² before prefetching), so interior cells
skip the bounds checks, settled neighbours are skipped before any arithmetic, and the
neighbourhood of the heap's new top (its times, costs and the line of its label, written when
it is settled) is prefetched while the current cell is worked on. Tried and dropped: settling
in one batch the heap entries below top + half the least move cost (they cannot improve one
another, so times and catchments stay the same) with all their neighbourhoods prefetched
together: 10-30 % slower at 4000² (bench/README.md).
Numerical core in numba; the compiled code is cached on disk.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


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
            nxt = hv[0] & _LOW32
            _prefetch_around(times, flat, nxt, ncols)
            _prefetch(labels, nxt)
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
