"""What a plan needs to know about a country, read from the store and bundled data.

- income group and name: ``country`` table (World Bank FY23 classification);
- population by year: ``population`` table (World Bank WDI); years after the last observed
  one are projected at the mean annual growth rate of the last five observed years
  (geometric), and the method says so;
- GDP per capita (current US$): bundled ``data/planning/gdp_per_capita.csv``
  (:data:`GDP_SOURCE`), latest year at or before the base year.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select

from imcap.data import path as data_path
from imcap.errors import NotFoundError
from imcap.store.db import Database
from imcap.store.schema import Area, Country, Population

GDP_SOURCE = ("World Bank WDI NY.GDP.MKTP.CD / SP.POP.TOTL (GDP per capita, current US$; "
              "datasets/gdp and datasets/population)")


@lru_cache(maxsize=1)
def _gdp_table() -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    with open(data_path("planning/gdp_per_capita.csv"), encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["iso3"], {})[int(r["year"])] = float(r["gdp_per_capita_usd"])
    return out


def gdp_per_capita(iso3: str, year: int) -> tuple[float, int]:
    """(GDP per capita in current US$, its year): the latest year at or before ``year``."""
    series = _gdp_table().get(iso3.upper(), {})
    years = [y for y in series if y <= year] or list(series)
    if not years:
        raise NotFoundError("no GDP per capita for the country", expected="a World Bank value",
                            got=iso3, where="GDP per capita (give gdp_per_capita in the scenario)")
    y = max(years)
    return series[y], y


def project(series: dict[int, float], until: int, window: int = 5) -> tuple[dict[int, float],
                                                                            str]:
    """Observed values plus a geometric projection to ``until`` from the last ``window``
    years' mean growth. Returns (values by year, method)."""
    if not series:
        return {}, "no population"
    years = sorted(series)
    last = years[-1]
    out = dict(series)
    if until <= last:
        return out, "reported"
    first = max(y for y in years if y <= last - window) if years[0] <= last - window else years[0]
    span = last - first
    growth = (series[last] / series[first]) ** (1 / span) - 1 if span > 0 else 0.0
    for y in range(last + 1, until + 1):
        out[y] = series[last] * (1 + growth) ** (y - last)
    return out, (f"reported to {last}; projected to {until} at {growth:.2%} a year "
                 f"(geometric mean growth {first}-{last})")


@dataclass(frozen=True)
class CountryContext:
    iso3: str
    name: str
    income_group: str
    population: dict[int, float]
    population_method: str
    gdp_per_capita: float  # NaN when unknown
    gdp_year: int  # 0 when unknown
    area_population: dict[str, dict[int, float]] = field(default_factory=dict)
    area_names: dict[str, str] = field(default_factory=dict)

    def population_at(self, year: int) -> float:
        known = [y for y in self.population if y <= year]
        if not known:
            raise NotFoundError("no population for the year", expected=f"a value <= {year}",
                                got=sorted(self.population)[:3], where=self.iso3)
        return self.population[max(known)]


def country_context(db: Database, iso3: str, base_year: int, until: int) -> CountryContext:
    """Country facts for a plan from ``base_year`` to ``until`` (population projected)."""
    iso3 = iso3.upper()
    with db.session() as s:
        c = s.get(Country, iso3)
        if c is None:
            raise NotFoundError("unknown country", expected="an ISO3 code in the registry "
                                "(run `imcap init`)", got=iso3)
        if c.income_group not in ("LIC", "LMC", "UMC", "HIC"):
            raise NotFoundError("the country has no income group", expected="LIC/LMC/UMC/HIC",
                                got=c.income_group, where=iso3)
        pops = s.execute(select(Population.area_id, Population.year, Population.value)
                         .where(Population.country_iso3 == iso3)).all()
        areas = dict(s.execute(select(Area.id, Area.name)
                               .where(Area.country_iso3 == iso3)).all())
        name, group = c.name, c.income_group
    national = {y: v for a, y, v in pops if a is None}
    population, method = project(national, until)
    by_area: dict[str, dict[int, float]] = {}
    for a, y, v in pops:
        if a is not None:
            by_area.setdefault(a, {})[y] = v
    try:
        gdp, gdp_year = gdp_per_capita(iso3, base_year)
    except NotFoundError:  # needs do not use it; a case asks for gdp_per_capita then
        gdp, gdp_year = float("nan"), 0
    return CountryContext(iso3, name, group, population, method, gdp, gdp_year,
                          {a: project(v, until)[0] for a, v in by_area.items()}, areas)
