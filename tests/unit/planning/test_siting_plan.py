"""End to end: `imcap site` on a small registry, then `imcap plan invest` buys the sited units.

Registry (as in tests/spec/test_siting_spec.py): country SEN (LMC, 1 million people) with two
areas, North (600,000 people: Regional A with a functional CT, District C with a repairable
one) and South (400,000 people: District B, no CT). Population raster: 1,000 people by
Regional A, 800 by District B, 300 by District C; 60 minutes at 100 m a minute.

The siting run chooses one new CT site: District B (800 people; District C would add 300).
Needs at 3 CT per million: required 3, functional after repair 2, gap 1; South (>= 300,000
people) has no functional CT, so the per-area minimum also asks 1. The plan buys the 1 unit
the siting step places, in South: both siting checks are ok.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from imcap.cli.main import main
from imcap.errors import NotFoundError, ParameterError
from imcap.planning.scenario import load_saved, load_scenario, parse_scenario, run_scenario
from imcap.store.schema import Area, Country, Facility, ImagingUnit, Population, Scenario

AFFINE = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")


def _tif(path: Path, data: np.ndarray) -> None:
    with rasterio.open(path, "w", driver="GTiff", height=data.shape[0], width=data.shape[1],
                       count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(-17.0, 15.0, 0.01, 0.01), nodata=-9999) as d:
        d.write(data.astype("float32"), 1)


def _lonlat(r: int, c: int) -> tuple[float, float]:
    return -17.0 + (c + 0.5) * 0.01, 15.0 - (r + 0.5) * 0.01


@pytest.fixture
def sited(any_db, tmp_path):  # type: ignore[no-untyped-def]
    db = any_db
    _tif(tmp_path / "friction.tif", np.full((40, 40), 0.01))
    pop = np.zeros((40, 40))
    pop[5, 5], pop[30, 30], pop[30, 5] = 1000, 800, 300
    _tif(tmp_path / "pop.tif", pop)
    src = dict(source="test")
    with db.session() as s:
        s.add(Country(iso3="SEN", name="Senegal", income_group="LMC", **src))
        s.flush()
        s.add_all([Area(id="N", country_iso3="SEN", level=1, level_name="region", name="North",
                        **src),
                   Area(id="S", country_iso3="SEN", level=1, level_name="region", name="South",
                        **src)])
        s.flush()
        s.add_all([Population(country_iso3="SEN", area_id=a, year=y, value=v, **src)
                   for a, v in ((None, 1e6), ("N", 6e5), ("S", 4e5)) for y in (2024, 2025)])
        rows = [(1, "Regional A", "regional_hospital", (5, 6), "N", "functional"),
                (2, "District B", "district_hospital", (30, 31), "S", None),
                (3, "District C", "district_hospital", (30, 6), "N",
                 "non_functional_repairable")]
        for fid, name, level, (r, c), area, status in rows:
            lon, lat = _lonlat(r, c)
            s.add(Facility(id=fid, external_id=str(fid), country_iso3="SEN", area_id=area,
                           name=name, level=level, lat=lat, lon=lon, **src))
            if status:
                s.flush()
                s.add(ImagingUnit(external_id=f"u{fid}", facility_id=fid, modality="CT",
                                  status=status, year_installed=2024, **src))
        s.add(Scenario(name="sen_ct_sites", kind="siting", country_iso3="SEN", inputs={
            "country": "SEN", "modality": "CT", "friction": str(tmp_path / "friction.tif"),
            "population": str(tmp_path / "pop.tif"), "max_minutes": 60.0, "sites": 1}))
    assert main(["site", "--scenario", "sen_ct_sites", "--db", db.url, "--workers", "1",
                 "-f", "json"]) == 0
    return db


PLAN = """
name = "sen_plan"
country = "SEN"
start_year = 2026
target_year = 2028
gdp_per_capita = 1500
{siting}
[needs]
target = 3.0
modalities = ["CT"]
by_area = true
min_population = 300000
"""


@AFFINE
def test_site_then_plan_buys_the_sited_units(sited, tmp_path, capsys):  # type: ignore[no-untyped-def]
    db = sited
    p = tmp_path / "plan.toml"
    p.write_text(PLAN.format(siting=""), encoding="utf-8")
    capsys.readouterr()
    assert main(["plan", "invest", "SEN", "--scenario", str(p), "--siting", "sen_ct_sites",
                 "--db", db.url, "--out", str(tmp_path / "plan.xlsx"), "-f", "json"]) == 0
    saved = load_saved(db, "sen_plan")
    res = saved["results"]
    assert saved["inputs"]["file"]["siting"] == "sen_ct_sites"
    assert res["siting_scenario"] == "sen_ct_sites"
    assert [(r["facility_id"], r["facility"], r["area"], r["modality"], r["units"])
            for r in res["placements"]] == [(2, "District B", "South", "CT", 1)]
    need = res["needs"][0]
    assert need["gap"] == 1 and need["area_minimum_extra"] == 1 and need["new_units"] == 1
    checks = {(r["check"], r["item"]): r for r in res["feasibility"]}
    assert checks[("siting", "CT")]["status"] == "ok"
    assert checks[("siting", "CT")]["available"] == 1
    assert checks[("siting_areas", "CT")]["status"] == "ok"
    assert res["summary"]["new_units"] == 1

    # the same through the scenario file, and a siting that falls short of the needs:
    # 4 per million asks 2 new units; the siting still places 1 (South is reached)
    p.write_text(PLAN.format(siting='siting = "sen_ct_sites"').replace("3.0", "4.0"),
                 encoding="utf-8")
    run = run_scenario(db, load_scenario(p, today=2026))
    assert run.case.units["new"].sum() == 1  # the plan buys what the siting step places
    f = run.feasibility.set_index(["check", "item"])
    assert f.loc[("siting", "CT"), "status"] == "warn"
    assert f.loc[("siting", "CT"), "needed"] == 2
    assert f.loc[("siting_areas", "CT"), "status"] == "ok"


@AFFINE
def test_siting_errors(sited, tmp_path):  # type: ignore[no-untyped-def]
    db = sited
    sc = parse_scenario(json.loads('{"name": "x", "country": "SEN", "target_year": 2030, '
                                   '"needs": {"modalities": ["CT"], "target": 3.0}}'),
                        today=2026)
    with pytest.raises(NotFoundError, match="no stored siting scenario"):
        run_scenario(db, sc.with_siting("nope"))
    with db.session() as s:
        s.add(Scenario(name="empty_site", kind="siting", country_iso3="SEN", inputs={}))
    with pytest.raises(NotFoundError, match="holds no siting result"):
        run_scenario(db, sc.with_siting("empty_site"))
    bad = tmp_path / "s.csv"
    bad.write_text("facility_id,modality,units\n99,CT,1\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="outside the country"):
        run_scenario(db, parse_scenario({**sc.raw, "siting": {"file": str(bad)}}, today=2026))
    with pytest.raises(ParameterError, match="bad siting entry"):
        parse_scenario({**sc.raw, "siting": 3}, today=2026)
    p = tmp_path / "plan.toml"
    p.write_text(PLAN.format(siting=""), encoding="utf-8")
    assert main(["plan", "invest", "SEN", "--scenario", str(p), "--siting", "nope",
                 "--db", db.url]) == 1
