"""Scenarios: the Commission's two (imaging only, comprehensive) and any scale-up plan from the
needs and investment-case planner.

A plan is given as :class:`ScaleUpPlan` — the contract with ``imcap.planning``::

    ScaleUpPlan(
        country_iso3="MWI",
        units_added={"CT": {2024: 2, 2026: 3}, "MRI": {2025: 1}},   # functional units
        costs={2024: 4.1e6, 2025: 3.2e6, 2026: 5.0e6},              # US$ per year, all items
        name="MWI national imaging plan 2024-2030",
    )

``units_added[modality][year]`` is the number of functional units *added* (net of
retirements) in that calendar year; they serve the patients diagnosed from that year on.
``costs[year]`` is everything the plan spends that year (capital, installation, operation,
maintenance, staff, training, replacement), in US$; it is discounted at 3% to 2020 like the
Commission's costs. Modalities outside CT/MRI/PET/SPECT and years outside the Commission's
cohort window 2020-2030 are not modelled: they are listed in ``ScenarioSpec.notes``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from imcap.errors import ParameterError
from imcap.impact.data import ImpactInputs
from imcap.impact.model import RAMP
from imcap.impact.params import MODALITIES, YEARS

BUILTIN = ("none", "imaging", "comprehensive")


@dataclass(frozen=True)
class ScaleUpPlan:
    """Units added per modality per year and costs per year, for one country (see module doc).
    Checked on creation."""

    country_iso3: str
    units_added: Mapping[str, Mapping[int, float]]
    costs: Mapping[int, float] = field(default_factory=dict)
    name: str = "plan"

    def __post_init__(self) -> None:
        where = f"plan {self.name!r}"
        if not (isinstance(self.country_iso3, str) and len(self.country_iso3) == 3):
            raise ParameterError("bad country code", expected="ISO3 code",
                                 got=self.country_iso3, where=where)
        for mod, by_year in self.units_added.items():
            for y, u in by_year.items():
                if not isinstance(y, int) or not np.isfinite(u) or u < 0:
                    raise ParameterError("bad units added", expected="{year(int): units >= 0}",
                                         got={y: u}, where=f"{where}, units_added[{mod!r}]")
        for y, c in self.costs.items():
            if not isinstance(y, int) or not np.isfinite(c) or c < 0:
                raise ParameterError("bad cost", expected="{year(int): US$ >= 0}",
                                     got={y: c}, where=f"{where}, costs")

    @staticmethod
    def from_dict(doc: Mapping) -> ScaleUpPlan:
        """From JSON-like ``{"country_iso3", "units_added": {mod: {year: n}}, "costs":
        {year: usd}, "name"}`` (year keys may be strings)."""
        try:
            return ScaleUpPlan(
                country_iso3=str(doc["country_iso3"]).upper(),
                units_added={str(m): {int(y): float(u) for y, u in v.items()}
                             for m, v in doc.get("units_added", {}).items()},
                costs={int(y): float(c) for y, c in doc.get("costs", {}).items()},
                name=str(doc.get("name", "plan")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ParameterError("not a scale-up plan", expected=(
                '{"country_iso3": "ISO3", "units_added": {"CT": {"2025": 2}}, '
                '"costs": {"2025": 1e6}}'), got=str(e), where="plan") from None


@dataclass(frozen=True)
class ScenarioSpec:
    """A scenario resolved against the inputs: target densities ``d1`` (C, M, T) given the
    current ``d0`` (C, M), whether treatment/quality scale up too, plan costs (C, T) or None
    (Commission per-patient costing), and notes on what was not modelled."""

    name: str
    comprehensive: bool
    plan_units: np.ndarray | None = None  # (C, M, T) cumulative units added by year t
    plan_cost: np.ndarray | None = None  # (C, T)
    notes: tuple[str, ...] = ()

    def target_density(self, d0: np.ndarray, d_hic: np.ndarray, pop: np.ndarray) -> np.ndarray:
        """d1 (D, C, M, T) from d0 (D, C, M): the high-income mean reached linearly by 2030
        for the built-in scale-ups, current + cumulative plan units per million for plans."""
        if self.name == "none":
            return np.repeat(d0[..., None], len(YEARS), axis=-1)
        if self.plan_units is not None:
            return d0[..., None] + self.plan_units * 1e6 / pop[:, None, :]
        gap = np.maximum(0.0, d_hic - d0)[..., None]
        return d0[..., None] + gap * RAMP


def builtin(name: str) -> ScenarioSpec:
    if name not in BUILTIN:
        raise ParameterError("unknown scenario", expected=" | ".join(BUILTIN) + " | a plan file",
                             got=name, where="--scenario")
    return ScenarioSpec(name=name, comprehensive=name == "comprehensive")


def from_plans(plans: Sequence[ScaleUpPlan], inp: ImpactInputs,
               name: str | None = None) -> ScenarioSpec:
    """A scenario adding the plans' units to current densities (imaging mechanism only) and
    costing it at the plans' own costs. Countries without a plan get nothing and cost 0."""
    n_c, n_m, n_t = len(inp.iso3), len(MODALITIES), len(YEARS)
    units = np.zeros((n_c, n_m, n_t))
    cost = np.zeros((n_c, n_t))
    notes: list[str] = []
    for p in plans:
        i = inp.index(p.country_iso3)
        for mod, by_year in p.units_added.items():
            if mod not in MODALITIES:
                notes.append(f"{p.country_iso3}: {mod} not modelled (only {', '.join(MODALITIES)})")
                continue
            j = MODALITIES.index(mod)
            for y, u in by_year.items():
                if y > YEARS[-1]:
                    notes.append(f"{p.country_iso3}: {mod} units in {y} after 2030 not counted")
                    continue
                units[i, j, max(0, y - YEARS[0]):] += u  # before 2020: in place from 2020
        for y, c in p.costs.items():
            if YEARS[0] <= y <= YEARS[-1]:
                cost[i, y - YEARS[0]] += c
            elif y > YEARS[-1]:
                notes.append(f"{p.country_iso3}: cost in {y} after 2030 not counted")
            else:
                cost[i, 0] += c * 1.03 ** (YEARS[0] - y)  # compounded to 2020
    label = name or (plans[0].name if len(plans) == 1 else "plans")
    return ScenarioSpec(name=label, comprehensive=False, plan_units=units, plan_cost=cost,
                        notes=tuple(dict.fromkeys(notes)))
