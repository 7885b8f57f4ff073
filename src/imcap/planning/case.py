"""Investment case: phase the units, cost every line per year, total, per capita, per exam, NPV.

``build_case(spec, table)`` is pure (no database): the country's income group, GDP per capita
and population come in the :class:`PlanSpec`. Sensitivity (tornado) and probabilistic runs
(:mod:`imcap.planning.sensitivity`) call the same :func:`compute` with other parameter values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from imcap.errors import ParameterError
from imcap.planning import costs
from imcap.planning.parameters import (
    MODALITY_CODES,
    ParameterTable,
    Picker,
    central_picker,
)
from imcap.planning.phasing import METHODS, phase


@dataclass(frozen=True)
class ModalityPlan:
    """Units of one modality the plan buys (new), replaces and repairs over the acquisition
    years; ``schedule`` (year -> weight) overrides the plan's phasing for this modality."""

    modality: str
    new_units: int
    replace_units: int = 0
    repair_units: int = 0
    schedule: Mapping[int, float] | None = None

    def __post_init__(self) -> None:
        if self.modality not in MODALITY_CODES:
            raise ParameterError("unknown modality", expected=", ".join(MODALITY_CODES),
                                 got=self.modality, where="plan")
        for name in ("new_units", "replace_units", "repair_units"):
            v = getattr(self, name)
            if not isinstance(v, int | np.integer) or v < 0:
                raise ParameterError(f"{name} must be a whole number >= 0", expected=">= 0",
                                     got=v, where=f"plan {self.modality}")


@dataclass(frozen=True)
class PlanSpec:
    """Everything an investment case needs, database-free.

    Years: units are bought from ``start_year`` to ``target_year`` (inclusive); costs run to
    ``horizon_year`` (>= target_year). ``population``: year -> people, used for per-capita
    figures (the target year's value, or the latest year before it).
    """

    country_iso3: str
    income_group: str
    gdp_per_capita: float
    start_year: int
    target_year: int
    modalities: tuple[ModalityPlan, ...]
    horizon_year: int | None = None
    phasing: str = "linear"
    discount_rate: float = 0.03
    train_share: float = 1.0
    population: Mapping[int, float] = field(default_factory=dict)
    name: str = "plan"

    def __post_init__(self) -> None:
        if self.target_year < self.start_year:
            raise ParameterError("target year is before the first year of the plan",
                                 expected=f">= {self.start_year}", got=self.target_year,
                                 where="target_year")
        if self.horizon_year is not None and self.horizon_year < self.target_year:
            raise ParameterError("horizon year is before the target year",
                                 expected=f">= {self.target_year}", got=self.horizon_year,
                                 where="horizon_year")
        if self.phasing not in METHODS:
            raise ParameterError("unknown phasing", expected=" or ".join(METHODS),
                                 got=self.phasing, where="phasing")
        if not -0.5 < self.discount_rate < 1:
            raise ParameterError("discount rate out of range", expected="a share, e.g. 0.03",
                                 got=self.discount_rate, where="discount_rate")
        if not self.gdp_per_capita > 0:
            raise ParameterError("GDP per capita must be positive", expected="> 0 US$",
                                 got=self.gdp_per_capita, where="gdp_per_capita")
        if not 0 <= self.train_share <= 1:
            raise ParameterError("train_share must lie in [0, 1]", expected="0..1",
                                 got=self.train_share, where="train_share")
        seen = [m.modality for m in self.modalities]
        if len(set(seen)) != len(seen):
            raise ParameterError("a modality appears twice in the plan", expected="each once",
                                 got=seen)

    @property
    def last_year(self) -> int:
        return self.horizon_year if self.horizon_year is not None else self.target_year

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.last_year + 1))

    @property
    def buy_years(self) -> list[int]:
        return list(range(self.start_year, self.target_year + 1))

    def population_at(self, year: int) -> float | None:
        known = [y for y in self.population if y <= year]
        if known:
            return float(self.population[max(known)])
        if self.population:
            return float(self.population[min(self.population)])
        return None


def unit_schedule(spec: PlanSpec) -> dict[str, dict[str, np.ndarray]]:
    """Per modality: ``new``, ``replaced`` and ``repaired`` units per year of the horizon."""
    n, nb = len(spec.years), len(spec.buy_years)
    out: dict[str, dict[str, np.ndarray]] = {}
    for m in spec.modalities:
        arrays = {}
        for key, total in (("new", m.new_units), ("replaced", m.replace_units),
                           ("repaired", m.repair_units)):
            a = np.zeros(n)
            a[:nb] = phase(int(total), spec.buy_years, spec.phasing, m.schedule)
            arrays[key] = a
        out[m.modality] = arrays
    return out


def compute(spec: PlanSpec, pick: Picker, table: ParameterTable) -> dict[str, Any]:
    """Cost lines per modality (line -> array (..., T)), exams and staff per modality."""
    schedule = unit_schedule(spec)
    result: dict[str, Any] = {"lines": {}, "exams": {}, "staff": {}}
    for mod, s in schedule.items():
        u = costs.resolve(pick, mod, spec.income_group, spec.gdp_per_capita,
                          table.cadres_for(mod))
        result["lines"][mod] = costs.cost_lines(s["new"], u, replaced=s["replaced"],
                                                repaired=s["repaired"],
                                                train_share=spec.train_share)
        result["exams"][mod] = costs.exams(s["new"], u)
        result["staff"][mod] = costs.staff_in_post(s["new"], u)
    return result


