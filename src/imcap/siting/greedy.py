"""Greedy siting with lazy evaluation, 1-swap local search and a proven bound.

Maximal covering (MCLP, Church & ReVelle 1974): choose at most ``p`` new sites (and/or a total
cost within ``budget``) maximising the people within the threshold of an open site.
Set covering (LSCP-style, Toregas et al. 1971, here on a population share): fewest new sites
(least cost when costs are given) so that a share of the people is covered.

Greedy on a monotone submodular coverage is within (1 - 1/e) of the optimum (Nemhauser, Wolsey
& Fisher 1978); in practice it is far closer, and each answer carries a *data-dependent* upper
bound: for any open set S, ``OPT <= f(S) + max { sum_j g_j(S) x_j : sum x_j <= p,
sum c_j x_j <= B, 0 <= x_j <= 1 }`` (Leskovec et al. 2007), evaluated at the fixed sites alone
and at the final answer. With capacities the heuristic gain of a site is
``min(capacity, people left within reach)`` (sites take people nearest first, as in AccessMod),
the answer is evaluated with the global nearest-first allocation, and the bound is the
uncapacitated one tightened by the capacities.
"""

from __future__ import annotations

import math
import time

import numpy as np

from imcap.errors import ParameterError
from imcap.siting import kernels as K
from imcap.siting.lagrange import lagrangian_bound, reduce_problem
from imcap.siting.problem import CoverageProblem
from imcap.siting.result import SitingResult, relative_gap

__all__ = ["greedy_max_cover", "greedy_set_cover", "capacitated_coverage", "coverage_of"]


def _col_arrays(problem: CoverageProblem) -> tuple[np.ndarray, np.ndarray]:
    c = problem.csc
    return c.indptr.astype(np.int64), c.indices.astype(np.int64)


def coverage_of(problem: CoverageProblem, open_sites: np.ndarray) -> tuple[float, np.ndarray]:
    """People covered by ``open_sites`` plus the fixed sites and, per candidate, people served
    (nearest first; without capacities each person counts at their nearest open site)."""
    mask = problem.fixed.copy()
    mask[np.asarray(open_sites, dtype=np.int64)] = True
    return capacitated_coverage(problem, mask)


def capacitated_coverage(problem: CoverageProblem,
                         open_mask: np.ndarray) -> tuple[float, np.ndarray]:
    """Nearest-first allocation of people to open sites within the threshold.

    All (demand i, open site j) pairs are sorted by travel cost (ties: site, then demand index)
    and each takes ``min(people left at i, capacity left at j)``. Returns (people covered,
    people served per candidate, zero for closed ones). Without capacities this is every person
    within reach of an open site, assigned to the nearest.
    """
    c = problem.csc
    sites = np.flatnonzero(open_mask)
    lengths = np.diff(c.indptr)[sites]
    if lengths.sum() == 0:
        return 0.0, np.zeros(problem.n_candidates)
    idx = np.concatenate([np.arange(c.indptr[j], c.indptr[j + 1]) for j in sites])
    dem = c.indices[idx].astype(np.int64)
    site = np.repeat(sites, lengths).astype(np.int64)
    cost = c.data[idx]
    order = np.lexsort((dem, site, cost))
    residual = problem.weights.copy()
    cap_left = problem.capacities.copy()
    served = K.allocate_nearest_first(dem[order], site[order], residual, cap_left)
    per_site = np.bincount(site[order], weights=served, minlength=problem.n_candidates)
    return float(served.sum()), per_site


def _knapsack_bound(gains: np.ndarray, costs: np.ndarray, p: int, budget: float) -> float:
    """max sum g_j x_j s.t. sum x_j <= p, sum c_j x_j <= budget, 0 <= x <= 1 (an upper bound:
    the min of the top-p sum and the fractional knapsack)."""
    g = np.maximum(gains, 0.0)
    top = float(np.sort(g)[::-1][:p].sum()) if p > 0 else 0.0
    if not math.isfinite(budget):
        return top
    free = costs <= 0
    total = float(g[free].sum())
    rest = np.flatnonzero(~free & (g > 0))
    order = rest[np.argsort(-g[rest] / costs[rest], kind="stable")]
    left = budget
    for j in order:
        if costs[j] <= left:
            total += g[j]
            left -= costs[j]
        else:
            total += g[j] * left / costs[j]
            break
    return min(top, total)


