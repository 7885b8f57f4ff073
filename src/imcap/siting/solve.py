"""One entry point per model, choosing the solver by ``method``.

``method``: ``"greedy"`` (lazy greedy + 1-swap, the default, with the submodular bound),
``"exact"`` (HiGHS MILP with a time limit and its dual bound), ``"lp"`` (greedy + swap with the
LP-relaxation bound computed by HiGHS).
"""

from __future__ import annotations

from imcap.errors import ParameterError
from imcap.siting.exact import exact_max_cover, exact_set_cover
from imcap.siting.greedy import greedy_max_cover, greedy_set_cover
from imcap.siting.problem import CoverageProblem
from imcap.siting.result import SitingResult

__all__ = ["max_cover", "set_cover", "METHODS"]

METHODS = ("greedy", "exact", "lp")


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ParameterError("unknown siting method", expected=" or ".join(METHODS), got=method,
                             where="method")


def max_cover(problem: CoverageProblem, p: int, *, budget: float | None = None,
              method: str = "greedy", time_limit: float | None = 60.0) -> SitingResult:
    """Maximal covering: at most ``p`` new sites (and cost <= ``budget``), most people covered."""
    _check_method(method)
    if method == "greedy":
        return greedy_max_cover(problem, p, budget=budget, time_limit=time_limit)
    return exact_max_cover(problem, p, budget=budget, time_limit=time_limit,
                           relax=method == "lp")


def set_cover(problem: CoverageProblem, share: float, *, method: str = "greedy",
              time_limit: float | None = 60.0) -> SitingResult:
    """Set covering: fewest new sites (least cost) so that ``share`` of the people is covered."""
    _check_method(method)
    if method == "exact":
        return exact_set_cover(problem, share, time_limit=time_limit)
    return greedy_set_cover(problem, share)
