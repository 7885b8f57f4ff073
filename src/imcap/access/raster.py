"""Geographic I/O for :mod:`imcap.access`: GeoTIFFs, cell sizes, facilities, population, zones.

Thin wrappers over rasterio/geopandas around the array engine. A :class:`Grid` is a raster's
shape, CRS and affine transform. Cell sizes in metres: projected rasters use the transform's
pixel size (the CRS must be in metres); geographic rasters (degrees) get one height and one
width per row from the WGS84 ellipsoid at the row's centre latitude::

    M(phi) = a (1 - e^2) / (1 - e^2 sin^2 phi)^1.5        (meridional radius)
    N(phi) = a / sqrt(1 - e^2 sin^2 phi)                  (prime-vertical radius)
    row_m = dlat_rad * M(phi),  col_m = dlon_rad * N(phi) cos(phi)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.warp import Resampling, reproject

from imcap.errors import ParameterError, UserError

WGS84_A = 6378137.0
WGS84_E2 = 0.00669437999014


@dataclass(frozen=True)
class Grid:
    """Shape (rows, cols), CRS and affine transform of a raster."""

    shape: tuple[int, int]
    crs: CRS
    transform: Affine

    def cell_size(self) -> tuple[np.ndarray | float, np.ndarray | float]:
        """(row_m, col_m) for the engine: scalars (projected) or per-row arrays (geographic)."""
        t = self.transform
        if t.b != 0 or t.d != 0:
            raise UserError("rotated rasters are not supported", expected="north-up raster",
                            got=str(t))
        if self.crs is None:
            raise UserError("the raster has no CRS", expected="a GeoTIFF with a CRS", got=None)
        if self.crs.is_geographic:
            rows = np.arange(self.shape[0])
            lat = np.radians(t.f + (rows + 0.5) * t.e)
            s2 = np.sin(lat) ** 2
            m = WGS84_A * (1 - WGS84_E2) / (1 - WGS84_E2 * s2) ** 1.5
            n = WGS84_A / np.sqrt(1 - WGS84_E2 * s2)
            return (math.radians(abs(t.e)) * m, math.radians(abs(t.a)) * n * np.cos(lat))
        factor = self.crs.linear_units_factor[1]
        return (abs(t.e) * factor, abs(t.a) * factor)

    def cell_area_km2(self) -> np.ndarray:
        """Area of each row's cells in km² (one value per row)."""
        h, w = self.cell_size()
        return np.broadcast_to(np.asarray(h) * np.asarray(w) / 1e6, (self.shape[0],)).copy()

    def rowcol(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of points given in the raster's CRS (may fall outside)."""
        t = self.transform  # north-up: col = (x - c) / a, row = (y - f) / e
        cols = (np.asarray(x, float) - t.c) / t.a
        rows = (np.asarray(y, float) - t.f) / t.e
        return np.floor(rows).astype(np.int64), np.floor(cols).astype(np.int64)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """x of each column centre, y of each row centre."""
        t = self.transform
        return (t.c + (np.arange(self.shape[1]) + 0.5) * t.a,
                t.f + (np.arange(self.shape[0]) + 0.5) * t.e)


def read_raster(path: str | Path, *, what: str = "raster") -> tuple[np.ndarray, Grid]:
    """Band 1 as float64 with nodata turned into NaN, and its grid."""
    try:
        with rasterio.open(path) as src:
            a = src.read(1, masked=True).astype(np.float64)
            grid = Grid((src.height, src.width), src.crs, src.transform)
    except rasterio.errors.RasterioIOError as e:
        raise UserError(f"cannot read the {what}", expected="a GeoTIFF (or any GDAL raster)",
                        got=str(path), where=what) from e
    return a.filled(np.nan), grid


def check_output(path: str | Path | None, where: str) -> None:
    """UserError, before any work, when an output file's folder does not exist."""
    if path is not None and not Path(path).resolve().parent.is_dir():
        raise UserError("output folder does not exist", expected="a path in an existing "
                        "folder", got=str(path), where=where)


def write_geotiff(path: str | Path, data: np.ndarray, grid: Grid, *, nodata: float | int,
                  dtype: str = "float32") -> None:
    """Write one band with the grid's CRS and transform (deflate-compressed, tiled)."""
    profile = dict(driver="GTiff", height=grid.shape[0], width=grid.shape[1], count=1,
                   dtype=dtype, crs=grid.crs, transform=grid.transform, nodata=nodata,
                   compress="deflate", tiled=True, blockxsize=256, blockysize=256)
    if grid.shape[0] < 256 or grid.shape[1] < 256:
        profile.update(tiled=False)
        profile.pop("blockxsize")
        profile.pop("blockysize")
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data.astype(dtype), 1)


