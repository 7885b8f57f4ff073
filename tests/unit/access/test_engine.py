"""The array engine against hand-computed cases, scikit-image and the reference Dijkstra."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.graph import MCP_Geometric

from imcap.access import engine
from imcap.access.engine import BoundedSearch, travel_time
from imcap.access.reference import reference_travel_time
from imcap.errors import ParameterError

# ---------------------------------------------------------------- hand-computed


def test_uniform_friction_straight_and_diagonal() -> None:
    # 0.01 min/m, 100 m cells: 1 minute per straight step, sqrt(2) per diagonal step
    cost = np.full((7, 9), 0.01)
    minutes, nearest = travel_time(cost, [(3, 4)], (100.0, 100.0))
    assert minutes[3, 4] == 0
    assert minutes[3, 8] == pytest.approx(4.0)
    assert minutes[0, 4] == pytest.approx(3.0)
    assert minutes[0, 1] == pytest.approx(3 * math.sqrt(2))
    assert minutes[0, 8] == pytest.approx(3 * math.sqrt(2) + 1)
    assert (nearest == 0).all()


def test_rectangular_cells_and_mean_rule() -> None:
    # rows 200 m high, columns 100 m wide; costs differ so the mean rule shows
    cost = np.array([[0.01, 0.03], [0.02, 0.04]])
    minutes, _ = travel_time(cost, [(0, 0)], (200.0, 100.0))
    assert minutes[0, 1] == pytest.approx((0.01 + 0.03) / 2 * 100)
    assert minutes[1, 0] == pytest.approx((0.01 + 0.02) / 2 * 200)
    assert minutes[1, 1] == pytest.approx((0.01 + 0.04) / 2 * math.hypot(200, 100))


def test_barrier_forces_detour_and_unreachable_is_inf() -> None:
    cost = np.ones((5, 5))
    cost[:, 2] = np.inf
    cost[4, 2] = 1.0  # one gap at the bottom
    minutes, nearest = travel_time(cost, [(0, 0)], 1.0)
    # (0,0) -> (3,1): 2 + sqrt2; through the gap (4,2): 2 sqrt2; (3,3) -> (0,4): 2 + sqrt2
    assert minutes[0, 4] == pytest.approx(4 + 4 * math.sqrt(2))
    cost[4, 2] = np.nan
    minutes, nearest = travel_time(cost, [(0, 0)], 1.0)
    assert np.isinf(minutes[:, 3:]).all() and (nearest[:, 3:] == -1).all()
    assert np.isinf(minutes[:, 2]).all()


def test_max_cost_cuts_off() -> None:
    cost = np.full((1, 10), 1.0)
    minutes, nearest = travel_time(cost, [(0, 0)], 1.0, max_cost=3.5)
    assert np.isfinite(minutes[0, :4]).all() and np.isinf(minutes[0, 4:]).all()
    assert (nearest[0, 4:] == -1).all()


def test_knight_move_length_and_cost() -> None:
    cost = np.full((3, 3), 1.0)
    minutes, _ = travel_time(cost, [(0, 0)], 1.0, knight=True)
    assert minutes[1, 2] == pytest.approx(math.sqrt(5))
    cost[0, 1] = np.inf  # a knight's move never jumps an impassable cell
    minutes, _ = travel_time(cost, [(0, 0)], 1.0, knight=True)
    assert minutes[1, 2] == pytest.approx(math.sqrt(2) + 1)


def test_tobler_uphill_slower_than_downhill_and_motorised_ignores_slope() -> None:
    cost = np.full((1, 2), 1.0)
    dem = np.array([[0.0, 10.0]])  # the facility at column 0 lies 10 m below
    towards, _ = travel_time(cost, [(0, 0)], 100.0, dem=dem, direction="towards")
    away, _ = travel_time(cost, [(0, 0)], 100.0, dem=dem, direction="away")
    # walking to the facility goes downhill (s = -0.1): factor exp(3.5 (0.05 - 0.05)) = 1
    assert towards[0, 1] == pytest.approx(100.0)
    assert away[0, 1] == pytest.approx(100.0 * math.exp(3.5 * (0.15 - 0.05)))
    motor, _ = travel_time(cost, [(0, 0)], 100.0, dem=dem, walk_mask=np.zeros((1, 2), bool),
                           direction="away")
    assert motor[0, 1] == pytest.approx(100.0)


# ---------------------------------------------------------------- oracles

QUEUES = ["heap", "buckets", "window"]


@contextlib.contextmanager
def queue(kind: str) -> Iterator[None]:
    """Run the engine with the heap alone, with a bucket queue whose window holds every move,
    or with a 4-bucket window that sends most entries through the heap."""
    old = engine.MAX_BUCKETS
    engine.MAX_BUCKETS = {"heap": 0, "buckets": 1 << 16, "window": 4}[kind]
    try:
        yield
    finally:
        engine.MAX_BUCKETS = old


@st.composite
def rasters(draw: st.DrawFn) -> tuple[np.ndarray, list[tuple[int, int]], tuple[float, float]]:
    rows = draw(st.integers(1, 30))  # single rows and columns too
    cols = draw(st.integers(1, 30))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0.001, 0.1, (rows, cols))
    cost[rng.random((rows, cols)) < draw(st.floats(0, 0.15))] = 0.0  # free cells: heap
    cost[rng.random((rows, cols)) < draw(st.floats(0, 0.4))] = np.inf
    n = draw(st.integers(1, 5))
    src = [(int(rng.integers(rows)), int(rng.integers(cols))) for _ in range(n)]
    if draw(st.booleans()):
        src.append(src[0])  # a source given twice counts once
    for r, c in src:
        cost[r, c] = rng.uniform(0.001, 0.1)
    size = (draw(st.floats(10, 1000)), draw(st.floats(10, 1000)))
    return cost, src, size


@pytest.mark.parametrize("kind", QUEUES)
@settings(max_examples=60, deadline=None)
@given(rasters())
def test_equals_skimage_mcp_geometric(kind: str, case: tuple) -> None:
    cost, src, size = case
    with queue(kind):
        minutes, nearest = travel_time(cost, src, size)
    mcp = MCP_Geometric(cost, fully_connected=True, sampling=size)
    expected, _ = mcp.find_costs(src)
    reach = np.isfinite(expected)
    assert (np.isfinite(minutes) == reach).all()
    np.testing.assert_allclose(minutes[reach], expected[reach], rtol=1e-6, atol=1e-9)
    assert ((nearest >= 0) == reach).all()


@pytest.mark.parametrize("kind", QUEUES)
@settings(max_examples=40, deadline=None)
@given(rasters(), st.booleans(), st.booleans(), st.sampled_from(["towards", "away"]))
def test_equals_reference_with_knight_dem_and_per_row_sizes(kind, case, knight, aniso,
                                                            direction):
    cost, src, (h, w) = case
    rows = cost.shape[0]
    col_m = w * np.cos(np.linspace(0.1, 1.2, rows))  # geographic raster: width shrinks
    rng = np.random.default_rng(rows)
    dem = rng.uniform(0, 300, cost.shape) if aniso else None
    walk = rng.random(cost.shape) < 0.5 if aniso else None
    kw = dict(knight=knight, dem=dem, walk_mask=walk, direction=direction)
    with queue(kind):
        minutes, nearest = travel_time(cost, src, (h, col_m), **kw)
    ref, ref_nearest = reference_travel_time(cost, src, (h, col_m), **kw)
    assert (np.isfinite(minutes) == np.isfinite(ref)).all()
    fin = np.isfinite(ref)
    np.testing.assert_allclose(minutes[fin], ref[fin], rtol=1e-9)


@pytest.mark.parametrize("kind", QUEUES)
@settings(max_examples=30, deadline=None)
@given(rasters())
def test_catchment_is_nearest_source_by_travel_time(kind: str, case: tuple) -> None:
    cost, src, size = case
    with queue(kind):
        minutes, nearest = travel_time(cost, src, size)
        singles = np.stack([travel_time(cost, [s], size)[0] for s in src])
    best = singles.min(axis=0)
    fin = np.isfinite(best)
    np.testing.assert_allclose(minutes[fin], best[fin], rtol=1e-9)
    chosen = np.take_along_axis(singles, np.where(fin, nearest, 0)[None], 0)[0]
    np.testing.assert_allclose(chosen[fin], best[fin], rtol=1e-9)


@pytest.mark.parametrize("kind", QUEUES)
@settings(max_examples=30, deadline=None)
@given(rasters(), st.floats(1.0, 200.0))
def test_bounded_search_equals_full_search_and_resets(kind: str, case: tuple,
                                                      limit: float) -> None:
    cost, src, size = case
    with queue(kind):
        bs = BoundedSearch(cost, size)
    for _ in range(2):  # a second run must see a clean state
        for s in src:
            touched, minutes = bs.run(s, max_cost=limit)
            full, _ = travel_time(cost, [s], size)
            flat = full.ravel()
            expected = np.flatnonzero(flat <= limit)
            assert sorted(touched.tolist()) == expected.tolist()
            np.testing.assert_allclose(minutes, flat[touched], rtol=1e-12)


@pytest.mark.parametrize("kind", QUEUES)
@pytest.mark.parametrize("knight", [False, True])
def test_search_resumes_after_growing_tiny_queue_and_touched(kind: str, knight: bool,
                                                             monkeypatch) -> None:
    # the compiled loop never reallocates: it hands back when the queue or the touched list
    # could overflow, and the driver grows them and resumes; start both tiny
    from imcap.access import _kernels
    from imcap.access.engine import _Setup

    rng = np.random.default_rng(7)
    cost = rng.uniform(0.001, 0.1, (80, 90))
    cost[rng.random(cost.shape) < 0.2] = np.nan
    src = np.array([5 * 90 + 7, 60 * 90 + 70, 33 * 90 + 2])
    cost.ravel()[src] = 0.01
    with queue(kind):
        st = _Setup(cost, (30.0, 40.0), knight, None, None, "towards")
        expected, nearest = travel_time(cost, src, (30.0, 40.0), knight=knight)
    assert (st.plan is None) == (kind == "heap")
    q = st.queue()
    q.qk, q.qv = q.qk[: q.qn.size], q.qv[: q.qn.size]
    q.cap = 1
    q.hk, q.hv = q.hk[:1], q.hv[:1]
    calls = []
    settle = _kernels._settle
    monkeypatch.setattr(_kernels, "_settle", lambda *a: calls.append(1) or settle(*a))
    times = np.full(cost.size, np.inf)
    labels = np.full(cost.size, -1, dtype=np.int32)
    touched, n = _kernels.search(st.cost, st.lengths, st.dr, st.dc, st.mr, st.mc, src, times,
                                 labels, np.inf, None, None, st.sign, q,
                                 np.empty(1, dtype=np.int64))
    assert len(calls) > 3 and touched.size >= n > 1000  # it handed back and resumed
    assert q.buckets == (kind != "heap") and (q.cap > 1 or kind == "heap")
    assert np.array_equal(times, expected.ravel()) and np.array_equal(labels, nearest.ravel())
    assert sorted(touched[:n].tolist()) == np.flatnonzero(np.isfinite(times)).tolist()


@pytest.mark.parametrize("knight", [False, True])
@pytest.mark.parametrize("aniso", [False, True])
def test_bucket_queue_gives_the_heaps_times_and_catchments(knight: bool, aniso: bool) -> None:
    rng = np.random.default_rng(11)
    cost = rng.uniform(0.002, 0.05, (300, 250)).astype(np.float32)
    cost[rng.random(cost.shape) < 0.15] = np.nan
    src = rng.choice(np.flatnonzero(np.isfinite(cost.ravel())), 12, replace=False)
    kw = {}
    if aniso:  # rough terrain: steep moves go beyond the window, into the heap
        kw = dict(dem=rng.uniform(0, 400, cost.shape), walk_mask=rng.random(cost.shape) < 0.7)
    out = {}
    for kind in QUEUES:
        with queue(kind):
            out[kind] = travel_time(cost, src, (90.0, 110.0), knight=knight, max_cost=900.0,
                                    **kw)
    assert np.isfinite(out["heap"][0]).mean() > 0.5
    for kind in ("buckets", "window"):
        assert np.array_equal(out["heap"][0], out[kind][0])
        assert np.array_equal(out["heap"][1], out[kind][1])


@pytest.mark.parametrize("seed", [1, 24])  # 24: final times up to 1.4e17 min
def test_times_beyond_exact_bucket_indices_finish_on_the_heap(seed: int) -> None:
    # 3.6-9.9 m cells on a random 0-300 m DEM: slopes up to ~80, Tobler factors up to e^280,
    # tentative times far beyond 1e17 min, where time / bucket width overflows int64. Such
    # entries must go to the heap (converted to int64 first, they once wrapped into the
    # current bucket and this search ran for ever), and the heap finishes the search if the
    # window empties with only such entries left.
    rng = np.random.default_rng(seed)  # 1: ran for ever before the fix
    cost = rng.uniform(0.001, 0.1, (18, 26))
    dem = rng.uniform(0, 300, cost.shape)
    walk = rng.random(cost.shape) < 0.5
    col_m = 9.95 * np.cos(np.linspace(0.1, 1.2, 18))  # 9.9 m down to 3.6 m
    out = {}
    for kind in QUEUES:
        with queue(kind):
            out[kind] = travel_time(cost, [(4, 11)], (10.0, col_m), knight=True, dem=dem,
                                    walk_mask=walk, direction="away")[0]
    assert np.isfinite(out["heap"]).mean() > 0.9
    for kind in ("buckets", "window"):
        np.testing.assert_allclose(out[kind], out["heap"], rtol=1e-9)


def test_queue_plan() -> None:
    lengths = np.array([[100.0, 141.4]])
    width, n = engine.queue_plan(np.array([[0.01, 0.02]]), lengths, False)
    assert width == pytest.approx(1.0, rel=1e-5) and width < 1.0
    assert n == 8  # 2^ceil(log2(2.83 + 3)): the greatest move (2.83) and a margin
    aw, _ = engine.queue_plan(np.array([[0.01, 0.02]]), lengths, True)  # DEM: Tobler's least
    assert aw == pytest.approx(math.exp(-0.175), rel=1e-5)
    assert engine.queue_plan(np.array([[1e-6, 1.0]]), lengths, False)[1] == engine.MAX_BUCKETS
    assert engine.queue_plan(np.array([[0.0, 0.02]]), lengths, False) is None  # zero cost
    assert engine.queue_plan(np.array([[np.nan, np.inf]]), lengths, False) is None


def test_negative_cost_is_impassable_like_nan() -> None:
    rng = np.random.default_rng(3)
    cost = rng.uniform(0.01, 1.0, (40, 40))
    cost[rng.random(cost.shape) < 0.25] = -1.0
    cost[0, 0] = 0.5
    neg, _ = travel_time(cost, [(0, 0)], 1.0)
    nan, _ = travel_time(np.where(cost < 0, np.nan, cost), [(0, 0)], 1.0)
    assert np.array_equal(neg, nan) and np.isinf(neg[cost < 0]).all()


# ---------------------------------------------------------------- errors


def test_errors_say_which_source() -> None:
    cost = np.ones((4, 4))
    cost[1, 1] = np.inf
    with pytest.raises(ParameterError, match="impassable") as e:
        travel_time(cost, [(0, 0), (1, 1)], 1.0)
    assert "sources [1]" in str(e.value)
    with pytest.raises(ParameterError, match="outside"):
        travel_time(cost, [(0, 9)], 1.0)
    with pytest.raises(ParameterError, match="no sources"):
        travel_time(cost, np.empty((0, 2), int), 1.0)
    with pytest.raises(ParameterError, match="cell size"):
        travel_time(cost, [(0, 0)], (1.0, -1.0))
