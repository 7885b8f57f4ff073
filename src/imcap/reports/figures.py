"""Figures of a country profile: plotly dicts for the page, SVG strings for the report.

Inputs are the profile from :func:`imcap.reports.profile.country_profile` plus area
geometries (GeoJSON text in ``area.geometry``); national maps use the UTM zone of the
country's centre.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from imcap.reports import charts
from imcap.store.schema import Area

STATUS_LABELS = {
    "functional": "Functional", "partially_functional": "Partially functional",
    "non_functional_repairable": "Non-functional (repairable)",
    "non_functional_beyond_repair": "Non-functional (beyond repair)",
    "decommissioned": "Decommissioned", "unknown": "Unknown",
}
AGE_LABELS = ("0-4 years", "5-9 years", "10 years or more", "unknown")


@lru_cache(maxsize=64)
def _area_shapes_cached(iso3: str, key: tuple[tuple[str, str, int], ...],
                        geoms: tuple[str, ...]) -> tuple[str, tuple]:
    lons, lats = [], []
    parsed = [json.loads(g) for g in geoms]
    for g in parsed:
        for ring in charts._rings(g):
            lons.extend(p[0] for p in ring)
            lats.extend(p[1] for p in ring)
    crs = charts.utm_crs((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
    shapes = tuple((aid, name, tuple(charts.project(g, crs, 1500.0)))
                   for (aid, name, _lvl), g in zip(key, parsed, strict=True))
    return crs, shapes


def area_shapes(s: Session, iso3: str) -> tuple[str | None, tuple]:
    """(crs, ((area_id, name, rings), ...)) for the top level of the country's areas."""
    rows = s.execute(select(Area.id, Area.name, Area.level, Area.geometry).where(
        Area.country_iso3 == iso3, Area.geometry.is_not(None)).order_by(Area.id)).all()
    if not rows:
        return None, ()
    top = min(r.level for r in rows)
    rows = [r for r in rows if r.level == top]
    return _area_shapes_cached(iso3, tuple((r.id, r.name, r.level) for r in rows),
                               tuple(r.geometry for r in rows))


def _with_values(shapes: tuple, profile: dict[str, Any]) -> list:
    val = {a["id"]: a["functional_per_million"] for a in profile["areas"]}
    return [(aid, name, rings, val.get(aid)) for aid, name, rings in shapes]


def _points(crs: str, profile: dict[str, Any]) -> list[tuple[float, float, str]]:
    facs = [f for f in profile["facilities"] if f["lat"] is not None and f["lon"] is not None
            and f["units"]]
    xy = charts.project_points([(f["lon"], f["lat"]) for f in facs], crs)
    return [(x, y, f"{f['name']}: {f['functional_units']}/{f['units']} units functional")
            for (x, y), f in zip(xy, facs, strict=True)]


def page_figures(s: Session, profile: dict[str, Any]) -> dict[str, Any]:
    """Plotly figure dicts (JSON-safe) for the interactive country page."""
    figs: dict[str, Any] = {}
    d = profile["densities"]
    cats = [r["modality"] for r in d]
    series = [("All units (inventory)", [r["per_million"] for r in d]),
              ("Functional (inventory)", [r["functional_per_million"] for r in d]),
              ("Reported", [r["reported_per_million"] for r in d]),
              (f"{profile['country']['income_group'] or 'Income group'} median",
               [r["income_group_median"] for r in d]),
              (f"{profile['country']['who_region'] or 'Region'} median",
               [r["region_median"] for r in d])]
    series = [sr for sr in series if any(v is not None for v in sr[1])]
    figs["densities"] = charts.plotly_bars(cats, series, "units per million")
    st = profile["units_by_status"]
    if st:
        figs["status"] = charts.plotly_bars(
            [r["modality"] for r in st],
            [(lab, [r[k] for r in st]) for k, lab in STATUS_LABELS.items()
             if any(r[k] for r in st)], "units", stacked=True)
    ag = profile["units_by_age"]
    if ag:
        figs["age"] = charts.plotly_bars([r["modality"] for r in ag],
                                         [(k, [r[k] for r in ag]) for k in AGE_LABELS
                                          if any(r[k] for r in ag)], "units", stacked=True)
    crs, shapes = area_shapes(s, profile["country"]["iso3"])
    if crs:
        figs["area_map"] = charts.plotly_polygons(_with_values(shapes, profile),
                                                  "functional units per million")
        pts = _points(crs, profile)
        outline = [(aid, name, rings, None) for aid, name, rings in shapes]
        figs["facility_map"] = charts.plotly_polygons(outline, "", [{
            "x": [round(p[0]) for p in pts], "y": [round(p[1]) for p in pts],
            "text": [p[2] for p in pts], "name": "facilities with imaging units"}])
    return figs


def report_svgs(s: Session, profile: dict[str, Any]) -> dict[str, str]:
    """SVG strings for the printable report (WeasyPrint runs no JavaScript)."""
    out: dict[str, str] = {}
    d = profile["densities"]
    cats = [r["modality"] for r in d]
    series = [("Functional (inventory)", [r["functional_per_million"] for r in d]),
              ("Reported", [r["reported_per_million"] for r in d]),
              ("Income-group median", [r["income_group_median"] for r in d]),
              ("Region median", [r["region_median"] for r in d])]
    series = [sr for sr in series if any(v is not None for v in sr[1])]
    out["densities"] = charts.svg_bars(cats, series, "units per million",
                                       title="Densities by modality")
    st = profile["units_by_status"]
    if st:
        out["status"] = charts.svg_bars(
            [r["modality"] for r in st],
            [(lab, [r[k] for r in st]) for k, lab in STATUS_LABELS.items()
             if any(r[k] for r in st)], "units", title="Units by status")
    crs, shapes = area_shapes(s, profile["country"]["iso3"])
    if crs:
        out["map"] = charts.svg_map(_with_values(shapes, profile), _points(crs, profile),
                                    title="Functional units per million by area",
                                    unit="functional units per million")
    return out


def world_figure(values: dict[str, float | None], unit: str) -> dict[str, Any]:
    shapes = [(iso, name, rings, values.get(iso)) for iso, name, rings in charts.world_shapes()]
    return charts.plotly_polygons(shapes, unit)
