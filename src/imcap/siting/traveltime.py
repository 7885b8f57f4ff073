"""Travel-time coverage matrix on the access engine, in parallel across candidate sites.

For each candidate site one bounded search runs on :class:`imcap.access.engine.BoundedSearch`
(work arrays kept between runs, only touched cells reset), from the site outwards up to
``max_minutes``; with the default ``direction="towards"`` the times are those of travelling
from each cell *to* the site. Every populated cell reached becomes a stored entry (demand row,
site column, minutes) of the CSR coverage matrix. Candidates are split into chunks run by a
process pool (``concurrent.futures``; each worker builds its search once from the cost raster)
or, given a scheduler address or a ``distributed.Client``, by a Dask cluster.

Cost of the build: one bounded search per site, in proportion to the cells within reach
(pi (T / c_min)^2 cells for a threshold T and the fastest crossing cost c_min), not to the
raster.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from imcap.access.engine import BoundedSearch
from imcap.errors import ParameterError
from imcap.siting.problem import from_triplets

__all__ = ["DemandGrid", "traveltime_coverage"]


@dataclass(frozen=True)
class DemandGrid:
    """The populated cells of a raster: demand row ``k`` is flat cell ``cells[k]`` with
    ``people[k]`` people (row-major flat index = row * ncols + col)."""

    shape: tuple[int, int]
    cells: np.ndarray
    people: np.ndarray

    @classmethod
    def from_raster(cls, population: np.ndarray) -> DemandGrid:
        """Cells with population > 0 (NaN and negative values are nobody)."""
        pop = np.asarray(population, dtype=np.float64)
        flat = np.nan_to_num(pop.ravel(), nan=0.0)
        cells = np.flatnonzero(flat > 0)
        return cls(pop.shape, cells, flat[cells])

    def lookup(self) -> np.ndarray:
        """int32 array over the raster: demand row of each cell, -1 where nobody lives."""
        out = np.full(self.shape[0] * self.shape[1], -1, dtype=np.int32)
        out[self.cells] = np.arange(self.cells.size, dtype=np.int32)
        return out


def check_sites(cost: np.ndarray, site_cells: np.ndarray) -> np.ndarray:
    """Sites as flat indices; raises ParameterError naming every site off the raster or on an
    impassable cell (NaN, inf or negative cost)."""
    a = np.asarray(site_cells, dtype=np.int64)
    nrows, ncols = cost.shape
    if a.ndim != 2 or a.shape[1] != 2:
        raise ParameterError("sites must be (row, col) pairs", expected="an (n, 2) array",
                             got=a.shape, where="sites")
    off = np.flatnonzero((a[:, 0] < 0) | (a[:, 0] >= nrows) | (a[:, 1] < 0) | (a[:, 1] >= ncols))
    if off.size:
        raise ParameterError(f"{off.size} site(s) outside the raster",
                             expected=f"0 <= row < {nrows} and 0 <= col < {ncols}",
                             got=[tuple(map(int, a[i])) for i in off[:5]],
                             where=f"sites {off[:5].tolist()}")
    flat = a[:, 0] * ncols + a[:, 1]
    v = cost.ravel()[flat]
    bad = np.flatnonzero(~((v >= 0) & np.isfinite(v)))
    if bad.size:
        raise ParameterError(f"{bad.size} site(s) on impassable cells",
                             expected="a finite cost >= 0 at each site",
                             got=[tuple(map(int, a[i])) for i in bad[:5]],
                             where=f"sites {bad[:5].tolist()}")
    return flat


# --------------------------------------------------------------------------- worker side
_WORKER: dict[str, Any] = {}


def _init_worker(cost: np.ndarray, cell_size: Any, lookup: np.ndarray, kw: dict[str, Any]) -> None:
    _WORKER["search"] = BoundedSearch(cost, cell_size, **kw)
    _WORKER["lookup"] = lookup


def _run_chunk(sites: np.ndarray, cols: np.ndarray, max_minutes: float,
               search: BoundedSearch | None = None, lookup: np.ndarray | None = None,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(demand rows, site columns, minutes float32) of one chunk of sites."""
    search = search if search is not None else _WORKER["search"]
    lookup = lookup if lookup is not None else _WORKER["lookup"]
    rs, cs, ts = [], [], []
    for s, col in zip(sites, cols, strict=True):
        touched, minutes = search.run(int(s), max_minutes)
        dem = lookup[touched]
        keep = dem >= 0
        rs.append(dem[keep])
        cs.append(np.full(int(keep.sum()), col, dtype=np.int32))
        ts.append(minutes[keep].astype(np.float32))
    if not rs:
        return np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.float32)
    return np.concatenate(rs), np.concatenate(cs), np.concatenate(ts)


