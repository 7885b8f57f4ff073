"""Siting benchmark: imcap greedy+swap vs imcap exact (HiGHS) vs spopt MCLP (PuLP/CBC).

Run from the repository root: ``python -m bench.siting`` (``--quick`` for small sizes,
``--spopt-timeout S`` to bound each spopt run, default 240 s). Fixed seeds; every comparison is
measured side by side in one run. Instances:

- radius: demand points from a mixture of Gaussian towns on a 1,000 x 1,000 km square,
  people log-normal, candidates drawn among demand points, 30 km straight-line coverage.
- travel time: a 2,000 x 2,000 raster of 500 m cells, walking friction (5 km/h) with a grid of
  roads (60 km/h) every 100 cells; demand = populated cells sampled from the same towns;
  candidates on populated cells; coverage within 120 minutes built on the access engine with
  2 worker processes (timed separately: "matrix s").

Columns: time (s, matrix build excluded), peak (MiB, tracemalloc for imcap, max RSS of the
child process for spopt), covered people, % of the bound (covered / best proven upper bound:
the smaller of greedy's and exact's bounds), gap (the gap the method reports itself; the
bound it uses in brackets: lagrangian, submodular, milp), ratio (spopt time / greedy time).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import resource
import time
import tracemalloc

import numpy as np

from imcap.siting import CoverageProblem, exact_max_cover, greedy_max_cover, radius_coverage
from imcap.siting.traveltime import DemandGrid, traveltime_coverage

SEED = 20250917


def towns(rng: np.random.Generator, n: int, extent: float, n_towns: int = 60) -> np.ndarray:
    centres = rng.uniform(0.05 * extent, 0.95 * extent, (n_towns, 2))
    spread = rng.uniform(0.01, 0.05, n_towns) * extent
    which = rng.integers(0, n_towns, n)
    pts = centres[which] + rng.normal(size=(n, 2)) * spread[which, None]
    return np.clip(pts, 0, extent - 1e-6)


def radius_instance(n_dem: int, n_cand: int, seed: int) -> CoverageProblem:
    rng = np.random.default_rng(seed)
    d = towns(rng, n_dem, 1_000_000.0)
    w = np.round(rng.lognormal(4.0, 1.0, n_dem))
    s = d[rng.choice(n_dem, n_cand, replace=False)]
    m = radius_coverage(d, s, 30_000.0)
    return CoverageProblem.from_cost_matrix(m, w, 30_000.0)


def traveltime_instance(n_dem: int, n_cand: int, seed: int, workers: int
                        ) -> tuple[CoverageProblem, float, int]:
    rng = np.random.default_rng(seed)
    n = 2000
    cost = np.full((n, n), 60.0 / 5000.0)  # minutes per metre walking at 5 km/h
    cost[::100, :] = cost[:, ::100] = 60.0 / 60000.0  # roads at 60 km/h
    cells = towns(rng, 4 * n_dem, float(n)).astype(np.int64)
    flat = np.unique(cells[:, 0] * n + cells[:, 1])[:n_dem]
    flat = rng.permutation(flat)[:n_dem]
    pop = np.zeros(n * n)
    pop[flat] = np.round(rng.lognormal(4.0, 1.0, flat.size))
    grid = DemandGrid.from_raster(pop.reshape(n, n))
    cand = rng.choice(grid.cells, n_cand, replace=False)
    sites = np.column_stack([cand // n, cand % n])
    t0 = time.perf_counter()
    m = traveltime_coverage(cost, 500.0, grid, sites, 120.0, workers=workers)
    t_matrix = time.perf_counter() - t0
    return CoverageProblem.from_cost_matrix(m, grid.people, 120.0), t_matrix, grid.cells.size


def _spopt_child(q: mp.Queue, cov_rows, cov_cols, cov_vals, shape, w, radius, p, timeout):  # type: ignore[no-untyped-def]
    import warnings

    import pulp
    from spopt.locate import MCLP

    warnings.simplefilter("ignore")
    dense = np.full(shape, radius * 10.0)
    dense[cov_rows, cov_cols] = cov_vals
    t0 = time.perf_counter()
    model = MCLP.from_cost_matrix(dense, w, radius, p_facilities=p)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=timeout))
    t = time.perf_counter() - t0
    chosen = [j for j, v in enumerate(model.fac_vars) if v.value() and v.value() > 0.5]
    covered = float(w[np.asarray((dense[:, chosen] <= radius).any(axis=1)).reshape(-1)].sum())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q.put((t, covered, rss))


def run_spopt(problem: CoverageProblem, radius: float, p: int, timeout: float):  # type: ignore[no-untyped-def]
    coo = problem.coverage.tocoo()
    q: mp.Queue = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(
        target=_spopt_child, args=(q, coo.row, coo.col, coo.data, coo.shape, problem.weights,
                                   radius, p, timeout))
    t0 = time.perf_counter()
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, time.perf_counter() - t0
    return q.get(), time.perf_counter() - t0


def measure(fn):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    t0 = time.perf_counter()
    r = fn()
    t = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return r, t, peak


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.siting")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--p", type=int, default=25, help="new sites to choose")
    ap.add_argument("--spopt-timeout", type=float, default=240.0)
    ap.add_argument("--exact-time-limit", type=float, default=120.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--spopt-max-demand", type=int, default=None,
                    help="skip spopt on instances with more demand points (it times out there)")
    a = ap.parse_args()
    sizes = [(2_000, 100), (20_000, 1_000), (50_000, 2_000)]
    if a.quick:
        sizes = [(1_000, 50), (3_000, 150)]
    print(f"# siting benchmark  {platform.processor() or platform.machine()}  "
          f"cpus={mp.cpu_count()}  p={a.p}  python {platform.python_version()}")
    # warm the numba caches so that compile time is not measured
    small = radius_instance(500, 20, 1)
    greedy_max_cover(small, 3)
    print("| instance | demand x cand | nnz | matrix s | method | time s | peak MiB | covered "
          "| % of bound | gap | spopt/greedy |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    cases: list[tuple[str, CoverageProblem, float, float | None]] = []
    for n_dem, n_cand in sizes:
        t0 = time.perf_counter()
        pr = radius_instance(n_dem, n_cand, SEED + n_dem)
        cases.append(("radius 30 km", pr, time.perf_counter() - t0, 30_000.0))
    for n_dem, n_cand in sizes[1:] if not a.quick else sizes:
        pr, t_m, _ = traveltime_instance(n_dem, n_cand, SEED + 7 * n_dem, a.workers)
        cases.append(("travel 120 min", pr, t_m, 120.0))
    for name, pr, t_matrix, radius in cases:
        p = min(a.p, pr.n_candidates)
        g, tg, mg = measure(lambda pr=pr, p=p: greedy_max_cover(pr, p))
        e, te, me = measure(lambda pr=pr, p=p: exact_max_cover(pr, p,
                                                               time_limit=a.exact_time_limit))
        bound = min(g.bound, e.bound)
        rows = [(f"imcap greedy+swap [{g.bound_source}]", tg, mg, g.covered, g.gap),
                (f"imcap exact [{e.bound_source}]", te, me, e.covered, e.gap)]
        skip = a.spopt_max_demand is not None and pr.n_demand > a.spopt_max_demand
        spopt_res, spopt_wall = (None, 0.0) if skip else run_spopt(pr, radius, p,
                                                                   a.spopt_timeout)
        if skip:
            pass
        elif spopt_res is None:
            rows.append((f"spopt MCLP (CBC): no answer in {a.spopt_timeout:.0f} s", spopt_wall,
                         float("nan"), float("nan"), float("nan")))
        else:
            ts, cs, rss = spopt_res
            rows.append(("spopt MCLP (CBC)", ts, rss, cs, float("nan")))
        for label, t, mem, cov, gap in rows:
            ratio = ""
            if label.startswith("spopt"):
                ratio = (f"{t / tg:,.0f}x" if spopt_res is not None else f">{t / tg:,.0f}x")
            print(f"| {name} | {pr.n_demand:,} x {pr.n_candidates:,} | {pr.coverage.nnz:,} | "
                  f"{t_matrix:.1f} | {label} | {t:.2f} | {mem:,.0f} | {cov:,.0f} | "
                  f"{100 * cov / bound:.2f} | {gap:.4f} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
