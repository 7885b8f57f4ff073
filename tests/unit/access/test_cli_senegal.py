"""The real run: bundled Senegal friction surface, 30 urban centres, WorldPop 2020; and the CLI
end to end (files, registry, errors)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import rasterio
from typer.testing import CliRunner

from imcap.cli.access import app
from imcap.store.schema import Country, Facility, ImagingUnit, IndicatorValue

DATA = Path(str(resources.files("imcap") / "data" / "access"))
runner = CliRunner()


def _ok(args: list[str]) -> str:
    res = runner.invoke(app, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.fixture(scope="module")
def senegal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("sen")
    _ok(["traveltime", "--friction", str(DATA / "SEN_friction_surface.tif"), "--facilities",
         str(DATA / "SEN_cities.geojson"), "--out", str(d / "tt.tif"),
         "--catchments", str(d / "c.tif")])
    return d


def test_senegal_shares_within_one_and_two_hours(senegal: Path) -> None:
    out = _ok(["coverage", "--traveltime", str(senegal / "tt.tif"), "--population",
               str(DATA / "SEN_population_2020.tif"), "--zones", str(DATA / "SEN_boundary.geojson"),
               "--zone-field", "name", "--thresholds", "60,120", "--format", "json"])
    rows = {r["area"]: r for r in json.loads(out)}
    sen = rows["Senegal"]
    assert 16.0e6 < sen["population"] < 17.2e6  # World Bank 2020: 16.8 M
    assert sen["share_within_60min"] == pytest.approx(0.758, abs=0.005)
    assert sen["share_within_120min"] == pytest.approx(0.902, abs=0.005)
    with rasterio.open(senegal / "tt.tif") as r:
        assert r.crs.to_epsg() == 4326 and r.nodata == -1 and r.dtypes[0] == "float32"
        tt = r.read(1)
    with rasterio.open(senegal / "c.tif") as r:
        c = r.read(1)
    assert tt[tt >= 0].min() == 0 and set(np.unique(c)) <= set(range(0, 31))
    assert (tt == -1).mean() > 0.1 and (c[tt == -1] == 0).all()  # the sea: impassable
    assert len(set(np.unique(c)) - {0}) == 30  # every centre has a catchment


def test_catchment_rows_and_capacity(senegal: Path, tmp_path: Path) -> None:
    out = _ok(["coverage", "--traveltime", str(senegal / "tt.tif"), "--population",
               str(DATA / "SEN_population_2020.tif"), "--catchments", str(senegal / "c.tif"),
               "--facilities", str(DATA / "SEN_cities.geojson"), "--thresholds", "120",
               "-f", "json"])
    rows = json.loads(out)
    dakar = next(r for r in rows if r["area"] == "catchment: Dakar")
    assert 3e6 < dakar["population"] < 6e6  # GHS-UCDB urban centre: 3.97 M
    # everyone is in a catchment but the people of islets the sea mask leaves unreachable
    in_catchments = sum(r["population"] for r in rows[1:])
    assert in_catchments == pytest.approx(rows[0]["population"], rel=1e-3)
    assert in_catchments <= rows[0]["population"]
    out = _ok(["capacity", "--friction", str(DATA / "SEN_friction_surface.tif"),
               "--facilities", str(DATA / "SEN_cities.geojson"), "--capacity-field",
               "population_2025", "--population", str(DATA / "SEN_population_2020.tif"),
               "--max-minutes", "120", "-f", "json"])
    cap = json.loads(out)
    for r in cap[:-1]:
        assert r["served"] <= r["capacity"] + 1e-6


def test_registry_facilities_and_stored_indicators(db, tmp_path: Path) -> None:
    with db.session() as s:
        s.add(Country(iso3="SEN", name="Senegal", source="test"))
        s.flush()
        for i, (name, lon, lat, status) in enumerate([
                ("Dakar hospital", -17.44, 14.69, "functional"),
                ("Touba hospital", -15.88, 14.85, "partially_functional"),
                ("Ziguinchor hospital", -16.27, 12.58, "non_functional_repairable")]):
            f = Facility(external_id=f"f{i}", country_iso3="SEN", name=name, lon=lon, lat=lat,
                         source="test")
            s.add(f)
            s.flush()
            s.add(ImagingUnit(external_id=f"u{i}", facility_id=f.id, modality="CT",
                              status=status, source="test"))
    url = db.url
    _ok(["traveltime", "--friction", str(DATA / "SEN_friction_surface.tif"), "--country", "SEN",
         "--modality", "CT", "--db", url, "--out", str(tmp_path / "tt.tif"),
         "--catchments", str(tmp_path / "c.tif")])
    with rasterio.open(tmp_path / "c.tif") as r:
        # the broken Ziguinchor CT is left out; 0 is the sea
        assert set(np.unique(r.read(1))) == {0, 1, 2}
    _ok(["coverage", "--traveltime", str(tmp_path / "tt.tif"), "--population",
         str(DATA / "SEN_population_2020.tif"), "--thresholds", "120", "--store", "--country",
         "SEN", "--modality", "CT", "--year", "2024", "--db", url])
    with db.session() as s:
        iv = s.query(IndicatorValue).filter_by(indicator="access_share_within_120min_CT").one()
        assert 0 < iv.value < 1 and iv.year == 2024 and "least-cost" in iv.method
        assert "tt.tif" in iv.source


def test_clear_errors(tmp_path: Path) -> None:
    csv = tmp_path / "f.csv"
    csv.write_text("name,lon,lat\nParis,2.35,48.85\n")
    res = runner.invoke(app, ["traveltime", "--friction", str(DATA / "SEN_friction_surface.tif"),
                              "--facilities", str(csv), "--out", str(tmp_path / "t.tif")])
    assert "outside the raster" in str(res.exception) and "Paris" in str(res.exception)
    csv.write_text("name,lon,lat\n")
    res = runner.invoke(app, ["traveltime", "--friction", str(DATA / "SEN_friction_surface.tif"),
                              "--facilities", str(csv), "--out", str(tmp_path / "t.tif")])
    assert "no facilities" in str(res.exception)


def test_traveltime_map_is_an_offline_page_with_provenance(tmp_path: Path) -> None:
    _ok(["traveltime", "--friction", str(DATA / "SEN_friction_surface.tif"), "--facilities",
         str(DATA / "SEN_cities.geojson"), "--out", str(tmp_path / "tt.tif"),
         "--map", str(tmp_path / "tt.html"), "--thresholds", "60,120"])
    page = (tmp_path / "tt.html").read_text(encoding="utf-8")
    assert "<script src" not in page and "Plotly.newPlot" in page  # plotly.js inline
    # legend names sit in the figure's JSON, non-ASCII escaped
    for text in ("\\u2264 60 min", "60\\u2013120 min", "\\u003e 120 min",
                 "Source:</b> friction surface "
                 "SEN_friction_surface.tif", "facilities SEN_cities.geojson", "Date:</b>",
                 "least-cost travel time", '"type":"heatmap"'):
        assert text in page, text
    assert not (tmp_path / "tt.html.tmp").exists()


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_catchment_polygons(tmp_path: Path, suffix: str) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    poly = tmp_path / f"catchments{suffix}"
    _ok(["traveltime", "--friction", str(DATA / "SEN_friction_surface.tif"), "--facilities",
         str(DATA / "SEN_cities.geojson"), "--out", str(tmp_path / "tt.tif"),
         "--catchments", str(tmp_path / "c.tif"), "--catchment-polygons", str(poly)])
    g = gpd.read_file(poly)
    with rasterio.open(tmp_path / "c.tif") as r:
        lab = r.read(1)
        assert g.crs == r.crs
    assert len(g) == 30 and g.geometry.is_valid.all()
    assert g["cells"].sum() == (lab > 0).sum()  # every reached cell in one catchment
    counts = np.bincount(lab[lab > 0])
    assert all(counts[row] == cells for row, cells in zip(g["row"], g["cells"], strict=True))
    dakar = g[g["facility"] == "Dakar"].geometry.iloc[0]
    assert dakar.contains(Point(-17.44, 14.69))  # the city centre lies in its catchment
    assert not list(tmp_path.glob("*_imcap_tmp*"))


def test_outputs_in_a_missing_folder_fail_before_any_work(tmp_path: Path) -> None:
    res = runner.invoke(app, ["traveltime", "--friction", str(DATA / "SEN_friction_surface.tif"),
                              "--facilities", str(DATA / "SEN_cities.geojson"),
                              "--out", str(tmp_path / "tt.tif"),
                              "--map", str(tmp_path / "nope" / "tt.html")])
    assert res.exit_code != 0 and "output folder does not exist" in str(res.exception)
    assert not (tmp_path / "tt.tif").exists()
