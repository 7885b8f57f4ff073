"""Geographic wrappers: rasters and site files (or registry facilities) -> CoverageProblem.

Thin layer over :mod:`imcap.access.raster` (reading GeoTIFFs, cell sizes in metres, facility
points, population aligned to the friction grid) and :mod:`imcap.siting.traveltime`. Sites
(existing first, then candidates) become the columns of the problem; existing sites are fixed
open. Coordinates of results are given back in longitude/latitude (EPSG:4326).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from imcap.access.raster import Grid, align_population, load_facilities, read_raster
from imcap.errors import ParameterError, UserError
from imcap.siting.problem import CoverageProblem
from imcap.siting.radius import radius_coverage
from imcap.siting.traveltime import DemandGrid, traveltime_coverage

__all__ = ["SiteTable", "build_problem", "sites_from_file", "sites_from_points",
           "write_result"]


@dataclass(frozen=True)
class SiteTable:
    """Sites on the raster: existing ones (fixed) then candidates; one entry per problem
    column. ``ids`` are registry facility ids (as text) or file row labels."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    rows: np.ndarray
    cols: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    fixed: np.ndarray
    costs: np.ndarray | None = None
    capacities: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)


def _lonlat(grid: Grid, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = grid.centres()
    x, y = xs[cols], ys[rows]
    if grid.crs is not None and not grid.crs.is_geographic:
        from pyproj import Transformer

        x, y = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True).transform(x, y)
    return np.asarray(x, float), np.asarray(y, float)


