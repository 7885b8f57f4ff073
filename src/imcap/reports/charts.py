"""Charts and maps that draw offline: SVG written here (for the PDF and the no-JS page) and
plotly *cartesian* figure dicts (for the interactive page; plotly.js is served locally).

Maps are GeoJSON polygons projected with pyproj (Equal Earth for the world, the country's UTM
zone for national maps) and drawn as filled paths: plotly ``geo``/``mapbox`` traces would fetch
from a CDN and draw nothing offline. Coordinates: x = easting, y = northing, in metres.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from html import escape
from typing import Any

from pyproj import Transformer
from shapely.geometry import LineString

from imcap.data import path as data_path

PALETTE = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#e5e5e5"
SERIES = ("#1f6f8b", "#e07a1f", "#7a9e3b", "#9b4f96", "#c23b3b", "#666666")
Ring = list[tuple[float, float]]


def utm_crs(lon: float, lat: float) -> str:
    zone = int((lon + 180) // 6) + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


@lru_cache(maxsize=16)
def _transformer(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _rings(geom: dict[str, Any]) -> list[list[list[float]]]:
    if geom["type"] == "Polygon":
        return list(geom["coordinates"])
    if geom["type"] == "MultiPolygon":
        return [r for poly in geom["coordinates"] for r in poly]
    return []


def project(geom: dict[str, Any], crs: str, tolerance: float = 0.0) -> list[Ring]:
    """Rings of a (Multi)Polygon GeoJSON geometry projected to ``crs``, simplified
    (Douglas-Peucker, ``tolerance`` in metres) so pages stay light on slow links."""
    tr = _transformer(crs)
    out = []
    for ring in _rings(geom):
        xs, ys = tr.transform([p[0] for p in ring], [p[1] for p in ring])
        pts = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)
               if math.isfinite(x) and math.isfinite(y)]
        if tolerance > 0 and len(pts) > 8:
            simple = LineString(pts).simplify(tolerance, preserve_topology=False)
            if len(simple.coords) >= 4:
                pts = [(x, y) for x, y in simple.coords]
        out.append(pts)
    return out


def project_points(lonlat: Sequence[tuple[float, float]], crs: str) -> list[tuple[float, float]]:
    if not lonlat:
        return []
    xs, ys = _transformer(crs).transform([p[0] for p in lonlat], [p[1] for p in lonlat])
    return list(zip(map(float, xs), map(float, ys), strict=True))


@lru_cache(maxsize=1)
def world_shapes() -> tuple[tuple[str, str, tuple[Ring, ...]], ...]:
    """(iso3, name, rings) of every country of the bundled world map, Equal Earth metres."""
    fc = json.loads(data_path("reference/world_110m.geojson").read_text(encoding="utf-8"))
    return tuple((f["properties"]["iso3"], f["properties"]["name"],
                  tuple(project(f["geometry"], "+proj=eqearth +datum=WGS84", 15000.0)))
                 for f in fc["features"])


def classes(values: Sequence[float | None], n: int = 5) -> list[float]:
    """Upper bounds of ``n`` equal-count classes of the non-missing values."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return []
    return sorted({v[max(0, math.ceil(len(v) * (i + 1) / n) - 1)] for i in range(n)})


def class_colour(i: int, n: int) -> str:
    """Colour of class ``i`` of ``n``: the lightest for the lowest class, the darkest last."""
    return PALETTE[round(i * (len(PALETTE) - 1) / max(n - 1, 1))] if n > 1 else PALETTE[2]


def colour(value: float | None, bounds: Sequence[float]) -> str:
    if value is None or not bounds:
        return NO_DATA
    for i, b in enumerate(bounds):
        if value <= b:
            return class_colour(i, len(bounds))
    return PALETTE[-1]