def check_site_count(p: object, fixed: np.ndarray) -> None:
    """ParameterError unless ``p`` new sites can be chosen among the candidates that are not
    ``fixed`` (already open). Used by the solvers and, before the matrix is built, the CLI."""
    n_free = int((~np.asarray(fixed, dtype=bool)).sum())
    if not isinstance(p, int | np.integer) or p < 0:
        raise ParameterError("number of new sites must be a whole number >= 0",
                             expected="p >= 0", got=p, where="sites")
    if p > n_free:
        raise ParameterError("more new sites asked than there are candidates",
                             expected=f"p <= {n_free} (candidates not already open)", got=p,
                             where="sites")


def _check_p(problem: CoverageProblem, p: int, budget: float | None) -> float:
    check_site_count(p, problem.fixed)
    if budget is None:
        return math.inf
    if not (budget >= 0):
        raise ParameterError("budget must be >= 0", expected="budget >= 0", got=budget,
                             where="budget")
    return float(budget)


def greedy_max_cover(
    problem: CoverageProblem,
    p: int,
    *,
    budget: float | None = None,
    swap: bool = True,
    time_limit: float | None = None,
    lagrangian: bool = True,
    restarts: int = 8,
    seed: int = 0,
) -> SitingResult:
    """Choose up to ``p`` new sites (within ``budget``) maximising covered people.

    Lazy greedy by gain (gain per cost when a budget and unequal costs are given, compared with
    the best single affordable site), then best-improvement 1-swaps until none improves.
    With ``lagrangian`` (default) the Lagrangian bound (:mod:`imcap.siting.lagrange`) is
    computed and its primal site sets are improved by swaps too; then ``restarts`` rounds of
    perturbation (close a few random sites, refill greedily, swap; kept if better; random
    generator seeded with ``seed``). All of it stops at ``time_limit`` seconds. Fixed sites are
    always open and never swapped out. The bound reported is the smallest of the submodular,
    Lagrangian and "everyone reachable" bounds (``bound_source`` says which).
    """
    t0 = time.perf_counter()
    bud = _check_p(problem, p, budget)
    if problem.capacitated:
        return _capacitated_greedy(problem, p, bud, None, t0)
    c_ptr, c_idx = _col_arrays(problem)
    r_ptr = problem.coverage.indptr.astype(np.int64)
    r_idx = problem.coverage.indices.astype(np.int64)
    w, costs, fixed = problem.weights, problem.costs, problem.fixed
    cnt = K.cover_counts(c_ptr, c_idx, fixed, problem.n_demand)
    f0 = float(w[cnt > 0].sum())
    g0 = K.all_gains(c_ptr, c_idx, w, cnt)
    allowed0 = ~fixed & (costs <= bud)
    bound = f0 + _knapsack_bound(np.where(allowed0, g0, 0.0), costs, p, bud)
    use_ratio = math.isfinite(bud) and np.ptp(costs[allowed0]) > 0 if allowed0.any() else False
    chosen, gains = K.lazy_greedy(c_ptr, c_idx, w, cnt, g0.copy(), allowed0.copy(), costs, p,
                                  bud, use_ratio, math.inf)
    chosen = [int(j) for j in chosen]
    if use_ratio and p >= 1:  # ratio greedy can be arbitrarily bad: keep the best single site
        single = np.where(allowed0, g0, -1.0)
        j = int(np.argmax(single))
        if single[j] > gains.sum():
            for s in chosen:
                K.apply_site(s, c_ptr, c_idx, cnt, -1)
            K.apply_site(j, c_ptr, c_idx, cnt, 1)
            chosen = [j]
    method, notes = "greedy", []
    ls = _Search(problem, bud, allowed0, c_ptr, c_idx, r_ptr, r_idx, t0, time_limit)
    if swap and chosen:
        method = "greedy+swap"
        n_swaps = ls.swap(chosen, cnt)
        notes.append(f"{n_swaps} improving swap(s)")
    f = float(w[cnt > 0].sum())
    g = K.all_gains(c_ptr, c_idx, w, cnt)
    allowed = allowed0.copy()
    allowed[chosen] = False
    bound = min(bound, f + _knapsack_bound(np.where(allowed, g, 0.0), costs, p, bud),
                float(w[np.diff(problem.coverage.indptr) > 0].sum()))
    source = "submodular"
    if lagrangian and p > 0:
        lag = lagrangian_bound(reduce_problem(problem, bud), p, bud, incumbent=f,
                               time_limit=ls.left())
        if lag.bound < bound:
            bound, source = lag.bound, "lagrangian"
        notes.append(f"Lagrangian bound after {lag.iterations} subgradient iterations")
        if swap:  # Lagrangian heuristic: its best primal site sets, improved by swaps
            for sites, cov in zip(lag.primal, lag.primal_covered, strict=True):
                if cov >= bound * (1 - 1e-12) or ls.left() == 0:
                    break
                cand = list(sites)
                cnt2 = K.cover_counts(c_ptr, c_idx, _open(fixed, cand), problem.n_demand)
                ls.swap(cand, cnt2)
                f2 = float(w[cnt2 > 0].sum())
                if f2 > f * (1 + 1e-12):
                    chosen, cnt, f = cand, cnt2, f2
                    notes.append("improved by the Lagrangian heuristic")
    if swap and restarts > 0 and chosen and f < bound * (1 - 1e-9):
        chosen, cnt, f, k = ls.perturb(chosen, cnt, f, p, use_ratio, restarts, seed,
                                       stop=bound * (1 - 1e-9))
        if k:
            notes.append(f"{k} improving perturbation(s)")
    bound = max(bound, f)
    notes.append(f"bound: {source}")
    return _result(problem, "max_cover", method, chosen, f, f0, f, bound, t0, notes,
                   bound_source=source)


