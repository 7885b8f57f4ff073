"""The answer of every siting solver: one frozen value, never attributes hung on a solver."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["SitingResult", "Upgrade", "PlannerItem"]

PlannerItem = tuple[int, str, int]
"""What the needs & investment-case planner takes: (facility_id, modality code, units to add)."""


@dataclass(frozen=True)
class Upgrade:
    """One registry facility to equip: ``units`` new units of ``modality``; ``people`` newly
    served there (nearest first, people within the threshold not already covered)."""

    facility_id: int
    name: str
    modality: str
    units: int
    people: float
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class SitingResult:
    """Sites chosen by a solver and how good they are.

    Fields (people = population units of the weights; cost in the candidates' currency):

    - ``model``: ``"max_cover"`` (p sites / budget, most people covered), ``"set_cover"``
      (fewest sites, or least cost, to cover a share) or ``"iterative"`` (AccessMod scaling-up).
    - ``method``: ``"greedy"``, ``"greedy+swap"``, ``"exact"`` or ``"iterative"``.
    - ``status``: ``"optimal"`` (proved), ``"time_limit"`` (best found when time ran out),
      ``"heuristic"`` (no optimality claim beyond ``gap``) or ``"infeasible"``.
    - ``chosen``: indices of the new candidate sites, in the order they were chosen.
    - ``fixed``: indices of the sites open from the start (existing units).
    - ``covered``: people within the threshold of an open site (fixed + chosen), capacity
      allocation nearest first when sites have capacities.
    - ``covered_by_fixed``: people covered by the fixed sites alone.
    - ``total_population``: all people in the demand.
    - ``objective``: what the model optimises: people covered (max_cover, iterative), number of
      new sites or their cost (set_cover).
    - ``bound``: a proven bound on the best objective: an upper bound for max_cover (LP/MILP dual
      bound, or the submodular bound f(S) + sum of the p largest gains), a lower bound for
      set_cover. ``nan`` when none is known (iterative).
    - ``gap``: relative distance to the bound, ``|bound - objective| / max(|objective|, 1e-9)``;
      0 means proven optimal.
    - ``cost``: total cost of the chosen sites.
    - ``site_people``: people served by each chosen site, same order as ``chosen``.
    - ``labels``: labels of the chosen candidates (e.g. facility ids), same order.
    - ``upgrades``: for registry runs, the facilities to equip (see :meth:`planner_items`).
    - ``runtime_s``: wall time of the solve (matrix building excluded).
    - ``notes``: free-text remarks of the solver (swaps made, HiGHS status, ...).
    - ``bound_source``: which proven bound ``bound`` is (the tightest of those computed):
      ``"lagrangian"`` (subgradient on the Lagrangian relaxation of the coverage rows, the
      default for max_cover), ``"submodular"``, ``"lp"`` (LP relaxation), ``"milp"`` (HiGHS
      dual bound), ``"optimal"`` (bound met by the answer) or ``""`` (trivial, or none).
    """

    model: str
    method: str
    status: str
    chosen: tuple[int, ...]
    fixed: tuple[int, ...]
    covered: float
    covered_by_fixed: float
    total_population: float
    objective: float
    bound: float
    gap: float
    cost: float
    site_people: tuple[float, ...]
    labels: tuple[str, ...] = ()
    upgrades: tuple[Upgrade, ...] = ()
    runtime_s: float = 0.0
    notes: tuple[str, ...] = field(default=())
    bound_source: str = ""

    @property
    def share_covered(self) -> float:
        return self.covered / self.total_population if self.total_population > 0 else 0.0

    @property
    def newly_covered(self) -> float:
        """People covered by the new sites beyond those the fixed sites already cover."""
        return self.covered - self.covered_by_fixed

    def planner_items(self) -> list[PlannerItem]:
        """``[(facility_id, modality, units), ...]`` for the needs & investment-case planner.

        One item per facility to equip (registry runs only; empty otherwise)."""
        return [(u.facility_id, u.modality, u.units) for u in self.upgrades]

    def with_upgrades(self, upgrades: tuple[Upgrade, ...]) -> SitingResult:
        return replace(self, upgrades=upgrades)

    def summary(self) -> dict[str, Any]:
        """Flat dict of the headline figures (for tables, JSON and scenario storage)."""
        return {
            "model": self.model,
            "method": self.method,
            "status": self.status,
            "new_sites": len(self.chosen),
            "covered": self.covered,
            "share_covered": self.share_covered,
            "newly_covered": self.newly_covered,
            "objective": self.objective,
            "bound": None if math.isnan(self.bound) else self.bound,
            "gap": None if math.isnan(self.gap) else self.gap,
            "bound_source": self.bound_source,
            "cost": self.cost,
            "runtime_s": self.runtime_s,
        }


def relative_gap(objective: float, bound: float) -> float:
    if math.isnan(bound):
        return math.nan
    return max(0.0, abs(bound - objective)) / max(abs(objective), 1e-9)
