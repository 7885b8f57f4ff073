"""Open-data export of the registry: units (with their facility), facilities as GeoJSON points
with unit counts, and country/area figures, to CSV, Parquet or GeoJSON.

Column names are the field names of :mod:`imcap.domain.fields`, so an exported units file
re-imports with ``imcap import inventory`` (after its facilities) and an exported figures file
with ``imcap import table``, both without a mapping: import then export round-trips (tested).
Synthetic rows carry ``synthetic = true`` in every format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from imcap.errors import ParameterError
from imcap.store.db import Database
from imcap.store.schema import Area, CountryFigure, Facility, ImagingUnit

UNIT_COLUMNS = ("country", "facility_id", "facility_name", "area", "level", "ownership", "lat",
                "lon", "unit_id", "modality", "make", "model", "year_installed", "status",
                "status_date", "maintenance_contract", "last_qa_date", "ae_title", "source",
                "source_date", "method", "synthetic")
FIGURE_COLUMNS = ("country", "area", "year", "modality", "cadre", "item_kind", "item",
                  "sector", "count", "per_million", "flag", "source", "source_date", "method",
                  "comment")
FORMATS = ("csv", "parquet", "geojson")


def units_frame(db: Database, country: str | None = None) -> pd.DataFrame:
    """One row per imaging unit with its facility's id, name, place, level and ownership."""
    stmt = (select(ImagingUnit, Facility, Area.name)
            .join(Facility, ImagingUnit.facility_id == Facility.id)
            .outerjoin(Area, Facility.area_id == Area.id)
            .order_by(Facility.country_iso3, Facility.external_id, ImagingUnit.external_id))
    if country:
        stmt = stmt.where(Facility.country_iso3 == country.upper())
    rows: list[dict[str, Any]] = []
    with db.session() as s:
        for u, f, area in s.execute(stmt):
            rows.append({
                "country": f.country_iso3, "facility_id": f.external_id,
                "facility_name": f.name, "area": area, "level": f.level,
                "ownership": f.ownership, "lat": f.lat, "lon": f.lon, "unit_id": u.external_id,
                "modality": u.modality, "make": u.make, "model": u.model,
                "year_installed": u.year_installed, "status": u.status,
                "status_date": u.status_date, "maintenance_contract": u.maintenance_contract,
                "last_qa_date": u.last_qa_date, "ae_title": u.ae_title, "source": u.source,
                "source_date": u.source_date, "method": u.method, "synthetic": u.synthetic,
            })
    df = pd.DataFrame(rows, columns=list(UNIT_COLUMNS))
    return df.astype({"year_installed": "Int64"})


def figures_frame(db: Database, country: str | None = None) -> pd.DataFrame:
    """One row per country/area figure: ``count`` or ``per_million`` filled per its measure;
    ``modality`` / ``cadre`` filled per its item kind (radiotherapy and other items only in
    ``item``)."""
    stmt = select(CountryFigure).order_by(
        CountryFigure.country_iso3, CountryFigure.year, CountryFigure.item,
        CountryFigure.measure, CountryFigure.source, CountryFigure.id)
    if country:
        stmt = stmt.where(CountryFigure.country_iso3 == country.upper())
    rows = []
    with db.session() as s:
        for f in s.scalars(stmt):
            rows.append({
                "country": f.country_iso3, "area": f.area_id, "year": f.year,
                "modality": f.item if f.item_kind == "modality" else None,
                "cadre": f.item if f.item_kind == "cadre" else None,
                "item_kind": f.item_kind, "item": f.item, "sector": f.sector,
                "count": f.value if f.measure == "count" else None,
                "per_million": f.value if f.measure == "per_million" else None,
                "flag": f.flag, "source": f.source, "source_date": f.source_date,
                "method": f.method, "comment": f.comment,
            })
    return pd.DataFrame(rows, columns=list(FIGURE_COLUMNS))


def facilities_geojson(db: Database, country: str | None = None) -> dict[str, Any]:
    """Facilities as a GeoJSON FeatureCollection (EPSG:4326 points; facilities without
    coordinates have a null geometry), with unit counts by modality: ``units_<MOD>`` (all in
    inventory) and ``functional_<MOD>`` (functional or partially functional)."""
    stmt = select(Facility, Area.name).outerjoin(Area, Facility.area_id == Area.id) \
        .order_by(Facility.country_iso3, Facility.external_id)
    ustmt = select(ImagingUnit.facility_id, ImagingUnit.modality, ImagingUnit.status)
    if country:
        stmt = stmt.where(Facility.country_iso3 == country.upper())
    counts: dict[int, dict[str, int]] = {}
    feats = []
    with db.session() as s:
        for fid, mod, status in s.execute(ustmt):
            if status == "decommissioned":
                continue
            c = counts.setdefault(fid, {})
            c[f"units_{mod}"] = c.get(f"units_{mod}", 0) + 1
            if status in ("functional", "partially_functional"):
                c[f"functional_{mod}"] = c.get(f"functional_{mod}", 0) + 1
        for f, area in s.execute(stmt):
            geom = ({"type": "Point", "coordinates": [f.lon, f.lat]}
                    if f.lat is not None and f.lon is not None else None)
            props = {"country": f.country_iso3, "facility_id": f.external_id, "name": f.name,
                     "area": area, "facility_type": f.facility_type, "level": f.level,
                     "ownership": f.ownership, "source": f.source, "synthetic": f.synthetic,
                     **counts.get(f.id, {})}
            feats.append({"type": "Feature", "geometry": geom, "properties": props})
    return {"type": "FeatureCollection", "features": feats}


def _format(out: Path, fmt: str | None) -> str:
    f = (fmt or out.suffix.lstrip(".")).lower()
    if f == "json":
        f = "geojson"
    if f not in FORMATS:
        raise ParameterError("unknown export format", expected=" or ".join(FORMATS)
                             + " (from --format or the file extension)", got=f or out.name,
                             where="--out")
    return f


def write_frame(df: pd.DataFrame, out: Path | str, fmt: str | None = None) -> Path:
    p = Path(out)
    f = _format(p, fmt)
    if f == "csv":
        df.to_csv(p, index=False)
    elif f == "parquet":
        df.to_parquet(p, index=False)
    else:
        raise ParameterError("GeoJSON export is for facilities", expected="csv or parquet",
                             got="geojson", where="--out")
    return p


def export(db: Database, what: str, out: Path | str, *, fmt: str | None = None,
           country: str | None = None) -> tuple[Path, int]:
    """Export ``what`` (units, facilities or figures) to ``out``; returns (path, rows)."""
    p = Path(out)
    f = _format(p, fmt)
    if what == "units":
        if f == "geojson":
            fc = facilities_geojson(db, country)
            p.write_text(json.dumps(fc, default=str), encoding="utf-8")
            return p, len(fc["features"])
        df = units_frame(db, country)
        return write_frame(df, p, f), len(df)
    if what == "facilities":
        if f == "geojson":
            fc = facilities_geojson(db, country)
            p.write_text(json.dumps(fc, default=str), encoding="utf-8")
            return p, len(fc["features"])
        fc = facilities_geojson(db, country)
        df = pd.DataFrame([{**ft["properties"],
                            "lat": ft["geometry"]["coordinates"][1] if ft["geometry"] else None,
                            "lon": ft["geometry"]["coordinates"][0] if ft["geometry"] else None}
                           for ft in fc["features"]])
        return write_frame(df, p, f), len(df)
    if what == "figures":
        df = figures_frame(db, country)
        return write_frame(df, p, f), len(df)
    raise ParameterError("unknown export", expected="units, facilities or figures", got=what,
                         where="export")
