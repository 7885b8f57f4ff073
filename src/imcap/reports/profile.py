"""Everything a country profile shows, assembled once as plain JSON-safe data.

Shared by the web page, the API (``/api/v1/countries/{iso3}/profile``) and the HTML/PDF report.

Densities are units per million population: ``units / population x 1e6``. "All units" counts
every unit still in the inventory (not decommissioned); "functional" counts functional and
partially functional units (see :class:`imcap.domain.FunctionalStatus`). Reported densities
(WHO GHO, OECD, surveys) are shown beside the inventory figures with their own source and
year. Benchmarks are medians of the latest reported density of each country in the same
World Bank income group / WHO region; synthetic values never make a benchmark (a group with
no real value has no median: ``None``, shown as "–").

Two gaps, in units, each named by its target:

- ``gap_units`` (to the country's own income-group median, ``income_group`` names the group):
  ``max(0, median x population / 1e6 - functional units)`` (the reported density when there is
  no inventory).
- ``gap_next_income_units`` (to the next income group's median, ``next_income_group``: LIC->LMC
  ->UMC->HIC, HIC stays HIC): :func:`imcap.indicators.benchmarks.gap_to_target` with
  ``target="next_income_median"`` on ``units_per_million``, the figure ``imcap benchmark`` and
  ``imcap plan`` use by default (it starts from the country's preferred national density:
  reported before inventory).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from imcap.domain import MODALITIES, FunctionalStatus, cadre, modality
from imcap.errors import ImcapError, NotFoundError
from imcap.indicators import compute
from imcap.ingest.reference import population
from imcap.store.db import Database
from imcap.store.schema import (
    Area,
    Country,
    CountryFigure,
    Facility,
    ImagingUnit,
    IndicatorValue,
    Population,
    Workforce,
)

AGE_BANDS = ((0, 4, "0-4 years"), (5, 9, "5-9 years"), (10, 999, "10 years or more"))
STATUS_ORDER = [s.value for s in FunctionalStatus]


def default_year(s: Session, iso3: str) -> int:
    """The latest year with a reported population, not after this year."""
    y = s.scalar(select(func.max(Population.year)).where(
        Population.country_iso3 == iso3, Population.area_id.is_(None),
        Population.year <= dt.date.today().year))
    return int(y) if y else dt.date.today().year


def _latest_figures(s: Session, measure: str = "per_million") -> dict[tuple[str, str], dict]:
    """Latest reported figure per (country, item) across sources (national, total sector)."""
    rows = s.execute(select(CountryFigure).where(
        CountryFigure.measure == measure, CountryFigure.area_id.is_(None),
        CountryFigure.item_kind == "modality")).scalars()
    best: dict[tuple[str, str], CountryFigure] = {}
    for r in rows:
        k = (r.country_iso3, r.item)
        if k not in best or r.year > best[k].year:
            best[k] = r
    return {k: {"value": v.value, "year": v.year, "source": v.source,
                "source_date": v.source_date.isoformat() if v.source_date else None,
                "method": v.method} for k, v in best.items()}


def national_table(db: Database) -> Any:
    """:func:`imcap.indicators.compute` national rows of every country: what benchmarks and
    ``gap_to_target`` are computed from. Callers cache it: it reads the whole registry."""
    return compute(db, area_level=False)


def benchmark_table(db: Database, national: Any = None) -> Any:
    """``imcap.indicators.benchmarks.benchmark_table`` over every country (from ``national``,
    :func:`national_table`, when given). Callers cache it: it reads the whole registry."""
    from imcap.indicators.benchmarks import benchmark_table as table

    return table(national_table(db) if national is None else national)


def next_income_gaps(national: Any, iso3: str) -> dict[str, dict[str, Any]]:
    """Per modality, the gap of ``units_per_million`` to the next income group's median
    (:func:`imcap.indicators.benchmarks.gap_to_target`, ``target="next_income_median"``):
    ``{"group", "median", "gap_units", "basis"}``; modalities without a figure are left out."""
    from imcap.indicators.benchmarks import INCOME_ORDER, country_groups, gap_to_target

    if national is None or not len(national):
        return {}
    g = country_groups()
    mine = g.loc[g["iso3"] == iso3.upper(), "income_group"]
    group = mine.iloc[0] if len(mine) else None
    if group not in INCOME_ORDER:
        return {}
    nxt = INCOME_ORDER[min(INCOME_ORDER.index(group) + 1, len(INCOME_ORDER) - 1)]
    out: dict[str, dict[str, Any]] = {}
    for m in MODALITIES:
        try:
            gap = gap_to_target(national, iso3, "units_per_million", m.code,
                                "next_income_median")
        except ImcapError:
            continue
        out[m.code] = {"group": nxt, "median": gap.target, "basis": gap.target_basis,
                       "gap_units": gap.gap_count_whole}
    return out


def _median(v: Any) -> float | None:
    """A group median, or None when the group has no real value (NaN)."""
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else f


def benchmarks_from_table(table: Any, country: Country) -> dict[str, dict[str, Any]]:
    """Latest-period medians of ``units_per_million`` per modality for the country's income
    group and WHO region, from a benchmark table."""
    t = table[(table["period"] == "latest") & (table["indicator"] == "units_per_million")]
    out: dict[str, dict[str, Any]] = {}
    for r in t.to_dict("records"):
        if r["group_type"] == "income_group" and r["group"] == country.income_group:
            key = ("income_group", "income_group_n")
        elif r["group_type"] == "who_region" and r["group"] == country.who_region:
            key = ("region", "region_n")
        else:
            continue
        d = out.setdefault(r["item"], {"income_group": None, "income_group_n": 0,
                                       "region": None, "region_n": 0, "source":
                                       "imcap.indicators benchmark_table (latest, median)"})
        d[key[0]], d[key[1]] = _median(r["median"]), int(r["n"])
    return out


def benchmarks(s: Session, country: Country) -> dict[str, dict[str, Any]]:
    """Median latest reported density per modality in the income group and the WHO region
    (fallback when no benchmark table is given)."""
    latest = _latest_figures(s)
    countries = {c.iso3: c for c in s.scalars(select(Country))}
    out: dict[str, dict[str, Any]] = {}
    for m in MODALITIES:
        inc = [v["value"] for (iso, item), v in latest.items() if item == m.code
               and countries.get(iso) and countries[iso].income_group == country.income_group]
        reg = [v["value"] for (iso, item), v in latest.items() if item == m.code
               and countries.get(iso) and countries[iso].who_region == country.who_region]
        if inc or reg:
            out[m.code] = {
                "income_group": statistics.median(inc) if inc else None,
                "income_group_n": len(inc),
                "region": statistics.median(reg) if reg else None,
                "region_n": len(reg),
                "source": "median of latest reported densities (country_figure), imcap",
            }
    return out


def _per_million(n: float, pop: float | None) -> float | None:
    return n / pop * 1e6 if pop else None


INVENTORY = "computed from facility inventory"  # method prefix of imcap.indicators rows


def _indicators(source: Database | Session, iso3: str, year: int) -> list[dict]:
    """National rows of :func:`imcap.indicators.compute` for the country: for each indicator,
    item and source, its latest year up to ``year`` (an inventory is dated by when its statuses
    were observed, which need not be the latest population year). The engine is the one
    implementation of the inventory densities."""
    df = compute(source, country=iso3, area_level=False)
    if df is None or not len(df):
        return []
    df = df[df["year"] <= year].sort_values("year")
    df = df.drop_duplicates(["indicator", "item", "source"], keep="last")
    return df.to_dict("records")


def country_profile(s: Session, iso3: str, year: int | None = None,
                    db: Database | None = None, bench_table: Any = None,
                    national: Any = None) -> dict[str, Any]:
    """The full profile of one country (see the module docstring for definitions).

    ``bench_table`` and ``national`` (:func:`benchmark_table`, :func:`national_table`) may be
    given by callers that cache them; with ``db`` they are computed when missing."""
    iso3 = iso3.upper()
    c = s.get(Country, iso3)
    if c is None:
        raise NotFoundError("no such country", expected="an ISO 3166-1 alpha-3 code such as KEN",
                            got=iso3, where="country")
    year = year or default_year(s, iso3)
    pop = population(s, iso3, year)
    pop_row = s.execute(select(Population).where(
        Population.country_iso3 == iso3, Population.area_id.is_(None), Population.year <= year)
        .order_by(Population.year.desc()).limit(1)).scalars().first()
    sources: dict[tuple, dict] = {}

    def cite(what: str, source: str, date: Any = None, method: str | None = None,
             year_: int | None = None) -> None:
        k = (what, source)
        sources.setdefault(k, {"figure": what, "source": source, "year": year_,
                               "source_date": date.isoformat() if hasattr(date, "isoformat")
                               else date, "method": method})

    if pop_row:
        cite("Population", pop_row.source, pop_row.source_date, pop_row.method, pop_row.year)

    facilities = list(s.scalars(select(Facility).where(Facility.country_iso3 == iso3)))
    fac_ids = [f.id for f in facilities]
    units = list(s.scalars(select(ImagingUnit).where(ImagingUnit.facility_id.in_(fac_ids)))) \
        if fac_ids else []
    synthetic = any(u.synthetic for u in units) or any(f.synthetic for f in facilities)
    for u in units[:1]:
        cite("Imaging units (inventory)", u.source, u.source_date, u.method)
    by_fac: dict[int, list[ImagingUnit]] = defaultdict(list)
    for u in units:
        by_fac[u.facility_id].append(u)

    latest = _latest_figures(s)
    if national is None and db is not None:
        national = national_table(db)
    if bench_table is None and db is not None:
        bench_table = benchmark_table(db, national)
    next_gaps = next_income_gaps(national, iso3)
    bench = (benchmarks_from_table(bench_table, c) if bench_table is not None
             else benchmarks(s, c))
    counts_all: Counter[str] = Counter()
    counts_fun: Counter[str] = Counter()
    status_by_mod: dict[str, Counter[str]] = defaultdict(Counter)
    age_by_mod: dict[str, Counter[str]] = defaultdict(Counter)
    for u in units:
        st = FunctionalStatus(u.status) if u.status in STATUS_ORDER else FunctionalStatus.UNKNOWN
        status_by_mod[u.modality][st.value] += 1
        if not st.in_inventory:
            continue
        counts_all[u.modality] += 1
        if st.counts_as_functional:
            counts_fun[u.modality] += 1
        if u.year_installed:
            age = year - u.year_installed
            band = next((b for lo, hi, b in AGE_BANDS if lo <= age <= hi), "10 years or more")
        else:
            band = "unknown"
        age_by_mod[u.modality][band] += 1

    service = _indicators(db if db is not None else s, iso3, year)
    inv = {(r["indicator"], r["item"]): r for r in service
           if r["indicator"] in ("units_per_million", "functional_units_per_million")
           and str(r["method"]).startswith(INVENTORY)}
    densities = []
    for m in MODALITIES:
        rep = latest.get((iso3, m.code))
        b = bench.get(m.code, {})
        all_row = inv.get(("units_per_million", m.code))
        fun_row = inv.get(("functional_units_per_million", m.code))
        if not (all_row or rep or b):
            continue
        n_all = int(all_row["numerator"]) if all_row else 0
        n_fun = int(fun_row["numerator"]) if fun_row else 0
        row = {
            "modality": m.code, "name": m.name,
            "units": n_all if units else None,
            "functional_units": n_fun if units else None,
            "per_million": (all_row["value"] if all_row else _per_million(0, pop))
            if units else None,
            "functional_per_million": (fun_row["value"] if fun_row else _per_million(0, pop))
            if units else None,
            "reported_per_million": rep["value"] if rep else None,
            "reported_year": rep["year"] if rep else None,
            "reported_source": rep["source"] if rep else None,
            "income_group_median": b.get("income_group"),
            "region_median": b.get("region"),
        }
        target = b.get("income_group")
        if target is not None and pop:
            have = n_fun if units else (rep["value"] * pop / 1e6 if rep else 0.0)
            row["gap_units"] = max(0.0, target * pop / 1e6 - have)
        else:
            row["gap_units"] = None
        nxt = next_gaps.get(m.code, {})
        row["next_income_group"] = nxt.get("group")
        row["next_income_median"] = nxt.get("median")
        row["gap_next_income_units"] = nxt.get("gap_units")
        densities.append(row)
        if rep:
            cite(f"{m.code} reported density", rep["source"], rep["source_date"], rep["method"],
                 rep["year"])
    if service:
        for r in service:
            cite(str(r.get("indicator")), str(r.get("source")), r.get("source_date"),
                 str(r.get("method")), r.get("year"))
    if next_gaps:
        first = next(iter(next_gaps.values()))
        cite(f"Gap to the {first['group']} median (next income group)",
             "imcap.indicators.benchmarks.gap_to_target", None,
             "target next_income_median on units_per_million: " + first["basis"])
    if bench:
        cite("Benchmarks (income group / region medians)",
             next(iter(bench.values()))["source"], None,
             "median of each country's latest national value")
    if units:
        cite("Densities from the inventory", "imcap.indicators.compute", None,
             "units_per_million / functional_units_per_million: units / population x 1e6"
             + (" (synthetic inventory)" if synthetic else ""), year)

    areas = list(s.scalars(select(Area).where(Area.country_iso3 == iso3)))
    top_level = min((a.level for a in areas), default=None)
    area_rows = []
    fac_area = {f.id: f.area_id for f in facilities}
    fun_by_area: Counter[str] = Counter()
    all_by_area: Counter[str] = Counter()
    for u in units:
        aid = fac_area.get(u.facility_id)
        if aid is None or u.status == FunctionalStatus.DECOMMISSIONED.value:
            continue
        all_by_area[aid] += 1
        if FunctionalStatus(u.status).counts_as_functional:
            fun_by_area[aid] += 1
    for a in areas:
        if a.level != top_level:
            continue
        apop = population(s, iso3, year, area_id=a.id)
        area_rows.append({"id": a.id, "name": a.name, "population": apop,
                          "units": all_by_area[a.id], "functional_units": fun_by_area[a.id],
                          "functional_per_million": _per_million(fun_by_area[a.id], apop)})
    if areas:
        cite("Subnational areas", areas[0].source, areas[0].source_date, areas[0].method)

    fac_rows = []
    for f in facilities:
        us = by_fac.get(f.id, [])
        if not us:
            continue  # facilities without imaging units are counted in totals only
        fac_rows.append({
            "id": f.id, "name": f.name, "lat": f.lat, "lon": f.lon, "area_id": f.area_id,
            "level": f.level, "ownership": f.ownership, "units": len(us),
            "functional_units": sum(1 for u in us if u.status in STATUS_ORDER
                                    and FunctionalStatus(u.status).counts_as_functional),
            "modalities": sorted({u.modality for u in us}), "synthetic": f.synthetic})
    if facilities:
        cite("Facilities", facilities[0].source, facilities[0].source_date, facilities[0].method)

    wf_rows = []
    wf = list(s.scalars(select(Workforce).where(Workforce.country_iso3 == iso3,
                                                Workforce.year <= year)))
    if wf:
        wyear = max(w.year for w in wf)
        tot: Counter[str] = Counter()
        for w in wf:
            if w.year == wyear:
                tot[w.cadre] += w.count
                cite(f"Workforce {w.cadre}", w.source, w.source_date, w.method, w.year)
        for code, n in sorted(tot.items()):
            try:
                name = cadre(code).name
            except KeyError:
                name = code
            wf_rows.append({"cadre": code, "name": name, "count": n, "year": wyear,
                            "per_million": _per_million(n, pop)})

    access = []
    for iv in s.scalars(select(IndicatorValue).where(IndicatorValue.country_iso3 == iso3)
                        .order_by(IndicatorValue.indicator, IndicatorValue.year)):
        access.append({"indicator": iv.indicator, "area_id": iv.area_id, "year": iv.year,
                       "value": iv.value, "source": iv.source, "method": iv.method})
        cite(iv.indicator, iv.source, iv.source_date, iv.method, iv.year)

    def mod_name(code: str) -> str:
        try:
            return modality(code).name
        except KeyError:
            return code

    return {
        "country": {"iso3": c.iso3, "name": c.name, "who_region": c.who_region,
                    "wb_region": c.wb_region, "income_group": c.income_group},
        "year": year, "population": pop, "synthetic": synthetic,
        "totals": {"facilities": len(facilities), "units": sum(counts_all.values()),
                   "functional_units": sum(counts_fun.values())},
        "densities": densities,
        "units_by_status": [{"modality": k, "name": mod_name(k), **{st: v.get(st, 0)
                             for st in STATUS_ORDER}} for k, v in sorted(status_by_mod.items())],
        "units_by_age": [{"modality": k, "name": mod_name(k), **{b: v.get(b, 0) for *_x, b in
                          AGE_BANDS}, "unknown": v.get("unknown", 0)}
                         for k, v in sorted(age_by_mod.items())],
        "areas": area_rows, "facilities": fac_rows, "workforce": wf_rows, "access": access,
        "indicators": service or [],
        "sources": sorted(sources.values(), key=lambda r: r["figure"]),
    }
