"""Offline maps as plotly cartesian traces of projected polygons (reusable by web pages, the
atlas and PDF reports).

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

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from pyproj import Transformer

EQUAL_EARTH = "EPSG:8857"
NO_DATA_COLOUR = "#d9d9d9"
# ColorBrewer YlGnBu (7 classes), light to dark
PALETTE = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")


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


def projected_rings(geometry: Mapping[str, Any], transformer: Transformer
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each ring of a (Multi)Polygon as projected x, y arrays."""
    out = []
    for ring in _rings(geometry):
        a = np.asarray(ring, dtype=float)
        x, y = transformer.transform(a[:, 0], a[:, 1])
        out.append((np.asarray(x), np.asarray(y)))
    return out


def transformer_for(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def classify(value: float | None, breaks: Sequence[float]) -> int | None:
    """Class index of ``value`` for ascending ``breaks`` (len(breaks)+1 classes); None if
    missing. Class k holds breaks[k-1] <= value < breaks[k]."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(np.searchsorted(np.asarray(breaks, dtype=float), value, side="right"))


def class_labels(breaks: Sequence[float], fmt: str = "{:g}") -> list[str]:
    b = [fmt.format(v) for v in breaks]
    labels = [f"< {b[0]}"]
    labels += [f"{b[i]} to < {b[i + 1]}" for i in range(len(b) - 1)]
    labels.append(f">= {b[-1]}")
    return labels


def _feature_xy(parts: list[tuple[np.ndarray, np.ndarray]], label: str
                ) -> tuple[list[float | None], list[float | None], list[str | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    ts: list[str | None] = []
    for x, y in parts:
        xs += [*x.tolist(), None]
        ys += [*y.tolist(), None]
        ts += [label] * len(x) + [None]
    return xs, ys, ts


def _centroid(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
    """Centre of the largest ring's bounding box (a hover anchor, not a true centroid)."""
    x, y = max(parts, key=lambda p: (p[0].max() - p[0].min()) * (p[1].max() - p[1].min()))
    return float((x.min() + x.max()) / 2), float((y.min() + y.max()) / 2)


def choropleth(fc: Mapping[str, Any], key: str, values: Mapping[str, float | None],
               breaks: Sequence[float], *, crs: str = EQUAL_EARTH,
               hover: Mapping[str, str] | None = None, value_label: str = "value",
               colours: Sequence[str] = PALETTE, label_fmt: str = "{:g}",
               name_prop: str = "name", title: str | None = None) -> go.Figure:
    """A choropleth of GeoJSON features (property ``key`` matched to ``values``)."""
    t = transformer_for(crs)
    n_classes = len(breaks) + 1
    palette = list(colours)[-n_classes:] if len(colours) >= n_classes else list(colours)
    labels = class_labels(breaks, label_fmt)
    groups: dict[int | None, list[tuple[list, list, list]]] = {}
    cx: dict[int | None, list[tuple[float, float, str]]] = {}
    for feat in fc["features"]:
        props = feat["properties"]
        k = props.get(key)
        parts = projected_rings(feat["geometry"], t)
        if not parts:
            continue
        v = values.get(k)
        cls = classify(v, breaks)
        name = props.get(name_prop) or k
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
    lon = np.asarray(list(lons), dtype=float)
    lat = np.asarray(list(lats), dtype=float)
    x, y = transformer_for(crs).transform(lon, lat)
    sizes = size if isinstance(size, int | float) else list(size)
    fig.add_trace(go.Scatter(
        x=np.asarray(x).tolist(), y=np.asarray(y).tolist(), text=list(text), mode="markers",
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
