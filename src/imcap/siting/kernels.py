"""Numba kernels of the siting heuristics, on CSR/CSC index arrays.

Notation: ``w[i]`` people at demand ``i``; ``N(j)`` the demands within the threshold of site
``j`` (column ``j`` of the coverage matrix); ``cnt[i]`` how many open sites cover ``i``. The
covered population of an open set S is ``f(S) = sum_i w[i] * [cnt[i] > 0]`` (uncapacitated).
``f`` is monotone submodular, so a marginal gain ``g_j(S) = f(S + j) - f(S)`` computed earlier
is an upper bound on the gain now: the basis of lazy evaluation (Minoux 1978) and of the
data-dependent bound ``OPT <= f(S) + sum of the p largest g_j(S)`` (Leskovec et al., KDD 2007).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def cover_counts(c_ptr, c_idx, open_mask, n_dem):  # type: ignore[no-untyped-def]
    """cnt[i] = number of open sites covering demand i."""
    cnt = np.zeros(n_dem, dtype=np.int32)
    for j in range(open_mask.shape[0]):
        if open_mask[j]:
            for k in range(c_ptr[j], c_ptr[j + 1]):
                cnt[c_idx[k]] += 1
    return cnt


@njit(cache=True)
def gain_of(j, c_ptr, c_idx, w, cnt):  # type: ignore[no-untyped-def]
    g = 0.0
    for k in range(c_ptr[j], c_ptr[j + 1]):
        i = c_idx[k]
        if cnt[i] == 0:
            g += w[i]
    return g


@njit(cache=True)
def all_gains(c_ptr, c_idx, w, cnt):  # type: ignore[no-untyped-def]
    n = c_ptr.shape[0] - 1
    out = np.zeros(n)
    for j in range(n):
        out[j] = gain_of(j, c_ptr, c_idx, w, cnt)
    return out


@njit(cache=True)
def _best(key, allowed):  # type: ignore[no-untyped-def]
    best, jb = -1.0, -1
    for j in range(key.shape[0]):
        if allowed[j] and key[j] > best:
            best, jb = key[j], j
    return jb


@njit(cache=True)
def lazy_greedy(c_ptr, c_idx, w, cnt, ub, allowed, costs, p, budget, use_ratio, target):  # type: ignore[no-untyped-def]
    """Add up to ``p`` sites by largest gain (or gain/cost), lazily re-evaluated.

    ``cnt`` (cover counts) and ``ub`` (upper bounds on gains, exact at start) are updated in
    place; ``allowed`` marks candidates that may still be chosen. Stops at ``p`` sites, when
    nothing affordable gains anything, or when covered population reaches ``target``.
    Returns the chosen sites in order and f(S) after each addition minus f(S0).
    """
    chosen = np.empty(p, dtype=np.int64)
    gains = np.empty(p)
    key = np.empty(ub.shape[0])
    n_chosen, spent, gained = 0, 0.0, 0.0
    while n_chosen < p and gained < target:
        for j in range(ub.shape[0]):
            if allowed[j] and spent + costs[j] > budget:
                allowed[j] = False
        while True:
            for j in range(ub.shape[0]):
                key[j] = ub[j] / max(costs[j], 1e-12) if use_ratio else ub[j]
            j = _best(key, allowed)
            if j < 0 or ub[j] <= 0.0:
                return chosen[:n_chosen], gains[:n_chosen]
            ub[j] = gain_of(j, c_ptr, c_idx, w, cnt)
            key[j] = ub[j] / max(costs[j], 1e-12) if use_ratio else ub[j]
            if _best(key, allowed) == j:
                break
        if ub[j] <= 0.0:
            return chosen[:n_chosen], gains[:n_chosen]
        for k in range(c_ptr[j], c_ptr[j + 1]):
            cnt[c_idx[k]] += 1
        allowed[j] = False
        spent += costs[j]
        gained += ub[j]
        chosen[n_chosen] = j
        gains[n_chosen] = ub[j]
        ub[j] = 0.0
        n_chosen += 1
    return chosen[:n_chosen], gains[:n_chosen]


@njit(cache=True)
def best_swap(c_ptr, c_idx, r_ptr, r_idx, w, cnt, is_open, swappable, allowed, costs, slack):  # type: ignore[no-untyped-def]
    """The best 1-swap (close s in ``swappable``, open j in ``allowed``) for the current ``cnt``.

    delta(s, j) = g_j(S - s) - loss_s, where loss_s = w of demands covered only by s and
    g_j(S - s) = w of demands of N(j) uncovered, plus those covered only by s. A swap must keep
    cost within ``slack`` (budget - spent): costs[j] - costs[s] <= slack.
    Returns (delta, s, j); delta <= 0 when no swap improves.
    """
    n = c_ptr.shape[0] - 1
    g0 = np.zeros(n)
    for j in range(n):
        if allowed[j]:
            g0[j] = gain_of(j, c_ptr, c_idx, w, cnt)
    extra = np.zeros(n)
    best_d, best_s, best_j = 0.0, -1, -1
    for s in range(n):
        if not swappable[s]:
            continue
        loss = 0.0
        for k in range(c_ptr[s], c_ptr[s + 1]):
            i = c_idx[k]
            if cnt[i] == 1:
                loss += w[i]
                for q in range(r_ptr[i], r_ptr[i + 1]):
                    extra[r_idx[q]] += w[i]
        for j in range(n):
            if allowed[j] and not is_open[j] and costs[j] - costs[s] <= slack + 1e-9:
                d = g0[j] + extra[j] - loss
                if d > best_d:
                    best_d, best_s, best_j = d, s, j
        for k in range(c_ptr[s], c_ptr[s + 1]):
            i = c_idx[k]
            if cnt[i] == 1:
                for q in range(r_ptr[i], r_ptr[i + 1]):
                    extra[r_idx[q]] = 0.0
    return best_d, best_s, best_j


@njit(cache=True)
def apply_site(j, c_ptr, c_idx, cnt, delta):  # type: ignore[no-untyped-def]
    for k in range(c_ptr[j], c_ptr[j + 1]):
        cnt[c_idx[k]] += delta


@njit(cache=True)
def allocate_nearest_first(pair_dem, pair_site, residual, cap_left):  # type: ignore[no-untyped-def]
    """Walk (demand, site) pairs already sorted by travel cost; each takes
    min(residual[demand], cap_left[site]). Updates both in place; returns people served per pair.
    """
    served = np.zeros(pair_dem.shape[0])
    for t in range(pair_dem.shape[0]):
        i, j = pair_dem[t], pair_site[t]
        a = min(residual[i], cap_left[j])
        if a > 0.0:
            residual[i] -= a
            cap_left[j] -= a
            served[t] = a
    return served


@njit(cache=True)
def capped_gain(j, c_ptr, c_idx, residual, cap):  # type: ignore[no-untyped-def]
    g = 0.0
    for k in range(c_ptr[j], c_ptr[j + 1]):
        g += residual[c_idx[k]]
    return min(g, cap)


@njit(cache=True)
def column_sums(c_ptr, c_idx, lam):  # type: ignore[no-untyped-def]
    """v[j] = sum of lam[i] over the demands i of column j (A^T lam for a 0/1 CSC matrix)."""
    n = c_ptr.shape[0] - 1
    v = np.zeros(n)
    for j in range(n):
        s = 0.0
        for k in range(c_ptr[j], c_ptr[j + 1]):
            s += lam[c_idx[k]]
        v[j] = s
    return v


@njit(cache=True)
def sparse_cover(c_ptr, c_idx, cols, vals, n_dem):  # type: ignore[no-untyped-def]
    """A y for a 0/1 CSC matrix and a sparse y (nonzeros ``vals`` at columns ``cols``)."""
    out = np.zeros(n_dem)
    for t in range(cols.shape[0]):
        j, a = cols[t], vals[t]
        for k in range(c_ptr[j], c_ptr[j + 1]):
            out[c_idx[k]] += a
    return out
