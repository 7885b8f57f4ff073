"""``python -m bench.indicators``: the full indicator set for every country and year in the
bundled data (reference data, WHO GHO CT and MRI, OECD MED_TECH, the Kenya WHO-KEMRI facility
list with the synthetic demo inventory), against the 1 s budget of DESIGN.md.

Prints the median of ``--repeat`` runs of ``imcap.indicators.compute`` (six queries and the
pandas group-bys) and its ratio to the budget (< 1 means within budget), plus the parts:
reading the tables, deriving the indicators, and ``benchmark_table`` on the result.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from imcap.data import path as data_path
from imcap.indicators import compute
from imcap.indicators.benchmarks import benchmark_table
from imcap.indicators.engine import _load, compute_frames
from imcap.indicators.synthetic import build_synthetic_inventory
from imcap.ingest.facilities import import_facilities
from imcap.ingest.gho import import_gho
from imcap.ingest.oecd import import_oecd
from imcap.ingest.reference import load_reference
from imcap.store.db import Database

BUDGET_S = 1.0
SRC = "reference/sources/"


def build(db: Database) -> None:
    load_reference(db)
    for f in ("CT", "MRI"):
        assert import_gho(db, data_path(f"{SRC}Total_density_per_million_population_{f}.csv")).ok
    assert import_oecd(db, data_path(f"{SRC}OECD_DF_MED_TECH_per_million.csv")).ok
    assert import_facilities(db, data_path(f"{SRC}who_kemri_facilities_KEN.csv")).ok
    build_synthetic_inventory(db, "KEN")


def _median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        print("building the bundled-data database ...", flush=True)
        build(db)
        df = compute(db)  # warm-up (imports, caches)
        total = _median(lambda: compute(db), args.repeat)

        def load():  # type: ignore[no-untyped-def]
            with db.engine.connect() as conn:
                return _load(conn, None)

        data = load()
        t_load = _median(load, args.repeat)
        t_frames = _median(lambda: compute_frames(data), args.repeat)
        t_bench = _median(lambda: benchmark_table(df), args.repeat)
        db.dispose()
    print(f"indicator rows: {len(df):,}; countries: {df['country_iso3'].nunique()}; "
          f"years: {df['year'].min()}-{df['year'].max()}; indicators: {df['indicator'].nunique()}")
    print(f"  read tables      {t_load:.3f} s")
    print(f"  derive (pandas)  {t_frames:.3f} s")
    print(f"  benchmark_table  {t_bench:.3f} s")
    print(f"compute(): median {total:.3f} s over {args.repeat} runs; budget {BUDGET_S:.1f} s; "
          f"ratio to budget {total / BUDGET_S:.2f} ({'within' if total < BUDGET_S else 'OVER'} "
          "budget)")
    return 0 if total < BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