def _dask_chunk(cost: np.ndarray, cell_size: Any, lookup: np.ndarray, kw: dict[str, Any],
                sites: np.ndarray, cols: np.ndarray, max_minutes: float,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _run_chunk(sites, cols, max_minutes, BoundedSearch(cost, cell_size, **kw), lookup)


def _chunks(n: int, size: int) -> Iterator[np.ndarray]:
    for start in range(0, n, size):
        yield np.arange(start, min(n, start + size))


def traveltime_coverage(
    cost: np.ndarray,
    cell_size: Any,
    demand: DemandGrid,
    site_cells: np.ndarray | Sequence[tuple[int, int]],
    max_minutes: float,
    *,
    workers: int | None = None,
    scheduler: str | Any | None = None,
    chunk_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    **engine_options: Any,
) -> sp.csr_matrix:
    """Demand x site CSR matrix of travel minutes, for pairs within ``max_minutes``.

    cost: crossing cost per metre (minutes/m), as :func:`imcap.access.engine.travel_time`.
    cell_size: (row_m, col_m), scalars or per-row arrays. demand: the populated cells.
    site_cells: (n, 2) rows/cols of the candidate sites (checked: on the raster, passable).
    workers: processes (default: CPU count; 1 runs in this process). scheduler: a Dask
    scheduler address or a ``distributed.Client`` (then ``workers`` is ignored).
    on_progress(k): called with the number of sites finished after each chunk.
    engine_options: ``knight``, ``dem``, ``walk_mask``, ``direction`` of the engine.
    """
    if not np.isfinite(max_minutes) or max_minutes <= 0:
        raise ParameterError("maximum travel time must be a positive number",
                             expected="max_minutes > 0", got=max_minutes, where="max_minutes")
    cost = np.ascontiguousarray(cost)
    if cost.shape != demand.shape:
        raise ParameterError("population and cost rasters differ in shape",
                             expected=cost.shape, got=demand.shape, where="population")
    sites = check_sites(cost, np.asarray(site_cells).reshape(-1, 2))
    n = sites.size
    lookup = demand.lookup()
    nworkers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    size = chunk_size or max(1, min(64, -(-n // (4 * nworkers))))
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    done = 0

    def _collect(part: tuple[np.ndarray, np.ndarray, np.ndarray], k: int) -> None:
        nonlocal done
        parts.append(part)
        done += k
        if on_progress is not None:
            on_progress(done)

    if scheduler is not None:
        from distributed import Client

        client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
        try:
            c_f, l_f = client.scatter([cost, lookup], broadcast=True)
            futs = {client.submit(_dask_chunk, c_f, cell_size, l_f, engine_options,
                                  sites[idx], idx.astype(np.int32), max_minutes, pure=False):
                    idx.size for idx in _chunks(n, size)}
            from distributed import as_completed as d_as_completed

            for fut in d_as_completed(list(futs)):
                _collect(fut.result(), futs[fut])
        finally:
            if not isinstance(scheduler, Client):
                client.close()
    elif nworkers == 1 or n <= size:
        search = BoundedSearch(cost, cell_size, **engine_options)
        for idx in _chunks(n, size):
            _collect(_run_chunk(sites[idx], idx.astype(np.int32), max_minutes, search, lookup),
                     idx.size)
    else:
        with ProcessPoolExecutor(nworkers, initializer=_init_worker,
                                 initargs=(cost, cell_size, lookup, engine_options)) as pool:
            futs2 = {pool.submit(_run_chunk, sites[idx], idx.astype(np.int32), max_minutes):
                     idx.size for idx in _chunks(n, size)}
            for fut in as_completed(futs2):
                _collect(fut.result(), futs2[fut])
    if parts:
        rows = np.concatenate([p[0] for p in parts])
        cols = np.concatenate([p[1] for p in parts])
        vals = np.concatenate([p[2] for p in parts]).astype(np.float64)
    else:
        rows = cols = np.empty(0, np.int64)
        vals = np.empty(0)
    return from_triplets(rows, cols, vals, (demand.cells.size, n))
