"""One map implementation: the SVG (PDF, no-JS pages) and plotly maps of the web pages come
from the same projected features and classes of imcap.reports.maps."""

from __future__ import annotations

import re

from imcap.reports import charts, maps

SQ = {"type": "Polygon", "coordinates": [[[36, -1], [37, -1], [37, 0], [36, 0], [36, -1]]]}
FC = {"features": [
    {"properties": {"id": "A", "name": "Alpha"}, "geometry": SQ},
    {"properties": {"id": "B", "name": "Beta"}, "geometry": {
        "type": "MultiPolygon", "coordinates": [[[[38, -1], [39, -1], [39, 0], [38, -1]]]]}},
    {"properties": {"id": "C", "name": "Gamma"}, "geometry": {"type": "Point",
                                                               "coordinates": [1, 1]}}]}


def test_quantile_breaks_survive_repeated_values() -> None:
    assert maps.quantile_breaks(range(100)) == [20.0, 40.0, 60.0, 80.0]
    assert maps.quantile_breaks([0] * 40 + [0.7, 0.9, 1.3, 1.7]) == [0.7, 0.9, 1.3, 1.7]
    assert maps.quantile_breaks([None, 1.0]) == []


def test_svg_and_plotly_maps_share_projection_and_classes() -> None:
    crs = maps.utm_crs(36.5, -0.5)
    feats = maps.project_features(FC, "id", crs)
    assert [f[0] for f in feats] == ["A", "B"]  # points are not polygons
    x, _y = feats[0][2][0]
    assert 100_000 < x.min() < x.max() < 900_000  # UTM easting, metres
    values = {"A": 1.0, "B": 5.0}
    fig = maps.choropleth_features(feats, values, [2.0], value_label="u")
    fills = {t.fillcolor for t in fig.data if t.fill == "toself"}
    svg = charts.svg_map(feats, values, [2.0], points=[(float(x.min()), 0.0, "pt")], unit="u")
    paths = re.findall(r'<path data-id="(\w)" d="M[^"]+" fill="(#[0-9a-f]+)"', svg)
    assert len(paths) == 2 and {c for _k, c in paths} == fills and len(fills) == 2
    assert "<circle" in svg and "&lt; 2" in svg  # marker and legend
