"""The indicator engine: every indicator of :data:`CATALOGUE` for every country, area and year.

``compute(db_or_session, country=None, year=None, area_level=True)`` runs six queries (units
with their facility, facility counts, country figures, workforce, exam volumes, population) and
derives everything with pandas group-bys: no per-country loop, so the whole set for every
country and year takes well under a second (``python -m bench.indicators``).

Rules (also in docs/indicators.md):

- **Inventory year.** A facility inventory is a snapshot. A unit counts in the year of its
  ``status_date`` (when its status was observed), else of its ``source_date``, else the current
  year. Units with status ``decommissioned`` leave the inventory; ``functional`` and
  ``partially_functional`` count as functional (:class:`FunctionalStatus`).
- **Two kinds of source.** Densities computed from a facility inventory (method starts
  ``computed from facility inventory``) and densities from country figures (WHO GHO, OECD,
  national tables: method starts ``reported``) are both kept, one row each, distinguished by
  ``source`` and ``method``. A figure reported as a count is divided by population; a figure
  reported per million is kept as published (its numerator is then the implied count).
- **Population.** National (or area) population of the same year; when that year is missing,
  the nearest earlier year, else the nearest later year (named in ``method``).
- **Areas.** Facility-based indicators are also given per subnational area, for the area each
  facility is registered in (``area_id``); area figures reported by a source are kept as such.
- **Workforce and exams** are summed at the most detailed level a source gives for a country,
  year and cadre/modality (unit > facility > area > national), so nothing is counted twice.
- **Formulas.** per million: numerator / population x 1e6; per 1,000: x 1e3; shares:
  numerator / denominator x 100; utilisation: exams / (functional units x throughput) x 100.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from imcap.domain.catalogue import MODALITIES, FunctionalStatus
from imcap.indicators import derived
from imcap.indicators.catalogue import BY_ID, CATALOGUE
from imcap.store.db import Database
from imcap.store.schema import (
    Area,
    CountryFigure,
    ExamVolume,
    Facility,
    ImagingUnit,
    Population,
    Workforce,
)

COLUMNS = [
    "indicator", "country_iso3", "area_id", "year", "item", "value", "numerator", "denominator",
    "unit", "source", "source_date", "method", "synthetic",
]
INVENTORY = "computed from facility inventory"
_FUNCTIONAL = [s.value for s in FunctionalStatus if s.counts_as_functional]
_OUT = FunctionalStatus.DECOMMISSIONED.value
_LIFETIME = {m.code: m.lifetime_years for m in MODALITIES}
_THROUGHPUT = {m.code: m.throughput for m in MODALITIES}
_NATIONAL = ""  # area key of national rows inside the engine (None in the output)


def compute(db_or_session: Database | Session, *, country: str | None = None,
            year: int | None = None, area_level: bool = True) -> pd.DataFrame:
    """All indicators of the catalogue as one long table (columns :data:`COLUMNS`).

    ``country``: ISO3 to restrict to one country; ``year``: one year; ``area_level=False``
    leaves out subnational rows. ``area_id`` is None for national rows, ``synthetic`` is True
    where any contributing record is synthetic.
    """
    if isinstance(db_or_session, Database):
        with db_or_session.engine.connect() as conn:
            data = _load(conn, country)
    else:
        data = _load(db_or_session.connection(), country)
    return compute_frames(data, year=year, area_level=area_level)


def _read(conn: Any, stmt: Any) -> pd.DataFrame:
    """Rows as a DataFrame. Built column by column from object arrays, then typed: ten times
    faster than ``pd.DataFrame(rows)`` on the 15,000 population rows."""
    res = conn.execute(stmt)
    keys = list(res.keys())
    rows = res.fetchall()
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(keys)
    return pd.DataFrame({k: np.array(v, dtype=object) for k, v in zip(keys, cols, strict=True)}
                        ).infer_objects()


def _load(conn: Any, country: str | None) -> dict[str, pd.DataFrame]:
    iso = country.upper() if country else None

    def where(stmt: Any, col: Any) -> Any:
        return stmt.where(col == iso) if iso else stmt

    f, u = Facility, ImagingUnit
    units = _read(conn, where(
        select(f.country_iso3, f.area_id, f.level, u.modality, u.status, u.status_date,
               u.source_date, u.year_installed, u.synthetic, u.source)
        .join(f, u.facility_id == f.id), f.country_iso3))
    facilities = _read(conn, where(
        select(f.country_iso3, f.area_id, f.level, func.count(f.id).label("n"))
        .group_by(f.country_iso3, f.area_id, f.level), f.country_iso3))
    c = CountryFigure
    figures = _read(conn, where(
        select(c.country_iso3, c.area_id, c.year, c.item_kind, c.item, c.measure, c.value,
               c.flag, c.sector, c.source, c.source_date, c.method), c.country_iso3))
    w = Workforce
    workforce = _read(conn, where(
        select(w.country_iso3, w.area_id, w.facility_id, f.area_id.label("facility_area"),
               w.cadre.label("item"), w.year, w.count.label("amount"), w.synthetic, w.source,
               w.source_date)
        .outerjoin(f, w.facility_id == f.id), w.country_iso3))
    e = ExamVolume
    uf = select(u.id.label("uid"), f.area_id.label("unit_area")).join(
        f, u.facility_id == f.id).subquery()
    exams = _read(conn, where(
        select(e.country_iso3, e.area_id, e.facility_id, e.unit_id,
               func.coalesce(uf.c.unit_area, f.area_id).label("facility_area"),
               e.modality.label("item"), e.year, e.exams.label("amount"), e.synthetic, e.source,
               e.source_date)
        .outerjoin(f, e.facility_id == f.id).outerjoin(uf, e.unit_id == uf.c.uid),
        e.country_iso3))
    p = Population
    # only the countries that have something to divide (a third of the 15,000 rows)
    used = select(c.country_iso3).union(
        select(f.country_iso3), select(w.country_iso3), select(e.country_iso3)).subquery()
    population = _read(conn, where(
        select(p.id, p.country_iso3, p.area_id, p.year, p.value, p.source)
        .where(p.country_iso3.in_(select(used.c[0]))), p.country_iso3))
    a = Area
    areas = _read(conn, where(select(a.id, a.country_iso3, a.level), a.country_iso3))
    return {"units": units, "facilities": facilities, "figures": figures,
            "workforce": workforce, "exams": exams, "population": population, "areas": areas}


# ---------------------------------------------------------------- helpers


def _year_of(*cols: pd.Series) -> pd.Series:
    out = pd.Series(np.nan, index=cols[0].index, dtype="float64")
    for col in cols:
        out = out.fillna(pd.to_datetime(col, errors="coerce").dt.year.astype("float64"))
    return out.fillna(dt.date.today().year).astype(int)


class _PopulationIndex:
    """Population lookup on sorted numpy keys (place code x 10,000 + year): same year, else
    the nearest earlier, else the nearest later."""

    def __init__(self, pop: _PopulationIndex) -> None:
        place = pop["country_iso3"].astype(str) + "|" + pop["area"].astype(str)
        self.places = pd.Index(pd.unique(place))
        code = self.places.get_indexer(place).astype(np.int64)
        key = code * 10_000 + pop["year"].to_numpy(dtype=np.int64)
        order = np.argsort(key, kind="stable")
        self.key = key[order]
        self.code = code[order]
        self.year = pop["year"].to_numpy(dtype=np.int64)[order]
        self.value = pop["value"].to_numpy(dtype=float)[order]
        self.source = pop["source"].to_numpy(dtype=object)[order]

    def lookup(self, df: pd.DataFrame) -> pd.DataFrame:
        if df.empty or len(self.key) == 0:
            return df.assign(population=np.nan, pop_year=np.nan, pop_source=None)
        place = df["country_iso3"].astype(str) + "|" + df["area"].astype(str)
        code = self.places.get_indexer(place).astype(np.int64)
        key = code * 10_000 + df["year"].to_numpy(dtype=np.int64)
        i = np.searchsorted(self.key, key, side="right") - 1
        ic = np.clip(i, 0, len(self.key) - 1)
        back = (i >= 0) & (self.code[ic] == code)
        j = np.clip(i + 1, 0, len(self.key) - 1)
        fwd = ~back & (self.code[j] == code)
        idx = np.where(back, ic, j)
        ok = (back | fwd) & (code >= 0)
        return df.assign(
            population=np.where(ok, self.value[idx], np.nan),
            pop_year=np.where(ok, self.year[idx], np.nan),
            pop_source=np.where(ok, self.source[idx], None),
        )


def _with_population(df: pd.DataFrame, pop: _PopulationIndex) -> pd.DataFrame:
    """Add ``population``, ``pop_year`` and ``pop_source`` for (country, area, year)."""
    return pop.lookup(df)


def _pop_note(df: pd.DataFrame) -> pd.Series:
    other = df["pop_year"].notna() & (df["pop_year"] != df["year"])
    note = "; population: " + df["pop_source"].fillna("").astype(str)
    yr = df["pop_year"].fillna(0).astype(int).astype(str)
    return note + np.where(other, " (year " + yr + ")", "")


def _join_unique(s: pd.Series) -> str:
    return "; ".join(sorted({str(v) for v in s if v is not None and v == v}))


def _frame(indicator: str, df: pd.DataFrame, value: Any, numerator: Any, denominator: Any,
           method: Any) -> pd.DataFrame:
    ind = BY_ID[indicator]
    out = pd.DataFrame({
        "indicator": indicator,
        "country_iso3": df["country_iso3"].to_numpy(),
        "area_id": df["area"].to_numpy(),
        "year": df["year"].astype(int).to_numpy(),
        "item": df["item"].to_numpy(),
        "value": np.asarray(value, dtype=float),
        "numerator": np.asarray(numerator, dtype=float),
        "denominator": np.asarray(denominator, dtype=float),
        "unit": ind.unit,
        "source": df["source"].to_numpy(),
        "source_date": df["source_date"].to_numpy(),
        "method": np.asarray(method, dtype=object),
        "synthetic": df["synthetic"].astype(bool).to_numpy(),
    })
    return out


def _by_area(df: pd.DataFrame, area_col: str, area_level: bool) -> pd.DataFrame:
    """Each row once nationally (area '') and once for its area (where it has one)."""
    nat = df.assign(area=_NATIONAL)
    if not area_level:
        return nat
    sub = df[df[area_col].notna()].assign(area=lambda d: d[area_col])
    return pd.concat([nat, sub], ignore_index=True)


# ---------------------------------------------------------------- indicator groups


def _inventory(data: dict[str, pd.DataFrame], pop: _PopulationIndex,
               area_level: bool) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    units = data["units"]
    if units.empty:
        return [], pd.DataFrame()
    u = units.assign(
        year=_year_of(units["status_date"], units["source_date"]),
        obs_date=pd.to_datetime(units["status_date"].fillna(units["source_date"]),
                                errors="coerce"),
        item=units["modality"],
        inv=(units["status"] != _OUT).astype(int),
        fun=units["status"].isin(_FUNCTIONAL).astype(int),
    )
    age = u["year"] - u["year_installed"]
    life = u["modality"].map(_LIFETIME)
    u["known"] = (u["inv"].astype(bool) & u["year_installed"].notna()).astype(int)
    u["old"] = (u["known"].astype(bool) & (age > life)).astype(int)
    u = _by_area(u, "area_id", area_level)
    keys = ["country_iso3", "area", "year", "item"]
    g = u.groupby(keys, sort=False).agg(
        inv=("inv", "sum"), fun=("fun", "sum"), known=("known", "sum"), old=("old", "sum"),
        synthetic=("synthetic", "any"), source=("source", _join_unique),
        source_date=("obs_date", "max")).reset_index()
    g["source_date"] = g["source_date"].dt.date
    g = _with_population(g, pop)
    has_pop = g["population"].notna()
    gp = g[has_pop]
    note = _pop_note(gp)
    frames = [
        _frame("units_per_million", gp, gp["inv"] / gp["population"] * 1e6, gp["inv"],
               gp["population"], INVENTORY + ": units in inventory / population x 1e6" + note),
        _frame("functional_units_per_million", gp, gp["fun"] / gp["population"] * 1e6,
               gp["fun"], gp["population"],
               INVENTORY + ": functional units / population x 1e6" + note),
    ]
    gi = g[g["inv"] > 0]
    frames.append(_frame("functional_share", gi, gi["fun"] / gi["inv"] * 100, gi["fun"],
                         gi["inv"], INVENTORY + ": functional units / units in inventory x 100"))
    gk = g[g["known"] > 0]
    frames.append(_frame("share_over_lifetime", gk, gk["old"] / gk["known"] * 100, gk["old"],
                         gk["known"], INVENTORY + ": units older than the modality lifetime "
                         "(age = year - year installed) / units with a known installation year "
                         "x 100"))
    # units per facility, by level of care: every facility of the country counts, with or
    # without units, for each inventory year of the country
    fac = data["facilities"]
    fac = _by_area(fac, "area_id", area_level).groupby(
        ["country_iso3", "area", "level"], sort=False)["n"].sum().reset_index()
    years = u.groupby(["country_iso3"], sort=False).agg(
        year=("year", "unique"), synthetic=("synthetic", "any"),
        source=("source", _join_unique), source_date=("obs_date", "max")).reset_index()
    years = years.explode("year")
    lv = fac.merge(years, on="country_iso3")
    cnt = u[u["inv"] == 1].groupby(["country_iso3", "area", "year", "level"], sort=False).size()
    lv = lv.merge(cnt.rename("units").reset_index(), how="left",
                  on=["country_iso3", "area", "year", "level"])
    lv["units"] = lv["units"].fillna(0)
    lv["item"] = lv["level"]
    lv["source_date"] = pd.to_datetime(lv["source_date"]).dt.date
    frames.append(_frame("units_per_facility_by_level", lv, lv["units"] / lv["n"], lv["units"],
                         lv["n"], INVENTORY + ": units in inventory at facilities of the level "
                         "/ facilities of the level"))
    return frames, g


def _figures(data: dict[str, pd.DataFrame], pop: _PopulationIndex,
             area_level: bool) -> list[pd.DataFrame]:
    fig = data["figures"]
    if fig.empty:
        return []
    fig = fig.assign(area=fig["area_id"].fillna(_NATIONAL))
    if not area_level:
        fig = fig[fig["area"] == _NATIONAL]
    # one figure per place, year, item, source and sector: the per-million one if both exist
    fig = fig.assign(_rank=(fig["measure"] != "per_million").astype(int))
    fig = fig.sort_values("_rank").drop_duplicates(
        ["country_iso3", "area", "year", "item_kind", "item", "source", "sector"])
    fig = _with_population(fig, pop)
    dens = fig["measure"] == "per_million"
    value = np.where(dens, fig["value"], fig["value"] / fig["population"] * 1e6)
    numerator = np.where(dens, fig["value"] * fig["population"] / 1e6, fig["value"])
    sector = fig["sector"].fillna("total")
    sector_note = np.where(sector != "total", " (" + sector + " sector only)", "")
    flag_note = np.where(fig["flag"].notna(), "; flag " + fig["flag"].fillna(""), "")
    base = np.where(dens, "reported per million by the source",
                    "reported count / population x 1e6")
    method = (pd.Series(base, index=fig.index) + sector_note + flag_note
              + np.where(dens, "; numerator = value x population / 1e6", "")
              + _pop_note(fig).where(fig["population"].notna(), ""))
    fig = fig.assign(value_=value, numerator_=numerator, method_=method, synthetic=False)
    fig = fig[fig["value_"].notna()]
    out = []
    for kind, ind in (("modality", "units_per_million"), ("cadre", "staff_per_million")):
        part = fig[fig["item_kind"] == kind]
        if not part.empty:
            out.append(_frame(ind, part, part["value_"], part["numerator_"], part["population"],
                              part["method_"]))
    return out


_DETAIL_NAMES = {3: "unit", 2: "facility", 1: "area", 0: "national"}


def _summed(df: pd.DataFrame, pop: _PopulationIndex, area_level: bool) -> pd.DataFrame:
    """Workforce or exam rows summed at the most detailed level each source gives."""
    if df.empty:
        return df
    unit = df["unit_id"].notna() if "unit_id" in df else pd.Series(False, index=df.index)
    detail = np.select([unit, df["facility_id"].notna(), df["area_id"].notna()], [3, 2, 1], 0)
    df = df.assign(detail=detail, place_area=df["facility_area"].fillna(df["area_id"]))
    grp = ["country_iso3", "year", "item", "source"]
    df = df[df["detail"] == df.groupby(grp)["detail"].transform("max")]
    df = _by_area(df, "place_area", area_level)
    df = df[(df["area"] == _NATIONAL) | (df["detail"] > 0)]
    g = df.groupby(["country_iso3", "area", "year", "item", "source"], sort=False).agg(
        amount=("amount", "sum"), synthetic=("synthetic", "any"),
        source_date=("source_date", "max"), detail=("detail", "max")).reset_index()
    g = _with_population(g, pop)
    return g[g["population"].notna()]


def _workforce_exams(data: dict[str, pd.DataFrame], pop: _PopulationIndex, area_level: bool,
                     inventory: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    w = _summed(data["workforce"], pop, area_level)
    if not w.empty:
        lvl = w["detail"].map(_DETAIL_NAMES)
        out.append(_frame("staff_per_million", w, w["amount"] / w["population"] * 1e6,
                          w["amount"], w["population"],
                          "computed: " + lvl + " staff counts summed / population x 1e6"
                          + _pop_note(w)))
    e = _summed(data["exams"], pop, area_level)
    if not e.empty:
        lvl = e["detail"].map(_DETAIL_NAMES)
        out.append(_frame("exams_per_1000", e, e["amount"] / e["population"] * 1e3,
                          e["amount"], e["population"],
                          "computed: " + lvl + " exam counts summed / population x 1e3"
                          + _pop_note(e)))
        if not inventory.empty:
            j = e.merge(inventory[["country_iso3", "area", "year", "item", "fun",
                                   "synthetic"]].rename(columns={"synthetic": "syn_u"}),
                        on=["country_iso3", "area", "year", "item"])
            j = j[j["fun"] > 0]
            cap = j["fun"] * j["item"].map(_THROUGHPUT)
            j = j.assign(synthetic=j["synthetic"] | j["syn_u"])
            out.append(_frame("utilisation", j, j["amount"] / cap * 100, j["amount"], cap,
                              "computed: exams / (functional units in inventory x typical "
                              "throughput per unit per year) x 100"))
    return out


def compute_frames(data: dict[str, pd.DataFrame], *, year: int | None = None,
                   area_level: bool = True) -> pd.DataFrame:
    """The engine on already loaded tables (what :func:`compute` reads from the database)."""
    pop = data["population"]
    pop = pop.assign(area=pop["area_id"].fillna(_NATIONAL), year=pop["year"].astype("int64"),
                     value=pop["value"].astype(float), id=pop["id"].astype("int64"))
    # one population per place and year: the most recently stored one
    pop = _PopulationIndex(
        pop.sort_values("id").drop_duplicates(["country_iso3", "area", "year"], keep="last"))
    frames, inventory = _inventory(data, pop, area_level)
    frames += _figures(data, pop, area_level)
    frames += _workforce_exams(data, pop, area_level, inventory)
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    df = pd.concat(frames, ignore_index=True)
    extra = [derived.equity(df, data.get("areas", pd.DataFrame()), data["units"], pop.lookup),
             derived.trends(df)]
    extra = [e for e in extra if not e.empty]
    if extra:
        df = pd.concat([df, *extra], ignore_index=True)
    if year is not None:
        df = df[df["year"] == int(year)]
    df["area_id"] = df["area_id"].replace({_NATIONAL: None})
    order = {ind.id: n for n, ind in enumerate(CATALOGUE)}
    df = df.assign(_o=df["indicator"].map(order), _a=df["area_id"].notna())
    df = df.sort_values(["_o", "country_iso3", "_a", "area_id", "year", "item", "source"],
                        na_position="first", kind="stable")
    return df.drop(columns=["_o", "_a"]).reset_index(drop=True)[COLUMNS]


def units_by_facility(db_or_session: Database | Session, iso3: str) -> pd.DataFrame:
    """Facilities of a country with their inventory units per modality (lower-case columns:
    ct, mri, ...), plus name, level, area_id, lat, lon and synthetic (any unit synthetic)."""
    f, u = Facility, ImagingUnit
    stmt = (select(f.id, f.name, f.level, f.area_id, f.lat, f.lon, u.modality, u.synthetic)
            .join(u, u.facility_id == f.id)
            .where(f.country_iso3 == iso3.upper(), u.status != _OUT))
    if isinstance(db_or_session, Database):
        with db_or_session.engine.connect() as conn:
            rows = _read(conn, stmt)
    else:
        rows = _read(db_or_session.connection(), stmt)
    cols = [m.code.lower() for m in MODALITIES]
    if rows.empty:
        return pd.DataFrame(columns=["id", "name", "level", "area_id", "lat", "lon", "synthetic",
                                     *cols])
    wide = pd.crosstab(rows["id"], rows["modality"].str.lower())
    wide = wide.reindex(columns=cols, fill_value=0).reset_index()
    info = rows.groupby("id", sort=False).agg(
        name=("name", "first"), level=("level", "first"), area_id=("area_id", "first"),
        lat=("lat", "first"), lon=("lon", "first"), synthetic=("synthetic", "any")).reset_index()
    return info.merge(wide, on="id")
