"""Offline maps: the one place where GeoJSON polygons and points are projected and classed,
drawn as plotly cartesian traces (atlas, interactive web pages) or, through
:func:`imcap.reports.charts.svg_map`, as SVG (PDF reports and pages without JavaScript).

Why not plotly's geo/mapbox traces: ``Choropleth``/``Scattergeo`` fetch a topojson from a CDN and
MapLibre ``map`` traces need tiles, so offline they draw nothing (DESIGN.md). Here polygons are
projected with pyproj (Equal Earth, EPSG:8857, for the world; the country's UTM zone for national
maps) and drawn as ``go.Scatter(fill="toself")``: one trace per colour class, rings separated by
``None``, hover text per feature (on every vertex and on an invisible centroid marker), equal axis
scaling. Everything renders with the plotly.js bundled in the installed package.

Typical use::

    fc = json.loads(Path("world_110m.geojson").read_text())
    fig = choropleth(fc, "iso3", values, breaks=[1, 5, 10, 20], crs=EQUAL_EARTH,
                     hover={"KEN": "Kenya: 0.25"}, value_label="CT per million")
    fig.to_html(include_plotlyjs=True)

Coordinates are (longitude, latitude) in EPSG:4326 in, metres out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import plotly.graph_objects as go
from pyproj import Transformer
from shapely.geometry import LineString

from imcap.data import path as data_path

EQUAL_EARTH = "EPSG:8857"
NO_DATA_COLOUR = "#d9d9d9"
# ColorBrewer YlGnBu (7 classes), light to dark
PALETTE = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")


Ring = tuple[np.ndarray, np.ndarray]
Feature = tuple[str, str, list[Ring]]  # (key, name, projected rings)


def utm_crs(lon: float, lat: float) -> str:
    """EPSG code of the WGS 84 UTM zone containing (lon, lat): 326zz north, 327zz south."""
    zone = int(math.floor((lon + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def _rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [list(r) for r in geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return [list(r) for poly in geometry["coordinates"] for r in poly]
    return []


def bounds_lonlat(geometries: Iterable[Mapping[str, Any]]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of (Multi)Polygon geometries."""
    a = np.concatenate([np.asarray(r, dtype=float)[:, :2] for g in geometries
                        for r in _rings(g)])
    return float(a[:, 0].min()), float(a[:, 1].min()), float(a[:, 0].max()), float(a[:, 1].max())


def projected_rings(geometry: Mapping[str, Any], transformer: Transformer | str,
                    tolerance: float = 0.0) -> list[Ring]:
    """Each ring of a (Multi)Polygon as projected x, y arrays (metres), non-finite points
    dropped, simplified by Douglas-Peucker with ``tolerance`` metres when > 0 (lighter pages)."""
    if isinstance(transformer, str):
        transformer = transformer_for(transformer)
    out = []
    for ring in _rings(geometry):
        a = np.asarray(ring, dtype=float)
        x, y = transformer.transform(a[:, 0], a[:, 1])
        x, y = np.asarray(x), np.asarray(y)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if tolerance > 0 and len(x) > 8:
            simple = LineString(np.column_stack([x, y])).simplify(tolerance,
                                                                   preserve_topology=False)
            if len(simple.coords) >= 4:
                xy = np.asarray(simple.coords)
                x, y = xy[:, 0], xy[:, 1]
        if len(x):
            out.append((x, y))
    return out


