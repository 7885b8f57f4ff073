"""Lagrangian bound and heuristic of maximal covering against brute force and the other bounds."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from siting_bruteforce import brute_max_cover, random_problem

from imcap.siting import CoverageProblem, greedy_max_cover, max_cover
from imcap.siting.greedy import _knapsack_bound
from imcap.siting.lagrange import lagrangian_bound, reduce_problem, site_values_bound
from imcap.siting.result import relative_gap

SOURCES = {"lagrangian", "submodular", "lp", "milp", ""}


def _submodular_at_fixed(pr, p: int, budget: float) -> float:  # type: ignore[no-untyped-def]
    """f(fixed) + the p largest gains (knapsack-LP with a budget): the bound at the start."""
    dense = np.zeros(pr.coverage.shape, dtype=bool)
    coo = pr.coverage.tocoo()
    dense[coo.row, coo.col] = True  # explicit zeros (cost 0) cover too
    by_fixed = dense[:, pr.fixed].any(axis=1)
    f0 = pr.weights[by_fixed].sum()
    gains = np.array([pr.weights[dense[:, j] & ~by_fixed].sum() for j in range(pr.n_candidates)])
    allowed = ~pr.fixed & (pr.costs <= budget)
    return float(f0 + _knapsack_bound(np.where(allowed, gains, 0.0), pr.costs, p, budget))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.booleans())
def test_lagrangian_bound_is_above_the_optimum_and_below_the_submodular_one(
        seed: int, p: int, with_budget: bool) -> None:
    pr = random_problem(seed, n_dem=20, n_cand=7, n_fixed=seed % 3, costs=with_budget)
    budget = float(4 + seed % 9) if with_budget else math.inf
    best = brute_max_cover(pr, p, budget=budget if with_budget else None)
    lag = lagrangian_bound(reduce_problem(pr, budget), p, budget, incumbent=0.0)
    assert lag.bound >= best - 1e-6
    assert lag.bound <= _submodular_at_fixed(pr, p, budget) + 1e-6
    # every primal candidate it returns is feasible and its coverage is exact
    for sites, cov in zip(lag.primal, lag.primal_covered, strict=True):
        assert len(sites) <= p and pr.costs[list(sites)].sum() <= budget + 1e-9
        assert not pr.fixed[list(sites)].any()
        assert cov <= best + 1e-6


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 4))
def test_reported_bound_and_gap_are_consistent(seed: int, p: int) -> None:
    pr = random_problem(seed, n_fixed=seed % 3, costs=seed % 2 == 0)
    budget = float(3 + seed % 10) if seed % 2 == 0 else None
    best = brute_max_cover(pr, p, budget=budget)
    for method in ("greedy", "exact"):
        r = max_cover(pr, p, budget=budget, method=method)
        assert r.covered <= best + 1e-6 <= r.bound + 2e-6
        assert r.gap == pytest.approx(relative_gap(r.objective, r.bound))
        assert r.bound_source in SOURCES
        assert (r.status == "optimal") == (r.gap <= 1e-9) or method == "exact"


def test_site_values_bound_is_above_the_best_selection() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        v = rng.normal(5, 5, 8)
        c = rng.integers(0, 6, 8).astype(float)
        p, budget = int(rng.integers(1, 5)), float(rng.integers(0, 15))
        best = max(sum(v[list(s)]) for k in range(p + 1)
                   for s in itertools.combinations(range(8), k) if c[list(s)].sum() <= budget)
        val, y = site_values_bound(v, c, p, budget)
        assert val >= best - 1e-9
        assert y.sum() <= p + 1e-9 or c @ y <= budget + 1e-9
        assert val == pytest.approx(float(v @ y))


def test_lagrangian_is_tighter_than_submodular_on_a_clustered_instance() -> None:
    rng = np.random.default_rng(11)
    centres = rng.uniform(0, 100, (8, 2))
    pts = centres[rng.integers(0, 8, 1500)] + rng.normal(size=(1500, 2)) * 4
    sites = pts[rng.choice(1500, 80, replace=False)]
    d = np.hypot(*(pts[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    pr = CoverageProblem.from_cost_matrix(d, rng.integers(1, 100, 1500), 6.0)
    sub = greedy_max_cover(pr, 6, lagrangian=False)
    lag = greedy_max_cover(pr, 6)
    assert lag.bound <= sub.bound + 1e-9
    assert lag.covered >= sub.covered - 1e-9
    ex = max_cover(pr, 6, method="exact")
    assert lag.bound >= ex.covered - 1e-6 and ex.status == "optimal"
    assert lag.gap < sub.gap
