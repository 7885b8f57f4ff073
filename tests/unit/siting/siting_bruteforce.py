"""Brute-force references for the siting tests: every subset, plain numpy."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp

from imcap.siting import CoverageProblem


def nearest_first(problem: CoverageProblem, open_sites: list[int]) -> float:
    """People covered by open sites (fixed included) with nearest-first capacity allocation,
    written as plainly as possible."""
    cov = problem.coverage.tocoo()
    sites = set(open_sites) | set(np.flatnonzero(problem.fixed).tolist())
    pairs = sorted((c, j, i) for i, j, c in zip(cov.row, cov.col, cov.data, strict=True)
                   if j in sites)
    left = problem.weights.astype(float).copy()
    cap = problem.capacities.astype(float).copy()
    total = 0.0
    for _, j, i in pairs:
        a = min(left[i], cap[j])
        left[i] -= a
        cap[j] -= a
        total += a
    return total


def brute_max_cover(problem: CoverageProblem, p: int, budget: float | None = None) -> float:
    free = np.flatnonzero(~problem.fixed).tolist()
    best = 0.0
    for k in range(p + 1):
        for s in itertools.combinations(free, k):
            if budget is not None and problem.costs[list(s)].sum() > budget + 1e-9:
                continue
            best = max(best, nearest_first(problem, list(s)))
    return best


def brute_set_cover(problem: CoverageProblem, share: float) -> float:
    free = np.flatnonzero(~problem.fixed).tolist()
    target = share * problem.weights.sum() * (1 - 1e-12)
    best = np.inf
    for k in range(len(free) + 1):
        for s in itertools.combinations(free, k):
            c = problem.costs[list(s)].sum()
            if c < best and nearest_first(problem, list(s)) >= target:
                best = c
    return best


def random_problem(seed: int, n_dem: int = 25, n_cand: int = 8, density: float = 0.25,
                   n_fixed: int = 0, costs: bool = False, caps: bool = False) -> CoverageProblem:
    rng = np.random.default_rng(seed)
    mask = rng.random((n_dem, n_cand)) < density
    times = np.where(mask, rng.integers(0, 120, (n_dem, n_cand)).astype(float), np.inf)
    w = rng.integers(0, 50, n_dem).astype(float)
    fixed = rng.choice(n_cand, n_fixed, replace=False) if n_fixed else None
    c = rng.integers(1, 10, n_cand).astype(float) if costs else None
    cap = rng.integers(20, 150, n_cand).astype(float) if caps else None
    return CoverageProblem.from_cost_matrix(times, w, 120.0, fixed=fixed, costs=c, capacities=cap)


def dense_pattern(problem: CoverageProblem) -> np.ndarray:
    m = problem.coverage
    return sp.csr_matrix((np.ones(m.nnz), m.indices, m.indptr), shape=m.shape).toarray() > 0
