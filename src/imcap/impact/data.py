"""Inputs of the impact model: the bundled data (``imcap/data/impact``, built by
``tools/build_impact_data.py``) turned into plain arrays, and current imaging densities from the
registry (``country_figure``) with the bundled densities as fall-back.

Array axes: C countries (GLOBOCAN 2022's 185, sorted by ISO3), K cancers (``params.CANCERS``),
M modalities (``params.MODALITIES``), T diagnosis years 2020-2030.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from imcap.errors import NotFoundError
from imcap.impact.params import (
    CANCERS,
    DEATH_LAG,
    DISCOUNT_RATE,
    MIR_BOUNDS,
    MODALITIES,
    SEER_AGE,
    SEX,
    WORKING_AGES,
    YEARS,
)

INCOME_GROUPS = ("LIC", "LMC", "UMC", "HIC")


@dataclass(frozen=True)
class ImpactInputs:
    """Everything the numerical core needs, as arrays (read-only by convention).

    iso3, name, income_group, who_region, wb_region: (C,) str
    gdp_pc:    (C,) GDP per capita, 2018 US$ (World Bank; income-group median where missing)
    pop:       (C, T) population, persons (UN WPP)
    cases:     (C, K, T) projected new cases = GLOBOCAN 2022 cases x age-weighted growth
    mir:       (C, K) GLOBOCAN 2022 deaths / cases, bounded to MIR_BOUNDS (lifetime death
               fraction of a patient, the no-scale-up baseline)
    density:   (C, M) current units per million
    density_source: (C, M) str: registry | oecd | who_gho | imputed
    le:        (C, K) remaining life expectancy at the age of an averted death (years)
    le_disc:   (C, K) same, discounted at 3% to the year of the averted death
    work_disc: (C, K) discounted person-years at working ages [15, 65) after that age
    age:       (C, K) age at the averted death (diagnosis age + DEATH_LAG)
    """

    iso3: np.ndarray
    name: np.ndarray
    income_group: np.ndarray
    who_region: np.ndarray
    wb_region: np.ndarray
    gdp_pc: np.ndarray
    pop: np.ndarray
    cases: np.ndarray
    mir: np.ndarray
    density: np.ndarray
    density_source: np.ndarray
    le: np.ndarray
    le_disc: np.ndarray
    work_disc: np.ndarray
    age: np.ndarray

    def index(self, iso3: str) -> int:
        hit = np.flatnonzero(self.iso3 == iso3.upper())
        if not len(hit):
            raise NotFoundError("country not in the impact model's data (GLOBOCAN 2022)",
                                expected="an ISO3 code of one of the 185 GLOBOCAN countries",
                                got=iso3, where="country")
        return int(hit[0])

    def subset(self, idx: np.ndarray) -> ImpactInputs:
        """The same inputs restricted to countries ``idx`` (indices or boolean mask)."""
        return ImpactInputs(**{k: getattr(self, k)[idx] for k in self.__dataclass_fields__})

    def with_densities(self, densities: Mapping[str, Mapping[str, float]],
                       source: str = "registry") -> ImpactInputs:
        """Override current densities: ``{iso3: {modality: units per million}}``. Countries or
        modalities not given keep the bundled value."""
        d = self.density.copy()
        s = self.density_source.astype("U16")
        pos = {c: i for i, c in enumerate(self.iso3)}
        for iso, mods in densities.items():
            i = pos.get(iso.upper())
            if i is None:
                continue
            for m, v in mods.items():
                if m in MODALITIES and v is not None and np.isfinite(v) and v >= 0:
                    j = MODALITIES.index(m)
                    d[i, j] = float(v)
                    s[i, j] = source
        return replace(self, density=d, density_source=s)


def _read(name: str) -> pd.DataFrame:
    f = resources.files("imcap.data") / "impact" / name
    return pd.read_csv(io.StringIO(f.read_text()), keep_default_na=False,
                       na_values=[""])


def _yearly_lifetable(lt: pd.DataFrame) -> np.ndarray:
    """Survivors l(y) at single ages y = 0..130 from an abridged table (x, n, lx, Lx):
    log-linear in l within each interval; the open interval 100+ at constant hazard
    l100 / L100 (WPP convention mx = lx / Lx for the open interval)."""
    x = lt.x.to_numpy(float)
    lx = lt.lx.to_numpy(float)
    ages = np.arange(0, 131, dtype=float)
    ly = np.exp(np.interp(np.minimum(ages, x[-1]), x, np.log(lx)))
    mu = lx[-1] / lt.Lx.to_numpy(float)[-1]
    tail = ages > x[-1]
    ly[tail] = lx[-1] * np.exp(-mu * (ages[tail] - x[-1]))
    return ly


def _life_years(ly: np.ndarray, age: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For exact ages ``age`` (any shape): remaining life expectancy e(x), its 3%-discounted
    value sum_u L(x+u) v^(u+1/2) / l(x), and discounted person-years at working ages.
    Person-years by single year L(y) = (l(y) + l(y+1)) / 2; fractional ages interpolated."""
    L = (ly[:-1] + ly[1:]) / 2  # noqa: N806  (demographic notation)
    y = np.arange(len(L), dtype=float)
    v = 1 / (1 + DISCOUNT_RATE)
    work = (y >= WORKING_AGES[0]) & (y < WORKING_AGES[1])
    out = []
    for a in (np.floor(age), np.floor(age) + 1):
        ai = np.asarray(a, dtype=int).reshape(-1, 1)  # (n, 1)
        later = y[None, :] >= ai
        lx = ly[ai[:, 0]]
        disc = np.where(later, v ** (y[None, :] - ai + 0.5), 0.0)
        e = (L * later).sum(-1) / lx
        ed = (L * disc).sum(-1) / lx
        wd = (L * disc * work).sum(-1) / lx
        out.append((e, ed, wd))
    f = np.ravel(age - np.floor(age))
    e, ed, wd = ((1 - f) * lo + f * hi for lo, hi in zip(out[0], out[1], strict=True))
    return e, ed, wd


