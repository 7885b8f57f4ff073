"""Access from the registry: facilities with a functional unit, coverage stored as indicators.

Indicator names: ``access_share_within_{T}min_{MODALITY}`` (share of the population, 0-1, that
lives within T minutes of a facility with a functional unit of the modality) and
``access_pop_within_{T}min_{MODALITY}`` (people). Country-level rows have ``area_id`` NULL;
when the registry holds areas of the country with a geometry (Kenya's counties, Malawi's
districts), one row per area as well (zonal coverage: the area's polygon burnt into the
travel-time grid, a cell belonging to the area whose interior holds the cell's centre; areas
of each level separately). Each row carries provenance: ``source`` names the friction surface,
the population raster and the facilities (registry), ``method`` the model and the threshold
rule, ``detail`` the threshold, facility count, population and (areas) the level.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from imcap.access.coverage import coverage_table
from imcap.access.raster import Grid, rasterize_geojson
from imcap.domain.catalogue import FunctionalStatus
from imcap.errors import NotFoundError
from imcap.store.db import Database
from imcap.store.repo import upsert
from imcap.store.schema import Area, Country, Facility, ImagingUnit, IndicatorValue

METHOD = ("least-cost travel time to the nearest facility with a functional unit "
          "(imcap.access, 8-neighbour Dijkstra, r.cost/MCP_Geometric rule); covered within "
          "T min when travel time <= T; areas: cells whose centre lies in the area")


@dataclass(frozen=True)
class RegistryFacility:
    id: int
    name: str
    lon: float
    lat: float
    functional_units: int


def _functional(status: str) -> bool:
    try:
        return FunctionalStatus(status).counts_as_functional
    except ValueError:
        return False


def functional_facilities(db: Database, iso3: str, modality: str) -> list[RegistryFacility]:
    """Facilities of a country with at least one functional (or partially functional) unit of
    ``modality`` and known coordinates, with the number of such units."""
    iso3, modality = iso3.upper(), modality.upper()
    with db.session() as s:
        if s.get(Country, iso3) is None:
            raise NotFoundError("country not in the registry", expected="an ISO3 code "
                                "present in the registry", got=iso3, where="--country")
        q = (select(Facility.id, Facility.name, Facility.lon, Facility.lat, ImagingUnit.status)
             .join(ImagingUnit, ImagingUnit.facility_id == Facility.id)
             .where(Facility.country_iso3 == iso3, ImagingUnit.modality == modality,
                    Facility.lat.is_not(None), Facility.lon.is_not(None)))
        counts: dict[int, list] = {}
        for fid, name, lon, lat, status in s.execute(q):
            if _functional(status):
                entry = counts.setdefault(fid, [name, lon, lat, 0])
                entry[3] += 1
    return [RegistryFacility(fid, v[0], float(v[1]), float(v[2]), v[3])
            for fid, v in sorted(counts.items())]


def located_facilities(db: Database, iso3: str) -> list[RegistryFacility]:
    """Every facility of a country with known coordinates (``functional_units`` 0: not
    counted), e.g. the origins of a referral analysis."""
    iso3 = iso3.upper()
    with db.session() as s:
        if s.get(Country, iso3) is None:
            raise NotFoundError("country not in the registry", expected="an ISO3 code "
                                "present in the registry", got=iso3, where="--country")
        q = (select(Facility.id, Facility.name, Facility.lon, Facility.lat)
             .where(Facility.country_iso3 == iso3, Facility.lat.is_not(None),
                    Facility.lon.is_not(None)).order_by(Facility.id))
        return [RegistryFacility(fid, name, float(lon), float(lat), 0)
                for fid, name, lon, lat in s.execute(q)]


@dataclass(frozen=True)
class RegistryArea:
    """A subnational area with its GeoJSON geometry (WGS84 degrees) as a mapping."""

    id: str
    name: str
    level: int
    geometry: dict


def country_areas(db: Database, iso3: str) -> list[RegistryArea]:
    """Areas of a country that have a geometry, by level then id."""
    with db.session() as s:
        q = (select(Area.id, Area.name, Area.level, Area.geometry)
             .where(Area.country_iso3 == iso3.upper(), Area.geometry.is_not(None))
             .order_by(Area.level, Area.id))
        found = list(s.execute(q))
    out = []
    for aid, name, level, geom in found:
        g = json.loads(geom) if isinstance(geom, str) else geom
        if isinstance(g, dict) and g.get("type") == "Feature":
            g = g.get("geometry")
        if g:
            out.append(RegistryArea(aid, name, int(level), g))
    return out


def area_coverage_rows(minutes: np.ndarray, population: np.ndarray, grid: Grid,
                       areas: Sequence[RegistryArea],
                       thresholds: Sequence[float]) -> list[dict[str, object]]:
    """Zonal coverage, one row per area (``area_id``, ``level`` added), areas of each level
    rasterised together (they do not overlap). Areas holding no populated cell get a row with
    population 0 and NaN shares (``store_coverage`` skips them)."""
    rows: list[dict[str, object]] = []
    for level in sorted({a.level for a in areas}):
        group = [a for a in areas if a.level == level]
        zones = rasterize_geojson([a.geometry for a in group], grid)
        table = coverage_table(minutes, population, thresholds, zones=zones,
                               zone_names=[a.name for a in group])
        for a, r in zip(group, table[1:], strict=True):
            r["area_id"] = a.id
            r["level"] = level
            rows.append(r)
    return rows


def store_coverage(db: Database, iso3: str, modality: str, year: int,
                   rows: list[dict[str, object]], thresholds: tuple[float, ...], *,
                   source: str, n_facilities: int, actor: str = "cli") -> int:
    """Write the whole-country coverage row (``rows[0]``) and every row with an ``area_id``
    (from :func:`area_coverage_rows`; those with no population are skipped) as indicators;
    returns rows written (inserted or updated; unchanged values are left alone, history kept
    in change_log)."""
    iso3, modality = iso3.upper(), modality.upper()
    targets = [(None, rows[0])] + [(str(r["area_id"]), r) for r in rows[1:]
                                   if r.get("area_id") is not None
                                   and float(r["population"]) > 0]  # type: ignore[arg-type]
    written = 0
    with db.session() as s:
        for area_id, row in targets:
            for t in thresholds:
                for kind, key in (("share", f"share_within_{t:g}min"),
                                  ("pop", f"pop_within_{t:g}min")):
                    detail = {"threshold_min": t, "facilities": n_facilities,
                              "population": row["population"], "modality": modality}
                    if area_id is not None:
                        detail["area_level"] = row.get("level")
                    _, outcome = upsert(
                        s, IndicatorValue,
                        {"indicator": f"access_{kind}_within_{t:g}min_{modality}",
                         "country_iso3": iso3, "area_id": area_id, "year": year},
                        {"value": float(row[key]), "source": source[:300],  # type: ignore[arg-type]
                         "source_date": dt.date.today(), "method": METHOD, "detail": detail},
                        actor=actor)
                    written += outcome != "unchanged"
    return written
