"""Access from the registry: facilities with a functional unit, coverage stored as indicators.

Indicator names: ``access_share_within_{T}min_{MODALITY}`` (share of the population, 0-1, that
lives within T minutes of a facility with a functional unit of the modality) and
``access_pop_within_{T}min_{MODALITY}`` (people). Country-level rows have ``area_id`` NULL.
Each row carries provenance: ``source`` names the friction and population inputs, ``method``
the model, ``detail`` the thresholds, facility count and totals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from imcap.domain.catalogue import FunctionalStatus
from imcap.errors import NotFoundError
from imcap.store.db import Database
from imcap.store.repo import upsert
from imcap.store.schema import Country, Facility, ImagingUnit, IndicatorValue

METHOD = ("least-cost travel time to the nearest facility with a functional unit "
          "(imcap.access, 8-neighbour Dijkstra, r.cost/MCP_Geometric rule)")


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


def store_coverage(db: Database, iso3: str, modality: str, year: int,
                   rows: list[dict[str, object]], thresholds: tuple[float, ...], *,
                   source: str, n_facilities: int, actor: str = "cli") -> int:
    """Write the whole-country coverage row (``rows[0]``) as indicators; returns rows written
    (inserted or updated; unchanged values are left alone, history kept in change_log)."""
    iso3, modality = iso3.upper(), modality.upper()
    total = rows[0]
    written = 0
    with db.session() as s:
        for t in thresholds:
            for kind, key in (("share", f"share_within_{t:g}min"), ("pop", f"pop_within_{t:g}min")):
                value = float(total[key])  # type: ignore[arg-type]
                _, outcome = upsert(
                    s, IndicatorValue,
                    {"indicator": f"access_{kind}_within_{t:g}min_{modality}",
                     "country_iso3": iso3, "area_id": None, "year": year},
                    {"value": value, "source": source, "source_date": dt.date.today(),
                     "method": METHOD,
                     "detail": {"threshold_min": t, "facilities": n_facilities,
                                "population": total["population"], "modality": modality}},
                    actor=actor)
                written += outcome != "unchanged"
    return written
