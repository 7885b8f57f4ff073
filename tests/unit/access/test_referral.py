"""Referral times: hand-computed cases, agreement with the engine, path lengths within the
bounds the costs allow, the matrix, and the CLI on the bundled Senegal surface and registry."""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from imcap.access.engine import travel_time
from imcap.access.raster import Facilities, Grid
from imcap.access.referral import referral_times, summarise
from imcap.access.scenario import Scenario
from imcap.cli.access import app
from imcap.errors import UserError
from imcap.store.schema import Country, Facility, ImagingUnit

DATA = Path(str(resources.files("imcap") / "data" / "access"))
runner = CliRunner()


def _scenario(cost: np.ndarray, cell: float = 100.0) -> Scenario:
    grid = Grid(crs=rasterio.crs.CRS.from_epsg(32628),
                transform=Affine(cell, 0, 300000, 0, -cell, 1600000), shape=cost.shape)
    return Scenario(cost=cost, grid=grid, dem=None, walk_mask=None, knight=False,
                    max_minutes=None, direction="towards", source="test")


def _fac(cells: list[tuple[int, int]], prefix: str) -> Facilities:
    return Facilities(np.array([r for r, _ in cells]), np.array([c for _, c in cells]),
                      [f"{prefix}{i}" for i in range(len(cells))])


def test_straight_diagonal_and_detour_hand_computed() -> None:
    cost = np.full((12, 12), 0.01)  # 1 min per 100 m cell
    sc = _scenario(cost)
    refs = referral_times(sc, _fac([(0, 0), (5, 5)], "o"), _fac([(0, 10), (10, 10)], "d"))
    assert refs[0].destination == "d0" and refs[0].minutes == pytest.approx(10.0)
    assert refs[0].km == pytest.approx(1.0)
    assert refs[1].destination == "d1"
    assert refs[1].minutes == pytest.approx(5 * math.sqrt(2))
    assert refs[1].km == pytest.approx(0.5 * math.sqrt(2))
    wall = cost.copy()
    wall[0:11, 5] = np.nan  # a wall with a gap at the bottom row
    refs = referral_times(_scenario(wall), _fac([(0, 0)], "o"), _fac([(0, 10)], "d"))
    # down the diagonal to (5,5)? no: to the gap at (11,5) and back up: hand count
    # (0,0) -> (10,4): 4 diagonal + 6 straight; -> (11,5) diagonal; -> (10,6) diagonal;
    # -> (0,10): 4 diagonal + 6 straight  => 10 diagonal + 12 straight steps
    expect = 10 * math.sqrt(2) + 12
    assert refs[0].minutes == pytest.approx(expect)
    assert refs[0].km == pytest.approx(expect / 10)


def test_path_length_through_zero_cost_cells() -> None:
    # a zero-cost road between origin and destination: the path is 9 cells long all the same
    cost = np.full((3, 10), 0.01)
    cost[1, 2:8] = 0.0
    (r,) = referral_times(_scenario(cost), _fac([(1, 9)], "o"), _fac([(1, 0)], "d"))
    assert r.minutes == pytest.approx(3.0) and r.km == pytest.approx(0.9)
    # zero-cost cells around the destination also have time 0; the walk must go on to it
    cost = np.full((1, 10), 0.01)
    cost[0, :3] = 0.0
    (r,) = referral_times(_scenario(cost), _fac([(0, 9)], "o"), _fac([(0, 0)], "d"))
    assert r.km == pytest.approx(0.9) and json.dumps(r.as_row())  # no NaN in JSON