def plotly_polygons(shapes: Sequence[tuple[str, str, Sequence[Ring], float | None]],
                    unit: str, points: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A plotly figure dict: one filled Scatter trace per colour class, hover per feature,
    optional point markers (``{"x", "y", "text", "colour"}``)."""
    bounds = classes([v for *_x, v in shapes])
    groups: dict[str, dict[str, list]] = {}
    for _key, name, rings, value in shapes:
        col = colour(value, bounds)
        g = groups.setdefault(col, {"x": [], "y": [], "text": []})
        label = f"{name}: {value:.2f} {unit}" if value is not None else f"{name}: no data"
        for ring in rings:
            g["x"].extend([round(p[0]) for p in ring] + [None])
            g["y"].extend([round(p[1]) for p in ring] + [None])
            g["text"].extend([label] * len(ring) + [None])
    traces: list[dict[str, Any]] = []
    for col, g in groups.items():
        traces.append({"type": "scatter", "mode": "lines", "fill": "toself", "fillcolor": col,
                       "line": {"color": "#ffffff", "width": 0.6}, "x": g["x"], "y": g["y"],
                       "text": g["text"], "hoverinfo": "text", "hoveron": "fills+points",
                       "showlegend": False, "name": col})
    for p in points:
        traces.append({"type": "scatter", "mode": "markers", "x": p["x"], "y": p["y"],
                       "text": p["text"], "hoverinfo": "text", "name": p.get("name", ""),
                       "marker": {"size": p.get("size", 7), "color": p.get("colour", "#c23b3b"),
                                  "line": {"color": "#ffffff", "width": 0.8}},
                       "showlegend": bool(p.get("name"))})
    layout = {"margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "dragmode": "pan",
              "xaxis": {"visible": False}, "hovermode": "closest",
              "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": 1},
              "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff",
              "legend": {"orientation": "h", "y": 0}}
    return {"data": traces, "layout": layout,
            "legend": [{"colour": class_colour(i, len(bounds)), "upto": b}
                       for i, b in enumerate(bounds)]}


def plotly_bars(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
                unit: str, stacked: bool = False) -> dict[str, Any]:
    traces = [{"type": "bar", "name": name, "x": list(categories),
               "y": [None if v is None else round(v, 3) for v in vals],
               "marker": {"color": SERIES[i % len(SERIES)]}}
              for i, (name, vals) in enumerate(series)]
    return {"data": traces, "layout": {
        "barmode": "stack" if stacked else "group", "margin": {"l": 50, "r": 10, "t": 10,
                                                               "b": 60},
        "yaxis": {"title": {"text": unit}}, "legend": {"orientation": "h", "y": -0.25},
        "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff", "height": 320}}


# ---------------------------------------------------------------- SVG (PDF and no-JS)

def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def svg_map(shapes: Sequence[tuple[str, str, Sequence[Ring], float | None]],
            points: Sequence[tuple[float, float, str]] = (), width: int = 520,
            title: str = "", unit: str = "") -> str:
    """An SVG choropleth of projected ``shapes`` with optional point markers and a legend."""
    xs = [p[0] for *_a, rings, _v in shapes for r in rings for p in r]
    ys = [p[1] for *_a, rings, _v in shapes for r in rings for p in r]
    if not xs:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="40"></svg>'
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = (width - 20) / max(x1 - x0, 1.0)
    height = int((y1 - y0) * scale) + 20
    legend_h = 22 if unit else 0

    def pt(x: float, y: float) -> str:
        return f"{_fmt(10 + (x - x0) * scale)},{_fmt(10 + (y1 - y) * scale)}"

    bounds = classes([v for *_x, v in shapes])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="map" width="{width}" '
             f'height="{height + legend_h}" viewBox="0 0 {width} {height + legend_h}" '
             f'role="img" aria-label="{escape(title)}">']
    for key, name, rings, value in shapes:
        d = " ".join("M" + " L".join(pt(x, y) for x, y in r) + " Z" for r in rings if r)
        label = f"{name}: {value:.2f} {unit}" if value is not None else f"{name}: no data"
        parts.append(f'<path data-id="{escape(key)}" d="{d}" fill="{colour(value, bounds)}" '
                     f'stroke="#ffffff" stroke-width="0.6"><title>{escape(label)}</title></path>')
    for x, y, label in points:
        parts.append(f'<circle cx="{pt(x, y).split(",")[0]}" cy="{pt(x, y).split(",")[1]}" '
                     f'r="3" fill="#c23b3b" stroke="#fff" stroke-width="0.6">'
                     f'<title>{escape(label)}</title></circle>')
    if unit and bounds:
        for i, b in enumerate(bounds):
            x = 10 + i * 90
            parts.append(f'<rect x="{x}" y="{height + 4}" width="14" height="12" '
                         f'fill="{class_colour(i, len(bounds))}" stroke="#999" stroke-width="0.4"/>'
                         f'<text x="{x + 18}" y="{height + 14}" font-size="9">'
                         f'&#8804; {b:.2g}</text>')
        parts.append(f'<text x="{width - 10}" y="{height + 14}" font-size="9" '
                     f'text-anchor="end">{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_bars(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
             unit: str = "", width: int = 520, height: int = 220, title: str = "") -> str:
    """A grouped SVG bar chart with a value axis, category labels and a legend."""
    vals = [v for _n, vs in series for v in vs if v is not None]
    top = max(vals, default=0.0) or 1.0
    step = 10 ** math.floor(math.log10(top))
    top = math.ceil(top / step) * step
    left, bottom, right, legend = 46, 34, 10, 18
    plot_w, plot_h = width - left - right, height - bottom - legend - 8
    n_cat = max(len(categories), 1)
    group_w = plot_w / n_cat
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" font-family="sans-serif">']
    for i in range(5):
        v = top * i / 4
        y = 8 + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{_fmt(y)}" y2="{_fmt(y)}" '
                     f'stroke="#dddddd" stroke-width="0.6"/><text x="{left - 4}" '
                     f'y="{_fmt(y + 3)}" font-size="9" text-anchor="end">{v:.3g}</text>')
    for ci, cat in enumerate(categories):
        gx = left + ci * group_w + group_w * 0.1
        for si, (name, vs) in enumerate(series):
            v = vs[ci] if ci < len(vs) else None
            if v is None:
                continue
            h = plot_h * v / top
            parts.append(f'<rect class="bar" x="{_fmt(gx + si * bar_w)}" '
                         f'y="{_fmt(8 + plot_h - h)}" width="{_fmt(bar_w * 0.92)}" '
                         f'height="{_fmt(max(h, 0.0))}" fill="{SERIES[si % len(SERIES)]}">'
                         f'<title>{escape(name)} {escape(cat)}: {v:.3g} {escape(unit)}'
                         f'</title></rect>')
        parts.append(f'<text x="{_fmt(left + (ci + 0.5) * group_w)}" y="{_fmt(plot_h + 20)}" '
                     f'font-size="9" text-anchor="middle">{escape(cat)}</text>')
    lx = left
    for si, (name, _vs) in enumerate(series):
        parts.append(f'<rect x="{lx}" y="{height - 12}" width="10" height="10" '
                     f'fill="{SERIES[si % len(SERIES)]}"/><text x="{lx + 13}" '
                     f'y="{height - 3}" font-size="9">{escape(name)}</text>')
        lx += 16 + 5.5 * len(name)
    if unit:
        parts.append(f'<text x="4" y="8" font-size="9">{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)
