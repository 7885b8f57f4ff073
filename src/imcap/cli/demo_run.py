"""The ``imcap demo`` pipeline, step by step, with a progress bar (see imcap.cli.indicators).

Steps: create/migrate the database; load reference data; import the bundled WHO GHO CT and MRI
exports and the OECD MED_TECH table; import the country's WHO-KEMRI facility list; build the
synthetic inventory (labelled); compute indicators and benchmarks; write indicators.csv,
benchmarks.csv and atlas.html into the output folder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.progress import Progress

from imcap.data import path as data_path
from imcap.errors import ValidationError
from imcap.indicators import compute
from imcap.indicators.benchmarks import benchmark_table
from imcap.indicators.engine import units_by_facility
from imcap.indicators.synthetic import build_synthetic_inventory
from imcap.ingest.facilities import import_facilities
from imcap.ingest.gho import import_gho
from imcap.ingest.oecd import import_oecd
from imcap.ingest.reference import load_reference
from imcap.reports.atlas import write_atlas
from imcap.store.db import Database

SOURCES = "reference/sources/"
GHO_FILES = ("Total_density_per_million_population_CT.csv",
             "Total_density_per_million_population_MRI.csv")
OECD_FILE = "OECD_DF_MED_TECH_per_million.csv"


def _checked(report: Any) -> Any:
    if not report.ok:
        raise ValidationError(report)
    return report


def run_demo(url: str, out: Path, iso3: str, bar: Progress) -> dict[str, Any]:
    steps = ["database", "reference data", "WHO GHO CT", "WHO GHO MRI", "OECD MED_TECH",
             f"{iso3} facility list", "synthetic inventory", "indicators", "benchmarks",
             "atlas"]
    task = bar.add_task("demo", total=len(steps))
    timings: dict[str, float] = {}
    state: dict[str, Any] = {}

    def step(name: str) -> None:
        bar.update(task, description=f"demo: {name}")
        state["t"] = time.perf_counter()
        state["name"] = name

    def done() -> None:
        timings[state["name"]] = time.perf_counter() - state["t"]
        bar.advance(task)

    step(steps[0])
    db = Database(url)
    done()
    step(steps[1])
    load_reference(db)
    done()
    for name, fname in zip(steps[2:4], GHO_FILES, strict=True):
        step(name)
        _checked(import_gho(db, data_path(SOURCES + fname)))
        done()
    step(steps[4])
    _checked(import_oecd(db, data_path(SOURCES + OECD_FILE)))
    done()
    step(steps[5])
    fac_file = data_path(f"{SOURCES}who_kemri_facilities_{iso3}.csv")
    rep = _checked(import_facilities(db, fac_file, country=iso3))
    done()
    step(steps[6])
    syn = build_synthetic_inventory(db, iso3)
    done()
    step(steps[7])
    t = time.perf_counter()
    df = compute(db)
    compute_s = time.perf_counter() - t
    ind_path = out / "indicators.csv"
    df.to_csv(ind_path, index=False)
    done()
    step(steps[8])
    bench = benchmark_table(df)
    bench_path = out / "benchmarks.csv"
    bench.to_csv(bench_path, index=False)
    done()
    step(steps[9])
    fac = units_by_facility(db, iso3)
    nat = df[(df["country_iso3"] == iso3) & df["area_id"].isna()
             & (df["indicator"] == "units_per_million") & (df["year"] == syn.year)]
    lines = [
        f"countries with indicators: {df['country_iso3'].nunique()}; rows: {len(df):,} "
        f"(computed in {compute_s:.2f} s)",
        f"{iso3} facility list: {rep.rows_read:,} rows ({rep.inserted:,} new)",
        f"{iso3} synthetic inventory {syn.year} (NOT REAL DATA): "
        + ", ".join(f"{k} {v}" for k, v in syn.units.items())
        + f" units on {syn.facilities_used} facilities",
    ]
    for code in ("CT", "MRI"):
        part = nat[nat["item"] == code].set_index("source")["value"]
        if len(part) >= 2:
            lines.append(f"{iso3} {code} per million {syn.year}: " + "; ".join(
                f"{v:.3f} ({s})" for s, v in part.items()))
    summary = {"database": db.url, **{f"step: {k}": f"{v:.2f} s" for k, v in timings.items()}}
    summary.update({f"line {n + 1}": ln for n, ln in enumerate(lines)})
    atlas_path = write_atlas(out / "atlas.html", df, fac, iso3, summary)
    done()
    db.dispose()
    return {"db": db.url, "indicators": ind_path, "benchmarks": bench_path,
            "atlas": atlas_path, "summary_lines": lines, "synthetic": syn, "timings": timings}
