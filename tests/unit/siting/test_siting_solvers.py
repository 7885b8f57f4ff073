"""Solvers against brute force (every subset) and against each other."""

from __future__ import annotations

import numpy as np
import pytest
from siting_bruteforce import brute_max_cover, brute_set_cover, nearest_first, random_problem

from imcap.siting import (
    CoverageProblem,
    coverage_of,
    exact_max_cover,
    greedy_max_cover,
    iterative_scale_up,
    max_cover,
    merge_identical_rows,
    set_cover,
)

TOL = 1e-6


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_max_cover_matches_brute_force(seed: int, p: int) -> None:
    pr = random_problem(seed, n_fixed=seed % 3)
    best = brute_max_cover(pr, p)
    ex = exact_max_cover(pr, p)
    assert ex.covered == pytest.approx(best, abs=TOL)
    assert ex.status == "optimal" and ex.gap <= 1e-6
    gr = greedy_max_cover(pr, p)
    assert gr.covered <= best + TOL
    assert gr.bound >= best - TOL  # the submodular bound is a true upper bound
    assert nearest_first(pr, list(gr.chosen)) == pytest.approx(gr.covered, abs=TOL)


@pytest.mark.parametrize("seed", range(10))
def test_budgeted_max_cover_matches_brute_force(seed: int) -> None:
    pr = random_problem(100 + seed, costs=True, n_fixed=1)
    budget = 9.0
    best = brute_max_cover(pr, 8 - 1, budget=budget)
    ex = max_cover(pr, 7, budget=budget, method="exact")
    assert ex.covered == pytest.approx(best, abs=TOL)
    assert ex.cost <= budget + TOL
    gr = max_cover(pr, 7, budget=budget)
    assert gr.cost <= budget + TOL
    assert gr.covered <= best + TOL <= gr.bound + 2 * TOL


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("share", [0.5, 0.8])
def test_set_cover_matches_brute_force(seed: int, share: float) -> None:
    pr = random_problem(200 + seed, density=0.4, n_fixed=seed % 2, costs=seed % 2 == 0)
    reach = pr.weights[np.diff(pr.coverage.indptr) > 0].sum() / pr.total_population
    if reach < share:
        pytest.skip("instance cannot reach the share")
    best = brute_set_cover(pr, share)
    ex = set_cover(pr, share, method="exact")
    assert ex.objective == pytest.approx(best) and ex.status == "optimal"
    assert ex.covered >= share * pr.total_population * (1 - 1e-9)
    gr = set_cover(pr, share)
    assert gr.objective >= best - TOL
    assert gr.bound <= best + TOL  # lower bound
    assert gr.covered >= share * pr.total_population * (1 - 1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_capacitated_bounds_hold(seed: int) -> None:
    pr = random_problem(300 + seed, caps=True, n_fixed=1, density=0.4)
    best = brute_max_cover(pr, 2)  # nearest-first optimum over every pair of new sites
    for method in ("greedy", "exact"):
        r = max_cover(pr, 2, method=method)
        assert r.covered == pytest.approx(nearest_first(pr, list(r.chosen)), abs=TOL)
        assert r.covered <= best + TOL <= r.bound + 2 * TOL
        served = np.array(r.site_people)
        assert (served <= pr.capacities[list(r.chosen)] + TOL).all()


def test_exact_reaches_greedy_or_better_on_medium_instances() -> None:
    for seed in range(3):
        pr = random_problem(400 + seed, n_dem=600, n_cand=60, density=0.05, n_fixed=3)
        ex = exact_max_cover(pr, 6, time_limit=30)
        gr = greedy_max_cover(pr, 6)
        assert ex.status == "optimal"
        assert gr.covered <= ex.covered + TOL
        assert gr.bound >= ex.covered - TOL
        assert gr.covered >= 0.95 * ex.covered


def test_lp_method_gives_an_upper_bound_at_least_the_optimum() -> None:
    pr = random_problem(7, n_dem=300, n_cand=30, density=0.1)
    opt = exact_max_cover(pr, 4).covered
    lp = max_cover(pr, 4, method="lp")
    assert lp.bound >= opt - TOL and lp.covered <= opt + TOL


def test_merge_identical_rows_sums_weights() -> None:
    m = np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0], [0, 0, 0], [1, 0, 1]])
    import scipy.sparse as sp

    merged, w, group = merge_identical_rows(sp.csr_matrix(m), np.array([1.0, 2, 3, 4, 5]))
    assert merged.shape == (2, 3)
    assert sorted(w.tolist()) == [3.0, 8.0]
    assert group[3] == -1 and group[0] == group[1] == group[4] != group[2]


def test_iterative_mode_follows_residual_population() -> None:
    # three villages of 100, 60, 50 people; site A reaches villages 0, 1; B reaches 1, 2;
    # C reaches 2 only. Capacity 100 per site, nearest first.
    t = np.array([[10, np.inf, np.inf], [30, 20, np.inf], [np.inf, 40, 5]])
    pr = CoverageProblem.from_cost_matrix(t, [100, 60, 50], 60, capacities=[100, 100, 100])
    r = iterative_scale_up(pr)
    assert r.chosen[0] == 0 and r.site_people[0] == 100  # A takes village 0 (nearest) only
    assert r.chosen[1] == 1 and r.site_people[1] == 100  # B: village 1 (60) then 2 (40)
    assert r.chosen[2] == 2 and r.site_people[2] == 10
    assert r.covered == 210
    stop = iterative_scale_up(pr, max_sites=1)
    assert stop.chosen == (0,)
    target = iterative_scale_up(pr, target_share=0.9)
    assert len(target.chosen) == 2
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0]])
    excl = iterative_scale_up(pr, site_xy=xy, exclusion_distance=2.0)
    assert excl.chosen == (0, 2)
    suit = iterative_scale_up(pr, suitability=np.array([0.0, 1.0, 1.0]))
    assert 0 not in suit.chosen


def test_coverage_of_counts_fixed_and_open() -> None:
    pr = random_problem(3, n_fixed=2)
    cov, per = coverage_of(pr, np.array([0, 1]))
    assert cov == pytest.approx(nearest_first(pr, [0, 1]))
    assert per.sum() == pytest.approx(cov)
