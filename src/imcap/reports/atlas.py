"""The demo atlas: one self-contained, offline HTML page (``out/atlas.html``).

Three figures, each captioned with its source, date and method:

1. World choropleth of CT units per million population (each country's latest value, real data
   preferred: WHO GHO DEVICES09 for the African Region, OECD MED_TECH for OECD countries).
2. Kenya's counties coloured by imaging units per million, with the facilities that hold CT or
   MRI units: the **synthetic** demo inventory, labelled as such in the banner, title, legend
   and caption.
3. Kenya against its income group (and WHO region): CT and MRI units per million, median and
   interquartile range of the group.

plotly.js is embedded from the installed plotly package (no CDN); maps are cartesian traces of
projected polygons (:mod:`imcap.reports.maps`), never plotly geo/mapbox traces.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from imcap.data import path as data_path
from imcap.indicators.benchmarks import latest_values, national_values, position
from imcap.indicators.synthetic import SYNTHETIC_SOURCE
from imcap.reports import maps

WORLD_BREAKS = (1, 5, 10, 20, 30, 40)
COUNTY_BREAKS = (2, 4, 6, 8, 12, 20)


def _caption(source: str, date: str, method: str, synthetic: bool = False) -> str:
    warn = ("<strong class='syn'>SYNTHETIC DATA (not real): imcap demo inventory placed on real "
            "facility locations.</strong> " if synthetic else "")
    return (f"<p class='cap'>{warn}<b>Source:</b> {html.escape(source)}. <b>Date:</b> "
            f"{html.escape(date)}. <b>Method:</b> {html.escape(method)}</p>")


def world_ct_figure(df: pd.DataFrame) -> tuple[go.Figure, str]:
    vals = latest_values(national_values(df))
    ct = vals[(vals["indicator"] == "units_per_million") & (vals["item"] == "CT")]
    fc = json.loads(data_path("reference/world_110m.geojson").read_text(encoding="utf-8"))
    values = dict(zip(ct["country_iso3"], ct["value"], strict=True))
    hover = {r["country_iso3"]: (f"{r['country_iso3']}: {r['value']:.2f} CT per million "
                                 f"({r['year']}; {r['source']})"
                                 + (" SYNTHETIC" if r["synthetic"] else ""))
             for r in ct.to_dict("records")}
    for f in fc["features"]:
        k = f["properties"]["iso3"]
        if k in hover:
            hover[k] = f"{f['properties']['name']} - {hover[k]}"
    fig = maps.choropleth(fc, "iso3", values, WORLD_BREAKS, crs=maps.EQUAL_EARTH, hover=hover,
                          value_label="CT units per million",
                          title="CT units per million population (latest year per country)")
    sources = "; ".join(sorted(set(ct["source"])))
    years = f"{int(ct['year'].min())}-{int(ct['year'].max())}" if len(ct) else "none"
    cap = _caption(sources or "none", f"survey years {years}; each country's latest value",
                   "as reported by the source (per 1,000,000 population); where a country "
                   "has several sources, the reported figure of the latest source date is shown."
                   f" {len(ct)} countries with data; grey: no data in the bundled tables; "
                   "Equal Earth projection; boundaries Natural Earth 1:110m",
                   synthetic=bool(ct["synthetic"].any()))
    return fig, cap


def kenya_county_figure(df: pd.DataFrame, facilities: pd.DataFrame, iso3: str = "KEN"
                        ) -> tuple[go.Figure, str]:
    fc = json.loads(data_path(f"reference/areas_{iso3}.geojson").read_text(encoding="utf-8"))
    inv = df[(df["country_iso3"] == iso3) & df["area_id"].notna()
             & (df["indicator"] == "units_per_million")
             & df["method"].str.startswith("computed from facility inventory")]
    year = int(inv["year"].max()) if len(inv) else None
    inv = inv[inv["year"] == year]
    tot = inv.groupby("area_id").agg(units=("numerator", "sum"), pop=("denominator", "first"))
    values = (tot["units"] / tot["pop"] * 1e6).to_dict()
    detail = inv.pivot_table(index="area_id", columns="item", values="numerator",
                             aggfunc="sum", fill_value=0)
    hover = {}
    for f in fc["features"]:
        aid = f["properties"]["area_id"]
        if aid in tot.index:
            mods = ", ".join(f"{m} {int(n)}" for m, n in detail.loc[aid].items() if n)
            hover[aid] = (f"{f['properties']['name']} (SYNTHETIC): {values[aid]:.1f} units per "
                          f"million; {mods}; population {tot.loc[aid, 'pop']:,.0f}")
    lon0 = facilities["lon"].mean() if len(facilities) else 38.0
    lat0 = facilities["lat"].mean() if len(facilities) else 0.0
    crs = maps.utm_crs(lon0, lat0)
    fig = maps.choropleth(fc, "area_id", values, COUNTY_BREAKS, crs=crs, hover=hover,
                          value_label="units per million (SYNTHETIC)",
                          title=f"SYNTHETIC demo inventory: imaging units per million by county, "
                                f"{iso3} {year}")
    big = facilities[facilities["ct"] + facilities["mri"] > 0].dropna(subset=["lat", "lon"])
    maps.points(fig, big["lon"], big["lat"],
                [f"{n} ({lv}): CT {c}, MRI {m} SYNTHETIC" for n, lv, c, m in
                 zip(big["name"], big["level"], big["ct"], big["mri"], strict=True)],
                crs=crs, name="facility with CT/MRI (synthetic)",
                size=[6 + 3 * (c + m) for c, m in zip(big["ct"], big["mri"], strict=True)])
    fig.update_layout(height=640)
    cap = _caption(SYNTHETIC_SOURCE + "; facility locations WHO-KEMRI public health facilities "
                   "(Maina et al. 2019); county boundaries OpenStreetMap (ODbL); county "
                   "population WorldPop 2020 x World Bank", f"inventory year {year}",
                   "units of all modalities in the synthetic inventory / county population x "
                   "1e6; units placed on real hospitals by level of care so that national CT "
                   f"and MRI densities match WHO GHO; {maps.utm_crs(lon0, lat0)} (UTM)",
                   synthetic=True)
    return fig, cap


def income_group_figure(df: pd.DataFrame, iso3: str = "KEN") -> tuple[go.Figure, str]:
    pos = position(df, iso3, indicator="units_per_million")
    # modalities that enough of the group reports (CT and MRI for Kenya's group)
    pos = pos[pos["item"].isin(["CT", "MRI", "PET", "SPECT", "MAMMO"]) & (pos["income_n"] >= 3)]
    cats = list(pos["item"])
    fig = go.Figure()
    fig.add_trace(go.Bar(x=cats, y=pos["value"], name=f"{iso3}", marker_color="#d7301f",
                         text=[f"{v:.2f} ({y})" for v, y in zip(pos["value"], pos["year"],
                                                                strict=True)]))
    for prefix, colour in (("income", "#225ea8"), ("region", "#41b6c4")):
        grp = pos[f"{prefix}_group"].iloc[0] if len(pos) else ""
        fig.add_trace(go.Bar(
            x=cats, y=pos[f"{prefix}_median"], name=f"{grp} median (bars: Q1-Q3)",
            marker_color=colour,
            error_y={"type": "data", "symmetric": False,
                     "array": (pos[f"{prefix}_q3"] - pos[f"{prefix}_median"]).tolist(),
                     "arrayminus": (pos[f"{prefix}_median"] - pos[f"{prefix}_q1"]).tolist()},
            text=[f"n={n}" for n in pos[f"{prefix}_n"]]))
    fig.update_layout(barmode="group", height=460, yaxis_title="units per million",
                      title=f"{iso3} against its income group and WHO region "
                            "(latest year per country)", plot_bgcolor="#ffffff",
                      template="none")
    srcs = "; ".join(sorted(set(pos["source"])))
    cap = _caption(f"{iso3}: {srcs}; groups: WHO GHO and OECD tables bundled with imcap; "
                   "World Bank income groups FY23; WHO regions",
                   "years " + ", ".join(sorted({str(y) for y in pos["year"]})) +
                   " for the country; each group member's latest year",
                   "median and quartiles over the countries of the group with a value "
                   f"(n on each bar); {iso3}'s value is the reported one where a source reports "
                   "it, else computed from its facility inventory",
                   synthetic=bool(pos["synthetic"].any()))
    return fig, cap


def write_atlas(out: Path, df: pd.DataFrame, facilities: pd.DataFrame,
                iso3: str = "KEN", summary: dict[str, Any] | None = None) -> Path:
    """Write the atlas page to ``out`` (a file path) and return it."""
    figs = [world_ct_figure(df), kenya_county_figure(df, facilities, iso3),
            income_group_figure(df, iso3)]
    parts = []
    for n, (fig, cap) in enumerate(figs, start=1):
        body = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"fig{n}",
                           config={"displaylogo": False, "responsive": True})
        parts.append(f"<section class='fig'>{body}{cap}</section>")
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
                   for k, v in (summary or {}).items())
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>imcap demo atlas</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1300px; padding: 1em; }}
.banner {{ background: #fff3cd; border: 2px solid #d39e00; padding: .8em 1em; margin: 1em 0; }}
.syn {{ color: #a10000; }}
.cap {{ font-size: .9em; color: #333; border-left: 3px solid #999; padding-left: .6em; }}
section.fig {{ margin: 1.5em 0 2.5em; }}
table {{ border-collapse: collapse; }} td {{ border: 1px solid #ccc; padding: .2em .6em; }}
</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>imcap demo atlas: medical imaging capacity</h1>
<div class="banner"><strong class="syn">This page contains SYNTHETIC DATA.</strong> Kenya's
imaging units, staff and examinations come from the imcap synthetic demo inventory ("{
html.escape(SYNTHETIC_SOURCE)}"): units placed on real facility locations so that the national
CT and MRI densities match the published WHO GHO figures. They are not a real inventory.
Country-level figures are as published by WHO GHO and OECD.</div>
{''.join(parts)}
<h2>Run summary</h2><table>{rows}</table>
<p class="cap">Generated by imcap on {dt.date.today().isoformat()}. Works offline: plotly.js is
embedded and maps are drawn from bundled boundaries.</p>
</body></html>
"""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
