"""Scenario files: build a friction surface the way WHO AccessMod 5 does.

A scenario is a TOML or JSON file (paths relative to the file). Either a ready friction
surface::

    friction = "SEN_friction_surface.tif"   # crossing time per metre
    friction_units = "min_per_m"            # or "s_per_m" (MAP publishes min/m)

or a land cover raster with speeds, merged with roads and barriers::

    landcover = "landcover.tif"             # integer classes; defines the grid
    [speeds]                                # class -> km/h, or {speed, mode}
    1 = 5                                   # walking (slope applies when a DEM is given)
    2 = { speed = 2, mode = "walking" }
    3 = { speed = 10, mode = "motorized" }  # motorised cells ignore slope
    4 = 0                                   # 0 or a class left out: impassable

    [[roads]]                               # any number of line layers
    path = "roads.gpkg"
    field = "category"                      # column holding the road category
    speeds = { primary = 80, secondary = 50, track = 20 }   # km/h, motorised

    [[barriers]]                            # water, rivers, borders: impassable
    path = "rivers.gpkg"                    # burnt with all_touched (no diagonal leaks)

    dem = "dem.tif"                         # metres; resampled bilinearly to the grid
    priority = ["roads", "barriers", "landcover"]   # first listed wins (default order)
    algorithm = "isotropic"                 # or "anisotropic" (Tobler walking, needs dem)
    direction = "towards"                   # anisotropic: walking towards / away from care
    knight = false                          # 16 directions
    max_minutes = 240                       # optional cut-off

Friction in minutes per metre = 60 / (1000 x speed in km/h). With ``priority`` =
roads > barriers > land cover (AccessMod's default), roads cross rivers (bridges, ferries).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from imcap.access.raster import Grid, read_raster
from imcap.errors import ParameterError, UserError

LAYERS = ("roads", "barriers", "landcover")
MODES = ("walking", "bicycling", "motorized")


@dataclass(frozen=True)
class Scenario:
    """A friction surface ready for the engine, plus the options that go with it."""

    cost: np.ndarray  # minutes per metre, NaN impassable
    grid: Grid
    dem: np.ndarray | None
    walk_mask: np.ndarray | None
    knight: bool
    max_minutes: float | None
    direction: str
    source: str


def speed_to_friction(kmh: np.ndarray) -> np.ndarray:
    """Minutes per metre from km/h; 0, negative or NaN speed -> NaN (impassable)."""
    kmh = np.asarray(kmh, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 60.0 / (1000.0 * kmh)
    out[~(kmh > 0)] = np.nan
    return out


def read_scenario_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise UserError("scenario file not found", expected="an existing .toml or .json file",
                        got=str(path), where="--scenario")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".json":
            return dict(json.loads(text))
        return tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
        raise UserError("scenario file is not valid", expected="TOML or JSON", got=str(e),
                        where=str(path)) from e


def _speed_spec(key: str, v: Any, where: str) -> tuple[float, str]:
    if isinstance(v, dict):
        speed, mode = v.get("speed"), str(v.get("mode", "walking")).lower()
    else:
        speed, mode = v, "walking"
    if not isinstance(speed, int | float) or speed < 0 or mode not in MODES:
        raise UserError("bad speed", expected=f"km/h >= 0 and mode in {MODES}", got=v,
                        where=f"{where} {key}")
    return float(speed), mode


def build_scenario(spec: dict[str, Any], base: str | Path = ".") -> Scenario:
    """Friction surface and options from a parsed scenario (see module docstring)."""
    base = Path(base)
    known = {"friction", "friction_units", "landcover", "speeds", "roads", "barriers", "dem",
             "priority", "algorithm", "direction", "knight", "max_minutes", "name",
             "facilities", "population"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise UserError("unknown scenario keys", expected=f"some of {sorted(known)}",
                        got=unknown, where="scenario")
    algorithm = spec.get("algorithm", "isotropic")
    if algorithm not in ("isotropic", "anisotropic"):
        raise UserError("unknown algorithm", expected="isotropic or anisotropic", got=algorithm,
                        where="scenario algorithm")
    walk_mask = None
    if "friction" in spec:
        cost, grid = read_raster(base / spec["friction"], what="friction surface")
        units = spec.get("friction_units", "min_per_m")
        if units not in ("min_per_m", "s_per_m"):
            raise UserError("unknown friction units", expected="min_per_m or s_per_m",
                            got=units, where="scenario friction_units")
        if units == "s_per_m":
            cost = cost / 60.0
        cost[~(cost >= 0)] = np.nan
        source = f"friction surface {Path(spec['friction']).name}"
    elif "landcover" in spec:
        cost, grid, walk_mask = _merge_layers(spec, base)
        source = f"land cover {Path(spec['landcover']).name} + roads/barriers"
    else:
        raise UserError("scenario has no surface", expected="'friction' or 'landcover'",
                        got=sorted(spec), where="scenario")
    dem = None
    if algorithm == "anisotropic":
        if "dem" not in spec:
            raise UserError("anisotropic scenario needs a DEM", expected="dem = 'file.tif'",
                            got=None, where="scenario dem")
        dem = _resample_to(base / spec["dem"], grid)
    max_minutes = spec.get("max_minutes")
    if max_minutes is not None and not (isinstance(max_minutes, int | float) and max_minutes > 0):
        raise UserError("bad max_minutes", expected="a positive number", got=max_minutes,
                        where="scenario max_minutes")
    return Scenario(cost.astype(np.float32), grid, dem, walk_mask, bool(spec.get("knight", False)),
                    max_minutes, str(spec.get("direction", "towards")), source)


def load_scenario(path: str | Path) -> Scenario:
    spec = read_scenario_file(path)
    return build_scenario(spec, Path(path).parent)


def _resample_to(path: Path, grid: Grid) -> np.ndarray:
    from rasterio.warp import Resampling, reproject

    a, g = read_raster(path, what="DEM")
    if g.shape == grid.shape and g.transform.almost_equals(grid.transform):
        return a
    out = np.full(grid.shape, np.nan)
    reproject(a, out, src_transform=g.transform, src_crs=g.crs, dst_transform=grid.transform,
              dst_crs=grid.crs, resampling=Resampling.bilinear, src_nodata=np.nan,
              dst_nodata=np.nan)
    return out


def _read_lines(path: Path, grid: Grid):  # type: ignore[no-untyped-def]
    import geopandas as gpd

    if not path.exists():
        raise UserError("layer file not found", expected="an existing vector file",
                        got=str(path), where="scenario")
    gdf = gpd.read_file(path)
    if len(gdf) and gdf.crs is None:
        raise UserError("layer has no CRS", expected="a layer with a CRS", got=str(path))
    return gdf.to_crs(grid.crs) if len(gdf) else gdf


def _merge_layers(spec: dict[str, Any], base: Path) -> tuple[np.ndarray, Grid, np.ndarray]:
    from rasterio.features import rasterize

    lc, grid = read_raster(base / spec["landcover"], what="land cover")
    speeds = spec.get("speeds", {})
    if not isinstance(speeds, dict) or not speeds:
        raise UserError("land cover needs speeds", expected="[speeds] class = km/h",
                        got=speeds, where="scenario speeds")
    kmh = {"landcover": np.full(grid.shape, np.nan), "roads": np.full(grid.shape, np.nan),
           "barriers": np.full(grid.shape, np.nan)}
    motor = {"landcover": np.zeros(grid.shape, bool), "roads": np.ones(grid.shape, bool),
             "barriers": np.zeros(grid.shape, bool)}
    for key, v in speeds.items():
        try:
            cls = float(key)
        except ValueError:
            raise UserError("land cover class must be a number", expected="integer class",
                            got=key, where="scenario speeds") from None
        speed, mode = _speed_spec(key, v, "scenario speeds")
        hit = lc == cls
        kmh["landcover"][hit] = speed
        motor["landcover"][hit] = mode == "motorized"
    kmh["landcover"][np.isnan(kmh["landcover"])] = 0.0  # classes left out: impassable
    for i, road in enumerate(spec.get("roads", [])):
        where = f"scenario roads[{i}]"
        gdf = _read_lines(base / road["path"], grid)
        field = road.get("field")
        rs = road.get("speeds", {})
        if field is None or field not in gdf.columns:
            raise UserError("road category column not found", expected=f"field in "
                            f"{list(gdf.columns)}", got=field, where=where)
        # slowest first so that faster roads win where lines overlap
        pairs = []
        for cat, v in rs.items():
            speed, _ = _speed_spec(cat, v, where)
            pairs.append((speed, str(cat)))
        cats = gdf[field].astype(str)
        for speed, cat in sorted(pairs):
            geoms = [g for g in gdf.geometry[cats == cat] if g is not None]
            if not geoms:
                continue
            burn = rasterize(((g, 1) for g in geoms), out_shape=grid.shape,
                             transform=grid.transform, fill=0, dtype="uint8") == 1
            kmh["roads"][burn] = speed
    for i, bar in enumerate(spec.get("barriers", [])):
        gdf = _read_lines(base / bar["path"], grid)
        geoms = [g for g in gdf.geometry if g is not None]
        if geoms:
            burn = rasterize(((g, 1) for g in geoms), out_shape=grid.shape,
                             transform=grid.transform, fill=0, dtype="uint8",
                             all_touched=True) == 1
            kmh["barriers"][burn] = 0.0
        del i
    priority = list(spec.get("priority", LAYERS))
    if sorted(priority) != sorted(LAYERS):
        raise ParameterError("priority must list each layer once", expected=list(LAYERS),
                             got=priority, where="scenario priority")
    speed = np.full(grid.shape, np.nan)
    is_motor = np.zeros(grid.shape, bool)
    for layer in reversed(priority):  # later layers are overwritten by earlier ones
        have = ~np.isnan(kmh[layer])
        speed[have] = kmh[layer][have]
        is_motor[have] = motor[layer][have]
    speed[np.isnan(lc)] = np.nan  # outside the land cover: impassable
    return speed_to_friction(speed), grid, ~is_motor
