"""Registry coverage per area (zonal, hand-computed shares) and the Dask run of many jobs.

Grid: 2 rows x 6 columns of 0.01 degree at the equator (WGS84), friction 0.01 min/m, so one
column is about 11.1 minutes (1113 m). Facilities with a functional CT sit in column 0 of both
rows, so travel times by column are about 0, 11, 22, 33, 45, 56 minutes. Area West holds
columns 0-2, area East columns 3-5. Population: row 0 = 1..6, row 1 = 10..60.

    West: 66 people, all within 30 min.       East: 165 people, 0 within 30, 99 within 50.
    Country: 231 people, 66 within 30 min, 165 within 50 min.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from imcap.access.batch import Surface, make_jobs, registry_coverage, run_jobs
from imcap.cli.access import app
from imcap.store.schema import Area, Country, Facility, ImagingUnit, IndicatorValue

GRID = dict(crs=rasterio.crs.CRS.from_epsg(4326), transform=Affine(0.01, 0, 0, 0, -0.01, 0.02))
POP = np.array([[1, 2, 3, 4, 5, 6], [10, 20, 30, 40, 50, 60]], dtype=np.float64)


def _tif(path: Path, data: np.ndarray) -> Path:
    with rasterio.open(path, "w", driver="GTiff", height=2, width=6, count=1, dtype="float64",
                       **GRID) as dst:
        dst.write(data, 1)
    return path


def _box(x0: float, x1: float) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[x0, 0], [x1, 0], [x1, 0.02],
                                                           [x0, 0.02], [x0, 0]]]})


@pytest.fixture
def world(db, tmp_path: Path) -> tuple[object, Surface]:
    with db.session() as s:
        s.add(Country(iso3="KEN", name="Kenya", source="test"))
        s.flush()
        for aid, name, geom in [("KEN-W", "West", _box(0, 0.03)),
                                ("KEN-E", "East", _box(0.03, 0.06)),
                                ("KEN-X", "Far away", _box(1, 2)), ("KEN-N", "No shape", None)]:
            s.add(Area(id=aid, country_iso3="KEN", level=1, level_name="county", name=name,
                       geometry=geom, source="test"))
        for i, (lon, lat, mod, status) in enumerate([
                (0.005, 0.015, "CT", "functional"), (0.005, 0.005, "CT", "partially_functional"),
                (0.055, 0.005, "CT", "non_functional_repairable")]):
            f = Facility(external_id=f"f{i}", country_iso3="KEN", name=f"H{i}", lon=lon, lat=lat,
                         source="test")
            s.add(f)
            s.flush()
            s.add(ImagingUnit(external_id=f"u{i}", facility_id=f.id, modality=mod, status=status,
                              source="test"))
    surface = Surface(population=str(_tif(tmp_path / "pop.tif", POP)),
                      friction=str(_tif(tmp_path / "fric.tif", np.full((2, 6), 0.01))))
    return db, surface


def _stored(db, modality: str = "CT") -> dict[tuple[str, str | None], IndicatorValue]:
    with db.session() as s:
        return {(iv.indicator, iv.area_id): iv for iv in s.query(IndicatorValue)
                if iv.indicator.endswith(modality)}


def test_area_indicators_with_provenance(world) -> None:
    db, surface = world
    (res,) = registry_coverage(db, ["KEN"], ["CT"], 2024, surface, [30, 50])
    assert res.n_facilities == 2  # the broken CT is left out
    got = _stored(db)
    share = {(ind.split("_")[3], a): iv.value for (ind, a), iv in got.items()
             if ind.startswith("access_share")}
    assert share == pytest.approx({("30min", None): 66 / 231, ("50min", None): 165 / 231,
                                   ("30min", "KEN-W"): 1.0, ("50min", "KEN-W"): 1.0,
                                   ("30min", "KEN-E"): 0.0, ("50min", "KEN-E"): 99 / 165})
    assert got[("access_pop_within_50min_CT", "KEN-E")].value == pytest.approx(99)
    iv = got[("access_share_within_30min_CT", "KEN-W")]
    assert "fric.tif" in iv.source and "pop.tif" in iv.source and "registry" in iv.source
    assert "<= T" in iv.method
    assert iv.detail["facilities"] == 2 and iv.detail["population"] == pytest.approx(66)
    assert iv.detail["area_level"] == 1
    # the area with no population (outside the grid) and the one without shape: no rows
    assert not any(a in ("KEN-X", "KEN-N") for _, a in got)
    # re-running changes nothing
    (again,) = registry_coverage(db, ["KEN"], ["CT"], 2024, surface, [30, 50])
    assert again.stored == 0


def test_coverage_store_writes_areas_and_facility_count(world, tmp_path: Path) -> None:
    db, surface = world
    runner = CliRunner()
    r = runner.invoke(app, ["traveltime", "--friction", surface.friction, "--country", "KEN",
                            "--modality", "CT", "--db", db.url, "--out", str(tmp_path / "tt.tif")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["coverage", "--traveltime", str(tmp_path / "tt.tif"), "--population",
                            surface.population, "--thresholds", "50", "--store", "--country",
                            "KEN", "--modality", "CT", "--year", "2024", "--db", db.url,
                            "-f", "json"])
    assert r.exit_code == 0, r.output
    got = _stored(db)
    assert got[("access_share_within_50min_CT", "KEN-E")].value == pytest.approx(0.6)
    assert got[("access_share_within_50min_CT", None)].detail["facilities"] == 2


def test_dask_run_equals_serial(world) -> None:
    from distributed import Client, LocalCluster

    db, surface = world
    jobs = make_jobs(db, ["KEN"], ["CT", "MRI"], 2024)
    serial = run_jobs(jobs, surface, [30, 50])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        dask = run_jobs(jobs, surface, [30, 50], scheduler=client)
    assert [(r.iso3, r.modality, r.n_facilities) for r in dask] == [("KEN", "CT", 2),
                                                                    ("KEN", "MRI", 0)]
    for a, b in zip(serial, dask, strict=True):
        assert json.dumps(a.rows, sort_keys=True) == json.dumps(b.rows, sort_keys=True)
        assert a.source == b.source
    # no functional MRI: nobody is covered, shares are 0 (not missing)
    assert dask[1].rows[0]["share_within_50min"] == 0.0


def test_indicators_cli_on_a_local_cluster(world) -> None:
    db, surface = world
    r = CliRunner().invoke(app, ["indicators", "--friction", surface.friction, "--population",
                                 surface.population, "--country", "KEN", "--modality", "CT,MRI",
                                 "--year", "2025", "--thresholds", "30", "--db", db.url,
                                 "--scheduler", "local", "-f", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [(x["modality"], x["area"]) for x in rows] == [
        ("CT", "KEN"), ("CT", "East"), ("CT", "West"), ("CT", "Far away"),
        ("MRI", "KEN"), ("MRI", "East"), ("MRI", "West"), ("MRI", "Far away")]  # by area id
    assert _stored(db, "MRI")[("access_share_within_30min_MRI", "KEN-W")].value == 0.0
