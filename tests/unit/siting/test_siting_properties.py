"""Properties (Hypothesis) and bad input of the siting core."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from siting_bruteforce import dense_pattern, random_problem

from imcap.errors import ParameterError
from imcap.siting import CoverageProblem, coverage_of, max_cover, radius_coverage, set_cover

seeds = st.integers(0, 10_000)


@settings(max_examples=40, deadline=None)
@given(seeds, st.integers(0, 7), st.integers(0, 7))
def test_adding_a_site_never_lowers_coverage(seed: int, a: int, b: int) -> None:
    pr = random_problem(seed, n_fixed=seed % 3, caps=seed % 2 == 0)
    base, _ = coverage_of(pr, np.array([a]))
    more, _ = coverage_of(pr, np.array([a, b]))
    if not pr.capacitated:
        assert more >= base - 1e-9
    p1 = max_cover(pr, 1).covered
    p2 = max_cover(pr, 2).covered
    assert p2 >= p1 - 1e-9 or pr.capacitated  # greedy keeps its first pick when uncapacitated


@settings(max_examples=30, deadline=None)
@given(seeds, st.integers(0, 4), st.sampled_from(["greedy", "exact"]))
def test_fixed_sites_always_open_and_budget_kept(seed: int, p: int, method: str) -> None:
    pr = random_problem(seed, n_fixed=2, costs=True)
    budget = float(seed % 12)
    r = max_cover(pr, p, budget=budget, method=method)
    assert set(r.fixed) == set(np.flatnonzero(pr.fixed).tolist())
    assert not set(r.chosen) & set(r.fixed)
    assert r.cost <= budget + 1e-9
    assert len(r.chosen) <= p
    cov_fixed, _ = coverage_of(pr, np.flatnonzero(pr.fixed))
    assert r.covered >= cov_fixed - 1e-9
    assert r.bound >= r.covered - 1e-9


@settings(max_examples=30, deadline=None)
@given(seeds)
def test_set_cover_reaches_its_share(seed: int) -> None:
    pr = random_problem(seed, density=0.5, n_fixed=1)
    reach = pr.weights[dense_pattern(pr).any(axis=1)].sum() / max(pr.total_population, 1)
    share = min(0.7, reach)
    r = set_cover(pr, share)
    assert r.covered >= share * pr.total_population * (1 - 1e-9)
    assert r.bound <= r.objective + 1e-9


def test_p_larger_than_candidates_is_a_user_error() -> None:
    pr = random_problem(1, n_fixed=2)
    with pytest.raises(ParameterError, match="more new sites"):
        max_cover(pr, 7)
    with pytest.raises(ParameterError):
        max_cover(pr, -1)
    with pytest.raises(ParameterError, match="unknown siting method"):
        max_cover(pr, 1, method="magic")


def test_empty_population_covers_nobody_without_error() -> None:
    pr = CoverageProblem.from_cost_matrix(np.zeros((0, 4)), [], 60.0)
    r = max_cover(pr, 2)
    assert r.covered == 0 and r.total_population == 0 and r.chosen == ()
    zero = CoverageProblem.from_cost_matrix(np.zeros((3, 4)), [0, 0, 0], 60.0)
    assert max_cover(zero, 2, method="exact").covered == 0
    with pytest.raises(ParameterError, match="cannot be covered"):
        set_cover(CoverageProblem.from_cost_matrix(np.full((3, 2), np.inf), [1, 1, 1], 5.0), 0.5)


def test_bad_arrays_are_user_errors() -> None:
    with pytest.raises(ParameterError, match="weights"):
        CoverageProblem.from_cost_matrix(np.zeros((3, 2)), [1, 2], 10.0)
    with pytest.raises(ParameterError, match="weights"):
        CoverageProblem.from_cost_matrix(np.zeros((2, 2)), [1, -2], 10.0)
    with pytest.raises(ParameterError, match="fixed"):
        CoverageProblem.from_cost_matrix(np.zeros((2, 2)), [1, 2], 10.0, fixed=[5])
    with pytest.raises(ParameterError, match="threshold"):
        CoverageProblem.from_cost_matrix(np.zeros((2, 2)), [1, 2], -1.0)
    with pytest.raises(ParameterError, match="share"):
        set_cover(random_problem(0), 1.5)


def test_explicit_zero_costs_still_cover() -> None:
    m = sp.csr_matrix((np.array([0.0, 5.0]), np.array([0, 1]), np.array([0, 1, 2])), shape=(2, 2))
    pr = CoverageProblem.from_cost_matrix(m, [10, 20], 10.0)
    assert pr.coverage.nnz == 2
    assert max_cover(pr, 1).covered == 20 and max_cover(pr, 2).covered == 30


def test_radius_coverage_equals_brute_distances() -> None:
    rng = np.random.default_rng(5)
    d = rng.uniform(0, 50, (300, 2))
    s = np.vstack([rng.uniform(0, 50, (20, 2)), d[:1]])  # one site exactly on a demand point
    m = radius_coverage(d, s, 8.0).toarray()
    dist = np.hypot(*(d[:, None, :] - s[None, :, :]).transpose(2, 0, 1))
    pat = radius_coverage(d, s, 8.0)
    assert pat.nnz == int((dist <= 8.0).sum())
    assert np.allclose(m[dist <= 8.0], dist[dist <= 8.0])
    with pytest.raises(ParameterError):
        radius_coverage(d, s, -1.0)