def minutes_to_raster(minutes: np.ndarray) -> np.ndarray:
    """float32 minutes with -1 (the nodata value) where unreachable."""
    out = minutes.astype(np.float32)
    out[~np.isfinite(minutes)] = -1.0
    return out


# --------------------------------------------------------------------------- facilities


@dataclass(frozen=True)
class Facilities:
    """Facility points in a raster's row/column terms, with names and optional capacities."""

    rows: np.ndarray
    cols: np.ndarray
    names: list[str]
    capacity: np.ndarray | None = None
    ids: list[str] | None = None

    def __len__(self) -> int:
        return len(self.names)


def _pick(columns: list[str], *names: str) -> str | None:
    low = {c.lower(): c for c in columns}
    for n in names:
        if n in low:
            return low[n]
    return None


def load_facilities(path: str | Path, grid: Grid, *, name_field: str | None = None,
                    capacity_field: str | None = None) -> Facilities:
    """Facilities from a vector file (any CRS, reprojected) or a CSV with ``x,y`` in the
    raster's CRS or ``lon,lat`` in degrees. Raises UserError for an empty list or points
    outside the raster (naming them)."""
    import geopandas as gpd
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise UserError("facility file not found", expected="an existing file", got=str(path),
                        where="--facilities")
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path)
        cols = list(df.columns)
        xc, yc = _pick(cols, "x"), _pick(cols, "y")
        lonc, latc = _pick(cols, "lon", "longitude", "long"), _pick(cols, "lat", "latitude")
        if xc and yc:
            x, y = df[xc].to_numpy(float), df[yc].to_numpy(float)
        elif lonc and latc:
            x, y = lonlat_to_grid_crs(df[lonc].to_numpy(float), df[latc].to_numpy(float), grid)
        else:
            raise UserError("facility CSV has no coordinates", expected="columns x,y (raster "
                            "CRS) or lon,lat (degrees)", got=cols, where=str(path))
        table = df
    else:
        try:
            gdf = gpd.read_file(path)
        except Exception as e:  # pyogrio raises its own DataSourceError family
            raise UserError("cannot read the facility file", expected="GeoPackage, GeoJSON, "
                            "Shapefile or CSV", got=str(path), where="--facilities") from e
        if len(gdf) and gdf.crs is None:
            raise UserError("facility file has no CRS", expected="a layer with a CRS, or a CSV "
                            "with x,y / lon,lat", got=str(path), where="--facilities")
        if len(gdf) and not gdf.crs.equals(grid.crs):
            gdf = gdf.to_crs(grid.crs)
        pts = gdf.geometry.representative_point() if len(gdf) else gdf.geometry
        x, y = np.asarray(pts.x, float), np.asarray(pts.y, float)
        table = pd.DataFrame(gdf.drop(columns="geometry"))
    if len(table) == 0:
        raise UserError("no facilities", expected="at least one facility", got=0,
                        where=str(path))
    cols = list(table.columns)
    nf = name_field or _pick(cols, "name", "facility", "facility_name", "gc_ucn_mai_2025")
    names = ([str(v) for v in table[nf]] if nf and nf in table
             else [f"facility {i + 1}" for i in range(len(table))])
    capacity = None
    if capacity_field:
        if capacity_field not in table:
            raise UserError("capacity column not found", expected=capacity_field, got=cols,
                            where=str(path))
        capacity = table[capacity_field].to_numpy(float)
    return facilities_at(x, y, names, grid, capacity=capacity, where=str(path))


def lonlat_to_grid_crs(lon: np.ndarray, lat: np.ndarray, grid: Grid) -> tuple[np.ndarray,
                                                                               np.ndarray]:
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True)
    x, y = tr.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def facilities_at(x: np.ndarray, y: np.ndarray, names: list[str], grid: Grid, *,
                  capacity: np.ndarray | None = None, where: str = "facilities") -> Facilities:
    """Facilities from coordinates in the grid's CRS; UserError naming any outside it."""
    if len(names) == 0:
        raise UserError("no facilities", expected="at least one facility", got=0, where=where)
    rows, cols_ = grid.rowcol(x, y)
    bad = np.flatnonzero(~np.isfinite(x) | ~np.isfinite(y) | (rows < 0) | (rows >= grid.shape[0])
                         | (cols_ < 0) | (cols_ >= grid.shape[1]))
    if bad.size:
        raise UserError(f"{bad.size} facilities lie outside the raster",
                        expected="points inside the raster extent (same CRS)",
                        got=[names[i] for i in bad[:10]], where=where)
    return Facilities(rows, cols_, names, capacity)


