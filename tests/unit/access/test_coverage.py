"""Coverage rules as small tables, capacity-limited coverage, scenario building."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import LineString

from imcap.access.coverage import capacity_coverage, catchment_table, coverage_table
from imcap.access.raster import Grid, align_population
from imcap.access.scenario import build_scenario, speed_to_friction
from imcap.errors import ParameterError, UserError


def test_coverage_table_threshold_is_inclusive() -> None:
    minutes = np.array([[0.0, 30.0, 31.0, np.inf]])
    pop = np.array([[10.0, 20.0, 30.0, 40.0]])
    (row,) = coverage_table(minutes, pop, [30, 60])
    assert row["population"] == 100
    assert row["pop_within_30min"] == 30 and row["share_within_30min"] == pytest.approx(0.3)
    assert row["pop_within_60min"] == 60 and row["share_within_60min"] == pytest.approx(0.6)


def test_zones_and_catchments() -> None:
    minutes = np.array([[0.0, 50.0], [100.0, 10.0]])
    pop = np.array([[1.0, 2.0], [3.0, 4.0]])
    zones = np.array([[0, 0], [1, -1]])
    rows = coverage_table(minutes, pop, [60], zones=zones, zone_names=["north", "south"])
    assert [(r["area"], r["population"], r["pop_within_60min"]) for r in rows] == [
        ("total", 10.0, 7.0), ("north", 3.0, 3.0), ("south", 3.0, 0.0)]
    nearest = np.array([[0, 0], [1, 1]])
    rows = catchment_table(minutes, nearest, pop, ["A", "B"], [60])
    assert [(r["facility"], r["population"], r["pop_within_60min"]) for r in rows] == [
        ("A", 3.0, 3.0), ("B", 7.0, 4.0)]


def test_capacity_serves_nearest_first_and_splits_the_last_cell() -> None:
    cost = np.full((1, 5), 1.0)
    pop = np.array([[10.0, 10.0, 10.0, 10.0, 10.0]])
    res = capacity_coverage(cost, 1.0, pop, np.array([0, 0]), np.array([0, 4]),
                            np.array([25.0, 5.0]), max_minutes=10)
    assert res.served.tolist() == [25.0, 5.0]
    assert res.unserved == pytest.approx(20.0)
    assert res.max_minutes_served[0] == pytest.approx(2.0)
    # never serves more than reachable within max_minutes
    res = capacity_coverage(cost, 1.0, pop, np.array([0]), np.array([0]), np.array([1e9]),
                            max_minutes=1.5)
    assert res.served.tolist() == [20.0]
    with pytest.raises(ParameterError):
        capacity_coverage(cost, 1.0, pop, np.array([0]), np.array([0]), np.array([-1.0]),
                          max_minutes=1)


def test_align_population_keeps_totals() -> None:
    fine = Grid((40, 40), rasterio.crs.CRS.from_epsg(32628), Affine(100, 0, 0, 0, -100, 4000))
    coarse = Grid((4, 4), rasterio.crs.CRS.from_epsg(32628), Affine(1000, 0, 0, 0, -1000, 4000))
    pop = np.arange(16, dtype=float).reshape(4, 4)
    out = align_population(pop, coarse, fine)
    assert out.sum() == pytest.approx(pop.sum())
    assert out[:10, :10].sum() == pytest.approx(0.0)
    assert out[:10, 10:20].sum() == pytest.approx(1.0)


def _write(path, data, grid: Grid) -> None:
    with rasterio.open(path, "w", driver="GTiff", height=grid.shape[0], width=grid.shape[1],
                       count=1, dtype="float32", crs=grid.crs, transform=grid.transform,
                       nodata=-9999) as dst:
        dst.write(data.astype("float32"), 1)


def test_scenario_roads_cross_barriers_by_priority(tmp_path) -> None:
    import geopandas as gpd

    grid = Grid((10, 10), rasterio.crs.CRS.from_epsg(32628), Affine(100, 0, 0, 0, -100, 1000))
    _write(tmp_path / "lc.tif", np.ones((10, 10)), grid)
    road = gpd.GeoDataFrame({"cat": ["primary"]}, geometry=[LineString([(0, 550), (1000, 550)])],
                            crs="EPSG:32628")
    road.to_file(tmp_path / "roads.gpkg")
    river = gpd.GeoDataFrame(geometry=[LineString([(450, 0), (450, 1000)])], crs="EPSG:32628")
    river.to_file(tmp_path / "river.gpkg")
    spec = {"landcover": "lc.tif", "speeds": {"1": 5},
            "roads": [{"path": "roads.gpkg", "field": "cat", "speeds": {"primary": 60}}],
            "barriers": [{"path": "river.gpkg"}]}
    sc = build_scenario(spec, tmp_path)
    assert sc.cost[4, 0] == pytest.approx(speed_to_friction(np.array([60.0]))[0])
    assert np.isnan(sc.cost[0, 4]) and not np.isnan(sc.cost[4, 4])  # road crosses the river
    assert sc.walk_mask is not None and not sc.walk_mask[4, 0] and sc.walk_mask[0, 0]
    spec["priority"] = ["barriers", "roads", "landcover"]
    sc = build_scenario(spec, tmp_path)
    assert np.isnan(sc.cost[4, 4])  # now the river cuts the road
    (tmp_path / "s.json").write_text(json.dumps({**spec, "algorithm": "anisotropic"}))
    with pytest.raises(UserError, match="DEM"):
        build_scenario({**spec, "algorithm": "anisotropic"}, tmp_path)
    with pytest.raises(UserError, match="unknown scenario keys"):
        build_scenario({**spec, "speed": 1}, tmp_path)
