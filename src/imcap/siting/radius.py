"""Straight-line (radius) coverage for quick screening, with scipy's cKDTree.

Coordinates are planar (projected metres, or any unit shared by both point sets and the
radius). For longitude/latitude, project first (e.g. to the country's UTM zone with pyproj); the
geographic wrappers in :mod:`imcap.siting.geo` do this.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from imcap.errors import ParameterError
from imcap.siting.problem import from_triplets

__all__ = ["radius_coverage"]


def radius_coverage(demand_xy: np.ndarray, site_xy: np.ndarray, radius: float) -> sp.csr_matrix:
    """Demand x site CSR matrix of Euclidean distances for pairs within ``radius``.

    Explicit zeros are kept (a demand point on a site). Runs in O((n + k) log n + pairs).
    """
    d = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
    s = np.asarray(site_xy, dtype=np.float64).reshape(-1, 2)
    if not np.isfinite(radius) or radius < 0:
        raise ParameterError("radius must be a finite number >= 0", expected="radius >= 0",
                             got=radius)
    if not (np.isfinite(d).all() and np.isfinite(s).all()):
        raise ParameterError("coordinates must be finite", expected="finite x, y",
                             got="NaN or inf coordinates")
    if len(d) == 0 or len(s) == 0:
        return sp.csr_matrix((len(d), len(s)))
    tree = cKDTree(d)
    sdm = cKDTree(s).sparse_distance_matrix(tree, radius, output_type="coo_matrix")
    # sparse_distance_matrix drops exact zeros: add coincident points back explicitly
    hits = tree.query_ball_point(s, r=0.0)
    zr = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits]) if len(hits) else []
    zc = np.repeat(np.arange(len(s)), [len(h) for h in hits])
    rows = np.concatenate([sdm.col, zr]).astype(np.int64)
    cols = np.concatenate([sdm.row, zc]).astype(np.int64)
    vals = np.concatenate([sdm.data, np.zeros(len(zc))])
    return from_triplets(rows, cols, vals, (len(d), len(s)))
