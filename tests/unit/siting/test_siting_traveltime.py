"""Travel-time coverage matrix against single-source runs of the access engine."""

from __future__ import annotations

import numpy as np
import pytest

from imcap.access.engine import travel_time
from imcap.errors import ParameterError
from imcap.siting import CoverageProblem, max_cover
from imcap.siting.traveltime import DemandGrid, traveltime_coverage


def _raster(seed: int = 0, n: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0.001, 0.02, (n, n))  # minutes per metre
    cost[5:30, 20] = np.nan  # a river
    pop = np.where(rng.random((n, n)) < 0.4, rng.integers(1, 500, (n, n)), 0).astype(float)
    sites = np.array([[2, 2], [10, 30], [20, 10], [35, 35], [20, 21], [0, 39]])
    return cost, pop, sites


def _reference(cost, pop, sites, t):  # type: ignore[no-untyped-def]
    grid = DemandGrid.from_raster(pop)
    out = np.full((grid.cells.size, len(sites)), np.inf)
    for j, s in enumerate(sites):
        minutes, _ = travel_time(cost, [tuple(s)], 100.0, max_cost=t)
        out[:, j] = minutes.ravel()[grid.cells]
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_matrix_equals_single_source_travel_times(workers: int) -> None:
    cost, pop, sites = _raster()
    grid = DemandGrid.from_raster(pop)
    seen: list[int] = []
    m = traveltime_coverage(cost, 100.0, grid, sites, 45.0, workers=workers, chunk_size=2,
                            on_progress=seen.append)
    ref = _reference(cost, pop, sites, 45.0)
    dense = np.full(ref.shape, np.inf)
    coo = m.tocoo()
    dense[coo.row, coo.col] = coo.data
    assert m.nnz == int(np.isfinite(ref).sum()) > 0
    assert np.allclose(dense[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-6)
    assert seen[-1] == len(sites)
    pr = CoverageProblem.from_cost_matrix(m, grid.people, 45.0)
    assert max_cover(pr, 2).covered > 0


def test_dask_cluster_gives_the_same_matrix() -> None:
    from distributed import Client, LocalCluster

    cost, pop, sites = _raster(1)
    grid = DemandGrid.from_raster(pop)
    local = traveltime_coverage(cost, 100.0, grid, sites, 30.0, workers=1)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        dist = traveltime_coverage(cost, 100.0, grid, sites, 30.0, scheduler=client,
                                   chunk_size=2)
    assert (local != dist).nnz == 0 and local.nnz == dist.nnz


def test_sites_outside_the_grid_or_impassable_are_user_errors() -> None:
    cost, pop, _ = _raster()
    grid = DemandGrid.from_raster(pop)
    with pytest.raises(ParameterError, match="outside the raster"):
        traveltime_coverage(cost, 100.0, grid, [[0, 0], [40, 3]], 30.0, workers=1)
    with pytest.raises(ParameterError, match="impassable"):
        traveltime_coverage(cost, 100.0, grid, [[10, 20]], 30.0, workers=1)
    with pytest.raises(ParameterError, match="positive"):
        traveltime_coverage(cost, 100.0, grid, [[0, 0]], 0.0, workers=1)