def test_unreachable_origin_and_summary() -> None:
    cost = np.full((5, 9), 0.01)
    cost[:, 4] = np.nan
    refs = referral_times(_scenario(cost), _fac([(2, 0), (2, 8)], "o"), _fac([(2, 7)], "d"))
    assert refs[0].destination is None and math.isinf(refs[0].minutes)
    assert math.isnan(refs[0].km) and refs[0].as_row()["minutes"] is None
    assert refs[1].minutes == pytest.approx(1.0)
    s = summarise(refs, (30.0,))
    assert s["origins"] == 2 and s["reachable"] == 1 and s["share_within_30min"] == 0.5
    cost[2, 0] = np.nan
    with pytest.raises(UserError, match="impassable") as e:
        referral_times(_scenario(cost), _fac([(2, 0)], "o"), _fac([(2, 7)], "d"))
    assert "o0" in str(e.value)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_matches_engine_and_path_length_is_within_cost_bounds(seed: int, knight: bool) -> None:
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0.005, 0.05, (25, 30))
    cost[rng.random(cost.shape) < 0.2] = np.nan
    ok = np.argwhere(np.isfinite(cost))
    pick = rng.choice(len(ok), size=6, replace=False)
    ori = _fac([tuple(ok[i]) for i in pick[:3]], "o")
    dst = _fac([tuple(ok[i]) for i in pick[3:]], "d")
    sc = _scenario(cost, 50.0)
    refs = referral_times(sc, ori, dst, knight=knight)
    minutes, nearest = travel_time(cost, np.column_stack([dst.rows, dst.cols]), 50.0,
                                   knight=knight)
    lo, hi = np.nanmin(cost), np.nanmax(cost)
    for r, row, col in zip(refs, ori.rows, ori.cols, strict=True):
        assert r.minutes == minutes[row, col]
        if np.isfinite(r.minutes):
            assert r.destination == dst.names[nearest[row, col]]
            # time = sum(cost x step length) with every cost in [lo, hi]
            metres = r.km * 1000
            assert r.minutes / hi - 1e-6 <= metres <= r.minutes / lo + 1e-6


def test_matrix_rows_are_single_searches_and_nearest_is_their_minimum() -> None:
    rng = np.random.default_rng(5)
    cost = rng.uniform(0.01, 0.03, (30, 30))
    sc = _scenario(cost)
    ori, dst = _fac([(1, 1), (28, 3), (15, 15)], "o"), _fac([(2, 27), (27, 27)], "d")
    calls: list[tuple[int, int]] = []
    mat = referral_times(sc, ori, dst, matrix=True, on_progress=lambda d, n: calls.append((d, n)))
    assert calls == [(1, 2), (2, 2)]  # one search per destination
    assert [(r.origin, r.destination) for r in mat[:2]] == [("o0", "d0"), ("o0", "d1")]
    near = referral_times(sc, ori, dst)
    for o in range(3):
        row = mat[2 * o: 2 * o + 2]
        single = travel_time(cost, [(dst.rows[0], dst.cols[0])], 100.0)[0]
        assert row[0].minutes == single[ori.rows[o], ori.cols[o]]
        best = min(row, key=lambda r: r.minutes)
        assert near[o].minutes == best.minutes and near[o].destination == best.destination
        assert near[o].km == pytest.approx(best.km)
    bounded = referral_times(sc, ori, dst, matrix=True, max_minutes=20.0)
    assert all(r.minutes <= 20 or (math.isinf(r.minutes) and r.destination is None)
               for r in bounded)


