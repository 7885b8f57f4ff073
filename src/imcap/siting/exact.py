"""Exact siting with HiGHS (through ``scipy.optimize.milp``) on a sparse formulation.

Maximal covering, uncapacitated (Church & ReVelle 1974), after three reductions: demands
already covered by fixed sites leave the model (their people are a constant); demands no
candidate reaches leave it; demands reaching exactly the same candidates are merged into one
row whose weight is their summed people (:func:`imcap.siting.problem.merge_identical_rows`)::

    max  sum_r W_r z_r
    s.t. z_r - sum_{j in N(r)} y_j <= 0          for each merged row r
         sum_j y_j <= p ;  sum_j c_j y_j <= B
         y_j in {0, 1},  0 <= z_r <= 1            (z integral at any integral y)

Set covering on a share s of the people P: ``min sum_j c_j y_j`` with the same rows and
``sum_r W_r z_r >= s P - (people covered by fixed sites)``.

Capacitated maximal covering: one variable x_rj >= 0 (people of row r served by site j) per
stored pair, ``sum_j x_rj <= W_r``, ``sum_r x_rj <= min(cap_j, sum_{r in N(j)} W_r) y_j``; fixed
sites have y_j = 1. The allocation is free there, so the MILP optimum bounds the nearest-first
coverage from above; the chosen sites are then evaluated nearest first.

Every answer carries the MILP dual bound from HiGHS (the LP bound when the time limit stops the
branch and bound at the root), so the reported gap is proven.
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

try:  # optional: warm start with the greedy incumbent (scipy's milp cannot take one)
    import highspy
except ImportError:  # pragma: no cover - highspy is in the bench extra, not required
    highspy = None

from imcap.siting.greedy import (
    _check_p,
    _result,
    _target,
    capacitated_coverage,
    greedy_max_cover,
    greedy_set_cover,
)
from imcap.siting.problem import CoverageProblem, merge_identical_rows
from imcap.siting.result import SitingResult

__all__ = ["exact_max_cover", "exact_set_cover", "lp_bound_max_cover"]


def _reduced(problem: CoverageProblem) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, float]:
    """Rows not covered by fixed sites, on free candidates, merged. Returns (A, W, free, f0)."""
    cov = problem.coverage
    fixed = problem.fixed
    # the structure, not the values, says who is covered (explicit zeros are covers)
    pattern = sp.csr_matrix((np.ones(cov.nnz), cov.indices, cov.indptr), shape=cov.shape)
    by_fixed = np.asarray(pattern[:, np.flatnonzero(fixed)].sum(axis=1)).reshape(-1) > 0
    f0 = float(problem.weights[by_fixed].sum())
    free = np.flatnonzero(~fixed)
    sub = cov[np.flatnonzero(~by_fixed)][:, free]
    w = problem.weights[~by_fixed]
    pattern = sp.csr_matrix((np.ones(sub.nnz), sub.indices, sub.indptr), shape=sub.shape)
    merged, mw, _ = merge_identical_rows(pattern, w)
    return merged, mw, free, f0


def _solve(c: np.ndarray, integrality: np.ndarray, lb: np.ndarray, ub: np.ndarray,
           A: sp.spmatrix, a_lo: np.ndarray, a_hi: np.ndarray, time_limit: float | None,
           x0: np.ndarray | None = None) -> tuple[np.ndarray | None, float, int]:
    """Minimise c.x; returns (x or None, dual bound on the minimum, scipy status: 0 optimal).

    With a feasible start ``x0`` and highspy installed, HiGHS is called directly and given
    ``x0`` as its first incumbent (``Highs.setSolution``): it prunes with it from the root and
    always has an answer at the time limit. Otherwise through ``scipy.optimize.milp``."""
    if x0 is not None and highspy is not None:
        return _solve_highspy(c, integrality, lb, ub, sp.csr_matrix(A), a_lo, a_hi, time_limit,
                              x0)
    opts: dict[str, float | bool] = {"disp": False, "mip_rel_gap": 1e-6}
    if time_limit is not None:
        opts["time_limit"] = max(float(time_limit), 0.01)
    res = milp(c, integrality=integrality, bounds=Bounds(lb, ub),
               constraints=[LinearConstraint(sp.csr_array(A), a_lo, a_hi)], options=opts)
    bound = getattr(res, "mip_dual_bound", None)
    if bound is None or not math.isfinite(bound):
        bound = res.fun if res.x is not None and res.status == 0 else -math.inf
    return (res.x if res.x is not None else None), float(bound), int(res.status)


def _quiet_highs() -> highspy.Highs:
    """A Highs object without the banner its C++ constructor prints once per process."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def _solve_highspy(c: np.ndarray, integrality: np.ndarray, lb: np.ndarray, ub: np.ndarray,
                   A: sp.csr_matrix, a_lo: np.ndarray, a_hi: np.ndarray,
                   time_limit: float | None, x0: np.ndarray
                   ) -> tuple[np.ndarray | None, float, int]:
    h = _quiet_highs()
    h.setOptionValue("mip_rel_gap", 1e-6)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(A.shape[1]), int(A.shape[0])
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = c, lb, ub
    lp.row_lower_, lp.row_upper_ = a_lo, a_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger if v else highspy.HighsVarType.kContinuous
                       for v in integrality]
    h.passModel(lp)
    start = highspy.HighsSolution()
    start.col_value = [float(v) for v in x0]
    start.value_valid = True
    h.setSolution(start)
    h.run()
    info = h.getInfo()
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_x else None
    bound = float(info.mip_dual_bound)
    if not math.isfinite(bound) or abs(bound) >= 1e30:
        bound = float(info.objective_function_value) if optimal else -math.inf
    return x, bound, 0 if optimal else 1


