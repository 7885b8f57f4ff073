"""Needs: how many units (and staff) a country or area needs, and its gap.

Formulas (plain numbers and arrays; the database wrapper is :func:`assess_needs`):

- benchmark-based: ``required = target density (per million) x population / 1e6``; the target
  is the median of the country's income group (``income_median``), of the next group up
  (``next_income_median``: LIC->LMC->UMC->HIC), the mean of high-income countries
  (``hic_mean``) or a number per million. Target
  densities come from :mod:`imcap.indicators.benchmarks` (one value per country, its latest
  year at or before the base year; units in the inventory, all statuses).
- demand-based: ``required = population x exam rate per 1,000 / 1000 / (throughput x
  utilisation)``, with the exam rate of the target income group (``exam_rate_per_1000``).
- replacement and repair (from the unit inventory): units functional today whose age reaches
  their lifetime by the target year, and units non-functional beyond repair, are replaced;
  units non-functional but repairable are repaired.
- ``functional after`` = functional + repaired + replaced beyond repair; the gap in new units
  = ``ceil(max(0, required - functional after))``.
- per-area minimum: each area of at least ``min_population`` people needs ``min_units``
  functional units; the extra units are ``sum(max(0, min_units - functional in area))``;
  the recommended new units are the larger of the national gap and that sum.
- workforce: FTE needed = (functional after + new) x staff per unit, by cadre, for the
  assessed modalities only; biomedical engineers (BIOMED) = units / units_per_biomed;
  gap = needed - registered (latest national figure), where a registered figure exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from imcap.domain.catalogue import FunctionalStatus
from imcap.errors import NotFoundError, ParameterError
from imcap.planning.context import CountryContext, country_context
from imcap.planning.parameters import MODALITY_CODES, ParameterTable
from imcap.store.db import Database
from imcap.store.schema import Country, Facility, ImagingUnit

INCOME_ORDER = ("LIC", "LMC", "UMC", "HIC")
TARGETS = ("next_income_median", "income_median", "hic_mean")
METHODS = ("benchmark", "demand", "max")


def reference_group(income_group: str, target: str | float) -> str:
    """Income group whose exam rates a target implies (own, next up, or HIC)."""
    if target == "next_income_median":
        return INCOME_ORDER[min(INCOME_ORDER.index(income_group) + 1, 3)]
    if target == "hic_mean":
        return "HIC"
    return income_group


def benchmark_required(target_per_million: Any, population: Any) -> Any:
    """Units a population needs at a target density (units per million)."""
    return np.asarray(target_per_million, float) * np.asarray(population, float) / 1e6


def demand_required(population: Any, rate_per_1000: Any, throughput: Any,
                    utilisation: Any) -> Any:
    """Units needed to deliver ``rate_per_1000`` exams per 1,000 people a year."""
    return (np.asarray(population, float) * np.asarray(rate_per_1000, float) / 1000
            / (np.asarray(throughput, float) * np.asarray(utilisation, float)))


def unit_gap(required: Any, functional: Any) -> Any:
    """Whole units to add: ``ceil(max(0, required - functional))`` (1e-9 tolerance)."""
    g = np.maximum(0.0, np.asarray(required, float) - np.asarray(functional, float))
    return np.ceil(g - 1e-9).astype(int)


def area_minimum_extra(population: Any, functional: Any, min_units: int,
                       min_population: float) -> np.ndarray:
    """Extra units per area so that every area of ``min_population`` or more people has
    ``min_units`` functional units."""
    pop = np.asarray(population, float)
    fun = np.asarray(functional, float)
    need = np.where(pop >= min_population, np.maximum(0.0, min_units - fun), 0.0)
    return np.ceil(need).astype(int)


def replacement_due(year_installed: Any, functional: Any, lifetime: float,
                    target_year: int) -> int:
    """Functional units whose age reaches ``lifetime`` by ``target_year`` (unknown
    installation year: not counted)."""
    yi = np.asarray(year_installed, float)
    fun = np.asarray(functional, bool)
    return int(np.sum(fun & ~np.isnan(yi) & (target_year - yi >= lifetime)))


def target_density(indicators: pd.DataFrame, iso3: str, income_group: str, modality: str,
                   target: str | float, year: int,
                   countries: pd.DataFrame | None = None) -> tuple[float, str]:
    """Target units per million and a sentence saying where it comes from. ``countries``
    (iso3, income_group, who_region) defaults to the bundled classification."""
    if isinstance(target, int | float) and not isinstance(target, bool):
        if target < 0:
            raise ParameterError("target density must not be negative", expected=">= 0",
                                 got=target, where="--target")
        return float(target), f"user target {float(target):g} per million"
    if target not in TARGETS:
        raise ParameterError("unknown target", expected=" | ".join(TARGETS) + " or a number "
                             "per million", got=target, where="--target")
    from imcap.indicators.benchmarks import latest_values, national_values

    v = national_values(indicators[indicators["indicator"] == "units_per_million"], countries)
    v = v[(v["item"] == modality) & (v["year"] <= year) & ~v["synthetic"].astype(bool)]
    v = latest_values(v)
    group = reference_group(income_group, target)
    vals = v.loc[v["income_group"] == group, "value"].dropna()
    if vals.empty:
        raise NotFoundError("no country of the reference group has a density",
                            expected=f"{modality} units per million for {group} countries "
                            "(import WHO GHO / OECD figures)", got="none", where=str(target))
    if target == "hic_mean":
        return float(vals.mean()), f"mean of HIC countries (n={len(vals)}, latest <= {year})"
    return float(vals.median()), f"median of {group} countries (n={len(vals)}, latest <= {year})"


@dataclass(frozen=True)
class NeedsResult:
    """Needs of one country: ``national`` (one row per modality), ``areas`` (one row per area
    and modality, empty unless asked) and ``workforce`` (one row per cadre)."""

    iso3: str
    income_group: str
    base_year: int
    target_year: int
    target: str
    method: str
    national: pd.DataFrame
    areas: pd.DataFrame
    workforce: pd.DataFrame
    notes: tuple[str, ...]


def _inventory(db: Database, iso3: str) -> pd.DataFrame:
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(ImagingUnit.modality, ImagingUnit.status, ImagingUnit.year_installed,
                   Facility.area_id, ImagingUnit.synthetic)
            .join(Facility, Facility.id == ImagingUnit.facility_id)
            .where(Facility.country_iso3 == iso3)).all()
    return pd.DataFrame(rows, columns=["modality", "status", "year_installed", "area_id",
                                       "synthetic"])


def _countries(db: Database) -> pd.DataFrame:
    with db.engine.connect() as conn:
        rows = conn.execute(select(Country.iso3, Country.income_group,
                                   Country.who_region)).all()
    return pd.DataFrame(rows, columns=["iso3", "income_group", "who_region"])


def _reported(indicators: pd.DataFrame, iso3: str, indicator: str, year: int,
              countries: pd.DataFrame) -> pd.DataFrame:
    from imcap.indicators.benchmarks import latest_values, national_values

    v = national_values(indicators[(indicators["indicator"] == indicator)
                                   & (indicators["country_iso3"] == iso3)], countries)
    return latest_values(v[v["year"] <= year])


def assess_needs(db: Database, iso3: str, *, table: ParameterTable, base_year: int,
                 target_year: int, target: str | float = "next_income_median",
                 method: str = "benchmark", modalities: tuple[str, ...] = ("CT", "MRI"),
                 by_area: bool = False, min_units: int = 1,
                 min_population: float = 500_000,
                 context: CountryContext | None = None) -> NeedsResult:
    """Needs of ``iso3`` by ``target_year`` (see module doc for every formula)."""
    from imcap.indicators import compute

    iso3 = iso3.upper()
    if target_year < base_year:
        raise ParameterError("target year is in the past", expected=f">= {base_year}",
                             got=target_year, where="--year")
    if method not in METHODS:
        raise ParameterError("unknown needs method", expected=" | ".join(METHODS), got=method,
                             where="--method")
    bad = [m for m in modalities if m not in MODALITY_CODES]
    if bad:
        raise ParameterError("unknown modality", expected=", ".join(MODALITY_CODES), got=bad,
                             where="--modality")
    ctx = context or country_context(db, iso3, base_year, target_year)
    pop = ctx.population_at(target_year)
    group = ctx.income_group
    ref = reference_group(group, target)
    ind = compute(db, area_level=False)
    countries = _countries(db)
    inv = _inventory(db, iso3)
    notes = [f"population {target_year}: {pop:,.0f} ({ctx.population_method})"]
    reported_units = _reported(ind, iso3, "units_per_million", base_year, countries)
    rows, area_rows = [], []
    for m in modalities:
        dens, basis = target_density(ind, iso3, group, m, target, base_year, countries)
        units = inv[inv["modality"] == m]
        life = table.get("lifetime_years", m, group)
        if len(units):
            status = units["status"]
            fun = status.isin([s.value for s in FunctionalStatus if s.counts_as_functional])
            functional = int(fun.sum())
            repair = int((status == FunctionalStatus.NON_FUNCTIONAL_REPAIRABLE.value).sum())
            beyond = int((status == FunctionalStatus.NON_FUNCTIONAL_BEYOND_REPAIR.value).sum())
            aged = replacement_due(units["year_installed"].astype(float), fun, life,
                                   target_year)
            source = "facility inventory" + (" (synthetic)" if units["synthetic"].any() else "")
        else:
            r = reported_units[reported_units["item"] == m]
            if r.empty:
                functional, source = 0, "no data: counted as 0"
            else:
                functional = int(round(float(r["numerator"].iloc[0])))
                source = (f"reported total {int(r['year'].iloc[0])} ({r['source'].iloc[0]}); "
                          "functional status unknown")
            repair = beyond = aged = 0
        after = functional + repair + beyond
        b_req = float(benchmark_required(dens, pop))
        d_req = float(demand_required(pop, table.get("exam_rate_per_1000", m, ref),
                                      table.get("throughput", m, group),
                                      table.get("target_utilisation", m, group)))
        req = {"benchmark": b_req, "demand": d_req, "max": max(b_req, d_req)}[method]
        gap = int(unit_gap(req, after))
        extra = 0
        if by_area:
            a_units = units[units["status"].isin(
                [s.value for s in FunctionalStatus if s.counts_as_functional])]
            a_fun = a_units.groupby("area_id").size().to_dict()
            for aid, series in sorted(ctx.area_population.items()):
                ya = [y for y in series if y <= target_year]
                if not ya:
                    continue
                ap = series[max(ya)]
                f_a = int(a_fun.get(aid, 0))
                e = int(area_minimum_extra(ap, f_a, min_units, min_population))
                extra += e
                area_rows.append({"area_id": aid, "area": ctx.area_names.get(aid, aid),
                                  "modality": m, "population": ap, "functional": f_a,
                                  "per_million": f_a / ap * 1e6 if ap else math.nan,
                                  "min_units": min_units if ap >= min_population else 0,
                                  "extra_units": e})
            if not len(units):
                notes.append(f"{m}: no unit inventory, so every area counts 0 functional units")
        rows.append({
            "modality": m, "population": pop, "functional": functional,
            "functional_source": source, "target_per_million": dens, "target_basis": basis,
            "benchmark_required": b_req, "demand_required": d_req,
            "exam_rate_per_1000": table.get("exam_rate_per_1000", m, ref),
            "repair": repair, "replace_beyond_repair": beyond, "replace_aged": aged,
            "functional_after_repair": after, "gap": gap, "area_minimum_extra": extra,
            "new_units": max(gap, extra),
            "units_after_plan": after + max(gap, extra),
        })
    national = pd.DataFrame(rows)
    workforce = _workforce(ind, iso3, base_year, national, table, group, countries)
    return NeedsResult(iso3, group, base_year, target_year, str(target), method, national,
                       pd.DataFrame(area_rows), workforce, tuple(notes))


def _workforce(ind: pd.DataFrame, iso3: str, year: int, national: pd.DataFrame,
               table: ParameterTable, group: str, countries: pd.DataFrame) -> pd.DataFrame:
    need: dict[str, float] = {}
    for r in national.itertuples():
        for c in table.cadres_for(r.modality):
            need[c] = need.get(c, 0.0) + r.units_after_plan * table.get(
                "staff_per_unit", r.modality, group, c)
        need["BIOMED"] = need.get("BIOMED", 0.0) + r.units_after_plan / table.get(
            "units_per_biomed", r.modality, group)
    reg = _reported(ind, iso3, "staff_per_million", year, countries)
    have = {r.item: (float(r.numerator), int(r.year)) for r in reg.itertuples()}
    rows = []
    for c, n in sorted(need.items()):
        h = have.get(c)
        rows.append({"cadre": c, "fte_needed": n,
                     "registered": h[0] if h else math.nan,
                     "registered_year": h[1] if h else None,
                     "gap": n - h[0] if h else math.nan})
    return pd.DataFrame(rows, columns=["cadre", "fte_needed", "registered", "registered_year",
                                       "gap"])
