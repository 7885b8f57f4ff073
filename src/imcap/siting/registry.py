"""Sites from the registry: which facilities already have the modality, which could get it.

- existing (fixed open): facilities of the country with at least one unit of the modality whose
  status counts as functional (:attr:`FunctionalStatus.counts_as_functional`);
- candidates: facilities of the chosen level(s) (e.g. ``district_hospital``) with coordinates
  and no functional unit of the modality.

After solving, :func:`upgrades` turns the chosen candidates into :class:`Upgrade` records (one
facility, ``units`` new units), which :meth:`SitingResult.planner_items` hands to the needs and
investment-case planner as ``[(facility_id, modality, units), ...]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from imcap.domain.catalogue import FacilityLevel, FunctionalStatus, modality
from imcap.errors import NotFoundError, ParameterError
from imcap.siting.result import SitingResult, Upgrade
from imcap.store.db import Database
from imcap.store.schema import Country, Facility, ImagingUnit

__all__ = ["RegistrySites", "registry_sites", "upgrades"]


@dataclass(frozen=True)
class RegistrySites:
    """Existing then candidate facilities (ids, names, lon, lat), as problem columns."""

    modality: str
    ids: tuple[int, ...]
    names: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    fixed: np.ndarray


def _status_functional(s: str) -> bool:
    try:
        return FunctionalStatus(s).counts_as_functional
    except ValueError:
        return False


def registry_sites(db: Database, country_iso3: str, modality_code: str,
                   levels: Sequence[str] = (FacilityLevel.DISTRICT_HOSPITAL,)) -> RegistrySites:
    """Existing and candidate facilities for ``modality_code`` in a country."""
    try:
        mod = modality(modality_code).code
    except KeyError as e:
        raise ParameterError("unknown modality", expected="a modality code such as CT or MRI",
                             got=modality_code, where="--modality") from e
    bad = [lv for lv in levels if lv not in {v.value for v in FacilityLevel}]
    if bad:
        raise ParameterError("unknown facility level",
                             expected=", ".join(v.value for v in FacilityLevel), got=bad,
                             where="--level")
    iso3 = country_iso3.upper()
    with db.session() as s:
        if s.get(Country, iso3) is None:
            raise NotFoundError("country not in the registry", expected="an ISO3 code present",
                                got=country_iso3, where="--country")
        facs = s.scalars(select(Facility).where(Facility.country_iso3 == iso3)).all()
        units = s.execute(
            select(ImagingUnit.facility_id, ImagingUnit.status)
            .join(Facility, Facility.id == ImagingUnit.facility_id)
            .where(Facility.country_iso3 == iso3, ImagingUnit.modality == mod)).all()
    has = {fid for fid, st in units if _status_functional(st)}
    located = [f for f in facs if f.lat is not None and f.lon is not None]
    existing = [f for f in located if f.id in has]
    cands = [f for f in located if f.id not in has and f.level in set(levels)]
    if not cands:
        raise ParameterError("no candidate facilities", expected=f"facilities of level "
                             f"{', '.join(levels)} with coordinates and no functional {mod}",
                             got=0, where=iso3)
    allf = existing + cands
    return RegistrySites(
        mod, tuple(f.id for f in allf), tuple(f.name for f in allf),
        np.array([f.lon for f in allf], float), np.array([f.lat for f in allf], float),
        np.array([True] * len(existing) + [False] * len(cands)))


def upgrades(result: SitingResult, sites: RegistrySites,
             people_per_unit: float | None = None) -> SitingResult:
    """The result with one :class:`Upgrade` per chosen facility.

    ``units`` = 1, or ``ceil(people served / people_per_unit)`` when a planning norm is given
    (e.g. 1 CT per 500,000 people served)."""
    ups = []
    for j, people in zip(result.chosen, result.site_people, strict=True):
        units = 1
        if people_per_unit:
            units = max(1, math.ceil(people / people_per_unit))
        ups.append(Upgrade(int(sites.ids[j]), sites.names[j], sites.modality, units,
                           float(people), float(sites.lat[j]), float(sites.lon[j])))
    return result.with_upgrades(tuple(ups))