@lru_cache(maxsize=1)
def load_inputs() -> ImpactInputs:
    """The bundled inputs for all 185 GLOBOCAN countries (cached; treat as read-only)."""
    c = _read("countries.csv").sort_values("iso3").reset_index(drop=True)
    g = _read("globocan.csv")
    lt = _read("lifetables.csv")
    n_c, n_k = len(c), len(CANCERS)
    cases22 = (g.pivot(index="iso3", columns="cancer", values="cases")
               .reindex(index=c.iso3, columns=list(CANCERS)).fillna(0).to_numpy(float))
    deaths22 = (g.pivot(index="iso3", columns="cancer", values="deaths")
                .reindex(index=c.iso3, columns=list(CANCERS)).fillna(0).to_numpy(float))
    growth = c[[f"growth_{y}" for y in YEARS]].to_numpy(float)
    cases = cases22[:, :, None] * growth[:, None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        mir = np.where(cases22 > 0, deaths22 / cases22, 0.5)
    mir = np.clip(mir, *MIR_BOUNDS)
    # age at diagnosis, then at the averted death
    usa_colon = float(c.loc[c.iso3 == "USA", "age_colon"].iloc[0])
    age = np.empty((n_c, n_k))
    for k, name in enumerate(CANCERS):
        if name == "colon":
            age[:, k] = c.age_colon
        elif name == "rectum":
            age[:, k] = c.age_rectum
        else:
            age[:, k] = SEER_AGE[name] + (c.age_colon - usa_colon)
    age = age + DEATH_LAG
    le = np.empty((n_c, n_k))
    le_d = np.empty((n_c, n_k))
    work_d = np.empty((n_c, n_k))
    tables = {key: grp.sort_values("x") for key, grp in lt.groupby(["m49", "sex"])}
    for i, m49 in enumerate(c.lifetable_m49.astype(int)):
        for sex in ("B", "F", "M"):
            ks = [k for k, nm in enumerate(CANCERS) if SEX.get(nm, "B") == sex]
            if not ks:
                continue
            ly = _yearly_lifetable(tables[(m49, sex)])
            e, ed, wd = _life_years(ly, age[i, ks])
            le[i, ks], le_d[i, ks], work_d[i, ks] = e, ed, wd
    src = c[[f"{m}_source" for m in MODALITIES]].to_numpy(object).astype("U16")
    return ImpactInputs(
        iso3=c.iso3.to_numpy(str), name=c.name.fillna(c.iso3).to_numpy(str),
        income_group=c.income_group.fillna("").to_numpy(str),
        who_region=c.who_region.fillna("").to_numpy(str),
        wb_region=c.wb_region.fillna("").to_numpy(str),
        gdp_pc=c.gdp_pc.to_numpy(float),
        pop=c[[f"pop_{y}" for y in YEARS]].to_numpy(float),
        cases=cases, mir=mir,
        density=c[list(MODALITIES)].to_numpy(float), density_source=src,
        le=le, le_disc=le_d, work_disc=work_d, age=age,
    )


def densities_from_db(db: Any) -> dict[str, dict[str, float]]:
    """Current units per million by country and modality from the registry's
    ``country_figure`` table: for each (country, modality) the latest year with a national
    (area-less) ``per_million`` figure for the total sector; several sources in that year are
    averaged. Returns ``{iso3: {modality: value}}`` for the model's modalities only."""
    import sqlalchemy as sa

    from imcap.store.schema import CountryFigure as F  # noqa: N817

    q = sa.select(F.country_iso3, F.item, F.year, F.value).where(
        F.item_kind == "modality", F.measure == "per_million", F.area_id.is_(None),
        F.item.in_(MODALITIES), F.sector == "total")
    latest: dict[tuple[str, str], tuple[int, list[float]]] = {}
    with db.session() as s:
        for iso, item, year, value in s.execute(q):
            if value is None:
                continue
            key = (iso, item)
            cur = latest.get(key)
            if cur is None or year > cur[0]:
                latest[key] = (year, [float(value)])
            elif year == cur[0]:
                cur[1].append(float(value))
    out: dict[str, dict[str, float]] = {}
    for (iso, item), (_, vals) in latest.items():
        out.setdefault(iso, {})[item] = float(np.mean(vals))
    return out


def load_inputs_with_registry(db: Any | None) -> ImpactInputs:
    """Bundled inputs with the registry's densities where it has them (``db`` may be None)."""
    base = load_inputs()
    return base if db is None else base.with_densities(densities_from_db(db))
