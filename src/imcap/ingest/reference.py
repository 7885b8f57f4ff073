"""Load the bundled reference data: countries, WHO regions, income groups, World Bank
population, Kenya counties and Malawi areas with their population (see DATA_SOURCES.md)."""

from __future__ import annotations

import csv
import json
from typing import Any

from sqlalchemy import select

from imcap.data import path
from imcap.store.db import Database
from imcap.store.repo import file_sha256, previous_batch, start_batch, upsert_many
from imcap.store.schema import Area, Country, Population

WB_POP_SOURCE = "World Bank WDI SP.POP.TOTL (datasets/population)"
COUNTRY_SOURCE = (
    "ISO 3166 (datahub country-codes); WHO member states and regions; "
    "World Bank CLASS FY23 income groups"
)
AREA_FILES = {
    "KEN": (
        "reference/areas_KEN.geojson",
        "OpenStreetMap via Mondieki/kenya-counties-subcounties (ODbL)",
    ),
    "MWI": ("reference/areas_MWI.geojson", "mrc-ide/naomi demo areas (MIT)"),
}


def _read_csv(rel: str) -> list[dict[str, str]]:
    with open(path(rel), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_reference(db: Database, *, actor: str = "cli") -> dict[str, Any]:
    """Load (or refresh) all reference data. Idempotent: a second run changes nothing."""
    summary: dict[str, Any] = {}
    sha = file_sha256(path("reference/countries.csv")) + file_sha256(
        path("reference/population.csv")
    )
    with db.session() as s:
        if previous_batch(s, "reference", sha[:64]) is not None and s.get(Country, "KEN"):
            return {"status": "already loaded"}
        batch = start_batch(
            s, "reference", "imcap bundled reference data", sha[:64], COUNTRY_SOURCE, actor=actor
        )
        countries = [
            {
                "iso3": r["iso3"],
                "iso2": r["iso2"] or None,
                "m49": int(r["m49"]) if r["m49"] else None,
                "name": r["name"],
                "who_region": r["who_region"] or None,
                "wb_region": r["wb_region"] or None,
                "income_group": r["income_group"] or None,
                "source": COUNTRY_SOURCE,
            }
            for r in _read_csv("reference/countries.csv")
        ]
        summary["countries"] = upsert_many(
            s, Country, ("iso3",), countries, batch_id=batch.id, actor=actor
        )
        pops = [
            {
                "country_iso3": r["iso3"],
                "area_id": None,
                "year": int(r["year"]),
                "value": float(r["population"]),
                "source": WB_POP_SOURCE,
                "method": "reported",
            }
            for r in _read_csv("reference/population.csv")
        ]
        areas: list[dict[str, Any]] = []
        for iso3, (rel, source) in AREA_FILES.items():
            fc = json.loads(path(rel).read_text(encoding="utf-8"))
            feats = sorted(fc["features"], key=lambda f: f["properties"]["level"])
            for f in feats:
                p = f["properties"]
                areas.append(
                    {
                        "id": p["area_id"],
                        "country_iso3": iso3,
                        "parent_id": p["parent_area_id"],
                        "level": p["level"],
                        "level_name": p["level_name"],
                        "name": p["name"],
                        "code": p["code"],
                        "geometry": json.dumps(f["geometry"]),
                        "source": source,
                        "method": "reported",
                    }
                )
        summary["areas"] = upsert_many(s, Area, ("id",), areas, batch_id=batch.id, actor=actor)
        for r in _read_csv("reference/area_population.csv"):
            pops.append(
                {
                    "country_iso3": r["area_id"][:3],
                    "area_id": r["area_id"],
                    "year": int(r["year"]),
                    "value": float(r["population"]),
                    "source": r["source"],
                    "method": r["method"],
                }
            )
        summary["population"] = upsert_many(
            s,
            Population,
            ("country_iso3", "area_id", "year", "source"),
            pops,
            batch_id=batch.id,
            actor=actor,
        )
    return summary


def population(db_session: Any, iso3: str, year: int, area_id: str | None = None) -> float | None:
    """Population of a country (or area) in ``year``; the nearest earlier year if missing."""
    stmt = (
        select(Population.value, Population.year)
        .where(Population.country_iso3 == iso3, Population.year <= year)
        .where(Population.area_id.is_(None) if area_id is None else Population.area_id == area_id)
        .order_by(Population.year.desc())
        .limit(1)
    )
    row = db_session.execute(stmt).first()
    return float(row[0]) if row else None