def check_on_passable(fac: Facilities, cost: np.ndarray) -> None:
    """UserError naming the facilities that sit on impassable cells."""
    v = cost[fac.rows, fac.cols]
    bad = np.flatnonzero(~((v >= 0) & (v < np.inf)))
    if bad.size:
        raise UserError(f"{bad.size} facilities sit on impassable cells",
                        expected="facilities on cells with a finite, non-negative cost",
                        got=[f"{fac.names[i]} (row {fac.rows[i]}, col {fac.cols[i]})"
                             for i in bad[:10]])


def same_grid(a: Grid, b: Grid, what: str) -> None:
    if a.crs is not None and b.crs is not None and a.crs != b.crs:
        raise UserError(f"{what} has a different CRS", expected=str(a.crs), got=str(b.crs),
                        where=what)
    if a.shape != b.shape or not a.transform.almost_equals(b.transform):
        raise UserError(f"{what} is not aligned with the travel-time grid",
                        expected=f"{a.shape} {tuple(a.transform)[:6]}",
                        got=f"{b.shape} {tuple(b.transform)[:6]}", where=what)


# --------------------------------------------------------------------------- population


def align_population(pop: np.ndarray, pop_grid: Grid, target: Grid, *,
                     density: bool = False, passable: np.ndarray | None = None) -> np.ndarray:
    """People per cell of ``target`` from a population raster on any grid, keeping totals.

    ``pop`` holds people per cell (or people per km² when ``density``). On the same grid it is
    returned as is. Otherwise the counts are spread with GDAL's area-weighted ``sum``
    resampling and rescaled so that the total equals the total of source cells whose centres
    fall inside the target extent (people outside the travel-time raster are not counted).
    Nothing is concentrated: each source cell's people stay within its own footprint.

    ``passable`` (bool, target shape): where people may live, e.g. cells with a finite
    friction. When a coarse source cell straddles the coast, its people are moved onto the
    passable target cells of its footprint (``_onto_passable``), in proportion to cell area,
    instead of being spread over the sea; a footprint with no passable cell keeps them.
    """
    pop = np.where(np.isfinite(pop) & (pop > 0), pop, 0.0)
    if density:
        pop = pop * pop_grid.cell_area_km2()[:, None]
    if pop_grid.crs is None:
        raise UserError("population raster has no CRS", expected="a GeoTIFF with a CRS",
                        got=None, where="--population")
    if (pop_grid.shape == target.shape and pop_grid.crs == target.crs
            and pop_grid.transform.almost_equals(target.transform)):
        return pop
    out = np.zeros(target.shape, dtype=np.float64)
    reproject(pop, out, src_transform=pop_grid.transform, src_crs=pop_grid.crs,
              dst_transform=target.transform, dst_crs=target.crs, resampling=Resampling.sum,
              src_nodata=None, dst_nodata=None)
    # total inside the target extent: source cell centres mapped into the target grid
    from pyproj import Transformer

    xs, ys = pop_grid.centres()
    gx, gy = np.meshgrid(xs, ys)
    nz = pop > 0
    px, py = gx[nz], gy[nz]
    if pop_grid.crs != target.crs:
        tr = Transformer.from_crs(pop_grid.crs, target.crs, always_xy=True)
        px, py = tr.transform(px, py)
    r, c = target.rowcol(px, py)
    inside = (r >= 0) & (r < target.shape[0]) & (c >= 0) & (c < target.shape[1])
    total = float(pop[nz][inside].sum())
    s = out.sum()
    if s > 0:
        out *= total / s
    elif total > 0:
        raise ParameterError("population could not be resampled to the travel-time grid",
                             expected="overlapping rasters", got="no overlap")
    if passable is not None:
        out = _onto_passable(out, pop_grid, target, np.asarray(passable, bool))
    return out


def _onto_passable(out: np.ndarray, pop_grid: Grid, target: Grid,
                   passable: np.ndarray) -> np.ndarray:
    """Within each source footprint (target cells whose centre falls in one source cell), move
    the people onto its passable cells, weighted by cell area; totals per footprint kept."""
    if passable.shape != target.shape:
        raise ParameterError("passable mask has the wrong shape", expected=target.shape,
                             got=passable.shape)
    xs, ys = target.centres()
    gx, gy = np.meshgrid(xs, ys)
    if pop_grid.crs != target.crs:
        from pyproj import Transformer

        tr = Transformer.from_crs(target.crs, pop_grid.crs, always_xy=True)
        gx, gy = tr.transform(gx, gy)
    r, c = pop_grid.rowcol(gx, gy)
    inside = (r >= 0) & (r < pop_grid.shape[0]) & (c >= 0) & (c < pop_grid.shape[1])
    key = np.where(inside, r * pop_grid.shape[1] + c, -1).ravel()
    area = np.broadcast_to(target.cell_area_km2()[:, None], target.shape).ravel()
    ok = passable.ravel() & (key >= 0)
    n = pop_grid.shape[0] * pop_grid.shape[1]
    people = np.bincount(key[key >= 0], weights=out.ravel()[key >= 0], minlength=n)
    w = np.bincount(key[ok], weights=area[ok], minlength=n)
    flat = out.ravel().copy()
    move = (key >= 0) & (w[np.maximum(key, 0)] > 0)
    kk = key[move]
    flat[move] = np.where(ok[move], people[kk] * area[move] / w[kk], 0.0)
    return flat.reshape(target.shape)