def _open(fixed: np.ndarray, chosen: list[int]) -> np.ndarray:
    mask = fixed.copy()
    mask[chosen] = True
    return mask


class _Search:
    """Local search state shared by the swap and perturbation steps (uncapacitated)."""

    def __init__(self, problem: CoverageProblem, bud: float, allowed0: np.ndarray,
                 c_ptr: np.ndarray, c_idx: np.ndarray, r_ptr: np.ndarray, r_idx: np.ndarray,
                 t0: float, time_limit: float | None) -> None:
        self.pr, self.bud, self.allowed0 = problem, bud, allowed0
        self.c_ptr, self.c_idx, self.r_ptr, self.r_idx = c_ptr, c_idx, r_ptr, r_idx
        self.deadline = math.inf if time_limit is None else t0 + time_limit
        self.tol = 1e-9 * max(problem.total_population, 1.0)

    def left(self) -> float | None:
        if not math.isfinite(self.deadline):
            return None
        return max(self.deadline - time.perf_counter(), 0.0)

    def swap(self, chosen: list[int], cnt: np.ndarray) -> int:
        """Best-improvement 1-swaps on ``chosen``/``cnt`` (in place) until none improves."""
        pr = self.pr
        is_open = _open(pr.fixed, chosen)
        n_swaps = 0
        while time.perf_counter() < self.deadline:
            slack = self.bud - float(pr.costs[chosen].sum())
            d, s, j = K.best_swap(self.c_ptr, self.c_idx, self.r_ptr, self.r_idx, pr.weights,
                                  cnt, is_open, is_open & ~pr.fixed, self.allowed0, pr.costs,
                                  slack)
            if s < 0 or d <= self.tol:
                break
            K.apply_site(s, self.c_ptr, self.c_idx, cnt, -1)
            K.apply_site(j, self.c_ptr, self.c_idx, cnt, 1)
            is_open[s], is_open[j] = False, True
            chosen[chosen.index(s)] = j
            n_swaps += 1
        return n_swaps

    def perturb(self, chosen: list[int], cnt: np.ndarray, f: float, p: int, use_ratio: bool,
                rounds: int, seed: int, stop: float) -> tuple[list[int], np.ndarray, float, int]:
        """Iterated local search: close ``max(1, len/4)`` random sites, refill by lazy greedy,
        swap; keep the result when it covers more. Returns (chosen, cnt, f, improvements)."""
        pr, w = self.pr, self.pr.weights
        rng = np.random.default_rng(seed)
        improved = 0
        for _ in range(rounds):
            if f >= stop or time.perf_counter() >= self.deadline:
                break
            drop = rng.choice(len(chosen), max(1, len(chosen) // 4), replace=False)
            kept = [j for t, j in enumerate(chosen) if t not in set(drop.tolist())]
            cnt2 = K.cover_counts(self.c_ptr, self.c_idx, _open(pr.fixed, kept), pr.n_demand)
            allowed = self.allowed0.copy()
            allowed[kept] = False
            allowed[[chosen[t] for t in drop]] = False  # refill elsewhere
            g = K.all_gains(self.c_ptr, self.c_idx, w, cnt2)
            spent = float(pr.costs[kept].sum())
            add, _ = K.lazy_greedy(self.c_ptr, self.c_idx, w, cnt2, g, allowed, pr.costs,
                                   p - len(kept), self.bud - spent, use_ratio, math.inf)
            cand = kept + [int(j) for j in add]
            self.swap(cand, cnt2)
            f2 = float(w[cnt2 > 0].sum())
            if f2 > f + self.tol:
                chosen, cnt, f = cand, cnt2, f2
                improved += 1
        return chosen, cnt, f, improved


def _result(problem: CoverageProblem, model: str, method: str, chosen: list[int], covered: float,
            f0: float, objective: float, bound: float, t0: float, notes: list[str],
            status: str | None = None, bound_source: str = "") -> SitingResult:
    open_mask = problem.fixed.copy()
    open_mask[chosen] = True
    cov, per_site = capacitated_coverage(problem, open_mask)
    if not problem.capacitated:
        cov = covered
    # people served by each new site beyond the fixed ones: nearest-first allocation
    gap = relative_gap(objective, bound)
    if status is None:
        status = "optimal" if gap <= 1e-9 else "heuristic"
    labels = tuple(problem.candidate_labels[j] for j in chosen) if problem.candidate_labels else ()
    return SitingResult(
        model=model, method=method, status=status, chosen=tuple(int(j) for j in chosen),
        fixed=tuple(int(j) for j in np.flatnonzero(problem.fixed)), covered=float(cov),
        covered_by_fixed=float(f0), total_population=problem.total_population,
        objective=float(objective), bound=float(bound), gap=gap,
        cost=float(problem.costs[chosen].sum()) if chosen else 0.0,
        site_people=tuple(float(per_site[j]) for j in chosen), labels=labels,
        runtime_s=time.perf_counter() - t0, notes=tuple(notes), bound_source=bound_source,
    )


def _target(problem: CoverageProblem, share: float) -> float:
    if not (0.0 <= share <= 1.0):
        raise ParameterError("share to cover must lie in [0, 1]", expected="0 <= share <= 1",
                             got=share, where="cover")
    return share * problem.total_population * (1 - 1e-12)


def greedy_set_cover(problem: CoverageProblem, share: float) -> SitingResult:
    """Fewest new sites (least total cost when costs differ) covering ``share`` of the people.

    Lazy greedy by gain (per cost), then drops sites that became redundant. The lower bound on
    the objective is the smallest (fractional-knapsack) cost whose gains could close the gap,
    max over a few states of the greedy run. Raises ParameterError when even opening every
    candidate cannot reach the share.
    """
    t0 = time.perf_counter()
    target = _target(problem, share)
    if problem.capacitated:
        return _capacitated_greedy(problem, int((~problem.fixed).sum()), math.inf, target, t0)
    c_ptr, c_idx = _col_arrays(problem)
    w, costs, fixed = problem.weights, problem.costs, problem.fixed
    reachable = float(w[np.diff(problem.coverage.indptr) > 0].sum())
    if reachable < target:
        raise ParameterError(
            "the share cannot be covered even with every candidate open",
            expected=f"share <= {reachable / max(problem.total_population, 1e-300):.4f}",
            got=share, where="cover")
    cnt = K.cover_counts(c_ptr, c_idx, fixed, problem.n_demand)
    f0 = float(w[cnt > 0].sum())
    allowed = ~fixed
    use_ratio = bool(allowed.any() and np.ptp(costs[allowed]) > 0)
    chosen: list[int] = []
    lower = 0.0
    f = f0
    step = 1
    while f < target:  # greedy in geometric chunks, bounding at the start of each chunk
        g = K.all_gains(c_ptr, c_idx, w, cnt)
        lower = max(lower, _min_cost_to_gain(np.where(allowed, g, 0.0), costs, target - f))
        ch, gains = K.lazy_greedy(c_ptr, c_idx, w, cnt, g, allowed, costs, step,
                                  math.inf, use_ratio, target - f)
        if len(ch) == 0:
            break
        chosen += [int(j) for j in ch]
        f += float(gains.sum())
        step *= 2
    for s in list(reversed(chosen)):  # drop redundant sites, costliest last-chosen first
        K.apply_site(s, c_ptr, c_idx, cnt, -1)
        f_wo = float(w[cnt > 0].sum())
        if f_wo >= target:
            chosen.remove(s)
            f = f_wo
        else:
            K.apply_site(s, c_ptr, c_idx, cnt, 1)
    obj = float(costs[chosen].sum()) if chosen else 0.0
    lower = min(lower, obj)
    return _result(problem, "set_cover", "greedy", chosen, f, f0, obj, lower, t0, [])


def _min_cost_to_gain(gains: np.ndarray, costs: np.ndarray, need: float) -> float:
    """min sum c_j x_j s.t. sum g_j x_j >= need, 0 <= x <= 1 (fractional: a lower bound)."""
    if need <= 0:
        return 0.0
    pos = np.flatnonzero(gains > 0)
    ratio = np.where(costs[pos] > 0, gains[pos] / np.maximum(costs[pos], 1e-300), np.inf)
    total_cost, got = 0.0, 0.0
    for j in pos[np.argsort(-ratio, kind="stable")]:
        if got + gains[j] >= need:
            return total_cost + costs[j] * (need - got) / gains[j]
        total_cost += costs[j]
        got += gains[j]
    return total_cost


def _capacitated_greedy(problem: CoverageProblem, p: int, bud: float, target: float | None,
                        t0: float) -> SitingResult:
    """Sequential nearest-first greedy for capacitated sites (max cover if target is None)."""
    c = problem.csc
    c_ptr, c_idx = _col_arrays(problem)
    costs, fixed = problem.costs, problem.fixed
    f0, per_fixed = capacitated_coverage(problem, fixed)
    residual = problem.weights.copy()
    # people left at each demand after the fixed sites took theirs, nearest first
    if fixed.any():
        _alloc_sites(problem, np.flatnonzero(fixed), residual, problem.capacities.copy())
    caps = problem.capacities
    reach = np.diff(c.indptr)
    allowed = ~fixed & (costs <= bud) & (reach > 0)
    use_ratio = math.isfinite(bud) and allowed.any() and np.ptp(costs[allowed]) > 0
    ub = np.array([K.capped_gain(j, c_ptr, c_idx, residual, caps[j]) for j in range(len(costs))])
    # bound: OPT_cap <= people of fixed sites + best p new sites, each at most min(cap, reach)
    ub_bound = f0 + _knapsack_bound(np.where(allowed, ub, 0.0), costs, p, bud)
    chosen: list[int] = []
    spent, f = 0.0, f0
    while len(chosen) < p and (target is None or f < target):
        allowed &= spent + costs <= bud
        key = np.where(allowed, ub / np.maximum(costs, 1e-12) if use_ratio else ub, -1.0)
        j = int(np.argmax(key))
        if key[j] <= 0:
            break
        ub[j] = K.capped_gain(j, c_ptr, c_idx, residual, caps[j])
        key[j] = ub[j] / max(costs[j], 1e-12) if use_ratio else ub[j]
        if int(np.argmax(key)) != j:
            continue
        if ub[j] <= 0:
            break
        got = _alloc_sites(problem, np.array([j]), residual, caps.copy())
        chosen.append(j)
        allowed[j] = False
        spent += costs[j]
        f += got
    open_mask = fixed.copy()
    open_mask[chosen] = True
    cov, _ = capacitated_coverage(problem, open_mask)
    if target is not None:
        obj = float(costs[chosen].sum()) if chosen else 0.0
        if cov < target:
            raise ParameterError("the share cannot be covered with these capacities",
                                 expected=f"share <= {cov / problem.total_population:.4f}",
                                 got=target / problem.total_population, where="cover")
        return _result(problem, "set_cover", "greedy", chosen, cov, f0, obj, 0.0, t0,
                       ["capacitated: no swap; bound is trivial (use exact mode)"])
    bound = max(cov, min(ub_bound, _uncapacitated_bound(problem, p, bud)))
    return _result(problem, "max_cover", "greedy", chosen, cov, f0, cov, bound, t0,
                   ["capacitated: nearest-first allocation, no swap"])


def _alloc_sites(problem: CoverageProblem, sites: np.ndarray, residual: np.ndarray,
                 cap_left: np.ndarray) -> float:
    c = problem.csc
    idx = np.concatenate([np.arange(c.indptr[j], c.indptr[j + 1]) for j in sites])
    lengths = np.diff(c.indptr)[sites]
    dem = c.indices[idx].astype(np.int64)
    site = np.repeat(sites, lengths).astype(np.int64)
    order = np.lexsort((dem, site, c.data[idx]))
    return float(K.allocate_nearest_first(dem[order], site[order], residual, cap_left).sum())


def _uncapacitated_bound(problem: CoverageProblem, p: int, bud: float) -> float:
    c_ptr, c_idx = _col_arrays(problem)
    cnt = K.cover_counts(c_ptr, c_idx, problem.fixed, problem.n_demand)
    g = K.all_gains(c_ptr, c_idx, problem.weights, cnt)
    allowed = ~problem.fixed & (problem.costs <= bud)
    f0 = float(problem.weights[cnt > 0].sum())
    return f0 + _knapsack_bound(np.where(allowed, g, 0.0), problem.costs, p, bud)
