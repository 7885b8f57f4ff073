"""Benchmarks: where a country stands against its income group, its WHO region, chosen peers
and targets.

Input is the long table of :func:`imcap.indicators.compute` (only national rows are used).

Rules (also in docs/indicators.md):

- **One value per country, indicator, item and year.** When several sources give one, the
  preferred is: real data before synthetic, a source's reported figure (method ``reported...``)
  before a density computed from a facility inventory, then the latest ``source_date``. Source
  tables (WHO GHO, OECD) are what other countries are measured with, so they come first.
- **Periods.** ``benchmark_table`` gives statistics for every year, and a ``latest`` period in
  which each country counts once with its latest year (years differ between countries: WHO
  surveys of 2010, 2013 and 2021, OECD annual data); ``year_from``/``year_to`` say which years
  went in. ``position`` and ``gap_to_target`` use the ``latest`` period unless a year is given.
- **Synthetic data never make a benchmark.** Group statistics (``benchmark_table``, the
  income/region/peer columns of ``position``, targets of ``gap_to_target``) use real values
  only; a country's own synthetic value is still placed against them, labelled synthetic.
- **Statistics.** Quartiles are pandas' linear-interpolation quantiles (q1 = 25 %, median, q3 =
  75 %) over the countries of the group; ``n`` is their number.
- **Groups.** World Bank income group (LIC, LMC, UMC, HIC; FY23 classification) and WHO region
  (AFR, AMR, SEAR, EUR, EMR, WPR) from the bundled reference data, unless a ``countries`` table
  (columns iso3, income_group, who_region) is given.
- **Targets** (``gap_to_target``): ``income_median`` (median of the country's own income group),
  ``next_income_median`` (of the next group up: LIC->LMC->UMC->HIC; HIC stays HIC),
  ``hic_mean`` (mean of high-income countries), or a number in the indicator's unit.
  gap = max(0, target - value) in the indicator's unit; for densities the gap in units (or
  staff, exams) = gap x population / scale (scale 1e6 per million, 1e3 per 1,000), with the
  population the country's value was computed with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from imcap.data import path
from imcap.errors import NotFoundError, ParameterError
from imcap.indicators.catalogue import BY_ID

INCOME_ORDER = ("LIC", "LMC", "UMC", "HIC")
TARGETS = ("next_income_median", "income_median", "hic_mean")
GROUP_TYPES = ("income_group", "who_region", "all")


@lru_cache(maxsize=1)
def _bundled_countries() -> pd.DataFrame:
    c = pd.read_csv(path("reference/countries.csv"), keep_default_na=False, dtype=str)
    return c[["iso3", "name", "income_group", "who_region"]].replace({"": None})


def country_groups(countries: pd.DataFrame | None = None) -> pd.DataFrame:
    """iso3 -> name, income_group, who_region (bundled reference data by default)."""
    return _bundled_countries() if countries is None else countries


def national_values(df: pd.DataFrame, countries: pd.DataFrame | None = None) -> pd.DataFrame:
    """One national value per country, indicator, item and year (preference rule above), with
    the country's income group and WHO region."""
    nat = df[df["area_id"].isna() & df["value"].notna()]
    rank = nat.assign(
        _syn=nat["synthetic"].astype(bool).astype(int),
        _rep=(~nat["method"].astype(str).str.startswith("reported")).astype(int),
        _date=pd.to_datetime(nat["source_date"], errors="coerce"),
    ).sort_values(["_syn", "_rep", "_date", "source"], ascending=[True, True, False, True],
                  na_position="last", kind="stable")
    one = rank.drop_duplicates(["indicator", "item", "country_iso3", "year"])
    groups = country_groups(countries)[["iso3", "income_group", "who_region"]]
    one = one.merge(groups, how="left", left_on="country_iso3", right_on="iso3")
    return one.drop(columns=["_syn", "_rep", "_date", "iso3"]).reset_index(drop=True)


def latest_values(values: pd.DataFrame) -> pd.DataFrame:
    """Each country's latest year per indicator and item."""
    v = values.sort_values("year", kind="stable")
    return v.drop_duplicates(["indicator", "item", "country_iso3"], keep="last")


