"""Imaging-unit inventories: one row per unit, columns of
:data:`imcap.domain.fields.UNIT_FIELDS` (renamed by a TOML mapping), plus optional ``country``
(needed only when a facility_id exists in several countries) and source / source_date /
method.

- ``country=`` is the country of rows without one; rows of other countries are skipped with a
  note (a country data manager's upload cannot touch another country).
- The facility is referenced by its external id (``facility_id``, as imported by
  ``imcap import facilities``) and must exist; a unit is identified by (facility, unit_id).
- A unit's status is kept on the unit and, whenever it is new or its status or status date
  changes, a :class:`UnitStatus` row is appended (the status history).
- Validation is column-wise (each distinct raw value is parsed once by its Field) and the
  write is three set-wise queries plus one bulk upsert (:func:`imcap.store.repo.upsert_many`),
  no per-row SELECT: 100,000 rows import in well under the 30 s budget (``python -m
  bench.ingest``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import insert, select

from imcap.domain.fields import COUNTRY, METHOD, SOURCE, SOURCE_DATE, UNIT_FIELDS
from imcap.errors import ValidationReport
from imcap.ingest.tabular import (
    ColumnMapping,
    Problems,
    ProgressHook,
    Sheet,
    Source,
    load_input,
    load_mapping,
    parse_column,
    read_tables,
    resolve_columns,
    spreadsheet_rows,
    stage,
    write,
)
from imcap.store.db import Database
from imcap.store.repo import upsert_many
from imcap.store.schema import Facility, ImagingUnit, UnitStatus

KIND = "inventory"
SHEETS = ("Units", "Inventory", "Imaging units", "Equipment")
FIELDS = (*UNIT_FIELDS, COUNTRY.__class__(**{**COUNTRY.__dict__, "required": False}), SOURCE,
          SOURCE_DATE, METHOD)
_ALIASES = {"unit_id": ("unit_id", "asset tag", "asset_id", "serial"),
            "facility_id": ("facility_id", "facility")}


def import_inventory(db: Database, path: Source,
                     mapping: ColumnMapping | dict | str | None = None, *,
                     country: str | None = None, source: str | None = None,
                     filename: str | None = None, actor: str = "cli",
                     dry_run: bool = False, progress: ProgressHook = None) -> ValidationReport:
    """Import a unit inventory. Never raises on bad data: every problem is in the report and
    nothing is written unless the whole file is clean."""
    stage(progress, "read")
    raw = load_input(path, filename)
    report = ValidationReport(raw.filename, KIND)
    mp = load_mapping(mapping, (f.name for f in FIELDS))
    if source:
        mp.defaults.setdefault("source", source)
    if country:
        mp.defaults.setdefault("country", country.strip().upper())
    sheet = read_tables(raw, report, sheet=mp.sheet, prefer_sheets=SHEETS)
    if sheet is None:
        return report
    probs = Problems(report, sheet.name)
    cols = resolve_columns(sheet, FIELDS, mp, probs, aliases=_ALIASES)
    if report.problems:
        return report
    if country and "country" in cols:
        iso = country.strip().upper()
        other = sheet.frame[cols["country"]].astype(str).str.strip().str.upper()
        other = ((other != iso) & (other != "")).to_numpy()
        if other.any():
            report.notes.append(f"{int(other.sum())} row(s) of other countries skipped")
            sheet = Sheet(sheet.name, sheet.frame.loc[~other])
    if "source" not in cols and "source" not in mp.defaults:
        mp.defaults["source"] = f"inventory {raw.filename}"
        report.notes.append(f"no source given; recorded as {mp.defaults['source']!r}")
    stage(progress, "validate")
    p = {f.name: parse_column(sheet, f, cols.get(f.name), mp, probs)[0] for f in FIELDS}
    with db.session() as s:
        facs = s.execute(select(Facility.id, Facility.country_iso3, Facility.external_id)).all()
    by_ext: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for fid, c, ext in facs:
        by_ext[ext].append((c, fid))
    rows, status_of = _rows(sheet, cols, p, by_ext, probs)
    probs.close()
    if report.problems:
        return report

    def apply(s: Any, batch_id: int) -> dict[str, int]:
        before = {(f, e): (st, d) for f, e, st, d in s.execute(
            select(ImagingUnit.facility_id, ImagingUnit.external_id, ImagingUnit.status,
                   ImagingUnit.status_date))}
        counts = upsert_many(s, ImagingUnit, ("facility_id", "external_id"), rows,
                             batch_id=batch_id, actor=actor)
        changed = [k for k, v in status_of.items() if before.get(k) != v]
        if changed:
            ids = {(f, e): i for i, f, e in s.execute(
                select(ImagingUnit.id, ImagingUnit.facility_id, ImagingUnit.external_id))}
            src = {(r["facility_id"], r["external_id"]): r for r in rows}
            s.connection().execute(insert(UnitStatus.__table__), [
                {"unit_id": ids[k], "status": status_of[k][0], "status_date": status_of[k][1],
                 "source": src[k]["source"], "source_date": src[k]["source_date"],
                 "method": src[k]["method"], "batch_id": batch_id}
                for k in changed])
        return counts

    stage(progress, "write")
    write(db, report, raw, KIND, str(mp.defaults.get("source", KIND)), actor, dry_run, apply)
    return report


def _rows(sheet: Sheet, cols: dict[str, str], p: dict[str, list[Any]],
          by_ext: dict[str, list[tuple[str, int]]], probs: Problems
          ) -> tuple[list[dict[str, Any]], dict[tuple[int, str], tuple[Any, Any]]]:
    rownum = spreadsheet_rows(sheet)
    bad_rows = {pr.row for pr in probs.report.problems}
    out: list[dict[str, Any]] = []
    status_of: dict[tuple[int, str], tuple[Any, Any]] = {}
    seen: dict[tuple[int, str], int] = {}
    fcol = cols.get("facility_id", "facility_id")
    for i in range(len(sheet.frame)):
        r = int(rownum[i])
        if r in bad_rows:
            continue
        ext, c = p["facility_id"][i], p["country"][i]
        cands = [fid for fc, fid in by_ext.get(ext, ()) if c is None or fc == c]
        if not cands:
            probs.add(r, fcol, "the facility_id of a facility already imported"
                      + (f" in {c}" if c else ""), ext)
            continue
        if len(cands) > 1:
            probs.add(r, fcol, "a facility_id that names one facility (add a country column "
                      "or --country)", f"{ext} (in {len(cands)} countries)")
            continue
        key = (cands[0], p["unit_id"][i])
        if key in seen:
            probs.add(r, cols.get("unit_id", "unit_id"),
                      f"each unit once per facility (row {seen[key]} has the same)", key[1])
            continue
        seen[key] = r
        out.append({
            "facility_id": key[0], "external_id": key[1], "modality": p["modality"][i],
            "make": p["make"][i], "model": p["model"][i],
            "year_installed": p["year_installed"][i], "status": p["status"][i],
            "status_date": p["status_date"][i],
            "maintenance_contract": p["maintenance_contract"][i],
            "last_qa_date": p["last_qa_date"][i], "ae_title": p["ae_title"][i],
            "synthetic": False, "source": p["source"][i], "source_date": p["source_date"][i],
            "method": p["method"][i] or "reported",
        })
        status_of[key] = (p["status"][i], p["status_date"][i])
    return out, status_of
