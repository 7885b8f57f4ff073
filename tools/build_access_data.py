"""Rebuild src/imcap/data/access/ from ../shared/data (run from the repository root).

- SEN_friction_surface.tif: Malaria Atlas Project 2019 global friction surface clipped to
  Senegal (via worldbank/GOSTnetsraster tutorial data), minutes per metre, EPSG:4326, 30",
  copied and re-compressed (deflate), values unchanged.
- SEN_cities.geojson: the 30 GHS-UCDB urban centres of Senegal (same source), reprojected from
  Mollweide to EPSG:4326 (name, population 2025).
- SEN_population_2020.tif: WorldPop 2020 population density for Africa at 20 km (afrilearndata,
  CC0) clipped to the friction extent and converted to people per cell (density x cell area).
- SEN_boundary.geojson: Senegal from Natural Earth 1:50m admin-0 countries (public domain),
  the zone for national figures (the friction extent also covers The Gambia and neighbours).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.windows import from_bounds

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "imcap" / "data" / "access"


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from imcap.access.raster import Grid, write_geotiff

    OUT.mkdir(parents=True, exist_ok=True)
    with rasterio.open(SHARED / "gost_senegal_friction" / "SEN_friction_surface.tif") as src:
        fr = src.read(1)
        grid = Grid((src.height, src.width), src.crs, src.transform)
        bounds = src.bounds
        nodata = src.nodata
    write_geotiff(OUT / "SEN_friction_surface.tif", fr, grid, nodata=nodata)

    cities = gpd.read_file(SHARED / "gost_senegal_friction" / "SEN_cities.geojson")
    cities = cities.to_crs("EPSG:4326").rename(
        columns={"GC_UCN_MAI_2025": "name", "GC_POP_TOT_2025": "population_2025"})
    cities[["name", "population_2025", "geometry"]].to_file(
        OUT / "SEN_cities.geojson", driver="GeoJSON")

    with rasterio.open(SHARED / "afrilearndata_cc0" / "afripop2020.tif") as src:
        win = from_bounds(*bounds, transform=src.transform).round_offsets().round_lengths()
        win = win.intersection(rasterio.windows.Window(0, 0, src.width, src.height))
        dens = src.read(1, window=win, masked=True).filled(0).astype(np.float64)
        pgrid = Grid(dens.shape, src.crs, src.window_transform(win))
    people = np.where(dens > 0, dens, 0) * pgrid.cell_area_km2()[:, None]
    write_geotiff(OUT / "SEN_population_2020.tif", people, pgrid, nodata=-1.0)
    ne = gpd.read_file(SHARED / "natural_earth" / "ne_50m_admin_0_countries.json")
    sen = ne[ne["ADM0_A3"] == "SEN"][["ADM0_A3", "NAME", "geometry"]].rename(
        columns={"ADM0_A3": "iso3", "NAME": "name"})
    sen.to_crs("EPSG:4326").to_file(OUT / "SEN_boundary.geojson", driver="GeoJSON")
    print(f"wrote {OUT}: population {people.sum():,.0f} in the clip")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