def _stats(v: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = v.groupby(keys, sort=True, dropna=True)["value"]
    out = pd.DataFrame({
        "n": g.size(), "q1": g.quantile(0.25), "median": g.median(), "q3": g.quantile(0.75),
        "mean": g.mean(), "min": g.min(), "max": g.max(),
    })
    yrs = v.groupby(keys, sort=True, dropna=True)["year"]
    out["year_from"] = yrs.min()
    out["year_to"] = yrs.max()
    return out.reset_index()


def benchmark_table(df: pd.DataFrame, countries: pd.DataFrame | None = None) -> pd.DataFrame:
    """Median, quartiles, mean and n of every indicator, item and period (each year, and
    ``latest``) by income group, by WHO region and over all countries.

    Columns: indicator, item, period ('2021' ... or 'latest'), year (None for latest),
    group_type (income_group | who_region | all), group, n, q1, median, q3, mean, min, max,
    year_from, year_to.
    """
    values = _real(national_values(df, countries))
    parts = []
    for period_values, by_year in ((values, True), (latest_values(values), False)):
        pv = period_values.assign(all="all", period=(
            period_values["year"].astype(str) if by_year else "latest"))
        for gt in GROUP_TYPES:
            s = _stats(pv.assign(group=pv[gt]), ["indicator", "item", "period", "group"])
            parts.append(s.assign(group_type=gt))
    out = pd.concat(parts, ignore_index=True)
    out["year"] = [None if p == "latest" else int(p) for p in out["period"]]
    cols = ["indicator", "item", "period", "year", "group_type", "group", "n", "q1", "median",
            "q3", "mean", "min", "max", "year_from", "year_to"]
    return out[cols].sort_values(["indicator", "item", "period", "group_type", "group"],
                                 kind="stable").reset_index(drop=True)


def _quartile_label(value: float, q1: float, med: float, q3: float) -> str:
    if any(map(_nan, (value, q1, med, q3))):
        return ""
    if value < q1:
        return "below Q1"
    if value < med:
        return "Q1 to median"
    if value <= q3:
        return "median to Q3"
    return "above Q3"


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _real(values: pd.DataFrame) -> pd.DataFrame:
    return values[~values["synthetic"].astype(bool)]


def _pool(values: pd.DataFrame, year: int | None) -> pd.DataFrame:
    return latest_values(values) if year is None else values[values["year"] == int(year)]


def position(df: pd.DataFrame, iso3: str, *, indicator: str | None = None,
             item: str | None = None, peers: list[str] | tuple[str, ...] = (),
             year: int | None = None, countries: pd.DataFrame | None = None) -> pd.DataFrame:
    """A country's value against the quartiles of its income group, its WHO region and its
    peers (ISO3 list), one row per indicator and item it has a value for.

    Columns: indicator, item, unit, year, value, source, synthetic, then for each of
    income/region/peers: group, n, q1, median, q3, quartile (below Q1 | Q1 to median |
    median to Q3 | above Q3); peer_values ('TZA 0.17; UGA 0.2').
    """
    iso3 = iso3.upper()
    pool = _pool(national_values(df, countries), year)
    if indicator:
        pool = pool[pool["indicator"] == indicator]
    if item:
        pool = pool[pool["item"] == item]
    mine = pool[pool["country_iso3"] == iso3]
    if mine.empty:
        raise NotFoundError("no national indicator value for this country",
                            expected="a country with data (see `imcap indicators`)",
                            got=iso3, where=f"indicator={indicator or 'any'}, item={item or 'any'}")
    peers = [p.upper() for p in peers]
    rows = []
    for rec in mine.to_dict("records"):
        same = _real(pool[(pool["indicator"] == rec["indicator"]) & (pool["item"] == rec["item"])])
        row = {k: rec[k] for k in ("indicator", "item", "unit", "year", "value", "source",
                                   "synthetic")}
        for prefix, members in (
            ("income", same[same["income_group"] == rec["income_group"]]),
            ("region", same[same["who_region"] == rec["who_region"]]),
            ("peers", same[same["country_iso3"].isin(peers)]),
        ):
            vals = members["value"].to_numpy(dtype=float)
            q = np.quantile(vals, [0.25, 0.5, 0.75]) if len(vals) else [np.nan] * 3
            row[f"{prefix}_group"] = {"income": rec["income_group"],
                                      "region": rec["who_region"]}.get(prefix, ",".join(peers))
            row[f"{prefix}_n"] = len(vals)
            row[f"{prefix}_q1"], row[f"{prefix}_median"], row[f"{prefix}_q3"] = map(float, q)
            row[f"{prefix}_quartile"] = _quartile_label(rec["value"], *map(float, q))
        pv = same[same["country_iso3"].isin(peers)]
        row["peer_values"] = "; ".join(f"{c} {v:.3g}" for c, v in
                                       zip(pv["country_iso3"], pv["value"], strict=True))
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Gap:
    """Gap between a country's value and a target. ``gap`` is in the indicator's unit;
    ``gap_count`` in units/staff/exams (None when the indicator is not a density or the
    population is unknown)."""

    iso3: str
    indicator: str
    item: str
    year: int
    value: float
    target: float
    target_basis: str
    gap: float
    population: float | None
    gap_count: float | None
    unit: str

    @property
    def gap_count_whole(self) -> int | None:
        """Whole units needed (rounded up)."""
        return None if self.gap_count is None else math.ceil(self.gap_count - 1e-9)


def gap_to_target(df: pd.DataFrame, iso3: str, indicator: str, item: str,
                  target: str | float = "next_income_median", year: int | None = None,
                  countries: pd.DataFrame | None = None) -> Gap:
    """Gap from the country's value (latest year, or ``year``) to ``target`` (see module doc)."""
    iso3 = iso3.upper()
    if indicator not in BY_ID:
        raise ParameterError("unknown indicator", expected=", ".join(BY_ID), got=indicator,
                             where="indicator")
    ind = BY_ID[indicator]
    pool = _pool(national_values(df, countries), year)
    pool = pool[(pool["indicator"] == indicator) & (pool["item"] == item)]
    mine = pool[pool["country_iso3"] == iso3]
    if mine.empty:
        raise NotFoundError("no national value to measure a gap from",
                            expected=f"a {indicator} value for {item}", got=iso3,
                            where=f"year={year or 'latest'}")
    rec = mine.iloc[0]
    if isinstance(target, int | float) and not isinstance(target, bool):
        tval, basis = float(target), f"fixed target {float(target):g} {ind.unit}"
    elif target in ("income_median", "next_income_median"):
        group = rec["income_group"]
        if group not in INCOME_ORDER:
            raise NotFoundError("the country has no income group", expected="LIC, LMC, UMC or "
                                "HIC", got=group, where=iso3)
        if target == "next_income_median":
            group = INCOME_ORDER[min(INCOME_ORDER.index(group) + 1, len(INCOME_ORDER) - 1)]
        real = _real(pool)
        vals = real.loc[real["income_group"] == group, "value"]
        if vals.empty:
            raise NotFoundError("no country of the target income group has a real value",
                                expected=f"values for {group}", got="none", where=target)
        tval = float(vals.median())
        basis = f"median of {group} countries (n={len(vals)}, {'latest' if year is None else year})"
    elif target == "hic_mean":
        real = _real(pool)
        vals = real.loc[real["income_group"] == "HIC", "value"]
        if vals.empty:
            raise NotFoundError("no high-income country has a real value", expected="HIC values",
                                got="none", where=target)
        tval = float(vals.mean())
        basis = f"mean of HIC countries (n={len(vals)}, {'latest' if year is None else year})"
    else:
        raise ParameterError("unknown target", expected=" | ".join(TARGETS) + " or a number",
                             got=target, where="target")
    gap = max(0.0, tval - float(rec["value"]))
    pop = rec["denominator"] if ind.per else None
    pop = None if _nan(pop) else float(pop)
    count = gap * pop / ind.per if (pop is not None and ind.per) else None
    return Gap(iso3, indicator, item, int(rec["year"]), float(rec["value"]), tval, basis, gap,
               pop, count, ind.unit)