def snap_to_passable(cost: np.ndarray, rows: np.ndarray, cols: np.ndarray, names: Sequence[str],
                     reach: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Move sites on impassable cells (e.g. a coastal facility on a sea cell) to the nearest
    passable cell within ``reach`` cells; UserError naming the sites left stranded."""
    rows, cols = rows.copy(), cols.copy()
    ok = np.isfinite(cost) & (cost >= 0)
    stranded = []
    for k in np.flatnonzero(~ok[rows, cols]):
        best = None
        for dr in range(-reach, reach + 1):
            for dc in range(-reach, reach + 1):
                r, c = rows[k] + dr, cols[k] + dc
                if 0 <= r < cost.shape[0] and 0 <= c < cost.shape[1] and ok[r, c]:
                    d = dr * dr + dc * dc
                    if best is None or d < best[0]:
                        best = (d, r, c)
        if best is None:
            stranded.append(names[k])
        else:
            rows[k], cols[k] = best[1], best[2]
    if stranded:
        raise UserError(f"{len(stranded)} site(s) on impassable cells with no passable cell "
                        f"within {reach} cells", expected="sites on land the friction covers",
                        got=stranded[:10])
    return rows, cols


def sites_from_file(path: str | Path, grid: Grid, *, fixed: bool, cost_field: str | None = None,
                    capacity_field: str | None = None, name_field: str | None = None
                    ) -> SiteTable:
    """Sites from a vector file or CSV (see :func:`imcap.access.raster.load_facilities`)."""
    fac = load_facilities(path, grid, name_field=name_field, capacity_field=capacity_field)
    costs = None
    if cost_field:
        costs = _read_field(path, cost_field)
    lon, lat = _lonlat(grid, fac.rows, fac.cols)
    n = len(fac)
    ids = tuple(fac.ids) if fac.ids else tuple(f"{Path(path).stem}:{i + 1}" for i in range(n))
    return SiteTable(ids, tuple(fac.names), fac.rows, fac.cols, lon, lat,
                     np.full(n, fixed), costs, fac.capacity)


def _read_field(path: str | Path, field: str) -> np.ndarray:
    import geopandas as gpd
    import pandas as pd

    p = Path(path)
    table = pd.read_csv(p) if p.suffix.lower() == ".csv" else gpd.read_file(p)
    if field not in table:
        raise UserError("cost column not found", expected=field, got=list(table.columns),
                        where=str(p))
    v = pd.to_numeric(table[field], errors="coerce").to_numpy(float)
    if np.isnan(v).any() or (v < 0).any():
        raise UserError("costs must be numbers >= 0", expected=f"{field} >= 0",
                        got=str(table[field].iloc[int(np.flatnonzero(np.isnan(v) | (v < 0))[0])]),
                        where=str(p))
    return v


def sites_from_points(grid: Grid, ids: Sequence[str], names: Sequence[str], lon: np.ndarray,
                      lat: np.ndarray, fixed: np.ndarray) -> SiteTable:
    """Sites from lon/lat points (e.g. registry facilities); UserError for points off the grid."""
    x, y = np.asarray(lon, float), np.asarray(lat, float)
    if grid.crs is not None and not grid.crs.is_geographic:
        from pyproj import Transformer

        x, y = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(x, y)
    rows, cols = grid.rowcol(np.asarray(x), np.asarray(y))
    bad = np.flatnonzero((rows < 0) | (rows >= grid.shape[0]) | (cols < 0)
                         | (cols >= grid.shape[1]))
    if bad.size:
        raise UserError(f"{bad.size} site(s) lie outside the raster",
                        expected="points inside the friction raster",
                        got=[names[i] for i in bad[:10]])
    return SiteTable(tuple(ids), tuple(names), rows, cols, np.asarray(lon, float),
                     np.asarray(lat, float), np.asarray(fixed, bool))


def concat(a: SiteTable, b: SiteTable) -> SiteTable:
    def cat(u: np.ndarray | None, v: np.ndarray | None, n: int, m: int, fill: float
            ) -> np.ndarray | None:
        if u is None and v is None:
            return None
        return np.concatenate([u if u is not None else np.full(n, fill),
                               v if v is not None else np.full(m, fill)])

    n, m = len(a), len(b)
    return SiteTable(a.ids + b.ids, a.names + b.names, np.concatenate([a.rows, b.rows]),
                     np.concatenate([a.cols, b.cols]), np.concatenate([a.lon, b.lon]),
                     np.concatenate([a.lat, b.lat]), np.concatenate([a.fixed, b.fixed]),
                     cat(a.costs, b.costs, n, m, 0.0), cat(a.capacities, b.capacities, n, m,
                                                           np.inf))


def build_problem(friction: str | Path, population: str | Path, sites: SiteTable | Callable[
        [Grid], SiteTable], *, max_minutes: float | None = 120.0, radius_km: float | None = None,
        population_density: bool = False, workers: int | None = None,
        scheduler: str | Any | None = None, on_progress: Callable[[int], None] | None = None,
        ) -> tuple[CoverageProblem, SiteTable, DemandGrid]:
    """Read the rasters, place the sites and build the coverage problem.

    ``friction``: minutes per metre (Malaria Atlas Project convention). ``population``: people
    per cell (or per km² with ``population_density``) on any grid; aligned to the friction grid
    keeping totals. ``sites``: a SiteTable or a function of the grid returning one.
    Coverage by travel time within ``max_minutes`` (default) or by straight line within
    ``radius_km`` (cell centres, local azimuthal-equidistant projection for geographic grids).
    """
    cost, grid = read_raster(friction, what="friction raster")
    pop_raw, pop_grid = read_raster(population, what="population raster")
    pop = align_population(pop_raw, pop_grid, grid, density=population_density,
                           passable=np.isfinite(cost) & (cost >= 0))
    demand = DemandGrid.from_raster(pop)
    if demand.cells.size == 0:
        raise ParameterError("nobody lives on the friction raster", expected="population > 0 "
                             "inside the friction extent", got=0, where="population")
    table = sites(grid) if callable(sites) else sites
    if len(table) == 0:
        raise ParameterError("no sites", expected="at least one candidate", got=0)
    rows, cols = snap_to_passable(cost, table.rows, table.cols, table.names)
    if radius_km is not None:
        m = _radius_matrix(grid, demand, rows, cols, radius_km * 1000.0)
        threshold = radius_km * 1000.0
    else:
        if max_minutes is None:
            raise ParameterError("give a travel-time threshold or a radius",
                                 expected="max_minutes or radius_km", got=None)
        m = traveltime_coverage(cost, grid.cell_size(), demand, np.column_stack([rows, cols]),
                                max_minutes, workers=workers, scheduler=scheduler,
                                on_progress=on_progress)
        threshold = max_minutes
    problem = CoverageProblem.from_cost_matrix(
        m, demand.people, threshold, fixed=table.fixed, costs=table.costs,
        capacities=table.capacities, candidate_labels=table.ids)
    return problem, table, demand


def _radius_matrix(grid: Grid, demand: DemandGrid, rows: np.ndarray, cols: np.ndarray,
                   radius_m: float) -> Any:
    xs, ys = grid.centres()
    dr, dc = np.divmod(demand.cells, grid.shape[1])
    dx, dy, sx, sy = xs[dc], ys[dr], xs[cols], ys[rows]
    if grid.crs is not None and grid.crs.is_geographic:
        from pyproj import Transformer

        lon0, lat0 = float(np.mean(xs)), float(np.mean(ys))
        tr = Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} "
                                  "+datum=WGS84 +units=m", always_xy=True)
        dx, dy = tr.transform(dx, dy)
        sx, sy = tr.transform(sx, sy)
    return radius_coverage(np.column_stack([dx, dy]), np.column_stack([sx, sy]), radius_m)


def write_result(path: str | Path, rows: list[dict[str, Any]]) -> None:
    """Chosen sites as CSV or GeoJSON (points in EPSG:4326), by the file's extension."""
    import geopandas as gpd
    import pandas as pd

    p = Path(path)
    df = pd.DataFrame(rows)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        df.to_csv(p, index=False)
    elif suffix in (".geojson", ".json"):
        gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.get("lon", []),
                                                               df.get("lat", [])),
                               crs="EPSG:4326")
        gdf.to_file(p, driver="GeoJSON")
    else:
        raise ParameterError("unknown result format", expected="a .csv or .geojson path",
                             got=str(p), where="--out")
