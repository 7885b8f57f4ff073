"""Fixed-seed synthetic travel-time problem: land cover, roads, lakes and rivers, 50 sources.

Friction in minutes per metre on 100 m square cells (projected, EPSG:32628 in GeoTIFF form).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

CELL_M = 100.0
# land cover classes: bare/grass, farmland, shrub, forest, swamp (km/h, walking)
CLASS_KMH = np.array([5.0, 4.0, 3.0, 2.0, 1.0])


def _lines(mask: np.ndarray, rng: np.random.Generator, n: int, steps: int, width: int) -> None:
    """Random-walk polylines burnt into ``mask`` (``width`` cells wide, 4-connected)."""
    rows, cols = mask.shape
    for _ in range(n):
        r, c = rng.uniform(0, rows), rng.uniform(0, cols)
        ang = rng.uniform(0, 2 * np.pi)
        for _ in range(steps):
            ang += rng.normal(0, 0.15)
            r2, c2 = r + 0.5 * np.sin(ang), c + 0.5 * np.cos(ang)
            for w in range(width):
                rr, cc = int(r) + w, int(c)
                if 0 <= rr < rows and 0 <= cc < cols:
                    mask[rr, cc] = True
                rr, cc = int(r2) + w, int(c)  # fill the corner: no diagonal gaps
                if 0 <= rr < rows and 0 <= cc < cols:
                    mask[rr, cc] = True
            r, c = r2, c2
            if not (0 <= r < rows and 0 <= c < cols):
                break


def make_problem(n: int, seed: int = 20250501, n_sources: int = 50
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(friction float32 min/m with NaN impassable, sources int64 (50, 2) rows/cols)."""
    rng = np.random.default_rng(seed)
    small = max(n // 8, 8)
    noise = gaussian_filter(rng.standard_normal((small, small)), 2.0)
    # upsample the smooth field (cheap at 4000²)
    idx = (np.arange(n) * small // n)
    field = noise[idx][:, idx] + 0.15 * rng.standard_normal((n, n))
    q = np.quantile(field[:: max(n // 200, 1), :: max(n // 200, 1)], [0.3, 0.55, 0.75, 0.9])
    classes = np.searchsorted(q, field).astype(np.int8)
    kmh = CLASS_KMH[classes].astype(np.float32)
    lakes = noise[idx][:, idx] > np.quantile(noise, 0.96)
    rivers = np.zeros((n, n), bool)
    _lines(rivers, rng, n_sources // 5, 4 * n, 2)
    roads_main = np.zeros((n, n), bool)
    _lines(roads_main, rng, 8, 4 * n, 1)
    roads_minor = np.zeros((n, n), bool)
    _lines(roads_minor, rng, 40, n, 1)
    kmh[lakes | rivers] = 0.0
    kmh[roads_minor] = 30.0  # roads cross water (bridges), as AccessMod's default priority
    kmh[roads_main] = 80.0
    with np.errstate(divide="ignore"):
        friction = np.where(kmh > 0, 60.0 / (1000.0 * kmh), np.nan).astype(np.float32)
    ok = np.flatnonzero(np.isfinite(friction.ravel()))
    src = rng.choice(ok, size=n_sources, replace=False)
    return friction, np.column_stack([src // n, src % n]).astype(np.int64)
