"""A covering problem on plain arrays: who can reach which candidate site, and at what cost.

The one input of every siting solver is a :class:`CoverageProblem`:

- ``coverage``: a sparse CSR matrix, one row per demand unit (a populated raster cell or a
  point) and one column per candidate site. An entry ``(i, j)`` is stored when demand ``i`` is
  within the threshold of site ``j``; its value is the travel cost (minutes, or metres for
  straight-line coverage). Explicit zeros are kept (a demand cell holding the site itself has
  cost 0), so the *structure* of the matrix, not its values, says who is covered.
- ``weights``: population of each demand unit (people, >= 0).
- ``fixed``: candidates that are always open (existing sites). They cover first; a solver
  never counts them among the new sites nor charges their cost.
- ``costs``: cost of opening each candidate (any currency, >= 0); used with a budget.
- ``capacities``: people a site can serve (``inf`` = unlimited). With capacities, the people
  covered by a set of open sites are allocated **nearest first**: all (demand, open site)
  pairs are taken in increasing travel cost and each takes min(people left at the demand,
  capacity left at the site). See :func:`imcap.siting.kernels.capacitated_coverage`.

Built like spopt's ``from_cost_matrix``: :meth:`CoverageProblem.from_cost_matrix` takes a dense
or sparse demand x candidate cost matrix and a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from imcap.errors import ParameterError

__all__ = ["CoverageProblem", "merge_identical_rows"]


def _as_float_vector(x: object, n: int, name: str, default: float, *,
                     allow_inf: bool) -> np.ndarray:
    if x is None:
        return np.full(n, default, dtype=np.float64)
    a = np.asarray(x, dtype=np.float64).reshape(-1)
    if a.shape[0] != n:
        raise ParameterError(f"{name} has the wrong length", expected=f"{n} values", got=a.shape[0])
    bad = np.isnan(a) | (a < 0) | (np.isinf(a) & (not allow_inf))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"{name} must be finite and >= 0" if not allow_inf else f"{name} must be >= 0",
            expected="non-negative numbers", got=float(a[i]), where=f"{name}[{i}]",
        )
    return a


@dataclass(frozen=True)
class CoverageProblem:
    """Demand x candidate coverage with populations, fixed sites, costs and capacities.

    Build with :meth:`from_cost_matrix` or :meth:`from_coverage`; the constructor checks shapes
    and values and raises :class:`imcap.errors.ParameterError` on bad input.
    ``candidate_labels`` are optional names (e.g. facility ids) carried into results.
    """

    coverage: sp.csr_matrix
    weights: np.ndarray
    fixed: np.ndarray
    costs: np.ndarray
    capacities: np.ndarray
    candidate_labels: tuple[str, ...] = ()
    csc: sp.csc_matrix = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cov = self.coverage
        if not sp.issparse(cov):
            raise ParameterError("coverage must be a sparse matrix", expected="scipy.sparse",
                                 got=type(cov).__name__)
        cov = sp.csr_matrix(cov, dtype=np.float64)
        cov.sort_indices()
        n_dem, n_cand = cov.shape
        if cov.nnz and (np.isnan(cov.data).any() or (cov.data < 0).any()):
            raise ParameterError("coverage costs must be >= 0", expected="travel costs >= 0",
                                 got="negative or NaN values")
        w = _as_float_vector(self.weights, n_dem, "weights", 0.0, allow_inf=False)
        fixed = np.zeros(n_cand, dtype=bool) if self.fixed is None else np.asarray(self.fixed)
        if fixed.dtype != bool:  # indices of fixed candidates
            idx = np.asarray(fixed, dtype=np.int64).reshape(-1)
            if idx.size and (idx.min() < 0 or idx.max() >= n_cand):
                raise ParameterError("fixed site index out of range",
                                     expected=f"0 <= index < {n_cand}", got=idx.tolist())
            fixed = np.zeros(n_cand, dtype=bool)
            fixed[idx] = True
        if fixed.shape != (n_cand,):
            raise ParameterError("fixed mask has the wrong length", expected=f"{n_cand} values",
                                 got=fixed.shape[0])
        costs = _as_float_vector(self.costs, n_cand, "costs", 1.0, allow_inf=False)
        caps = _as_float_vector(self.capacities, n_cand, "capacities", np.inf, allow_inf=True)
        labels = tuple(str(s) for s in self.candidate_labels)
        if labels and len(labels) != n_cand:
            raise ParameterError("candidate_labels has the wrong length",
                                 expected=f"{n_cand} labels", got=len(labels))
        object.__setattr__(self, "coverage", cov)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "costs", costs)
        object.__setattr__(self, "capacities", caps)
        object.__setattr__(self, "candidate_labels", labels)
        csc = cov.tocsc()
        csc.sort_indices()
        object.__setattr__(self, "csc", csc)

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def from_coverage(
        cls,
        coverage: sp.spmatrix | np.ndarray,
        weights: Sequence[float] | np.ndarray,
        *,
        fixed: Sequence[int] | np.ndarray | None = None,
        costs: Sequence[float] | np.ndarray | None = None,
        capacities: Sequence[float] | np.ndarray | None = None,
        candidate_labels: Sequence[str] = (),
    ) -> CoverageProblem:
        """From a boolean (or 0/1) coverage matrix: a nonzero entry means "covered", cost 0."""
        m = sp.csr_matrix(coverage)
        m.eliminate_zeros()
        m = sp.csr_matrix((np.zeros(m.nnz), m.indices.copy(), m.indptr.copy()), shape=m.shape)
        return cls(m, np.asarray(weights), fixed, costs, capacities,  # type: ignore[arg-type]
                   tuple(candidate_labels))

    @classmethod
    def from_cost_matrix(
        cls,
        cost: sp.spmatrix | np.ndarray,
        weights: Sequence[float] | np.ndarray,
        max_cost: float,
        *,
        fixed: Sequence[int] | np.ndarray | None = None,
        costs: Sequence[float] | np.ndarray | None = None,
        capacities: Sequence[float] | np.ndarray | None = None,
        candidate_labels: Sequence[str] = (),
    ) -> CoverageProblem:
        """From a demand x candidate travel-cost matrix (minutes or metres) and a threshold.

        Dense input: every finite entry ``<= max_cost`` covers (``inf``/NaN = unreachable).
        Sparse input: stored entries ``<= max_cost`` cover (explicit zeros included).
        """
        if not np.isfinite(max_cost) or max_cost < 0:
            raise ParameterError("threshold must be a finite number >= 0",
                                 expected="max_cost >= 0", got=max_cost)
        if sp.issparse(cost):
            c = sp.coo_matrix(cost)
            keep = c.data <= max_cost
            rows, cols, vals = c.row[keep], c.col[keep], c.data[keep]
            shape = c.shape
        else:
            d = np.asarray(cost, dtype=np.float64)
            if d.ndim != 2:
                raise ParameterError("cost matrix must be 2-D", expected="demand x candidate",
                                     got=d.shape)
            rows, cols = np.nonzero(np.isfinite(d) & (d <= max_cost))
            vals, shape = d[rows, cols], d.shape
        m = from_triplets(rows, cols, vals, shape)
        return cls(m, np.asarray(weights), fixed, costs, capacities,  # type: ignore[arg-type]
                   tuple(candidate_labels))

    # -- views ----------------------------------------------------------------------------
    @property
    def n_demand(self) -> int:
        return int(self.coverage.shape[0])

    @property
    def n_candidates(self) -> int:
        return int(self.coverage.shape[1])

    @property
    def total_population(self) -> float:
        return float(self.weights.sum())

    @property
    def capacitated(self) -> bool:
        return bool(np.isfinite(self.capacities).any())

    def with_threshold(self, max_cost: float) -> CoverageProblem:
        """The same problem with a tighter threshold (entries with cost > max_cost dropped)."""
        return CoverageProblem.from_cost_matrix(
            self.coverage, self.weights, max_cost, fixed=self.fixed, costs=self.costs,
            capacities=self.capacities, candidate_labels=self.candidate_labels)


def from_triplets(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
                  shape: tuple[int, int]) -> sp.csr_matrix:
    """CSR from (row, col, cost) triplets keeping explicit zeros; duplicates keep the minimum."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    vals = np.asarray(vals, dtype=np.float64)
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    if rows.size:
        first = np.ones(rows.size, dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols, vals = rows[first], cols[first], vals[first]
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    idx_dtype = np.int32 if max(shape) < 2**31 - 1 and rows.size < 2**31 - 1 else np.int64
    return sp.csr_matrix((vals, cols.astype(idx_dtype), indptr.astype(idx_dtype)), shape=shape)


def merge_identical_rows(
    matrix: sp.csr_matrix, weights: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Merge demand rows that reach exactly the same candidates, summing their weights.

    Returns ``(merged 0/1 matrix, merged weights, group)`` where ``group[i]`` is the merged row
    of original row ``i`` (-1 for rows that reach no candidate; those are dropped). Rows are
    compared by two independent 64-bit sums of random keys per candidate plus the row length
    (a collision needs two different rows to agree on 128 random bits).
    """
    m = sp.csr_matrix(matrix)
    n, k = m.shape
    rng = np.random.default_rng(20240917)
    keys = rng.integers(0, 2**63 - 1, size=(2, max(k, 1)), dtype=np.int64).view(np.uint64)
    lengths = np.diff(m.indptr)
    nonempty = lengths > 0
    row_of = np.repeat(np.arange(n), lengths)
    h = np.zeros((n, 2), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for t in range(2):
            np.add.at(h[:, t], row_of, keys[t][m.indices])
    sig = np.column_stack([h.view(np.int64), lengths.astype(np.int64)])[nonempty]
    uniq, first, inv = np.unique(sig, axis=0, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    rows_kept = np.flatnonzero(nonempty)
    group = np.full(n, -1, dtype=np.int64)
    group[rows_kept] = inv
    merged_w = np.bincount(inv, weights=weights[rows_kept], minlength=uniq.shape[0])
    rep = rows_kept[first]
    sub = m[rep]
    merged = sp.csr_matrix((np.ones(sub.nnz), sub.indices, sub.indptr), shape=(len(rep), k))
    return merged, merged_w, group
