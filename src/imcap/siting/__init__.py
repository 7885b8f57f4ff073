"""Siting: where to put new imaging units to cover the most people, with a proven gap.

Arrays core: :class:`CoverageProblem` (sparse demand x candidate coverage, people, fixed sites,
costs, capacities) -> :func:`max_cover` / :func:`set_cover` / :func:`iterative_scale_up` ->
:class:`SitingResult`. Coverage matrices come from straight-line distance
(:func:`radius_coverage`) or from travel time on the access engine
(:mod:`imcap.siting.traveltime`). Registry and file wrappers live in :mod:`imcap.siting.geo` and
:mod:`imcap.siting.registry`. See docs/siting.md.
"""

from imcap.siting.exact import exact_max_cover, exact_set_cover, lp_bound_max_cover
from imcap.siting.greedy import coverage_of, greedy_max_cover, greedy_set_cover
from imcap.siting.iterative import iterative_scale_up
from imcap.siting.problem import CoverageProblem, merge_identical_rows
from imcap.siting.radius import radius_coverage
from imcap.siting.result import PlannerItem, SitingResult, Upgrade
from imcap.siting.solve import METHODS, max_cover, set_cover

__all__ = [
    "METHODS",
    "CoverageProblem",
    "PlannerItem",
    "SitingResult",
    "Upgrade",
    "coverage_of",
    "exact_max_cover",
    "exact_set_cover",
    "greedy_max_cover",
    "greedy_set_cover",
    "iterative_scale_up",
    "lp_bound_max_cover",
    "max_cover",
    "merge_identical_rows",
    "radius_coverage",
    "set_cover",
]
