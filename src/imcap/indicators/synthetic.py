"""The synthetic demo inventory: imaging units, staff and exam volumes placed on a country's
real facility list so that national densities match the published ones. NOT REAL DATA.

No public facility-level imaging inventory exists for most low- and middle-income countries
(DESIGN.md, Data). The demo therefore builds one, labelled everywhere: every row it writes has
``synthetic=True``, source :data:`SYNTHETIC_SOURCE` and a method saying how it was made.

How (``build_synthetic_inventory(db, "KEN")``):

1. **Year and targets.** The year is the latest year with a reported CT density for the
   country (for Kenya: WHO GHO DEVICES09, 2013). Target counts = round(density x population /
   1e6) for every modality with a reported national density in that year (Kenya: CT 0.25 and
   MRI 0.16 per million x 44.99 million = 11 CT and 7 MRI). Modalities without a published
   density use :data:`ASSUMED_RATIO_TO_CT`, an imcap demo assumption (labelled in the method
   of each row), not a measurement.
2. **Placement.** Facilities are ranked by level of care (national referral, then regional,
   district hospitals, health centres) and, within a level, spread across areas: one facility
   per area (largest area population first) before a second one in any area; ties are broken
   by a seeded random draw. CT, MRI, SPECT, fluoroscopy and mammography go to referral and
   regional hospitals (district hospitals only when those run out); X-ray and ultrasound to any
   hospital, then health centres. When a modality has more units than candidate facilities the
   ranking is cycled.
3. **Status, age.** Each unit draws a status (:data:`STATUS_SHARES`: 80 % functional, 5 %
   partially functional, 12 % non-functional repairable, 3 % beyond repair; none
   decommissioned, so "all units" equals the target) and an installation year 0-15 years
   before the inventory year.
4. **Staff** per facility = round(sum over its units of :data:`STAFF_PER_UNIT`) by cadre;
   **exams** per working unit = throughput x a seeded utilisation in [0.3, 0.9] (half for
   partially functional units).

Deterministic for a given seed: running it twice writes nothing the second time. Units of an
earlier run that the new run does not produce are deleted (logged in the change log).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

from imcap.domain.catalogue import MODALITIES, FacilityLevel, FunctionalStatus
from imcap.errors import NotFoundError
from imcap.ingest.reference import population
from imcap.store.db import Database
from imcap.store.repo import delete_row, start_batch, upsert_many
from imcap.store.schema import (
    Area,
    CountryFigure,
    ExamVolume,
    Facility,
    ImagingUnit,
    Population,
    Workforce,
)

SYNTHETIC_SOURCE = "imcap synthetic demo inventory (not real data)"
DEFAULT_SEED = 20250513  # WHA78.13 adoption, May 2025

ASSUMED_RATIO_TO_CT: dict[str, float] = {
    # imcap demo assumptions (units per CT unit), chosen to give a plausible low-income mix;
    # they are NOT published figures and are labelled as assumptions on every row.
    "XRAY": 10.0, "US": 15.0, "FLUORO": 0.5, "MAMMO": 0.5, "SPECT": 0.2,
}
STATUS_SHARES: dict[str, float] = {
    FunctionalStatus.FUNCTIONAL.value: 0.80,
    FunctionalStatus.PARTIALLY_FUNCTIONAL.value: 0.05,
    FunctionalStatus.NON_FUNCTIONAL_REPAIRABLE.value: 0.12,
    FunctionalStatus.NON_FUNCTIONAL_BEYOND_REPAIR.value: 0.03,
}
STAFF_PER_UNIT: dict[str, dict[str, float]] = {  # imcap demo assumptions, staff per unit
    "RADIOLOGIST": {"CT": 1.0, "MRI": 1.0, "XRAY": 0.25, "FLUORO": 0.25, "MAMMO": 0.25,
                    "US": 0.1},
    "RADIOGRAPHER": {"CT": 3.0, "MRI": 2.0, "XRAY": 2.0, "FLUORO": 1.0, "MAMMO": 1.0},
    "SONOGRAPHER": {"US": 1.5},
    "MED_PHYSICIST": {"CT": 0.2, "SPECT": 1.0},
    "NM_PHYSICIAN": {"SPECT": 1.0},
    "BIOMED": {"CT": 0.5, "MRI": 0.5, "XRAY": 0.1, "US": 0.05},
}
_HIGH_END = ("CT", "MRI", "SPECT", "FLUORO", "MAMMO")
_LEVEL_RANK = {
    FacilityLevel.NATIONAL_REFERRAL.value: 0, FacilityLevel.REGIONAL_HOSPITAL.value: 1,
    FacilityLevel.DISTRICT_HOSPITAL.value: 2, FacilityLevel.HEALTH_CENTRE.value: 3,
    FacilityLevel.DIAGNOSTIC_CENTRE.value: 3, FacilityLevel.HEALTH_POST.value: 4,
    FacilityLevel.OTHER.value: 5,
}
_THROUGHPUT = {m.code: m.throughput for m in MODALITIES}
_ORDER = ("CT", "MRI", "SPECT", "FLUORO", "MAMMO", "XRAY", "US")


@dataclass
class SyntheticSummary:
    """What was built: year, counts by modality and the basis of each target."""

    iso3: str
    year: int
    population: float
    units: dict[str, int] = field(default_factory=dict)
    basis: dict[str, str] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    facilities_used: int = 0
    written: dict[str, dict[str, int]] = field(default_factory=dict)


def _reported_densities(s: Any, iso3: str) -> dict[int, dict[str, tuple[float, str]]]:
    """year -> modality -> (per million, source) from national total-sector figures."""
    out: dict[int, dict[str, tuple[float, str]]] = {}
    q = select(CountryFigure).where(
        CountryFigure.country_iso3 == iso3, CountryFigure.area_id.is_(None),
        CountryFigure.item_kind == "modality", CountryFigure.measure == "per_million",
        CountryFigure.sector == "total")
    for f in s.scalars(q.order_by(CountryFigure.id)):
        out.setdefault(f.year, {})[f.item] = (f.value, f.source)
    return out


def _targets(dens: dict[str, tuple[float, str]], pop: float) -> tuple[dict[str, int],
                                                                     dict[str, str]]:
    counts: dict[str, int] = {}
    basis: dict[str, str] = {}
    for code, (pm, src) in dens.items():
        if code in _ORDER:
            counts[code] = int(round(pm * pop / 1e6))
            basis[code] = f"{pm:g} per million reported by {src}"
    for code, ratio in ASSUMED_RATIO_TO_CT.items():
        if code not in counts and "CT" in counts:
            counts[code] = int(round(ratio * counts["CT"]))
            basis[code] = f"{ratio:g} x CT count (imcap demo assumption, not a published figure)"
    return counts, basis


def _ranking(facs: list[Facility], area_pop: dict[str, float], rng: np.random.Generator,
             levels: set[str]) -> list[Facility]:
    cand = [f for f in facs if f.level in levels]
    draws = rng.random(len(facs))
    u = {f.id: draws[i] for i, f in enumerate(facs)}
    by_area: dict[tuple[int, str], list[Facility]] = {}
    for f in sorted(cand, key=lambda f: u[f.id]):
        by_area.setdefault((_LEVEL_RANK.get(f.level, 5), f.area_id or ""), []).append(f)
    slot = {f.id: i for group in by_area.values() for i, f in enumerate(group)}
    return sorted(cand, key=lambda f: (_LEVEL_RANK.get(f.level, 5), slot[f.id],
                                       -area_pop.get(f.area_id or "", 0.0), u[f.id]))


def _place(facs: list[Facility], code: str, n: int, area_pop: dict[str, float],
           rng: np.random.Generator) -> list[Facility]:
    hosp = {FacilityLevel.NATIONAL_REFERRAL.value, FacilityLevel.REGIONAL_HOSPITAL.value}
    tiers = [hosp, hosp | {FacilityLevel.DISTRICT_HOSPITAL.value}]
    if code not in _HIGH_END:
        tiers = [hosp | {FacilityLevel.DISTRICT_HOSPITAL.value},
                 hosp | {FacilityLevel.DISTRICT_HOSPITAL.value,
                         FacilityLevel.HEALTH_CENTRE.value}]
    order: list[Facility] = []
    for levels in tiers:
        order = _ranking(facs, area_pop, rng, levels)
        if len(order) >= n:
            break
    if not order:
        raise NotFoundError("no facility of a suitable level to place synthetic units on",
                            expected="hospitals in the facility list", got=code)
    return [order[i % len(order)] for i in range(n)]


def build_synthetic_inventory(db: Database, iso3: str = "KEN", *, year: int | None = None,
                              seed: int = DEFAULT_SEED,
                              densities: dict[str, float] | None = None,
                              actor: str = "cli") -> SyntheticSummary:
    """Build (or rebuild) the labelled synthetic inventory of ``iso3`` (see module doc).

    ``densities`` (modality -> units per million) replaces the reported ones; ``year``
    defaults to the latest year with a reported CT density.
    """
    iso3 = iso3.upper()
    rng = np.random.default_rng(seed)
    with db.session() as s:
        facs = list(s.scalars(select(Facility).where(
            Facility.country_iso3 == iso3, Facility.synthetic.is_(False))
            .order_by(Facility.external_id)))
        if not facs:
            raise NotFoundError("no facility list for this country",
                                expected="facilities imported first (imcap import facilities)",
                                got=iso3)
        reported = _reported_densities(s, iso3)
        if densities is None:
            years = sorted(y for y, d in reported.items() if "CT" in d)
            if year is None and not years:
                raise NotFoundError("no reported CT density to match",
                                    expected="WHO GHO or OECD figures imported first, or "
                                    "densities given", got=iso3)
            year = year if year is not None else years[-1]
            dens = reported.get(year, {})
        else:
            year = year if year is not None else dt.date.today().year
            dens = {k: (v, "the caller") for k, v in densities.items()}
        pop = population(s, iso3, year) or population(s, iso3, 2100)
        if not pop:
            raise NotFoundError("no population for the country", expected="reference data "
                                "loaded (imcap init)", got=iso3)
        summary = SyntheticSummary(iso3, year, pop)
        counts, summary.basis = _targets(dens, pop)
        area_pop = {a: v for a, v in s.execute(
            select(Population.area_id, Population.value).join(Area)
            .where(Area.country_iso3 == iso3).order_by(Population.year))}
        status_codes = list(STATUS_SHARES)
        probs = np.array(list(STATUS_SHARES.values()))
        when = dt.date(year, 12, 31)
        units: list[dict[str, Any]] = []
        for code in _ORDER:
            n = counts.get(code, 0)
            if n <= 0:
                continue
            summary.units[code] = n
            placed = _place(facs, code, n, area_pop, rng)
            statuses = rng.choice(len(status_codes), size=n, p=probs)
            ages = rng.integers(0, 16, size=n)
            for i, f in enumerate(placed):
                units.append({
                    "facility_id": f.id, "external_id": f"SYN-{iso3}-{code}-{i + 1:03d}",
                    "modality": code, "year_installed": int(year - ages[i]),
                    "status": status_codes[statuses[i]], "status_date": when,
                    "synthetic": True, "source": SYNTHETIC_SOURCE, "source_date": when,
                    "method": f"synthetic: {code} count from {summary.basis[code]}; placed on "
                              f"real facilities by level of care and area (seed {seed})",
                })
        summary.facilities_used = len({u["facility_id"] for u in units})
        batch = start_batch(s, "synthetic", f"synthetic inventory {iso3} {year} seed {seed}",
                            f"{iso3}{year}{seed}".ljust(64, "0")[:64], SYNTHETIC_SOURCE, actor)
        _drop_stale(s, iso3, {(u["facility_id"], u["external_id"]) for u in units}, actor)
        summary.written["units"] = upsert_many(
            s, ImagingUnit, ("facility_id", "external_id"), units,
            scope={"source": SYNTHETIC_SOURCE}, batch_id=batch.id, actor=actor)
        stored = {(u.facility_id, u.external_id): u for u in s.scalars(
            select(ImagingUnit).where(ImagingUnit.source == SYNTHETIC_SOURCE))}
        staff = _staff_rows(units, iso3, year, when)
        summary.staff = {c: int(sum(r["count"] for r in staff if r["cadre"] == c))
                         for c in STAFF_PER_UNIT}
        summary.written["staff"] = upsert_many(
            s, Workforce, ("facility_id", "cadre", "year", "source"), staff,
            scope={"country_iso3": iso3, "source": SYNTHETIC_SOURCE}, batch_id=batch.id,
            actor=actor)
        util = rng.uniform(0.3, 0.9, size=len(units))
        exams = []
        for i, u in enumerate(units):
            if u["status"] not in (FunctionalStatus.FUNCTIONAL, "partially_functional"):
                continue
            share = util[i] * (0.5 if u["status"] == "partially_functional" else 1.0)
            unit = stored[(u["facility_id"], u["external_id"])]
            exams.append({
                "country_iso3": iso3, "area_id": None, "facility_id": u["facility_id"],
                "unit_id": unit.id, "modality": u["modality"], "year": year,
                "exams": float(round(_THROUGHPUT[u["modality"]] * share)), "synthetic": True,
                "source": SYNTHETIC_SOURCE, "source_date": when,
                "method": "synthetic: typical throughput x seeded utilisation in [0.3, 0.9] "
                          "(half for partially functional units); imcap demo assumption"})
        summary.written["exams"] = upsert_many(
            s, ExamVolume, ("unit_id", "modality", "year", "source"), exams,
            scope={"country_iso3": iso3, "source": SYNTHETIC_SOURCE}, batch_id=batch.id,
            actor=actor)
    return summary


def _staff_rows(units: list[dict[str, Any]], iso3: str, year: int,
                when: dt.date) -> list[dict[str, Any]]:
    per_fac: dict[int, dict[str, int]] = {}
    for u in units:
        per_fac.setdefault(u["facility_id"], {}).setdefault(u["modality"], 0)
        per_fac[u["facility_id"]][u["modality"]] += 1
    rows = []
    for fid in sorted(per_fac):
        mods = per_fac[fid]
        for cadre, ratios in STAFF_PER_UNIT.items():
            n = round(sum(ratios.get(m, 0.0) * k for m, k in mods.items()))
            if n > 0:
                rows.append({
                    "country_iso3": iso3, "area_id": None, "facility_id": fid, "cadre": cadre,
                    "year": year, "count": float(n), "synthetic": True,
                    "source": SYNTHETIC_SOURCE, "source_date": when,
                    "method": "synthetic: staff per unit ratios x units at the facility "
                              "(imcap demo assumption)"})
    return rows


def _drop_stale(s: Any, iso3: str, keep: set[tuple[int, str]], actor: str) -> None:
    old = s.scalars(select(ImagingUnit).join(Facility).where(
        ImagingUnit.source == SYNTHETIC_SOURCE, Facility.country_iso3 == iso3))
    for unit in list(old):
        if (unit.facility_id, unit.external_id) in keep:
            continue
        for ev in s.scalars(select(ExamVolume).where(ExamVolume.unit_id == unit.id)):
            delete_row(s, ev, actor=actor)
        delete_row(s, unit, actor=actor)
