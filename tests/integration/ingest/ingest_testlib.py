"""Helpers of the importer tests: countries and areas without population (fast), row counts of
every table, bundled source files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import func, select

from imcap.data import path as data_path
from imcap.store.db import Database
from imcap.store.schema import Area, Base, Country

SOURCES = "reference/sources/"


def load_places(db: Database) -> None:
    """Countries (bundled countries.csv) and the KEN counties / MWI areas, without geometry."""
    with db.session() as s:
        with open(data_path("reference/countries.csv"), encoding="utf-8", newline="") as f:
            s.add_all(Country(iso3=r["iso3"], iso2=r["iso2"] or None, name=r["name"],
                              who_region=r["who_region"] or None,
                              income_group=r["income_group"] or None, source="test")
                      for r in csv.DictReader(f))
        s.flush()
        for iso3 in ("KEN", "MWI"):
            fc = json.loads(data_path(f"reference/areas_{iso3}.geojson").read_text("utf-8"))
            for ft in sorted(fc["features"], key=lambda x: x["properties"]["level"]):
                p = ft["properties"]
                s.add(Area(id=p["area_id"], country_iso3=iso3, parent_id=p["parent_area_id"],
                           level=p["level"], level_name=p["level_name"], name=p["name"],
                           code=p["code"], source="test"))
            s.flush()


def counts(db: Database) -> dict[str, int]:
    """Row count of every table (for "nothing was written" assertions)."""
    with db.session() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables}


def source_file(name: str) -> Path:
    return data_path(SOURCES + name)


