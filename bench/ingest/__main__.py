"""``python -m bench.ingest``: time validate + import of a generated unit inventory."""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path

from imcap.domain.catalogue import MODALITIES, STATUSES
from imcap.ingest import import_facilities, import_inventory
from imcap.ingest.reference import load_reference
from imcap.store.db import Database

BUDGET_S = 30.0


def make_files(folder: Path, rows: int, facilities: int, seed: int = 1) -> tuple[Path, Path]:
    """A facility list (KEN) and an inventory of ``rows`` units spread over it."""
    rng = random.Random(seed)
    fac = folder / "facilities.csv"
    with fac.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["facility_id", "name", "country", "level", "lat", "lon"])
        for i in range(facilities):
            w.writerow([f"F{i:05d}", f"Facility {i}", "KEN", "district_hospital",
                        f"{rng.uniform(-4, 4):.5f}", f"{rng.uniform(34, 41):.5f}"])
    inv = folder / "inventory.csv"
    mods = [m.code for m in MODALITIES]
    sts = [s.value for s in STATUSES]
    with inv.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["unit_id", "facility_id", "modality", "make", "model", "year_installed",
                    "status", "status_date", "maintenance_contract", "last_qa_date",
                    "ae_title", "source"])
        for i in range(rows):
            w.writerow([f"U{i:06d}", f"F{rng.randrange(facilities):05d}", rng.choice(mods),
                        rng.choice(["Siemens", "GE", "Philips", "Canon", "Fujifilm"]),
                        f"Model {rng.randrange(40)}", rng.randrange(1995, 2025),
                        rng.choice(sts), f"2024-{rng.randrange(1, 13):02d}-01",
                        rng.choice(["yes", "no", ""]), f"2023-{rng.randrange(1, 13):02d}-15",
                        f"AE{i % 9999}", "bench generator"])
    return fac, inv


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--facilities", type=int, default=2_000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fac, inv = make_files(folder, args.rows, args.facilities)
        db = Database(f"sqlite:///{folder / 'bench.db'}")
        load_reference(db)
        rep = import_facilities(db, fac, source="bench generator")
        assert rep.ok, rep.problems[:5]
        t0 = time.perf_counter()
        dry = import_inventory(db, inv, dry_run=True)
        t1 = time.perf_counter()
        c1 = time.process_time()
        rep = import_inventory(db, inv)
        t2 = time.perf_counter()
        cpu = time.process_time() - c1
        again = import_inventory(db, inv)
        t3 = time.perf_counter()
        assert rep.ok and dry.ok and again.ok, rep.problems[:5]
        db.dispose()
    imp = t2 - t1
    print(f"inventory import, {args.rows:,} unit rows on SQLite (budget {BUDGET_S:.0f} s "
          "for 100,000 rows with validation)")
    print(f"  validate only (dry run, counts what would change): {t1 - t0:6.2f} s")
    print(f"  validate + import:                                 {imp:6.2f} s  "
          f"ratio to budget {imp / (BUDGET_S * args.rows / 100_000):.2f}")
    print(f"    of which CPU time of this process:               {cpu:6.2f} s  (wall > CPU "
          "means the machine was busy or waiting on disk)")
    print(f"  re-import of the same file (all unchanged):        {t3 - t2:6.2f} s")
    print(f"  inserted {rep.inserted:,}, re-import unchanged {again.unchanged:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