def total_by_year(computed: Mapping[str, Any]) -> np.ndarray:
    """Sum of every line of every modality, per year (shape (..., T))."""
    arrays = [a for lines in computed["lines"].values() for a in lines.values()]
    if not arrays:
        return np.zeros(0)
    return np.sum(np.broadcast_arrays(*arrays), axis=0)


@dataclass(frozen=True)
class CaseResult:
    """The costed plan. Tables are long pandas DataFrames; ``summary`` holds the headline
    figures (US$): total, capital, recurrent, npv, per_capita, per_exam."""

    spec: PlanSpec
    units: pd.DataFrame  # modality, year, new, replaced, repaired, operating
    costs: pd.DataFrame  # modality, line, year, value
    staff: pd.DataFrame  # modality, cadre, year, fte
    exams: pd.DataFrame  # modality, year, exams
    summary: dict[str, float]
    parameters_version: str

    def by_line(self) -> pd.DataFrame:
        """Cost per line (rows) and year (columns), with a total column."""
        t = self.costs.pivot_table(index="line", columns="year", values="value",
                                   aggfunc="sum", fill_value=0.0)
        t = t.reindex([ln for ln in costs.LINES if ln in t.index])
        t["total"] = t.sum(axis=1)
        return t

    def by_modality(self) -> pd.DataFrame:
        t = self.costs.pivot_table(index="modality", columns="line", values="value",
                                   aggfunc="sum", fill_value=0.0)
        t = t[[ln for ln in costs.LINES if ln in t.columns]]
        t["total"] = t.sum(axis=1)
        return t


def build_case(spec: PlanSpec, table: ParameterTable) -> CaseResult:
    """Central investment case of ``spec`` with parameters ``table``."""
    computed = compute(spec, central_picker(table), table)
    years = spec.years
    sched = unit_schedule(spec)
    unit_rows, cost_rows, staff_rows, exam_rows = [], [], [], []
    for mod, s in sched.items():
        operating = costs.operating_units(s["new"])
        for i, y in enumerate(years):
            unit_rows.append({"modality": mod, "year": y, "new": int(s["new"][i]),
                              "replaced": int(s["replaced"][i]),
                              "repaired": int(s["repaired"][i]),
                              "operating": int(operating[i])})
            exam_rows.append({"modality": mod, "year": y,
                              "exams": float(computed["exams"][mod][i])})
        for line, arr in computed["lines"][mod].items():
            for i, y in enumerate(years):
                cost_rows.append({"modality": mod, "line": line, "year": y,
                                  "value": float(arr[i])})
        for cadre, arr in computed["staff"][mod].items():
            for i, y in enumerate(years):
                staff_rows.append({"modality": mod, "cadre": cadre, "year": y,
                                   "fte": float(arr[i])})
    cost_df = pd.DataFrame(cost_rows, columns=["modality", "line", "year", "value"])
    by_year = total_by_year(computed)
    total = float(by_year.sum()) if by_year.size else 0.0
    capital = float(cost_df.loc[cost_df["line"].isin(costs.CAPITAL_LINES), "value"].sum())
    exams_total = float(sum(a.sum() for a in computed["exams"].values()))
    pop = spec.population_at(spec.target_year)
    summary = {
        "years": f"{years[0]}-{years[-1]}",
        "total": total,
        "capital": capital,
        "recurrent": total - capital,
        "npv": float(costs.npv(by_year, spec.discount_rate)) if by_year.size else 0.0,
        "discount_rate": spec.discount_rate,
        "new_units": int(sum(m.new_units for m in spec.modalities)),
        "replaced_units": int(sum(m.replace_units for m in spec.modalities)),
        "repaired_units": int(sum(m.repair_units for m in spec.modalities)),
        "exams": exams_total,
        "per_exam": total / exams_total if exams_total > 0 else float("nan"),
        "population": pop if pop is not None else float("nan"),
        "per_capita": total / pop if pop else float("nan"),
        "per_capita_per_year": total / pop / len(years) if pop else float("nan"),
    }
    return CaseResult(
        spec=spec,
        units=pd.DataFrame(unit_rows, columns=["modality", "year", "new", "replaced",
                                               "repaired", "operating"]),
        costs=cost_df,
        staff=pd.DataFrame(staff_rows, columns=["modality", "cadre", "year", "fte"]),
        exams=pd.DataFrame(exam_rows, columns=["modality", "year", "exams"]),
        summary=summary,
        parameters_version=table.version,
    )


def to_impact_plan(case: CaseResult) -> dict[str, Any]:
    """The case as the impact model's plan document (``imcap.impact.scenarios.ScaleUpPlan
    .from_dict``): functional units added per modality and year (new units plus repaired ones
    returned to service; replacements keep the count unchanged and are not added) and the
    plan's total cost per year (every line, US$)."""
    u = case.units.assign(added=case.units["new"] + case.units["repaired"])
    units_added = {
        m: {int(y): float(n) for y, n in zip(g["year"], g["added"], strict=True) if n > 0}
        for m, g in u.groupby("modality", sort=False)
    }
    costs_by_year = case.costs.groupby("year")["value"].sum()
    return {"country_iso3": case.spec.country_iso3, "name": case.spec.name,
            "units_added": {m: v for m, v in units_added.items() if v},
            "costs": {int(y): float(c) for y, c in costs_by_year.items()}}
