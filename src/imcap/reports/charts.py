"""Charts drawn offline: plotly *cartesian* figure dicts (interactive pages; plotly.js is
served locally) and SVG written here (the PDF and pages without JavaScript).

Maps are projected and classed in one place, :mod:`imcap.reports.maps` (Equal Earth for the
world, the country's UTM zone for national maps); :func:`svg_map` only draws its projected
features as SVG paths, in the same classes and colours as its plotly choropleth.
Coordinates: x = easting, y = northing, in metres.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from imcap.reports import maps

SERIES = ("#1f6f8b", "#e07a1f", "#7a9e3b", "#9b4f96", "#c23b3b", "#666666")


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


def svg_map(feats: Iterable[maps.Feature], values: Mapping[str, float | None] | None = None,
            breaks: Sequence[float] = (), points: Sequence[tuple[float, float, str]] = (),
            width: int = 520, title: str = "", unit: str = "") -> str:
    """An SVG choropleth of projected features (:func:`imcap.reports.maps.project_features`)
    classed by ``breaks`` as :func:`imcap.reports.maps.choropleth_features` does, with point
    markers (projected x, y, label) and a legend."""
    feats = list(feats)
    values = values or {}
    xs = [v for *_a, parts in feats for x, _y in parts for v in (x.min(), x.max())]
    ys = [v for *_a, parts in feats for _x, y in parts for v in (y.min(), y.max())]
    if not xs:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="40"></svg>'
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = (width - 20) / max(x1 - x0, 1.0)
    height = int((y1 - y0) * scale) + 20
    n_classes = len(breaks) + 1
    palette = maps.class_colours(n_classes)
    legend_h = 22 if unit and breaks else 0

    def pt(x: float, y: float) -> str:
        return f"{_fmt(10 + (x - x0) * scale)},{_fmt(10 + (y1 - y) * scale)}"

    parts_out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="map" width="{width}" '
                 f'height="{height + legend_h}" viewBox="0 0 {width} {height + legend_h}" '
                 f'role="img" aria-label="{escape(title)}">']
    for key, name, parts in feats:
        d = " ".join("M" + " L".join(pt(a, b) for a, b in zip(x, y, strict=True)) + " Z"
                     for x, y in parts)
        value = values.get(key)
        cls = maps.classify(value, breaks)
        fill = maps.NO_DATA_COLOUR if cls is None else palette[cls % len(palette)]
        label = f"{name}: {value:.2f} {unit}" if value is not None else f"{name}: no data"
        parts_out.append(f'<path data-id="{escape(str(key))}" d="{d}" fill="{fill}" '
                         f'stroke="#ffffff" stroke-width="0.6"><title>{escape(label)}</title>'
                         f'</path>')
    for x, y, label in points:
        cx, cy = pt(x, y).split(",")
        parts_out.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="#c23b3b" stroke="#fff" '
                         f'stroke-width="0.6"><title>{escape(label)}</title></circle>')
    if legend_h:
        for i, lab in enumerate(maps.class_labels(breaks, "{:.2g}")):
            x = 10 + i * 78
            parts_out.append(f'<rect x="{x}" y="{height + 4}" width="14" height="12" '
                             f'fill="{palette[i % len(palette)]}" stroke="#999" '
                             f'stroke-width="0.4"/><text x="{x + 18}" y="{height + 14}" '
                             f'font-size="9">{escape(lab)}</text>')
        parts_out.append(f'<text x="{width - 10}" y="{height + 14}" font-size="9" '
                         f'text-anchor="end">{escape(unit)}</text>')
    parts_out.append("</svg>")
    return "".join(parts_out)


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


def svg_interval(value: float | None, lo: float | None, hi: float | None, width: int = 150,
                 height: int = 16, label: str = "") -> str:
    """A one-line SVG of a 95% interval: a bar from ``lo`` to ``hi`` with a tick at the point
    estimate ``value``, on an axis from min(0, lo) to max(hi, value) (each row on its own scale:
    it shows the interval's width relative to the estimate, not magnitudes across rows)."""
    if value is None or lo is None or hi is None:
        return ""
    a, b = min(0.0, lo, value), max(hi, value, 0.0)
    span = (b - a) or 1.0
    pad = 3

    def x(v: float) -> float:
        return pad + (width - 2 * pad) * (v - a) / span

    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="interval" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(label)} 95% interval">'
            f'<line x1="{_fmt(x(a))}" x2="{_fmt(x(b))}" y1="{height / 2}" y2="{height / 2}" '
            f'stroke="#d9e0e6" stroke-width="1"/>'
            f'<line x1="{_fmt(x(0.0))}" x2="{_fmt(x(0.0))}" y1="2" y2="{height - 2}" '
            f'stroke="#999999" stroke-width="0.6"/>'
            f'<rect x="{_fmt(x(lo))}" y="{height / 2 - 3}" '
            f'width="{_fmt(max(x(hi) - x(lo), 1.0))}" height="6" fill="{SERIES[0]}" '
            f'fill-opacity="0.45"/>'
            f'<line x1="{_fmt(x(value))}" x2="{_fmt(x(value))}" y1="1" y2="{height - 1}" '
            f'stroke="{SERIES[1]}" stroke-width="2"/></svg>')
