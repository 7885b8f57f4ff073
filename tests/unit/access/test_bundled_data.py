"""The bundled Senegal rasters are plausible: population totals, no inflated coastal cells,
the sea impassable; and align_population keeps people on land and in their own footprint."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from imcap.access.raster import Grid, align_population, rasterize_zones, read_raster
from imcap.cli.access import app

DATA = Path(str(resources.files("imcap") / "data" / "access"))
REF = Path(str(resources.files("imcap") / "data" / "reference" / "population.csv"))


def _wb_population(iso3: str, year: int) -> float:
    """World Bank SP.POP.TOTL from the bundled reference table (SEN 2020: 16,789,219)."""
    with REF.open() as f:
        for row in csv.DictReader(f):
            if row["iso3"] == iso3 and int(row["year"]) == year:
                return float(row["population"])
    raise AssertionError(f"{iso3} {year} missing from {REF.name}")


def test_bundled_population_matches_senegal_total_and_has_no_inflated_cell() -> None:
    pop, grid = read_raster(DATA / "SEN_population_2020.tif")
    pop = np.nan_to_num(pop)
    # The density x full-cell-area bug put 4.2 M in one Dakar cell and 12.4 M in four. The
    # real core cell (Dakar, Pikine, Guediawaye: about 2.8 M) is above a flat 1.5 M cap, so
    # the bound is the whole GHS-UCDB Dakar urban centre: 3.97 M for the four cells together,
    # and no other cell above 1.5 M.
    top = np.sort(pop.ravel())[::-1]
    assert top[0] < 3.0e6 and top[1] < 1.5e6
    dakar4 = pop[14:16, 0:2]  # the four cells around Cap-Vert
    assert dakar4.max() == top[0] and dakar4.sum() < 3.97e6 * 1.1
    # Senegal's outline burnt at 30" (the friction grid), population spread onto it
    fr, fgrid = read_raster(DATA / "SEN_friction_surface.tif")
    people = align_population(pop, grid, fgrid, passable=np.isfinite(fr))
    zones, names = rasterize_zones(DATA / "SEN_boundary.geojson", "name", fgrid)
    sen = people[zones == names.index("Senegal")].sum()
    assert sen == pytest.approx(_wb_population("SEN", 2020), rel=0.05)


def test_sea_is_impassable_and_every_city_on_land(tmp_path: Path) -> None:
    with rasterio.open(DATA / "SEN_friction_surface.tif") as r:
        fr = r.read(1, masked=True)
        row, col = r.index(-17.9, 14.0)
        assert fr.mask[row, col]  # Atlantic west of Dakar
        assert not fr.mask[r.index(-15.88, 14.85)]  # Touba
        assert fr.mask.sum() > 0.1 * fr.size
    csv_ = tmp_path / "sea.csv"
    csv_.write_text("name,lon,lat\nAt sea,-17.9,14.0\n")
    res = CliRunner().invoke(app, ["traveltime", "--friction", str(DATA /
                                   "SEN_friction_surface.tif"), "--facilities", str(csv_),
                                   "--out", str(tmp_path / "t.tif")])
    assert res.exit_code != 0 and "impassable" in str(res.exception)
    assert "At sea" in str(res.exception)
    res = CliRunner().invoke(app, ["traveltime", "--friction", str(DATA /
                                   "SEN_friction_surface.tif"), "--facilities",
                                   str(DATA / "SEN_cities.geojson"), "--out",
                                   str(tmp_path / "t.tif")])
    assert res.exit_code == 0, res.output


def test_align_population_moves_people_onto_passable_cells_of_their_footprint() -> None:
    crs = rasterio.crs.CRS.from_epsg(32628)
    fine = Grid((40, 40), crs, Affine(100, 0, 0, 0, -100, 4000))
    coarse = Grid((4, 4), crs, Affine(1000, 0, 0, 0, -1000, 4000))
    pop = np.full((4, 4), 100.0)
    land = np.ones((40, 40), bool)
    land[:, :5] = False        # half of the first coarse column is sea
    land[30:, 30:] = False     # one coarse cell entirely sea: keeps its people
    out = align_population(pop, coarse, fine, passable=land)
    assert out.sum() == pytest.approx(1600.0)
    assert out[:, :5].sum() == 0 and out[:10, 5:10].sum() == pytest.approx(100.0)
    assert out[:10, 5:10].max() == pytest.approx(2.0)  # 100 people on 50 land cells, evenly
    assert out[30:, 30:].sum() == pytest.approx(100.0)
    # nothing is concentrated: each coarse cell's people stay inside its footprint
    blocks = out.reshape(4, 10, 4, 10).sum(axis=(1, 3))
    np.testing.assert_allclose(blocks, pop)


def test_modality_is_validated_against_the_catalogue(db) -> None:
    from imcap.cli.access import modality_code
    from imcap.cli.main import app as main_app

    assert modality_code("DX") == "XRAY" and modality_code("cr") == "XRAY"
    assert modality_code("mri") == "MRI"
    for args in (["access", "traveltime", "--friction", str(DATA / "SEN_friction_surface.tif"),
                  "--country", "SEN", "--modality", "FOO", "--db", db.url, "--out", "t.tif"],
                 ["site", "--country", "SEN", "--modality", "FOO", "--friction",
                  str(DATA / "SEN_friction_surface.tif"), "--population",
                  str(DATA / "SEN_population_2020.tif"), "--sites", "1", "--db", db.url]):
        res = CliRunner().invoke(main_app, args)
        assert res.exit_code == 1, res.output
        msg = res.output + str(res.exception)  # main() prints UserErrors; the app raises them
        assert "unknown modality 'FOO'" in msg and "XRAY" in msg
