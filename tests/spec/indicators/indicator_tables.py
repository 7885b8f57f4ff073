"""Tiny readable tables for indicator spec tests: whitespace-separated text, '-' = empty.

``seed(db, population=..., facilities=..., units=..., figures=..., workforce=..., exams=...)``
inserts rows directly (no importer), ``rows(text)`` parses an expected table and
``pick(df, indicator, columns)`` turns engine output into the same shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from imcap.store.schema import (
    Area,
    Country,
    CountryFigure,
    ExamVolume,
    Facility,
    ImagingUnit,
    Population,
    Workforce,
)

SRC = "test source"
DEFAULT_AREAS = """
id     country
KEN_01 KEN
KEN_02 KEN
"""

COUNTRIES = {  # iso3: (income group, WHO region)
    "KEN": ("LMC", "AFR"), "TZA": ("LMC", "AFR"), "UGA": ("LIC", "AFR"),
    "ETH": ("LIC", "AFR"), "ZAF": ("UMC", "AFR"), "BWA": ("UMC", "AFR"),
    "FRA": ("HIC", "EUR"), "DEU": ("HIC", "EUR"), "IND": ("LMC", "SEAR"),
}


def _cell(v: str) -> Any:
    if v == "-":
        return None
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    if v in ("True", "False"):
        return v == "True"
    if len(v) == 10 and v[4] == "-" and v[7] == "-":
        return dt.date.fromisoformat(v)
    return v


def rows(text: str) -> list[dict[str, Any]]:
    lines = [ln.split() for ln in text.strip().splitlines() if ln.strip()]
    head, body = lines[0], lines[1:]
    return [dict(zip(head, (_cell(v) for v in r), strict=True)) for r in body]


def seed(db: Any, **tables: str) -> dict[str, int]:
    """Insert the given tables; returns facility external id -> database id."""
    fac_ids: dict[str, int] = {}
    with db.session() as s:
        for iso3, (inc, reg) in COUNTRIES.items():
            s.add(Country(iso3=iso3, name=iso3, income_group=inc, who_region=reg, source=SRC))
        s.flush()
        for r in rows(tables.get("areas", DEFAULT_AREAS)):
            s.add(Area(id=r["id"], country_iso3=r["country"], level=1, level_name="County",
                       name=r["id"], source=SRC))
        s.flush()
        for r in rows(tables.get("population", "country area year population\n")):
            s.add(Population(country_iso3=r["country"], area_id=r["area"], year=r["year"],
                             value=r["population"], source="test population"))
        for r in rows(tables.get("facilities", "id country area level\n")):
            f = Facility(external_id=r["id"], country_iso3=r["country"], area_id=r["area"],
                         name=r["id"], level=r["level"], source=SRC)
            s.add(f)
            s.flush()
            fac_ids[r["id"]] = f.id
        for n, r in enumerate(rows(tables.get("units", "facility modality status\n"))):
            s.add(ImagingUnit(
                external_id=f"U{n}", facility_id=fac_ids[r["facility"]], modality=r["modality"],
                status=r["status"], status_date=r.get("status_date"),
                year_installed=r.get("year_installed"), source=r.get("source", SRC),
                synthetic=bool(r.get("synthetic", False))))
        for r in rows(tables.get("figures", "country year item measure value\n")):
            s.add(CountryFigure(
                country_iso3=r["country"], area_id=r.get("area"), year=r["year"],
                item_kind=r.get("kind", "modality"), item=r["item"], measure=r["measure"],
                value=r["value"], sector=r.get("sector", "total"), source=r.get("source", "GHO"),
                method="reported"))
        for r in rows(tables.get("workforce", "country year cadre count\n")):
            s.add(Workforce(
                country_iso3=r["country"], area_id=r.get("area"),
                facility_id=fac_ids.get(r.get("facility")), cadre=r["cadre"], year=r["year"],
                count=r["count"], source=r.get("source", SRC)))
        for r in rows(tables.get("exams", "country year modality exams\n")):
            s.add(ExamVolume(
                country_iso3=r["country"], area_id=r.get("area"),
                facility_id=fac_ids.get(r.get("facility")), modality=r["modality"],
                year=r["year"], exams=r["exams"], source=r.get("source", SRC)))
    return fac_ids


def pick(df: pd.DataFrame, indicator: str,
         columns: tuple[str, ...] = ("country", "area", "year", "item", "value", "numerator",
                                     "denominator")) -> list[dict[str, Any]]:
    """Engine rows of one indicator in the spec-table shape, values rounded to 4 places."""
    names = {"country": "country_iso3", "area": "area_id"}
    part = df[df["indicator"] == indicator]
    out = []
    for rec in part.to_dict("records"):
        row = {}
        for c in columns:
            v = rec[names.get(c, c)]
            if isinstance(v, float):
                v = round(v, 4)
                v = int(v) if v == int(v) and c in ("numerator", "denominator", "year") else v
            row[c] = v
        out.append(row)
    return out