@lru_cache(maxsize=32)
def transformer_for(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def project_points(lons: Iterable[float], lats: Iterable[float], crs: str
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Projected x, y (metres) of points given in degrees."""
    lon = np.asarray(list(lons), dtype=float)
    lat = np.asarray(list(lats), dtype=float)
    x, y = transformer_for(crs).transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def project_features(fc: Mapping[str, Any], key: str, crs: str, *, tolerance: float = 0.0,
                     name_prop: str = "name") -> list[Feature]:
    """(key, name, projected rings) of each polygon feature of a FeatureCollection."""
    t = transformer_for(crs)
    out = []
    for feat in fc["features"]:
        props = feat["properties"]
        parts = projected_rings(feat["geometry"], t, tolerance)
        if parts:
            out.append((props.get(key), props.get(name_prop) or props.get(key), parts))
    return out


@lru_cache(maxsize=1)
def world_features() -> tuple[Feature, ...]:
    """Countries of the bundled Natural Earth 1:110m map, Equal Earth, simplified to 15 km."""
    fc = json.loads(data_path("reference/world_110m.geojson").read_text(encoding="utf-8"))
    return tuple(project_features(fc, "iso3", EQUAL_EARTH, tolerance=15000.0))


def classify(value: float | None, breaks: Sequence[float]) -> int | None:
    """Class index of ``value`` for ascending ``breaks`` (len(breaks)+1 classes); None if
    missing. Class k holds breaks[k-1] <= value < breaks[k]."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(np.searchsorted(np.asarray(breaks, dtype=float), value, side="right"))


def quantile_breaks(values: Iterable[float | None], n: int = 5) -> list[float]:
    """Breaks for :func:`classify` giving (about) ``n`` equal-count classes of the
    non-missing values; when values repeat so much that the classes collapse (most areas
    at 0), equal-count classes of the distinct values instead."""
    v = sorted(float(x) for x in values if x is not None and math.isfinite(x))

    def cuts(a: list[float]) -> list[float]:
        if len(a) < 2:
            return []
        return sorted({a[min(math.ceil(len(a) * i / n), len(a) - 1)]
                       for i in range(1, n)} - {a[0]})

    out = cuts(v)
    distinct = sorted(set(v))
    return out if len(out) >= min(n, len(distinct)) - 1 else cuts(distinct)


def class_labels(breaks: Sequence[float], fmt: str = "{:g}") -> list[str]:
    if not breaks:
        return ["all values"]
    b = [fmt.format(v) for v in breaks]
    labels = [f"< {b[0]}"]
    labels += [f"{b[i]} to < {b[i + 1]}" for i in range(len(b) - 1)]
    labels.append(f">= {b[-1]}")
    return labels


def class_colours(n_classes: int, colours: Sequence[str] = PALETTE) -> list[str]:
    """``n_classes`` colours from the light to the dark end of ``colours`` (spread out)."""
    if n_classes <= 1:
        return [colours[len(colours) // 2]]
    return [colours[round(i * (len(colours) - 1) / (n_classes - 1))] for i in range(n_classes)]


def _feature_xy(parts: list[Ring], label: str
                ) -> tuple[list[float | None], list[float | None], list[str | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    ts: list[str | None] = []
    for x, y in parts:  # whole metres: lighter pages, no visible difference
        xs += [*np.round(x).tolist(), None]
        ys += [*np.round(y).tolist(), None]
        ts += [label] * len(x) + [None]
    return xs, ys, ts


def _centroid(parts: list[Ring]) -> tuple[float, float]:
    """Centre of the largest ring's bounding box (a hover anchor, not a true centroid)."""
    x, y = max(parts, key=lambda p: (p[0].max() - p[0].min()) * (p[1].max() - p[1].min()))
    return float((x.min() + x.max()) / 2), float((y.min() + y.max()) / 2)


def choropleth(fc: Mapping[str, Any], key: str, values: Mapping[str, float | None],
               breaks: Sequence[float], *, crs: str = EQUAL_EARTH,
               hover: Mapping[str, str] | None = None, value_label: str = "value",
               colours: Sequence[str] = PALETTE, label_fmt: str = "{:g}",
               name_prop: str = "name", title: str | None = None,
               tolerance: float = 0.0) -> go.Figure:
    """A choropleth of GeoJSON features (property ``key`` matched to ``values``)."""
    feats = project_features(fc, key, crs, tolerance=tolerance, name_prop=name_prop)
    return choropleth_features(feats, values, breaks, hover=hover, value_label=value_label,
                               colours=colours, label_fmt=label_fmt, title=title)


def choropleth_features(feats: Iterable[Feature], values: Mapping[str, float | None],
                        breaks: Sequence[float], *, hover: Mapping[str, str] | None = None,
                        value_label: str = "value", colours: Sequence[str] = PALETTE,
                        label_fmt: str = "{:g}", title: str | None = None) -> go.Figure:
    """A choropleth of already projected features (:func:`project_features`): one filled
    trace per class, hover text per feature."""
    n_classes = len(breaks) + 1
    palette = class_colours(n_classes, colours)
    labels = class_labels(breaks, label_fmt)
    groups: dict[int | None, list[tuple[list, list, list]]] = {}
    cx: dict[int | None, list[tuple[float, float, str]]] = {}
    for k, name, parts in feats:
        v = values.get(k)
        cls = classify(v, breaks)
        text = (hover or {}).get(k) or (
            f"{name}: no data" if cls is None else f"{name}: {v:.3g} {value_label}")
        groups.setdefault(cls, []).append(_feature_xy(parts, text))
        cx.setdefault(cls, []).append((*_centroid(parts), text))
    fig = go.Figure()
    for cls in [None, *range(n_classes)]:
        if cls not in groups:
            continue
        xs, ys, ts = (sum((g[i] for g in groups[cls]), []) for i in range(3))
        colour = NO_DATA_COLOUR if cls is None else palette[cls % len(palette)]
        name = "no data" if cls is None else labels[cls]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, text=ts, mode="lines", fill="toself", fillcolor=colour,
            line={"color": "#ffffff", "width": 0.5}, name=name, legendgroup=name,
            hoverinfo="text", hoveron="points+fills"))
        pts = cx[cls]
        fig.add_trace(go.Scatter(
            x=[p[0] for p in pts], y=[p[1] for p in pts], text=[p[2] for p in pts],
            mode="markers", marker={"size": 8, "opacity": 0}, hoverinfo="text",
            showlegend=False, legendgroup=name, name=name))
    style_map(fig, title=title, legend_title=value_label)
    return fig


def points(fig: go.Figure, lons: Iterable[float], lats: Iterable[float],
           text: Iterable[str], *, crs: str, name: str, size: Iterable[float] | float = 8,
           colour: str = "#d7301f", symbol: str = "circle") -> go.Figure:
    """Add projected point markers (facilities, units) with hover text."""
    x, y = project_points(lons, lats, crs)
    sizes = size if isinstance(size, int | float) else list(size)
    fig.add_trace(go.Scatter(
        x=np.round(x).tolist(), y=np.round(y).tolist(), text=list(text), mode="markers",
        name=name, hoverinfo="text",
        marker={"size": sizes, "color": colour, "symbol": symbol, "opacity": 0.85,
                "line": {"color": "#333333", "width": 0.5}}))
    return fig


def style_map(fig: go.Figure, *, title: str | None = None, legend_title: str = "",
              height: int = 520) -> go.Figure:
    """Hidden axes, equal x/y scale (projected metres), white background."""
    fig.update_xaxes(visible=False, showgrid=False, zeroline=False)
    fig.update_yaxes(visible=False, showgrid=False, zeroline=False, scaleanchor="x",
                     scaleratio=1)
    fig.update_layout(
        template="none", title=title, height=height, plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        margin={"l": 10, "r": 10, "t": 50 if title else 10, "b": 10},
        legend={"title": {"text": legend_title}, "itemclick": "toggle"}, hovermode="closest")
    return fig
