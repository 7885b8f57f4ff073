"""A travel-time map: the minutes raster in bands, the facilities on top, and a caption with
source, date and method, as one offline HTML page (``imcap access traveltime --map``).

The raster is drawn in its own CRS as a plotly ``Heatmap`` (a cartesian trace: it renders
offline with the bundled plotly.js, unlike plotly's geo traces, see :mod:`imcap.reports.maps`),
thinned to at most ``max_px`` cells a side by taking every n-th cell, with equal scaling
(geographic rasters: one degree of latitude drawn 1 / cos(latitude) times a degree of
longitude). Unreachable cells (the sea, beyond ``--max-minutes``) are left blank. Hovering a
cell shows its minutes.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from imcap.access.coverage import DEFAULT_THRESHOLDS
from imcap.access.raster import Facilities, Grid

# ColorBrewer RdYlGn (reversed): green near, red far; one more colour than thresholds
_COLOURS = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027", "#a50026")


def band_labels(thresholds: Sequence[float]) -> list[str]:
    edges = [f"{t:g}" for t in thresholds]
    labels = [f"≤ {edges[0]} min"]
    labels += [f"{a}–{b} min" for a, b in zip(edges, edges[1:], strict=False)]
    return labels + [f"> {edges[-1]} min"]


def traveltime_figure(minutes: np.ndarray, grid: Grid, facilities: Facilities, *,
                      thresholds: Sequence[float] = DEFAULT_THRESHOLDS, max_px: int = 700,
                      title: str = "Travel time to the nearest facility") -> go.Figure:
    """The banded travel-time raster with facility markers (see the module docstring)."""
    ts = sorted(float(t) for t in thresholds)
    if not 1 <= len(ts) < len(_COLOURS):
        raise ValueError(f"1 to {len(_COLOURS) - 1} thresholds, got {len(ts)}")
    step = max(1, math.ceil(max(minutes.shape) / max_px))
    m = minutes[::step, ::step].astype(float)
    reach = np.isfinite(m)
    band = np.where(reach, np.searchsorted(ts, np.where(reach, m, 0.0), side="left"), np.nan)
    t = grid.transform
    cols = np.arange(0, minutes.shape[1], step) + 0.5
    rows = np.arange(0, minutes.shape[0], step) + 0.5
    xs, ys = t.c + cols * t.a, t.f + rows * t.e
    n = len(ts) + 1
    colours = _COLOURS[:n]
    scale = []
    for k, c in enumerate(colours):  # a stepped colour scale over the band numbers 0..n-1
        scale += [[k / n, c], [(k + 1) / n, c]]
    fig = go.Figure(go.Heatmap(
        z=band, x=xs, y=ys, customdata=np.round(np.where(reach, m, np.nan), 1),
        colorscale=scale, zmin=-0.5, zmax=n - 0.5, showscale=False,
        hovertemplate="%{customdata} min<extra></extra>", name="travel time"))
    for label, c in zip(band_labels(ts), colours, strict=True):  # legend entries
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label,
                                 marker={"size": 12, "color": c, "symbol": "square"}))
    fx = t.c + (facilities.cols + 0.5) * t.a
    fy = t.f + (facilities.rows + 0.5) * t.e
    fig.add_trace(go.Scatter(x=fx, y=fy, mode="markers", name="facility",
                             text=list(facilities.names), hoverinfo="text",
                             marker={"size": 8, "color": "#ffffff", "symbol": "diamond",
                                     "line": {"color": "#000000", "width": 1.2}}))
    geographic = bool(grid.crs is not None and grid.crs.is_geographic)
    ratio = 1.0 / math.cos(math.radians(float(np.mean(ys)))) if geographic else 1.0
    fig.update_xaxes(visible=False, showgrid=False, zeroline=False)
    fig.update_yaxes(visible=False, showgrid=False, zeroline=False, scaleanchor="x",
                     scaleratio=ratio)
    fig.update_layout(template="none", title=title, height=640, plot_bgcolor="#ffffff",
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, hovermode="closest",
                      legend={"title": {"text": "travel time"}})
    return fig


def write_traveltime_map(path: str | Path, fig: go.Figure, *, surface: str, facilities: str,
                         method: str, note: str = "") -> Path:
    """Write ``fig`` as a self-contained HTML page (plotly.js inline, nothing fetched) with a
    provenance caption: the surface and facility sources, today's date and the method."""
    out = Path(path)
    body = fig.to_html(full_html=False, include_plotlyjs=False, div_id="traveltime",
                       config={"displaylogo": False, "responsive": True})
    cap = (f"<p class='cap'><b>Source:</b> {html.escape(surface)}; "
           f"facilities {html.escape(facilities)}. <b>Date:</b> {dt.date.today().isoformat()}. "
           f"<b>Method:</b> {html.escape(method)}. {html.escape(note)}</p>")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>imcap travel time</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em; }}
.cap {{ font-size: .9em; color: #333; border-left: 3px solid #999; padding-left: .6em; }}
</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
{body}
{cap}
</body></html>
"""
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)  # atomic: a reader never sees half a page
    return out
