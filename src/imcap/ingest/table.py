"""Generic country / area tables: one row per place, year and modality or cadre, with a count
and/or a density per million (an IAEA IMAGINE extract, a national survey summary, a workforce
table). Columns are the fields of :data:`imcap.domain.fields.TABLE_FIELDS`; a TOML mapping
renames the user's columns, maps values and sets defaults (docs/importing.md).

Each row becomes one :class:`CountryFigure` per measure given (count, per_million):
item_kind ``modality`` or ``cadre`` (cadre rows go to CountryFigure too, not to the Workforce
table, which holds facility-level staff), sector ``total``. The area is found by id, code or
name within the country; the country comes from the column, the mapping default or
``country=``. When the file has a country column and ``country=`` is given, rows of other
countries are skipped with a note. Without any source, the figures are recorded with source
``"table <filename>"`` and a note says so.

Wide tables (one column per modality or cadre, as IMAGINE-style extracts and many national
spreadsheets are laid out) are read with a ``[wide]`` mapping section::

    [wide]
    item = "modality"          # or "cadre"
    measure = "count"          # or "per_million": what the cells hold
    columns = { CT = "CT scanners", MRI = "MRI units", XRAY = "X-ray" }   # item = column
    # or columns = ["CT", "MRI"] when the headers are the codes themselves

Each filled cell of those columns becomes one figure of its row; blank cells give none. Cell
errors name the row and the wide column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from imcap.domain.fields import (
    AREA,
    CADRE,
    COMMENT,
    COUNT,
    COUNTRY,
    METHOD,
    MODALITY,
    PER_MILLION,
    SOURCE,
    SOURCE_DATE,
    TABLE_FIELDS,
    YEAR,
    FieldError,
)
from imcap.errors import ParameterError, ValidationReport
from imcap.ingest.gho import FIGURE_KEY
from imcap.ingest.tabular import (
    AreaIndex,
    ColumnMapping,
    Problems,
    ProgressHook,
    Sheet,
    Source,
    known_countries,
    load_input,
    load_mapping,
    norm_name,
    parse_column,
    read_tables,
    resolve_columns,
    spreadsheet_rows,
    stage,
    upsert_grouped,
    write,
)
from imcap.store.db import Database
from imcap.store.schema import CountryFigure

KIND = "table"
SHEETS = ("Country figures", "Figures", "Table", "Data")


def import_table(db: Database, path: Source, mapping: ColumnMapping | dict | str | None = None,
                 *, country: str | None = None, source: str | None = None,
                 filename: str | None = None, actor: str = "cli",
                 dry_run: bool = False, progress: ProgressHook = None) -> ValidationReport:
    """Import a country/area table of counts or densities. Never raises on bad data."""
    stage(progress, "read")
    raw = load_input(path, filename)
    report = ValidationReport(raw.filename, KIND)
    mp = load_mapping(mapping, (f.name for f in TABLE_FIELDS), wide=True)
    if source and "source" not in mp.defaults:
        mp.defaults["source"] = source
    wide = _wide_spec(mp) if mp.wide else None
    sheet = read_tables(raw, report, sheet=mp.sheet, prefer_sheets=SHEETS)
    if sheet is None:
        return report
    probs = Problems(report, sheet.name)
    if wide is not None:
        sheet = _melt(sheet, mp, wide, probs)
        if report.problems:
            return report
    cols = resolve_columns(sheet, TABLE_FIELDS, mp, probs,
                           required=("year",) + (() if country else ("country",)))
    if not ({"modality", "cadre"} & (set(cols) | set(mp.defaults))):
        probs.add(1, "modality", "a column modality or cadre",
                  "columns " + ", ".join(repr(c) for c in sheet.frame.columns))
    if not ({"count", "per_million"} & set(cols)):
        probs.add(1, "count", "a column count or per_million",
                  "columns " + ", ".join(repr(c) for c in sheet.frame.columns))
    if report.problems:
        return report
    if country and "country" in cols:
        iso = str(country).strip().upper()
        cc = sheet.frame[cols["country"]].astype(str).str.strip().str.upper()
        other = (cc != iso) & (cc != "")  # blank cells take --country
        if other.any():
            report.notes.append(f"{int(other.sum())} row(s) of other countries skipped")
            sheet = Sheet(sheet.name, sheet.frame.loc[~other.to_numpy()])
    if country and "country" not in mp.defaults:
        mp.defaults["country"] = country
    default_source = None
    if "source" not in cols and "source" not in mp.defaults:
        default_source = f"table {raw.filename}"
        report.notes.append(f"no source given; figures recorded with source {default_source!r}")
    stage(progress, "validate")
    rows = _validate(db, sheet, cols, mp, probs, default_source)
    probs.close()
    if report.problems:
        return report
    def apply(s: Any, batch_id: int) -> dict[str, int]:
        return upsert_grouped(s, CountryFigure, FIGURE_KEY, rows, "source", batch_id=batch_id,
                              actor=actor)

    stage(progress, "write")
    write(db, report, raw, KIND, rows[0]["source"] if rows else "table", actor, dry_run, apply)
    return report


def _validate(db: Database, sheet: Sheet, cols: dict[str, str], mp: ColumnMapping,
              probs: Problems, default_source: str | None) -> list[dict[str, Any]]:
    rownum = spreadsheet_rows(sheet)
    p = {f.name: parse_column(sheet, f, cols.get(f.name), mp, probs)[0]
         for f in (COUNTRY, AREA, YEAR, MODALITY, CADRE, COUNT, PER_MILLION, SOURCE,
                   SOURCE_DATE, METHOD, COMMENT)}
    bad_rows = {pr.row for pr in probs.report.problems}
    with db.session() as s:
        iso3s = known_countries(s)
        areas = {c: AreaIndex.load(s, c) for c in {c for c in p["country"] if c in iso3s}
                 if any(a is not None for a in p["area"])}
    out: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for i in range(len(sheet.frame)):
        r = int(rownum[i])
        if r in bad_rows:
            continue
        c = p["country"][i]
        ccol = cols.get("country", "country")
        if c is None:
            probs.add(r, ccol, "a country (ISO3) in the row, the mapping or --country", "")
            continue
        if c not in iso3s:
            probs.add(r, ccol, "an ISO3 code of the country table", c)
            continue
        area_id = None
        if p["area"][i] is not None:
            area_id = areas[c].find(p["area"][i]) if c in areas else None
            if area_id is None:
                probs.add(r, cols.get("area", "area"), f"an area code or name of {c}",
                          p["area"][i])
                continue
        mod, cad = p["modality"][i], p["cadre"][i]
        if (mod is None) == (cad is None):
            probs.add(r, cols.get("modality", "modality"),
                      "exactly one of modality or cadre", f"modality {mod!r}, cadre {cad!r}")
            continue
        measures = [(m, p[m][i]) for m in ("count", "per_million") if p[m][i] is not None]
        if not measures:
            probs.add(r, cols.get("count", cols.get("per_million", "count")),
                      "a count or a per_million value", "")
            continue
        src = p["source"][i] or default_source
        for measure, value in measures:
            row = {"country_iso3": c, "area_id": area_id, "year": p["year"][i],
                   "item_kind": "modality" if mod else "cadre", "item": mod or cad,
                   "measure": measure, "sector": "total", "source": src,
                   "value": float(value), "flag": None, "comment": p["comment"][i],
                   "source_date": p["source_date"][i], "method": p["method"][i] or "reported"}
            k = tuple(row[f] for f in FIGURE_KEY)
            if k in seen:
                what = " ".join(str(x) for x in (c, area_id, p["year"][i], mod or cad) if x)
                probs.add(r, cols.get("year", "year"),
                          f"one row per place, year, item and source (row {seen[k]} has the "
                          "same)", what)
                break
            seen[k] = r
            out.append(row)
    return out



_WIDE_ITEM = "imcap: wide item"
_WIDE_VALUE = "imcap: wide value"


def _wide_spec(mp: ColumnMapping) -> tuple[str, str, list[tuple[str, str]]]:
    """(item field, measure field, [(item code, column)]) of a ``[wide]`` mapping section;
    ParameterError for a bad section (nothing is read)."""
    spec = mp.wide
    bad = set(spec) - {"item", "measure", "columns"}
    if bad:
        raise ParameterError("unknown key in [wide]", expected="item, measure, columns",
                             got=", ".join(sorted(bad)), where="mapping [wide]")
    item, measure = str(spec.get("item", "modality")), str(spec.get("measure", "count"))
    if item not in ("modality", "cadre"):
        raise ParameterError("bad [wide] item", expected="modality or cadre", got=item,
                             where="mapping [wide] item")
    if measure not in ("count", "per_million"):
        raise ParameterError("bad [wide] measure", expected="count or per_million",
                             got=measure, where="mapping [wide] measure")
    cols = spec.get("columns")
    if isinstance(cols, list):
        pairs = [(str(c), str(c)) for c in cols]
    elif isinstance(cols, dict):
        pairs = [(str(k), str(v)) for k, v in cols.items()]
    else:
        pairs = []
    if not pairs:
        raise ParameterError("[wide] needs columns", expected='columns = { CT = "CT units" } '
                             'or columns = ["CT", "MRI"]', got=repr(cols),
                             where="mapping [wide] columns")
    fld = MODALITY if item == "modality" else CADRE
    out = []
    for code, col in pairs:
        try:
            out.append((fld.parse(code), col))
        except FieldError as e:
            raise ParameterError(f"unknown {item} in [wide] columns", expected=e.expected,
                                 got=code, where="mapping [wide] columns") from None
    for what, keys in (("item", [c for c, _ in out]), ("column", [norm_name(c) for _, c in out])):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ParameterError(f"a [wide] {what} given twice", expected=f"each {what} once",
                                 got=", ".join(twice), where="mapping [wide] columns")
    taken = {"modality", "cadre", "count", "per_million"} & (set(mp.columns) | set(mp.defaults))
    if taken:
        raise ParameterError("[wide] gives the item and the value; [columns] and [defaults] "
                             "must not", expected="no [columns] or [defaults] entry for "
                             "modality, cadre, count or per_million",
                             got=", ".join(sorted(taken)), where="mapping")
    wide_cols = {norm_name(c) for _, c in out}
    shared = sorted(f for f, c in mp.columns.items() if norm_name(c) in wide_cols)
    if shared:
        raise ParameterError("a [wide] column is also mapped in [columns]", expected="the "
                             "wide columns only in [wide]", got=", ".join(shared),
                             where="mapping")
    return item, measure, out


def _melt(sheet: Sheet, mp: ColumnMapping, wide: tuple[str, str, list[tuple[str, str]]],
          probs: Problems) -> Sheet:
    """One row per filled wide cell, keeping the other columns and the spreadsheet row (the
    index); the cells are checked here, so errors name their own column."""
    item, measure, named = wide
    by_norm: dict[str, str] = {}
    for c in sheet.frame.columns:  # matched loosely, as [columns] names are
        by_norm.setdefault(norm_name(c), c)
    missing = [col for _, col in named if norm_name(col) not in by_norm]
    if missing:
        for col in missing:
            probs.add(1, col, f"a {item} column named in [wide]",
                      "columns " + ", ".join(repr(c) for c in sheet.frame.columns))
        return sheet
    pairs = [(code, by_norm[norm_name(col)]) for code, col in named]
    vfld = COUNT if measure == "count" else PER_MILLION
    rest = sheet.frame.drop(columns=[col for _, col in pairs])
    parts = []
    for code, col in pairs:
        values, bad = parse_column(sheet, vfld, col, mp, probs)
        keep = np.array([v is not None for v in values], dtype=bool) & ~bad
        part = rest.loc[keep].copy()
        part[_WIDE_ITEM] = code
        part[_WIDE_VALUE] = [v for v, k in zip(values, keep, strict=True) if k]
        parts.append(part)
    frame = pd.concat(parts).sort_index(kind="stable")
    empty = len(sheet.frame) - frame.index.nunique()
    if empty:
        probs.report.notes.append(f"{empty} row(s) with no filled [wide] cell give no figure")
    mp.columns[item] = _WIDE_ITEM
    mp.columns[measure] = _WIDE_VALUE
    return Sheet(sheet.name, frame)
