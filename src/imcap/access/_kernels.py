"""Numba kernels of :mod:`imcap.access.engine`: the queue, the move cost and the search.

Private to :mod:`imcap.access`; the model (move costs, Tobler walking, cell sizes) is documented
in :mod:`imcap.access.engine`, which validates the inputs, picks the queue
(``engine.queue_plan``) and calls :func:`search` on plain contiguous arrays.

Algorithm: Dijkstra over entries (float64 time, int64 cell | label << 32) with lazy deletion
(an entry whose time is above the cell's current time is skipped). The label is written once,
when a cell is settled, from the entry that set its final time (the same catchments as
writing it at every improvement). Two queues:

* **Bucket queue** (Dial's algorithm), whenever every move costs at least a known width (a
  positive least cost): buckets of that width hold cells that cannot improve one another, so
  the bucket being emptied is final in any order. A circular window of buckets takes the
  entries within reach of the greatest flat move; the rest (steep Tobler moves, extreme cost
  ratios) wait in the heap until the window reaches them. Popping reads the top of a bucket,
  so the next cells are known ahead and their neighbourhoods are prefetched; pushing is an
  append. Bucket indices are compared as floats before any int64 conversion (tentative times
  of steep moves reach 1e17 min and more), and when the window empties with only entries
  beyond exact integer indices left, the heap finishes the search.
* **4-ary min-heap** otherwise (zero-cost cells), its new top's neighbourhood prefetched.

The queue holds the search front, not the raster (on the 4000² benchmark about 120,000
entries, 0.007 per cell): the buckets share one depth, grown while they stay within 2 B/cell
(or 4 MiB), and what does not fit waits in the heap, which grows with what it holds. So peak
memory is the float64 times (8 B/cell), the int32 labels (4 B/cell), at most 2 B/cell of
buckets, the heap (16 B per waiting entry: many sources or a bunched front) and the caller's
cost array.

One kernel, :func:`_settle`, serves the whole-raster search (labels, no touched list) and the
bounded searches of siting (touched list, no labels): an argument that is None compiles a
specialisation without its branch. It never reallocates: it returns when a bucket, the heap
or the touched list could overflow during the next step, and :func:`search` grows them and
calls it again (the search state is the queue plus ``times``, so it resumes exactly). This
matters for speed: a numba array variable reassigned inside a loop (``hk = grow(hk)``) makes
numba emit a reference-count increment and decrement (an atomic, through a call) around
every use in the loop, which had cost about half of the search time. Without knight's moves
or a DEM the move cost is computed without branches: impassable cells are NaN or +inf
(``engine`` turns negative costs into NaN), so ``t + (ci + cj) / 2 * L < tj`` is false for
them and for settled neighbours alike. Interior cells use flat offsets with no bounds checks.
Tried and dropped (bench/README.md): batched settling of heap entries, tiled memory layouts,
an indexed decrease-key heap, a blocked label-correcting search. Numerical core in numba; the
compiled code is cached on disk.
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
_PREFETCH_AHEAD = 4  # bucket mode: prefetch the neighbourhood of the entry this far ahead
_MAX_BUCKET_INDEX = 2.0**52  # bucket indices (time / width) stay exact integers below this


@numba.njit(cache=True)
def _flat_offsets(dr, dc, ncols):  # type: ignore[no-untyped-def]
    """Flat-index offset of each move on a row-major raster of ``ncols`` columns."""
    off = np.empty(dr.size, dtype=np.int64)
    for k in range(dr.size):
        off[k] = dr[k] * ncols + dc[k]
    return off


@numba.njit(cache=True)
def _finite_range(flat):  # type: ignore[no-untyped-def]
    """(least, greatest) passable cost of a flat raster, without a temporary copy; (inf, -inf)
    when no cell is passable."""
    lo = np.inf
    hi = -np.inf
    for q in range(flat.size):
        x = np.float64(flat[q])
        if _passable(x):
            lo = min(lo, x)
            hi = max(hi, x)
    return lo, hi


@numba.njit(cache=True)
def _settle(cost, lengths, dr, dc, mr, mc, times, labels, max_cost, dem, walk, sign,
            buckets, inv, qk, qv, qn, cap, hk, hv, hs, cur, pending, touched, nt, pred):  # type: ignore[no-untyped-def]  # noqa: E501
    """Settle cells until the queue is empty; returns (cur, pending, hs, nt), pending 0 when
    done.

    The queue holds ``pending`` entries of (time, cell | label << 32). Heap mode (``buckets``
    False): all of them in the 4-ary heap ``hk``/``hv`` (``hs`` entries). Bucket mode: a
    circular window of ``qn.size`` buckets of width 1 / ``inv`` starting at bucket ``cur``
    (the one being emptied), bucket b holding ``qn[b]`` entries at ``qk/qv[b * cap:]``; an
    entry beyond the window, or whose bucket is full, waits in the heap until its bucket comes.
    Returns early, with pending > 0, when the next step could overflow the heap or
    ``touched``: the caller grows them (and the buckets) and calls again. ``labels`` (int32,
    or None) gets each settled cell's source; ``touched`` (int64, or None) every cell given a
    finite time; ``pred`` (uint8, or None) the direction of the move that gave each cell its
    time (sources keep theirs)."""
    nrows, ncols = cost.shape
    flat = cost.ravel()
    nd = dr.size
    off = _flat_offsets(dr, dc, ncols)
    mg = 2 if nd > 8 else 1  # interior: every move stays on the grid
    nb = qn.size
    cm = nb - 1
    heap_room = hk.size - nd
    touched_room = touched.size - nd if touched is not None else 0
    pull = buckets  # move heap entries the window has reached into their buckets
    while pending > 0:
        if hs > heap_room or (touched is not None and nt > touched_room):
            return cur, pending, hs, nt
        if buckets:
            while pull and hs > 0:
                x = hk[0] * inv
                if x >= cur + nb:
                    break
                b = max(np.int64(x), cur) & cm
                n = qn[b]
                if n >= cap:
                    break  # bucket full: the entry stays in the heap (popped from there)
                qk[b * cap + n] = hk[0]
                qv[b * cap + n] = hv[0]
                qn[b] = n + 1
                _pop_into(hk, hv, hs)
                hs -= 1
            pull = False
            slot = cur & cm
            n = qn[slot]
            if n > 0:
                base = slot * cap
                t = qk[base + n - 1]
                e = qv[base + n - 1]
                qn[slot] = n - 1
                if n > _PREFETCH_AHEAD:
                    nxt = qv[base + n - 1 - _PREFETCH_AHEAD] & _LOW32
                    _prefetch_around(times, flat, nxt, ncols)
                    if labels is not None:
                        _prefetch(labels, nxt)
            elif hs > 0 and hk[0] * inv < cur + 1:
                # entries of this bucket that found it full wait in the heap: final too
                t = hk[0]
                e = hv[0]
                _pop_into(hk, hv, hs)
                hs -= 1
            else:
                cur += 1
                if pending == hs:  # the window is empty: jump to the heap's first entry
                    x = hk[0] * inv
                    if x >= _MAX_BUCKET_INDEX:
                        buckets = False  # times beyond exact bucket indices: the heap ends it
                        continue
                    cur = max(cur, np.int64(x))
                pull = hs > 0
                continue
        else:
            t = hk[0]
            e = hv[0]
            _pop_into(hk, hv, hs)
            hs -= 1
            if hs > 0:
                nxt = hv[0] & _LOW32
                _prefetch_around(times, flat, nxt, ncols)
                if labels is not None:
                    _prefetch(labels, nxt)
        pending -= 1
        i = e & _LOW32
        if t > times[i]:
            continue  # stale entry (lazy deletion)
        lab = e >> 32
        if labels is not None:
            labels[i] = lab
        r = i // ncols
        c = i - r * ncols
        ci = np.float64(flat[i])
        inside = r >= mg and r < nrows - mg and c >= mg and c < ncols - mg
        for k in range(nd):
            rr = r + dr[k]
            cc = c + dc[k]
            if inside:
                j = i + off[k]
            else:
                if rr < 0 or rr >= nrows or cc < 0 or cc >= ncols:
                    continue
                j = rr * ncols + cc
            tj = times[j]
            if mr is None and dem is None:
                # NaN/inf cost (impassable) or a settled neighbour: the test below is false
                tn = t + 0.5 * (ci + np.float64(flat[j])) * lengths[r, k]
            else:
                cj = np.float64(flat[j])
                if not _passable(cj) or tj <= t:
                    continue
                w = _edge(flat, ncols, i, j, r, c, rr, cc, k, ci, cj, lengths, mr, mc, dem,
                          walk, sign)
                if w < 0.0:
                    continue
                tn = t + w
            if tn < tj and tn <= max_cost:
                if touched is not None and tj == np.inf:
                    touched[nt] = j
                    nt += 1
                times[j] = tn
                if pred is not None:
                    pred[j] = k
                val = j | (lab << 32)
                pending += 1
                if buckets:
                    x = tn * inv  # compared as a float: no int64 overflow for huge times
                    if x < cur + nb:
                        b = max(np.int64(x), cur) & cm
                        n = qn[b]
                        if n < cap:
                            qk[b * cap + n] = tn
                            qv[b * cap + n] = val
                            qn[b] = n + 1
                            continue
                _push(hk, hv, hs, tn, val)
                hs += 1
    return cur, pending, hs, nt


def _grown(a: np.ndarray, keep: int, need: int) -> np.ndarray:
    size = max(a.size, 16)
    while size < need:
        size *= 2
    out = np.empty(size, dtype=a.dtype)
    out[:keep] = a[:keep]
    return out


class Queue:
    """The search queue's arrays, kept between searches (see :func:`_settle`).

    With a ``width`` it is a bucket queue (Dial's algorithm), exact when every move costs at
    least ``width``: the cells of the bucket being emptied cannot improve one another, so
    they are final in any order and need no heap ordering (``engine.queue_plan`` checks
    that). ``n_buckets`` (a power of two) sets the window; entries beyond it, or whose bucket
    is full, wait in the heap. All buckets share one capacity, doubled while some bucket
    overflows and the buckets stay within ``max_entries`` (many sources, or a front bunched
    in a few buckets, then go through the heap instead of multiplying the memory). Without a
    ``width`` the heap alone orders the search."""

    def __init__(self, width: float | None = None, n_buckets: int = 1) -> None:
        self.buckets = width is not None
        self.inv = 1.0 / width if width is not None else 0.0
        nb = n_buckets if self.buckets else 1
        self.cap = max(16, (1 << 16) // nb) if self.buckets else 0
        self.qn = np.zeros(nb, dtype=np.int64)
        self.qk = np.empty(nb * self.cap, dtype=np.float64)
        self.qv = np.empty(nb * self.cap, dtype=np.int64)
        self.hk = np.empty(1024, dtype=np.float64)
        self.hv = np.empty(1024, dtype=np.int64)
        self.hs = 0

    def grow(self, heap_need: int, max_entries: int) -> None:
        """Room for ``heap_need`` entries in the heap; buckets twice as deep if one is full
        and they would still hold at most ``max_entries`` entries in all."""
        nb = self.qn.size
        if self.buckets and self.qn.max() >= self.cap and nb * self.cap * 2 <= max_entries:
            cap = self.cap * 2
            qk = np.empty(nb * cap, dtype=np.float64)
            qv = np.empty(nb * cap, dtype=np.int64)
            for b in range(nb):
                n = int(self.qn[b])
                qk[b * cap: b * cap + n] = self.qk[b * self.cap: b * self.cap + n]
                qv[b * cap: b * cap + n] = self.qv[b * self.cap: b * self.cap + n]
            self.qk, self.qv, self.cap = qk, qv, cap
        if self.hk.size < heap_need:
            self.hk = _grown(self.hk, self.hs, heap_need)
            self.hv = _grown(self.hv, self.hs, heap_need)


def search(cost, lengths, dr, dc, mr, mc, src, times, labels, max_cost, dem, walk, sign,
           queue, touched=None, pred=None):  # type: ignore[no-untyped-def]
    """Multi-source search from the flat indices ``src`` over ``times`` (float64, flat, inf on
    entry; ``labels`` int32 -1 on entry, or None), using and growing ``queue`` (a
    :class:`Queue`, empty on entry and on return). ``touched``: an int64 array or None.
    ``pred``: None, or uint8 (255 on entry) to receive each cell's last move direction.
    Returns (touched, n_touched) with ``touched`` as grown, for the caller to keep. The
    buckets hold at most one entry per 8 cells (2 B/cell) or 262,144 entries (4 MiB)."""
    nd = dr.size
    max_entries = max(1 << 18, times.size // 8)
    queue.grow(src.size + nd + 1, max_entries)
    if touched is not None and touched.size < src.size + nd + 1:
        touched = _grown(touched, 0, src.size + nd + 1)
    pending = nt = 0
    for s in range(src.size):
        i = int(src[s])
        if times[i] > 0.0:
            times[i] = 0.0
            if touched is not None:
                touched[nt] = i
                nt += 1
            _push(queue.hk, queue.hv, pending, 0.0, i | (s << 32))  # pulled into bucket 0
            pending += 1
    queue.hs = pending
    cur = 0
    while pending > 0:
        cur, pending, queue.hs, nt = _settle(
            cost, lengths, dr, dc, mr, mc, times, labels, max_cost, dem, walk, sign,
            queue.buckets, queue.inv, queue.qk, queue.qv, queue.qn, queue.cap, queue.hk,
            queue.hv, queue.hs, cur, pending, touched, nt, pred)
        if pending > 0:
            queue.grow(queue.hs + nd + 1, max_entries)
            if touched is not None and nt > touched.size - nd:
                touched = _grown(touched, nt, nt + nd + 1)
    queue.qn[:] = 0
    return touched, nt