def rasterize_zones(path: str | Path, field: str, grid: Grid) -> tuple[np.ndarray, list[str]]:
    """Zone polygons burnt into the grid: int32 zone index per cell (-1 outside), and names."""
    import geopandas as gpd
    from rasterio.features import rasterize

    gdf = gpd.read_file(path)
    if field not in gdf.columns:
        raise UserError("zone field not found", expected=f"one of {list(gdf.columns)}",
                        got=field, where="--zone-field")
    if gdf.crs is None:
        raise UserError("zone file has no CRS", expected="a layer with a CRS", got=str(path))
    gdf = gdf.to_crs(grid.crs)
    names = [str(v) for v in gdf[field]]
    shapes = ((geom, i) for i, geom in enumerate(gdf.geometry) if geom is not None)
    zones = rasterize(shapes, out_shape=grid.shape, transform=grid.transform, fill=-1,
                      dtype="int32")
    return zones, names


def rasterize_geojson(geometries: list[dict | None], grid: Grid) -> np.ndarray:
    """GeoJSON geometries in WGS84 degrees (EPSG:4326, as the registry stores areas) burnt
    into the grid: int32 index of the geometry whose interior holds each cell centre (GDAL's
    default rule, not ``all_touched``), -1 elsewhere. Overlaps: the later geometry wins, so
    give areas of one level at a time."""
    from rasterio.features import rasterize
    from rasterio.warp import transform_geom

    shapes = [(g if grid.crs == CRS.from_epsg(4326) else transform_geom("EPSG:4326", grid.crs, g),
               i) for i, g in enumerate(geometries) if g]
    if not shapes:
        return np.full(grid.shape, -1, dtype=np.int32)
    return rasterize(shapes, out_shape=grid.shape, transform=grid.transform, fill=-1,
                     dtype="int32")


def write_catchment_polygons(path: str | Path, nearest: np.ndarray, minutes: np.ndarray,
                             grid: Grid, names: list[str]) -> int:
    """Each facility's catchment (its cells in ``nearest``) as one (multi)polygon in the grid's
    CRS, with the facility name (``facility``), its 1-based row in the facility list (``row``),
    its number of cells (``cells``) and the median and greatest travel time in it (``med_min``,
    ``max_min``); GeoPackage, GeoJSON or Shapefile by suffix,
    written to a temporary file then moved into place. Returns the number of catchments."""
    import geopandas as gpd
    from rasterio.features import shapes
    from shapely import make_valid
    from shapely.geometry import shape
    from shapely.ops import unary_union

    out = Path(path)
    driver = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON",
              ".shp": "ESRI Shapefile"}.get(out.suffix.lower())
    if driver is None:
        raise ParameterError("unknown vector format", expected=".gpkg, .geojson or .shp",
                             got=out.suffix or out.name, where="--catchment-polygons")
    lab = nearest.astype(np.int32)
    parts: dict[int, list] = {}
    # 4-connected pieces are valid polygons; pieces touching at a corner join in the union
    for geom, value in shapes(lab, mask=lab >= 0, transform=grid.transform, connectivity=4):
        parts.setdefault(int(value), []).append(shape(geom))
    rows = []
    for k in sorted(parts):
        cells = lab == k
        t = minutes[cells]
        rows.append({"facility": names[k], "row": k + 1, "cells": int(cells.sum()),
                     "med_min": round(float(np.median(t)), 2),  # <= 10 characters:
                     "max_min": round(float(t.max()), 2),  # Shapefile column names
                     "geometry": make_valid(unary_union(parts[k]))})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=grid.crs)
    tmp = out.with_name(f"{out.stem}_imcap_tmp{out.suffix}")
    gdf.to_file(tmp, driver=driver, **({"layer": "catchments"} if driver == "GPKG" else {}))
    if driver == "ESRI Shapefile":  # several files (.shp, .shx, .dbf, .prj, .cpg): move each
        for side in tmp.parent.glob(f"{tmp.stem}.*"):
            side.replace(out.with_suffix(side.suffix))
    else:
        tmp.replace(out)
    return len(rows)
