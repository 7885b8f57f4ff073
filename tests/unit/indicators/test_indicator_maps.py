"""Offline maps: projected polygons as cartesian traces, one per colour class."""

from __future__ import annotations

import plotly.graph_objects as go

from imcap.reports import maps

SQUARE = {"type": "Polygon", "coordinates": [[[36, -1], [37, -1], [37, 0], [36, 0], [36, -1]]]}
FC = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": "A", "name": "Alpha"}, "geometry": SQUARE},
    {"type": "Feature", "properties": {"id": "B", "name": "Beta"}, "geometry": {
        "type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], SQUARE["coordinates"]]}},
    {"type": "Feature", "properties": {"id": "C", "name": "Gamma"}, "geometry": SQUARE},
]}


def test_utm_zone_and_classes():
    assert maps.utm_crs(36.8, -1.3) == "EPSG:32737"
    assert maps.utm_crs(-0.1, 51.5) == "EPSG:32630"
    assert [maps.classify(v, (1, 5)) for v in (0.5, 1, 4.9, 5, None)] == [0, 1, 1, 2, None]
    assert maps.class_labels((1, 5)) == ["< 1", "1 to < 5", ">= 5"]


def test_choropleth_draws_one_filled_cartesian_trace_per_class():
    fig = maps.choropleth(FC, "id", {"A": 0.5, "B": 7.0}, (1, 5), crs="EPSG:32737",
                          value_label="per million")
    polys = [t for t in fig.data if t.fill == "toself"]
    assert [t.name for t in polys] == ["no data", "< 1", ">= 5"]
    assert all(isinstance(t, go.Scatter) for t in fig.data)
    beta = polys[2]
    assert sum(x is None for x in beta.x) == 2  # two rings, each closed by a None break
    assert "Beta: 7 per million" in beta.text
    assert max(abs(x) for x in beta.x if x is not None) > 1000  # projected metres
    assert fig.layout.yaxis.scaleanchor == "x"


def test_points_are_projected_with_hover_text():
    fig = maps.points(go.Figure(), [36.8], [-1.3], ["KNH"], crs="EPSG:32737", name="units")
    assert fig.data[0].text == ("KNH",) and fig.data[0].x[0] > 100_000
