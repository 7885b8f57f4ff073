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

from imcap.reports import charts, maps
from imcap.store.schema import Area

STATUS_LABELS = {
    "functional": "Functional", "partially_functional": "Partially functional",
    "non_functional_repairable": "Non-functional (repairable)",
    "non_functional_beyond_repair": "Non-functional (beyond repair)",
    "decommissioned": "Decommissioned", "unknown": "Unknown",
}
AGE_LABELS = ("0-4 years", "5-9 years", "10 years or more", "unknown")


@lru_cache(maxsize=64)
def _area_features_cached(iso3: str, key: tuple[tuple[str, str, int], ...],
                          geoms: tuple[str, ...]) -> tuple[str, tuple[maps.Feature, ...]]:
    parsed = [json.loads(g) for g in geoms]
    lon0, lat0, lon1, lat1 = maps.bounds_lonlat(parsed)
    crs = maps.utm_crs((lon0 + lon1) / 2, (lat0 + lat1) / 2)
    fc = {"features": [{"properties": {"id": aid, "name": name}, "geometry": g}
                       for (aid, name, _lvl), g in zip(key, parsed, strict=True)]}
    return crs, tuple(maps.project_features(fc, "id", crs, tolerance=1500.0))


def area_features(s: Session, iso3: str) -> tuple[str | None, tuple[maps.Feature, ...]]:
    """(crs, projected features) of the top level of the country's areas, in the UTM zone of
    their centre (see :mod:`imcap.reports.maps`)."""
    rows = s.execute(select(Area.id, Area.name, Area.level, Area.geometry).where(
        Area.country_iso3 == iso3, Area.geometry.is_not(None)).order_by(Area.id)).all()
    if not rows:
        return None, ()
    top = min(r.level for r in rows)
    rows = [r for r in rows if r.level == top]
    return _area_features_cached(iso3, tuple((r.id, r.name, r.level) for r in rows),
                                 tuple(r.geometry for r in rows))


def _area_values(profile: dict[str, Any]) -> dict[str, float | None]:
    return {a["id"]: a["functional_per_million"] for a in profile["areas"]}


def _facilities(profile: dict[str, Any]) -> tuple[list[float], list[float], list[str]]:
    facs = [f for f in profile["facilities"] if f["lat"] is not None and f["lon"] is not None
            and f["units"]]
    return ([f["lon"] for f in facs], [f["lat"] for f in facs],
            [f"{f['name']}: {f['functional_units']}/{f['units']} units functional"
             for f in facs])


def _points(crs: str, profile: dict[str, Any]) -> list[tuple[float, float, str]]:
    lons, lats, text = _facilities(profile)
    x, y = maps.project_points(lons, lats, crs)
    return list(zip(x.tolist(), y.tolist(), text, strict=True))


def _page_map(fig: Any) -> dict[str, Any]:
    """A maps figure as a JSON-safe dict sized by the page (the holder sets the height)."""
    fig.update_layout(height=None, margin={"l": 0, "r": 0, "t": 0, "b": 0}, dragmode="pan",
                      legend={"orientation": "h", "y": 0})
    return fig.to_plotly_json()  # type: ignore[no-any-return]


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
    crs, feats = area_features(s, profile["country"]["iso3"])
    if crs:
        values = _area_values(profile)
        figs["area_map"] = _page_map(maps.choropleth_features(
            feats, values, maps.quantile_breaks(values.values()),
            value_label="functional units per million", label_fmt="{:.2g}"))
        fac = maps.choropleth_features(feats, {}, (), value_label="")
        fac.update_traces(showlegend=False, hoverinfo="skip")
        lons, lats, text = _facilities(profile)
        maps.points(fac, lons, lats, text, crs=crs, name="facilities with imaging units",
                    size=7, colour="#c23b3b")
        figs["facility_map"] = _page_map(fac)
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
    crs, feats = area_features(s, profile["country"]["iso3"])
    if crs:
        values = _area_values(profile)
        out["map"] = charts.svg_map(feats, values, maps.quantile_breaks(values.values()),
                                    _points(crs, profile),
                                    title="Functional units per million by area",
                                    unit="functional units per million")
    return out


def world_figure(values: dict[str, float | None], unit: str) -> dict[str, Any]:
    """The world choropleth for the home page (Equal Earth, equal-count classes)."""
    return _page_map(maps.choropleth_features(
        maps.world_features(), values, maps.quantile_breaks(values.values()),
        value_label=unit, label_fmt="{:.2g}"))


def world_svg(values: dict[str, float | None], unit: str, title: str, width: int = 900
              ) -> str:
    """The same world map as SVG (pages without JavaScript)."""
    return charts.svg_map(maps.world_features(), values, maps.quantile_breaks(values.values()),
                          width=width, title=title, unit=unit)
