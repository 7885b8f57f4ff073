"""Rebuild src/imcap/data/access/ from ../shared/data (run from the repository root).

- SEN_friction_surface.tif: Malaria Atlas Project 2019 global friction surface clipped to
  Senegal (via worldbank/GOSTnetsraster tutorial data), minutes per metre, EPSG:4326, 30",
  re-compressed (deflate). The MAP surface has no nodata: the sea carries the flat water
  value 0.00316 min/m, as if one could walk on it. Cells with that value whose centre lies
  outside every Natural Earth 1:50m land polygon are set to nodata (impassable, the way
  AccessMod treats water as a barrier); all other values are unchanged.
- SEN_cities.geojson: the 30 GHS-UCDB urban centres of Senegal (same source), reprojected from
  Mollweide to EPSG:4326 (name, population 2025).
- SEN_population_2020.tif: WorldPop 2020 population for Africa at 20 km (afrilearndata,
  CC0) clipped to the friction extent and converted to people per 20 km cell. afripop2020 is
  NOT a density over the whole cell: afrilearndata took WorldPop's 30" "people per pixel"
  mosaic (ppp_2020_1km_Aggregated), masked it to the Natural Earth 1:110m African continent and
  averaged 20 x 20 pixels with na.rm, i.e. value = mean people per *valid land* 30" pixel. So
  people per cell = value x number of valid 30" pixels in the cell, which we rebuild by
  burning Natural Earth 1:110m Africa AND 1:50m land (close to WorldPop's own land mask) at
  30" on the same grid. Multiplying by the full cell area instead (the old build) inflated
  coastal cells, where most pixels are sea: the four Dakar cells got 12.4 M people instead of
  about 3.6 M. Check: Senegal (Natural Earth outline) then holds 16.7 M people, against
  16.8 M (World Bank SP.POP.TOTL 2020).
- SEN_boundary.geojson: Senegal from Natural Earth 1:50m admin-0 countries (public domain),
  the zone for national figures (the friction extent also covers The Gambia and neighbours).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from affine import Affine
from rasterio.features import rasterize
from rasterio.windows import from_bounds

WATER_MIN_PER_M = 0.00316  # the MAP 2019 friction surface's flat value over open water
SUB = 20  # afripop2020 cells are 20 x 20 WorldPop 30" pixels


def _valid_pixel_count(shape: tuple[int, int], transform: Affine, land: list,
                       continent: list) -> np.ndarray:
    """Number of 30" sub-pixels (centre rule) in each 20 km cell that lie on land (1:50m) and
    inside the 1:110m continent afrilearndata masked with: the pixels its mean was taken over."""
    sub = Affine(transform.a / SUB, 0, transform.c, 0, transform.e / SUB, transform.f)
    fine = (shape[0] * SUB, shape[1] * SUB)
    m = (rasterize(land, out_shape=fine, transform=sub, dtype="uint8")
         & rasterize(continent, out_shape=fine, transform=sub, dtype="uint8"))
    return m.reshape(shape[0], SUB, shape[1], SUB).sum(axis=(1, 3)).astype(np.float64)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "imcap" / "data" / "access"


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from imcap.access.raster import Grid, write_geotiff

    OUT.mkdir(parents=True, exist_ok=True)
    ne = gpd.read_file(SHARED / "natural_earth" / "ne_50m_admin_0_countries.json")
    ne110 = gpd.read_file(SHARED / "natural_earth" / "ne_110m_admin_0_countries.json")
    land = [g for g in ne.to_crs("EPSG:4326").geometry if g is not None]
    continent = [g for g in ne110[ne110["CONTINENT"] == "Africa"].to_crs("EPSG:4326").geometry
                 if g is not None]

    with rasterio.open(SHARED / "gost_senegal_friction" / "SEN_friction_surface.tif") as src:
        fr = src.read(1)
        grid = Grid((src.height, src.width), src.crs, src.transform)
        bounds = src.bounds
        nodata = src.nodata
    on_land = rasterize(land, out_shape=grid.shape, transform=grid.transform, dtype="uint8")
    sea = (on_land == 0) & np.isclose(fr, WATER_MIN_PER_M, rtol=0, atol=1e-7)
    fr = np.where(sea, nodata, fr)
    write_geotiff(OUT / "SEN_friction_surface.tif", fr, grid, nodata=nodata)

    cities = gpd.read_file(SHARED / "gost_senegal_friction" / "SEN_cities.geojson")
    cities = cities.to_crs("EPSG:4326").rename(
        columns={"GC_UCN_MAI_2025": "name", "GC_POP_TOT_2025": "population_2025"})
    cities[["name", "population_2025", "geometry"]].to_file(
        OUT / "SEN_cities.geojson", driver="GeoJSON")

    with rasterio.open(SHARED / "afrilearndata_cc0" / "afripop2020.tif") as src:
        win = from_bounds(*bounds, transform=src.transform).round_offsets().round_lengths()
        win = win.intersection(rasterio.windows.Window(0, 0, src.width, src.height))
        mean_ppp = src.read(1, window=win, masked=True).filled(0).astype(np.float64)
        pgrid = Grid(mean_ppp.shape, src.crs, src.window_transform(win))
    mean_ppp = np.where(mean_ppp > 0, mean_ppp, 0.0)
    n_valid = _valid_pixel_count(mean_ppp.shape, pgrid.transform, land, continent)
    # a few cells hold people on islets too small for the 1:50m land: fall back to the
    # continent mask alone, then to the full cell
    n110 = _valid_pixel_count(mean_ppp.shape, pgrid.transform, continent, continent)
    n_valid = np.where(n_valid > 0, n_valid, np.where(n110 > 0, n110, SUB * SUB))
    people = mean_ppp * n_valid
    write_geotiff(OUT / "SEN_population_2020.tif", people, pgrid, nodata=-1.0)
    sen = ne[ne["ADM0_A3"] == "SEN"][["ADM0_A3", "NAME", "geometry"]].rename(
        columns={"ADM0_A3": "iso3", "NAME": "name"})
    sen.to_crs("EPSG:4326").to_file(OUT / "SEN_boundary.geojson", driver="GeoJSON")
    print(f"wrote {OUT}: population {people.sum():,.0f} in the clip, largest cell "
          f"{people.max():,.0f}; {int(sea.sum())} sea cells of the friction set to nodata")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
