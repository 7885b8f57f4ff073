"""Lagrangian relaxation of maximal covering: a tight upper bound and primal candidates.

On the reduced problem (demands already covered by fixed sites removed, their people ``f0``
kept as a constant; only free candidates within the budget; demands reaching the same
candidates merged into one row ``r`` of weight ``W_r``), MCLP reads::

    max  sum_r W_r z_r
    s.t. z_r <= sum_j a_rj y_j        (row r is covered only if a site reaching it is open)
         sum_j y_j <= p ;  sum_j c_j y_j <= B ;  y_j in {0, 1} ;  0 <= z_r <= 1

Relaxing the coverage rows with multipliers ``lambda_r >= 0`` (Galvao & ReVelle 1996;
Daskin, *Network and Discrete Location*, 2nd ed., ch. 4) splits it into two easy problems::

    L(lambda) = sum_r max(0, W_r - lambda_r)  +  max { sum_j v_j y_j : sum y <= p, c.y <= B }
    with v_j = sum_r a_rj lambda_r  (the "reduced value" of site j, one sparse mat-vec)

and ``f0 + L(lambda) >= OPT`` for every ``lambda >= 0``. The site subproblem is the sum of the
``p`` largest positive ``v_j``; with a budget its 0/1 knapsack is replaced by an upper bound,
the smaller of the top-``p`` sum and the fractional (Dantzig) knapsack, so the bound stays valid.

``L`` is minimised by subgradient optimisation: the gradient is
``s_r = sum_j a_rj y_j - [W_r > lambda_r]``, the step is Polyak's
``t = beta (L - LB) / ||s||^2`` with ``LB`` the best known coverage (the greedy incumbent, then
the best Lagrangian primal), and ``beta`` starts at 2 and halves after ``patience`` iterations
without improvement of the best bound (Held, Wolfe & Crowder 1974; Fisher 1981). Each iteration
also opens the ``p`` sites of largest ``v_j`` (affordable ones by ``v_j / c_j`` with a budget):
a primal solution whose coverage is measured exactly; the best distinct ones are returned for
local search (the *Lagrangian heuristic*).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from imcap.siting import kernels as K
from imcap.siting.problem import CoverageProblem, merge_identical_rows

__all__ = ["LagrangeResult", "Reduced", "lagrangian_bound", "reduce_problem", "site_values_bound"]


@dataclass(frozen=True)
class Reduced:
    """The reduced MCLP: ``A`` (rows x kept candidates, 0/1; ``c_ptr``/``c_idx`` its CSC index
    arrays), ``W`` row people, ``cand`` original index of each kept candidate, ``costs`` their
    costs, ``f0`` people covered by fixed sites."""

    A: sp.csr_matrix
    c_ptr: np.ndarray
    c_idx: np.ndarray
    W: np.ndarray
    cand: np.ndarray
    costs: np.ndarray
    f0: float


def reduce_problem(problem: CoverageProblem, budget: float = math.inf) -> Reduced:
    """Drop rows covered by fixed sites, keep free candidates costing <= budget, merge rows."""
    cov = problem.coverage
    pattern = sp.csr_matrix((np.ones(cov.nnz), cov.indices, cov.indptr), shape=cov.shape)
    fixed = problem.fixed
    by_fixed = np.zeros(cov.shape[0], dtype=bool)
    if fixed.any():
        by_fixed = np.asarray(pattern[:, np.flatnonzero(fixed)].sum(axis=1)).reshape(-1) > 0
    f0 = float(problem.weights[by_fixed].sum())
    cand = np.flatnonzero(~fixed & (problem.costs <= budget))
    sub = pattern[np.flatnonzero(~by_fixed)][:, cand]
    A, W, _ = merge_identical_rows(sp.csr_matrix(sub), problem.weights[~by_fixed])
    A = sp.csr_matrix(A)
    csc = A.tocsc()
    return Reduced(A=A, c_ptr=csc.indptr.astype(np.int64), c_idx=csc.indices.astype(np.int64),
                   W=W, cand=cand, costs=problem.costs[cand], f0=f0)


def site_values_bound(v: np.ndarray, costs: np.ndarray, p: int,
                      budget: float) -> tuple[float, np.ndarray]:
    """Upper bound on ``max {v.y : sum y <= p, c.y <= budget, y in {0,1}}`` and a maximiser of
    the relaxation that gives it (top-``p`` positive values; or the fractional knapsack by
    ``v/c`` when that is smaller). Returns ``(value, y)`` with ``0 <= y <= 1``."""
    k = v.shape[0]
    y = np.zeros(k)
    if p <= 0 or k == 0:
        return 0.0, y
    pos = np.flatnonzero(v > 0)
    if pos.size > p:
        pos = pos[np.argpartition(-v[pos], p - 1)[:p]]
    top = float(v[pos].sum())
    y[pos] = 1.0
    if not math.isfinite(budget):
        return top, y
    cand = np.flatnonzero(v > 0)
    free = cand[costs[cand] <= 0]
    paid = cand[costs[cand] > 0]
    paid = paid[np.argsort(-v[paid] / costs[paid], kind="stable")]
    yk = np.zeros(k)
    yk[free] = 1.0
    total, left = float(v[free].sum()), budget
    for j in paid:
        if costs[j] <= left:
            yk[j] = 1.0
            total += v[j]
            left -= costs[j]
        else:
            yk[j] = left / costs[j]
            total += v[j] * yk[j]
            break
    return (total, yk) if total < top else (top, y)


def _primal(v: np.ndarray, costs: np.ndarray, p: int, budget: float) -> np.ndarray:
    """p sites of largest positive v (by v/c while affordable under a budget), as indices."""
    pos = np.flatnonzero(v > 0)
    if not math.isfinite(budget):
        if pos.size > p:
            pos = pos[np.argpartition(-v[pos], p - 1)[:p]]
        return np.sort(pos)
    order = pos[np.argsort(-v[pos] / np.maximum(costs[pos], 1e-12), kind="stable")]
    out, left = [], budget
    for j in order:
        if len(out) >= p:
            break
        if costs[j] <= left:
            out.append(int(j))
            left -= costs[j]
    return np.sort(np.array(out, dtype=np.int64))


@dataclass(frozen=True)
class LagrangeResult:
    """``bound``: f0 + min L(lambda) (people, an upper bound on the optimum); ``primal``: best
    distinct Lagrangian primal site sets (original candidate indices), best first, with their
    coverage ``primal_covered`` (f0 included); ``iterations`` done."""

    bound: float
    primal: tuple[tuple[int, ...], ...]
    primal_covered: tuple[float, ...]
    iterations: int


def lagrangian_bound(red: Reduced, p: int, budget: float = math.inf, *,
                     incumbent: float = 0.0, max_iter: int = 500, patience: int = 30,
                     rel_tol: float = 1e-5, time_limit: float | None = None,
                     keep: int = 4, lam0: np.ndarray | None = None) -> LagrangeResult:
    """Minimise the MCLP Lagrangian dual by subgradient steps (see the module docstring).

    ``incumbent``: best known coverage (people, fixed sites included), the Polyak target; the
    run stops when the bound is within ``rel_tol`` of it, when ``beta < 1e-4``, after
    ``max_iter`` iterations or ``time_limit`` seconds.
    """
    t0 = time.perf_counter()
    A, W, costs = red.A, red.W, red.costs
    m, k = A.shape
    c_ptr, c_idx = red.c_ptr, red.c_idx
    if m == 0 or k == 0 or p <= 0:
        return LagrangeResult(red.f0, ((),), (red.f0,), 0)
    # start: W_r / sqrt(number of candidates reaching r), between "each row's people shared
    # among its candidates" and "full weight"; the best of a few starts tried on the bench
    deg = np.diff(A.indptr).astype(np.float64)
    lam = W / np.sqrt(np.maximum(deg, 1.0)) if lam0 is None else np.clip(lam0, 0.0, W)
    # lambda = W gives v_j = people of N(j): L(W) is the submodular bound at the fixed sites,
    # so the Lagrangian bound is never weaker than that one
    best_bound = site_values_bound(K.column_sums(c_ptr, c_idx, W), costs, p, budget)[0]
    best_lb = max(incumbent - red.f0, 0.0)
    beta, stall, it = 2.0, 0, 0
    seen: dict[tuple[int, ...], float] = {}
    scale = max(float(W.sum()), 1e-12)
    for it in range(1, max_iter + 1):  # noqa: B007 (it reported)
        v = K.column_sums(c_ptr, c_idx, lam)
        val, y = site_values_bound(v, costs, p, budget)
        z = lam < W
        L = float((W - lam)[z].sum()) + val
        if best_bound - 1e-12 * scale > L:
            best_bound, stall = L, 0
        else:
            stall += 1
            if stall >= patience:
                beta, stall = beta / 2.0, 0
        sel = _primal(v, costs, p, budget)
        key = tuple(int(j) for j in sel)
        if key not in seen:
            hit = K.sparse_cover(c_ptr, c_idx, sel, np.ones(sel.size), m)
            covered = float(W[hit > 0].sum())
            seen[key] = covered
            best_lb = max(best_lb, covered)
        if best_bound - best_lb <= rel_tol * max(best_lb, 1e-12) or beta < 1e-4:
            break
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            break
        ny = np.flatnonzero(y)
        s = K.sparse_cover(c_ptr, c_idx, ny, y[ny], m) - z
        s[((lam <= 0) & (s > 0)) | ((lam >= W) & (s < 0))] = 0.0  # projected onto [0, W]
        nrm = float(np.square(s).sum())  # not s @ s: BLAS threads stall on a busy machine
        if nrm <= 0.0:
            break  # lambda is optimal (the relaxation's solution is feasible)
        step = beta * max(L - best_lb, 1e-9 * scale) / nrm
        lam = np.clip(lam - step * s, 0.0, W)
    # a row's multiplier above W_r never helps, so lambda in [0, W] loses nothing
    top = sorted(seen.items(), key=lambda kv: -kv[1])[:keep]
    primal = tuple(tuple(int(red.cand[j]) for j in key) for key, _ in top)
    return LagrangeResult(bound=red.f0 + best_bound, primal=primal,
                          primal_covered=tuple(red.f0 + c for _, c in top), iterations=it)
