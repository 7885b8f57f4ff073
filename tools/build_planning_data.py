"""Rebuild ``src/imcap/data/planning/gdp_per_capita.csv`` from ../shared/data.

Source: World Bank NY.GDP.MKTP.CD (GDP, current US$) divided by SP.POP.TOTL (population), as
derived in ``shared/data/impact/wb_gdp_pop_datasets/DERIVED_gdp_per_capita_current_usd.csv``
(datasets/gdp and datasets/population, ODC-PDDL-1.0; World Bank data CC BY 4.0).
Only years 2015 onwards are kept (the source string lives in
``imcap.planning.context.GDP_SOURCE``); the planner takes the latest year at or before the plan's
base year.

Usage: python tools/build_planning_data.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(shared: Path) -> None:
    src = shared / "impact" / "wb_gdp_pop_datasets" / "DERIVED_gdp_per_capita_current_usd.csv"
    out = ROOT / "src" / "imcap" / "data" / "planning" / "gdp_per_capita.csv"
    rows = []
    with open(src, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            year = int(r["Year"])
            if year < 2015 or not r["gdp_per_capita_usd"] or len(r["iso3"]) != 3:
                continue
            rows.append((r["iso3"], year, round(float(r["gdp_per_capita_usd"]), 1)))
    rows.sort()
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["iso3", "year", "gdp_per_capita_usd"])
        for iso3, year, v in rows:
            w.writerow([iso3, year, v])
    print(f"wrote {len(rows)} rows to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
