"""Siting spec: tiny tables that read like the documentation, then the registry end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from imcap.cli.main import main
from imcap.siting import CoverageProblem, max_cover, set_cover
from imcap.siting.registry import registry_sites
from imcap.store.db import Database
from imcap.store.schema import Country, Facility, ImagingUnit

INF = np.inf

# minutes from each village (row) to each candidate site (column)
#            A     B     C
MINUTES = [[10, INF, INF],   # village 0: 100 people
           [90, 30, INF],    # village 1:  60 people
           [INF, 50, 20],    # village 2:  50 people
           [INF, INF, 40]]   # village 3:  30 people
PEOPLE = [100, 60, 50, 30]

SPEC = [
    # threshold, fixed, p / share, expected chosen (any order), covered people
    (60, None, ("sites", 1), {1}, 110),
    (60, None, ("sites", 2), {0, 1}, 210),
    (120, None, ("sites", 1), {0}, 160),
    (60, [0], ("sites", 1), {1}, 210),         # A exists: B now adds 60 + 50
    (60, None, ("cover", 0.7), {0, 1}, 210),   # 70% of 240 = 168 people: two sites
    (60, [1], ("cover", 0.9), {0, 2}, 240),
]


@pytest.mark.parametrize("threshold,fixed,ask,chosen,covered", SPEC)
@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_siting_table(threshold, fixed, ask, chosen, covered, method):  # type: ignore[no-untyped-def]
    pr = CoverageProblem.from_cost_matrix(np.array(MINUTES, float), PEOPLE, threshold,
                                          fixed=fixed)
    kind, value = ask
    r = (max_cover(pr, value, method=method) if kind == "sites"
         else set_cover(pr, value, method=method))
    assert set(r.chosen) == chosen and r.covered == covered
    assert r.gap == 0 or method == "greedy"


def _tif(path: Path, data: np.ndarray) -> None:
    with rasterio.open(path, "w", driver="GTiff", height=data.shape[0], width=data.shape[1],
                       count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(-17.0, 15.0, 0.01, 0.01), nodata=-9999) as d:
        d.write(data.astype("float32"), 1)


# imcap.access.raster.Grid.rowcol uses affine's `~t * (x, y)` (deprecated in affine 3.1)
AFFINE = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")


@AFFINE
def test_registry_upgrades_district_hospitals_without_ct(db: Database, tmp_path: Path) -> None:
    _tif(tmp_path / "friction.tif", np.full((40, 40), 0.01))  # 100 m per minute
    pop = np.zeros((40, 40))
    pop[5, 5], pop[30, 30], pop[30, 5] = 1000, 800, 300
    _tif(tmp_path / "pop.tif", pop)

    def lonlat(r: int, c: int) -> tuple[float, float]:
        return -17.0 + (c + 0.5) * 0.01, 15.0 - (r + 0.5) * 0.01

    src = dict(source="test")
    with db.session() as s:
        s.add(Country(iso3="SEN", name="Senegal", source="test"))
        rows = [  # id, name, level, cell, CT status
            (1, "Regional A", "regional_hospital", (5, 6), "functional"),
            (2, "District B", "district_hospital", (30, 31), None),
            (3, "District C", "district_hospital", (30, 6), "non_functional_repairable"),
            (4, "Health centre D", "health_centre", (30, 30), None),
        ]
        for fid, name, level, (r, c), status in rows:
            lon, lat = lonlat(r, c)
            s.add(Facility(id=fid, external_id=str(fid), country_iso3="SEN", name=name,
                           level=level, lat=lat, lon=lon, **src))
            if status:
                s.add(ImagingUnit(external_id=f"u{fid}", facility_id=fid, modality="CT",
                                  status=status, **src))
        s.add(Facility(id=5, external_id="5", country_iso3="SEN", name="District E (no GPS)",
                       level="district_hospital", **src))
    sites = registry_sites(db, "SEN", "CT")
    assert sites.ids == (1, 2, 3) and sites.fixed.tolist() == [True, False, False]

    out = tmp_path / "result.geojson"
    rc = main(["site", "--db", db.url, "--country", "SEN", "--modality", "CT",
               "--friction", str(tmp_path / "friction.tif"), "--population",
               str(tmp_path / "pop.tif"), "--max-minutes", "60", "--sites", "1", "--workers",
               "1", "--out", str(out), "-f", "json"])
    assert rc == 0
    feats = json.loads(out.read_text())["features"]
    assert [f["properties"]["name"] for f in feats] == ["District B"]
    assert feats[0]["properties"]["people"] == pytest.approx(800)
    assert feats[0]["properties"]["units"] == 1

    from imcap.cli.site import run_siting

    res, _ = run_siting(dict(country="SEN", modality="CT", friction=str(tmp_path / "friction.tif"),
                             population=str(tmp_path / "pop.tif"), max_minutes=60.0, sites=2,
                             people_per_unit=500.0), db=db.url, workers=1)
    assert res.planner_items() == [(2, "CT", 2), (3, "CT", 1)]
    assert res.covered == pytest.approx(2100) and res.covered_by_fixed == pytest.approx(1000)


@AFFINE
def test_cli_bad_input_is_a_user_error(tmp_path: Path) -> None:
    _tif(tmp_path / "f.tif", np.full((10, 10), 0.01))
    _tif(tmp_path / "p.tif", np.ones((10, 10)))
    (tmp_path / "c.csv").write_text("name,lon,lat\nfar away,10.0,10.0\n")
    args = ["site", "--friction", str(tmp_path / "f.tif"), "--population",
            str(tmp_path / "p.tif"), "--candidates", str(tmp_path / "c.csv"), "--workers", "1"]
    assert main([*args, "--sites", "1"]) == 1  # candidate outside the raster
    (tmp_path / "c.csv").write_text("name,lon,lat\nin,-16.95,14.95\n")
    assert main([*args, "--sites", "3"]) == 1  # more sites than candidates
    assert main(args) == 1  # no model chosen
    assert main([*args, "--sites", "1"]) == 0