def _cover_rows(A: sp.csr_matrix, extra_rows: list[tuple[np.ndarray, float, float]]
                ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """[-A | I] z - A y <= 0 rows, then extra rows on (y, z)."""
    m, k = A.shape
    top = sp.hstack([-A, sp.identity(m, format="csr")], format="csr")
    rows = [top]
    lo = [np.full(m, -np.inf)]
    hi = [np.zeros(m)]
    for coef, a, b in extra_rows:
        rows.append(sp.csr_matrix(coef.reshape(1, -1)))
        lo.append(np.array([a]))
        hi.append(np.array([b]))
    return sp.vstack(rows, format="csr"), np.concatenate(lo), np.concatenate(hi)


def exact_max_cover(problem: CoverageProblem, p: int, *, budget: float | None = None,
                    time_limit: float | None = 60.0, relax: bool = False) -> SitingResult:
    """Maximal covering solved by HiGHS, warm-compared with greedy+swap.

    Returns the better of the MILP incumbent and the greedy answer, with the MILP dual bound
    (``status="optimal"`` when the gap is closed, ``"time_limit"`` otherwise). ``relax=True``
    solves only the LP relaxation and returns greedy's sites with the LP bound.
    """
    t0 = time.perf_counter()
    bud = _check_p(problem, p, budget)
    if problem.capacitated:
        return _exact_capacitated(problem, p, bud, time_limit, relax, t0)
    greedy = greedy_max_cover(problem, p, budget=budget, time_limit=time_limit)
    A, W, free, f0 = _reduced(problem)
    m, k = A.shape
    costs = problem.costs[free]
    extra = [(np.concatenate([np.ones(k), np.zeros(m)]), -np.inf, float(p))]
    if math.isfinite(bud):
        extra.append((np.concatenate([costs, np.zeros(m)]), -np.inf, bud))
    M, lo, hi = _cover_rows(A, extra)
    c = np.concatenate([np.zeros(k), -W])
    integ = np.concatenate([np.ones(k) if not relax else np.zeros(k), np.zeros(m)])
    ub_y = np.where(costs <= bud, 1.0, 0.0)
    remaining = None if time_limit is None else max(time_limit - (time.perf_counter() - t0), 0.01)
    y0 = np.isin(free, np.asarray(greedy.chosen, dtype=np.int64)).astype(np.float64)
    x0 = np.concatenate([y0, np.minimum(A @ y0, 1.0)])  # the greedy incumbent, as a start
    x, dual, status = _solve(c, integ, np.zeros(k + m), np.concatenate([ub_y, np.ones(m)]),
                             M, lo, hi, remaining, x0=None if relax else x0)
    source = greedy.bound_source
    if math.isfinite(dual) and f0 - dual < greedy.bound:
        bound, source = f0 - dual, "lp" if relax else "milp"
    else:  # no (or a weaker) dual bound from HiGHS: greedy's (Lagrangian) bound stands
        bound = greedy.bound
    chosen = list(greedy.chosen)
    covered = greedy.covered
    if x is not None and not relax:
        cand = [int(free[i]) for i in np.flatnonzero(x[:k] > 0.5)]
        cov, _ = capacitated_coverage(problem, _mask(problem, cand))
        if cov > covered + 1e-9:
            chosen, covered = cand, cov
    bound = max(bound, covered)
    status_s = "optimal" if (status == 0 and not relax) else "time_limit"
    if relax:
        status_s = "heuristic"
    if bound - covered <= 1e-6 * max(covered, 1.0):
        status_s, bound = "optimal", covered
    return _result(problem, "max_cover", "exact" if not relax else "greedy+swap", chosen, covered,
                   greedy.covered_by_fixed, covered, bound, t0,
                   [f"HiGHS status {status}", f"bound: {source}"], status=status_s,
                   bound_source=source)


def lp_bound_max_cover(problem: CoverageProblem, p: int, budget: float | None = None,
                       time_limit: float | None = None) -> float:
    """The LP-relaxation upper bound on the people the best p sites (within budget) cover."""
    return exact_max_cover(problem, p, budget=budget, time_limit=time_limit, relax=True).bound


def _mask(problem: CoverageProblem, chosen: list[int]) -> np.ndarray:
    m = problem.fixed.copy()
    m[chosen] = True
    return m


def exact_set_cover(problem: CoverageProblem, share: float, *,
                    time_limit: float | None = 60.0) -> SitingResult:
    """Fewest new sites (least cost) covering ``share`` of the people, solved by HiGHS."""
    t0 = time.perf_counter()
    target = _target(problem, share)
    greedy = greedy_set_cover(problem, share)  # also checks feasibility
    if problem.capacitated:
        return _exact_capacitated(problem, int((~problem.fixed).sum()), math.inf, time_limit,
                                  False, t0, target=target, incumbent=greedy)
    A, W, free, f0 = _reduced(problem)
    m, k = A.shape
    costs = problem.costs[free]
    need = target - f0
    extra = [(np.concatenate([np.zeros(k), W]), need, np.inf)]
    M, lo, hi = _cover_rows(A, extra)
    c = np.concatenate([costs, np.zeros(m)])
    integ = np.concatenate([np.ones(k), np.zeros(m)])
    remaining = None if time_limit is None else max(time_limit - (time.perf_counter() - t0), 0.01)
    x, dual, status = _solve(c, integ, np.zeros(k + m), np.ones(k + m), M, lo, hi, remaining)
    chosen, obj = list(greedy.chosen), greedy.objective
    if x is not None:
        cand = [int(free[i]) for i in np.flatnonzero(x[:k] > 0.5)]
        cov, _ = capacitated_coverage(problem, _mask(problem, cand))
        o = float(problem.costs[cand].sum())
        if cov >= target and o < obj - 1e-9:
            chosen, obj = cand, o
    lower = max(greedy.bound, dual) if math.isfinite(dual) else greedy.bound
    lower = min(lower, obj)
    cov, _ = capacitated_coverage(problem, _mask(problem, chosen))
    st = "optimal" if obj - lower <= 1e-6 * max(obj, 1.0) else "time_limit"
    return _result(problem, "set_cover", "exact", chosen, cov, greedy.covered_by_fixed, obj,
                   lower if st != "optimal" else obj, t0, [f"HiGHS status {status}"], status=st)


def _exact_capacitated(problem: CoverageProblem, p: int, bud: float, time_limit: float | None,
                       relax: bool, t0: float, *, target: float | None = None,
                       incumbent: SitingResult | None = None) -> SitingResult:
    """Capacitated max cover (target None) or set cover (target people) with free allocation."""
    pattern = sp.csr_matrix((np.ones(problem.coverage.nnz), problem.coverage.indices,
                             problem.coverage.indptr), shape=problem.coverage.shape)
    A, W, _ = merge_identical_rows(pattern, problem.weights)
    A = A.tocoo()
    m, n = A.shape
    e = A.nnz
    reach = np.bincount(A.col, weights=W[A.row], minlength=n)
    cap = np.minimum(problem.capacities, reach)
    # variables: y (n) then x (e people on each stored pair)
    row_sum = sp.csr_matrix((np.ones(e), (A.row, n + np.arange(e))), shape=(m, n + e))
    col_sum = sp.csr_matrix(
        (np.concatenate([np.ones(e), -cap]),
         (np.concatenate([A.col, np.arange(n)]), np.concatenate([n + np.arange(e), np.arange(n)]))),
        shape=(n, n + e))
    rows = [row_sum, col_sum]
    lo = [np.full(m, -np.inf), np.full(n, -np.inf)]
    hi = [W, np.zeros(n)]
    free = ~problem.fixed
    if target is None:
        rows.append(sp.csr_matrix(np.concatenate([free.astype(float), np.zeros(e)]).reshape(1, -1)))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([float(p)]))
        if math.isfinite(bud):
            rows.append(sp.csr_matrix(np.concatenate([np.where(free, problem.costs, 0.0),
                                                      np.zeros(e)]).reshape(1, -1)))
            lo.append(np.array([-np.inf]))
            hi.append(np.array([bud]))
        c = np.concatenate([np.zeros(n), -np.ones(e)])
    else:
        rows.append(sp.csr_matrix(np.concatenate([np.zeros(n), np.ones(e)]).reshape(1, -1)))
        lo.append(np.array([target]))
        hi.append(np.array([np.inf]))
        c = np.concatenate([np.where(free, problem.costs, 0.0), np.zeros(e)])
    lb_y = np.where(problem.fixed, 1.0, 0.0)
    ub_y = np.where(free & (problem.costs > bud), 0.0, 1.0)
    lb = np.concatenate([lb_y, np.zeros(e)])
    ub = np.concatenate([ub_y, W[A.row]])
    integ = np.concatenate([np.zeros(n) if relax else np.ones(n), np.zeros(e)])
    x, dual, status = _solve(c, integ, lb, ub, sp.vstack(rows, format="csr"), np.concatenate(lo),
                             np.concatenate(hi), time_limit)
    f0, _ = capacitated_coverage(problem, problem.fixed)
    if incumbent is None:
        incumbent = greedy_max_cover(problem, p, budget=bud if math.isfinite(bud) else None)
    chosen = list(incumbent.chosen)
    cov = incumbent.covered
    if x is not None and not relax:
        cand = [int(j) for j in np.flatnonzero((x[:n] > 0.5) & free)]
        c2, _ = capacitated_coverage(problem, _mask(problem, cand))
        if target is None and c2 > cov + 1e-9:
            chosen, cov = cand, c2
        if target is not None and c2 >= target and problem.costs[cand].sum() < incumbent.objective:
            chosen, cov = cand, c2
    notes = [f"HiGHS status {status}", "capacitated: MILP allocation is free, answer evaluated "
             "nearest first"]
    if target is None:
        bound = max(cov, min(-dual, incumbent.bound)) if math.isfinite(dual) else incumbent.bound
        st = "optimal" if bound - cov <= 1e-6 * max(cov, 1.0) else "time_limit"
        if st != "optimal" and status == 0:
            st = "heuristic"  # MILP proved, but nearest-first allocation serves fewer people
        return _result(problem, "max_cover", "exact", chosen, cov, f0, cov, bound, t0, notes,
                       status=st)
    obj = float(problem.costs[chosen].sum()) if chosen else 0.0
    lower = min(obj, max(dual, 0.0)) if math.isfinite(dual) else 0.0
    st = "optimal" if obj - lower <= 1e-6 * max(obj, 1.0) else "time_limit"
    return _result(problem, "set_cover", "exact", chosen, cov, f0, obj, lower, t0, notes, status=st)
