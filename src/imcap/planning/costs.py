"""The cost engine on plain arrays: units acquired per year in, cost lines per year out.

Conventions (each a stated simplification; see docs/planning.md):

- Years are indexed ``t = 0 .. T-1`` from the plan's first year. ``new[t]`` units are bought,
  installed and put in service in year ``t`` and work for the whole of that year.
- Units in service: ``operating[t] = sum(new[0..t])``.
- capital[t] = new[t] * price
- installation[t] = new[t] * price * installation_share
- maintenance[t] = price * maintenance_share * (units whose age ``t - s`` is at least
  ``warranty_years``); the age in the year of acquisition is 0, so a one-year warranty covers
  that year only.
- consumables[t] = operating[t] * throughput * utilisation * consumables_per_exam
- energy[t] = operating[t] * energy_kwh_per_year * electricity_price
- staffing[t] = operating[t] * sum_c(staff_per_unit[c] * salary[c]),
  salary[c] = salary_gdp_multiple[c] * GDP per capita
- training[t] = new[t] * sum_c(staff_per_unit[c] * training_cost[c]) * train_share
  (staff for new units are trained when the unit is bought; ``train_share`` is the share of
  those staff who must be trained rather than redeployed)
- replacement[t] = (replaced[t] + new units reaching ``lifetime_years`` in year t)
  * price * (1 + installation_share)  (a replacement costs as much as a new unit, installed)
- repair[t] = repaired[t] * price * repair_share
- exams[t] = operating[t] * throughput * utilisation

Only the plan's increment is costed: existing units keep their (baseline) running costs;
replacing or repairing one adds its capital cost only. Every parameter may be a number or a
1-d array of draws; results then have shape (draws, T).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from imcap.planning.parameters import Picker

LINES: tuple[str, ...] = ("capital", "installation", "replacement", "repair", "maintenance",
                          "consumables", "energy", "staffing", "training")
CAPITAL_LINES: tuple[str, ...] = ("capital", "installation", "replacement", "repair")
RECURRENT_LINES: tuple[str, ...] = ("maintenance", "consumables", "energy", "staffing",
                                    "training")

Num = Any  # float or numpy array of draws


@dataclass(frozen=True)
class UnitInputs:
    """Resolved parameters of one modality (numbers, or arrays of draws), in US$ and years."""

    modality: str
    price: Num
    installation_share: Num
    maintenance_share: Num
    warranty_years: Num
    lifetime_years: Num
    throughput: Num
    utilisation: Num
    consumables_per_exam: Num
    energy_kwh_per_year: Num
    electricity_price: Num
    repair_share: Num
    staff_per_unit: Mapping[str, Num]
    salary: Mapping[str, Num]  # US$ per FTE-year
    training_cost: Mapping[str, Num]  # US$ per new staff member


def resolve(pick: Picker, modality: str, income_group: str, gdp_per_capita: float,
            cadres: list[str]) -> UnitInputs:
    """Parameters of ``modality`` for a country of ``income_group`` through ``pick``."""
    def p(name: str, cadre: str = "*") -> Num:
        return pick(name, modality, income_group, cadre)
    return UnitInputs(
        modality=modality,
        price=p("purchase_price"),
        installation_share=p("installation_share"),
        maintenance_share=p("maintenance_share"),
        warranty_years=p("warranty_years"),
        lifetime_years=p("lifetime_years"),
        throughput=p("throughput"),
        utilisation=p("target_utilisation"),
        consumables_per_exam=p("consumables_per_exam"),
        energy_kwh_per_year=p("energy_kwh_per_year"),
        electricity_price=p("electricity_price"),
        repair_share=p("repair_share"),
        staff_per_unit={c: p("staff_per_unit", c) for c in cadres},
        salary={c: p("salary_gdp_multiple", c) * gdp_per_capita for c in cadres},
        training_cost={c: p("training_cost", c) for c in cadres},
    )


def _col(x: Num) -> np.ndarray:
    """A parameter as a column (draws, 1) if it is an array, or a 0-d array."""
    a = np.asarray(x, dtype=float)
    return a[:, None] if a.ndim == 1 else a


def _series(x: Any, n: int, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {a.shape}")
    if (a < 0).any():
        raise ValueError(f"{name} must not be negative")
    return a


def _lagged(cum: np.ndarray, lag: Num) -> np.ndarray:
    """``cum[t - lag]`` (0 where ``t < lag``), with ``lag`` a number or a column of draws."""
    t = np.arange(cum.shape[-1])
    idx = t - np.rint(_col(lag)).astype(int)
    out = np.take(cum, np.clip(idx, 0, None))
    return np.where(idx >= 0, out, 0.0)


def operating_units(new: np.ndarray) -> np.ndarray:
    """Units of the plan in service each year: cumulative acquisitions."""
    return np.cumsum(np.asarray(new, dtype=float))


def end_of_life(new: np.ndarray, lifetime: Num) -> np.ndarray:
    """Units bought by the plan that reach their lifetime in each year (every cycle)."""
    new = np.asarray(new, dtype=float)
    n = new.shape[0]
    life = np.rint(_col(lifetime)).astype(int)
    if (life < 1).any():
        raise ValueError("lifetime_years must be at least 1")
    t = np.arange(n)
    out = np.zeros(np.broadcast_shapes(life.shape, (n,)))
    k = 1
    while (k * life.min()) < n:
        idx = t - k * life
        out = out + np.where(idx >= 0, np.take(new, np.clip(idx, 0, None)), 0.0)
        k += 1
    return out


def cost_lines(new: Any, u: UnitInputs, *, replaced: Any = None, repaired: Any = None,
               train_share: float = 1.0) -> dict[str, np.ndarray]:
    """Cost of each line per year (US$) for ``new`` units bought per year (see module doc)."""
    new = np.asarray(new, dtype=float)
    n = new.shape[0]
    new = _series(new, n, "new units")
    replaced = np.zeros(n) if replaced is None else _series(replaced, n, "replaced units")
    repaired = np.zeros(n) if repaired is None else _series(repaired, n, "repaired units")
    if not 0 <= train_share <= 1:
        raise ValueError("train_share must lie in [0, 1]")
    price = _col(u.price)
    inst = _col(u.installation_share)
    cum = operating_units(new)
    maintained = _lagged(cum, u.warranty_years)
    per_exam = _col(u.throughput) * _col(u.utilisation)
    staff_cost = sum((_col(u.staff_per_unit[c]) * _col(u.salary[c]) for c in u.staff_per_unit),
                     start=np.zeros(()))
    train_cost = sum((_col(u.staff_per_unit[c]) * _col(u.training_cost[c])
                      for c in u.staff_per_unit), start=np.zeros(()))
    lines = {
        "capital": new * price,
        "installation": new * price * inst,
        "replacement": (replaced + end_of_life(new, u.lifetime_years)) * price * (1 + inst),
        "repair": repaired * price * _col(u.repair_share),
        "maintenance": maintained * price * _col(u.maintenance_share),
        "consumables": cum * per_exam * _col(u.consumables_per_exam),
        "energy": cum * _col(u.energy_kwh_per_year) * _col(u.electricity_price),
        "staffing": cum * staff_cost,
        "training": new * train_cost * train_share,
    }
    shape = np.broadcast_shapes(*(v.shape for v in lines.values()))
    return {k: np.broadcast_to(v, shape).astype(float) for k, v in lines.items()}


def exams(new: Any, u: UnitInputs) -> np.ndarray:
    """Exams the plan's units deliver each year."""
    return operating_units(new) * _col(u.throughput) * _col(u.utilisation)


def staff_in_post(new: Any, u: UnitInputs) -> dict[str, np.ndarray]:
    """FTE by cadre the plan's units need each year."""
    cum = operating_units(new)
    return {c: cum * _col(f) for c, f in u.staff_per_unit.items()}


def discount_factors(n: int, rate: float) -> np.ndarray:
    """``1 / (1 + rate) ** t`` for t = 0..n-1 (the first year is not discounted)."""
    if rate <= -1:
        raise ValueError("discount rate must be greater than -100%")
    return 1.0 / (1.0 + rate) ** np.arange(n)


def npv(values: Any, rate: float) -> Any:
    """Net present value of yearly ``values`` (last axis = years) at ``rate``, year 0 = 1."""
    v = np.asarray(values, dtype=float)
    return (v * discount_factors(v.shape[-1], rate)).sum(axis=-1)
