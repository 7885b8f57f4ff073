"""AccessMod-compatible iterative scaling-up (WHO AccessMod 5, "Scaling up coverage").

AccessMod places new facilities one at a time: the population the existing facilities already
serve (within the travel-time threshold, up to their capacity, nearest first) is removed; then,
at each step, the most suitable candidate location gets a new facility, which takes the
residual population nearest first up to its capacity; that population is removed, candidates
closer than the exclusion distance to any open facility are dropped, and the loop goes on until
N new facilities are placed, the coverage target is reached, or no candidate serves anyone.

Here the score of a candidate j is ``suitability_j * min(capacity_j, residual people within
reach of j)``; ``suitability`` (>= 0, e.g. sampled from a suitability raster at the candidate)
defaults to 1, and 0 excludes a candidate. Reference: Ray N. & Ebener S. (2008), AccessMod 3.0,
Int J Health Geogr 7:63; WHO AccessMod 5 user manual, "Scaling up analysis" module.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from imcap.errors import ParameterError
from imcap.siting.greedy import _alloc_sites, _result
from imcap.siting.problem import CoverageProblem
from imcap.siting.result import SitingResult

__all__ = ["iterative_scale_up"]


def iterative_scale_up(
    problem: CoverageProblem,
    *,
    max_sites: int | None = None,
    target_share: float | None = None,
    suitability: np.ndarray | None = None,
    site_xy: np.ndarray | None = None,
    exclusion_distance: float = 0.0,
) -> SitingResult:
    """Place new sites one by one on the residual population (AccessMod scaling-up).

    ``site_xy`` (n_candidates x 2, projected metres or any planar unit) and
    ``exclusion_distance`` (same unit) drop candidates too close to an open site (fixed ones
    included). Stops at ``max_sites``, at ``target_share`` of the population covered, or when
    no candidate can serve anyone. ``site_people`` are the people each new site takes.
    """
    t0 = time.perf_counter()
    n = problem.n_candidates
    if max_sites is not None and max_sites < 0:
        raise ParameterError("max_sites must be >= 0", expected="max_sites >= 0", got=max_sites)
    if target_share is not None and not 0.0 <= target_share <= 1.0:
        raise ParameterError("coverage target must lie in [0, 1]", expected="0 <= share <= 1",
                             got=target_share)
    suit = np.ones(n) if suitability is None else np.asarray(suitability, dtype=float)
    if suit.shape != (n,) or np.isnan(suit).any() or (suit < 0).any():
        raise ParameterError("suitability must be one value >= 0 per candidate",
                             expected=f"{n} values >= 0", got=suit.shape)
    allowed = ~problem.fixed & (suit > 0)
    tree = None
    if exclusion_distance > 0:
        if site_xy is None or np.shape(site_xy) != (n, 2):
            raise ParameterError("an exclusion distance needs site coordinates",
                                 expected=f"site_xy of shape ({n}, 2)", got=np.shape(site_xy))
        tree = cKDTree(np.asarray(site_xy, dtype=float))
        for j in np.flatnonzero(problem.fixed):
            allowed[tree.query_ball_point(site_xy[j], exclusion_distance)] = False
    c = problem.csc
    pattern_t = sp.csr_matrix((np.ones(c.nnz), c.indices, c.indptr),
                              shape=(n, problem.n_demand))  # candidate x demand
    residual = problem.weights.copy()
    caps = problem.capacities
    f0 = 0.0
    if problem.fixed.any():
        f0 = _alloc_sites(problem, np.flatnonzero(problem.fixed), residual, caps.copy())
    total = problem.total_population
    target = math.inf if target_share is None else target_share * total * (1 - 1e-12)
    limit = n if max_sites is None else max_sites
    chosen: list[int] = []
    people: list[float] = []
    covered = f0
    while len(chosen) < limit and covered < target:
        score = np.where(allowed, suit * np.minimum(caps, pattern_t @ residual), 0.0)
        j = int(np.argmax(score))
        if score[j] <= 0:
            break
        got = _alloc_sites(problem, np.array([j]), residual, caps.copy())
        chosen.append(j)
        people.append(got)
        covered += got
        allowed[j] = False
        if tree is not None:
            allowed[tree.query_ball_point(site_xy[j], exclusion_distance)] = False
    res = _result(problem, "iterative", "iterative", chosen, covered, f0, covered, math.nan, t0,
                  ["AccessMod-style sequential nearest-first allocation"], status="heuristic")
    return replace(res, covered=covered, objective=covered, site_people=tuple(people))