def _ok(args: list[str]) -> tuple[str, str]:
    res = runner.invoke(app, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.stdout, res.stderr


def test_cli_senegal_cities_to_three_regional_centres(tmp_path: Path) -> None:
    centres = tmp_path / "centres.csv"
    centres.write_text("name,lon,lat\nDakar,-17.44,14.69\nSaint-Louis,-16.49,16.03\n"
                       "Tambacounda,-13.67,13.77\n")
    out, err = _ok(["referral", "--friction", str(DATA / "SEN_friction_surface.tif"),
                    "--from", str(DATA / "SEN_cities.geojson"), "--to", str(centres),
                    "--thresholds", "60,240", "-f", "json"])
    rows = {r["origin"]: r for r in json.loads(out)}
    assert len(rows) == 30
    assert rows["Dakar"]["destination"] == "Dakar" and rows["Dakar"]["minutes"] < 15
    assert rows["Tambacounda"]["minutes"] == 0 and rows["Tambacounda"]["km"] == 0
    # the figures quoted in docs/access.md
    for town, hub, minutes, km in (("Thiès", "Dakar", 40.59, 67.34),
                                   ("Kaolack", "Dakar", 124.28, 193.16),
                                   ("Ziguinchor", "Tambacounda", 295.05, 413.83)):
        assert rows[town]["destination"] == hub
        assert rows[town]["minutes"] == pytest.approx(minutes, abs=0.01)
        assert rows[town]["km"] == pytest.approx(km, abs=0.01)
    err = " ".join(err.split())  # the console may wrap the summary line
    assert ("share_within_60min 0.2333" in err and "share_within_240min 0.7667" in err
            and "median_minutes 100.7" in err)
    out, _ = _ok(["referral", "--friction", str(DATA / "SEN_friction_surface.tif"),
                  "--from", str(DATA / "SEN_cities.geojson"), "--to", str(centres),
                  "--matrix", "-f", "csv"])
    assert len(out.strip().splitlines()) == 1 + 30 * 3


def test_cli_registry_from_xray_to_functional_ct(db) -> None:
    with db.session() as s:
        s.add(Country(iso3="SEN", name="Senegal", source="test"))
        s.flush()
        for i, (name, lon, lat, mod, status) in enumerate([
                ("Dakar hospital", -17.44, 14.69, "CT", "functional"),
                ("Thiès hospital", -16.93, 14.79, "XRAY", "functional"),
                ("Ziguinchor hospital", -16.27, 12.58, "CT", "non_functional_repairable"),
                ("Ziguinchor hospital XR", -16.27, 12.58, "XRAY", "functional")]):
            f = Facility(external_id=f"f{i}", country_iso3="SEN", name=name, lon=lon, lat=lat,
                         source="test")
            s.add(f)
            s.flush()
            s.add(ImagingUnit(external_id=f"u{i}", facility_id=f.id, modality=mod,
                              status=status, source="test"))
    out, err = _ok(["referral", "--friction", str(DATA / "SEN_friction_surface.tif"),
                    "--country", "SEN", "--from-modality", "XRAY", "--to-modality", "CT",
                    "--db", db.url, "-f", "json"])
    rows = {r["origin"]: r for r in json.loads(out)}
    assert set(rows) == {"Thiès hospital", "Ziguinchor hospital XR"}
    # the broken Ziguinchor CT does not count: its X-ray patients go to Dakar
    assert rows["Ziguinchor hospital XR"]["destination"] == "Dakar hospital"
    assert rows["Ziguinchor hospital XR"]["minutes"] > rows["Thiès hospital"]["minutes"]
    out, _ = _ok(["referral", "--friction", str(DATA / "SEN_friction_surface.tif"),
                  "--country", "SEN", "--db", db.url, "-f", "json"])
    assert len(json.loads(out)) == 4  # every located facility
    res = runner.invoke(app, ["referral", "--friction", str(DATA / "SEN_friction_surface.tif"),
                              "--country", "SEN", "--to-modality", "MRI", "--db", db.url])
    assert res.exit_code != 0 and "functional MRI" in str(res.exception)
    cities = str(DATA / "SEN_cities.geojson")
    for extra in (["--from", cities, "--to", cities, "--country", "SEN"],
                  ["--from", cities, "--from-modality", "XRAY", "--country", "SEN"],
                  ["--to", cities, "--to-modality", "CT", "--country", "SEN"]):
        res = runner.invoke(app, ["referral", "--friction",
                                  str(DATA / "SEN_friction_surface.tif"), "--db", db.url, *extra])
        assert res.exit_code != 0 and "would be ignored" in str(res.exception), extra
