"""WHO Global Health Observatory (GHO) exports of medical-device densities.

Accepts the GHO website's CSV export (columns ``IndicatorCode, Indicator, SpatialDimValueCode,
Period, FactValueNumeric, Value, FactComments, DataSource, DateModified, ...``) in any column
order with any extra columns, and the OData shape (``SpatialDim, TimeDim, NumericValue``).

Which indicator is which: the Indicator name of every GHO medical-equipment density indicator
reads ``"<Total|Public sector|Private sector> density per million population: <equipment>"``;
the equipment names the modality (computed tomography -> CT, magnetic resonance -> MRI,
positron emission -> PET, gamma camera / nuclear medicine -> SPECT, mammograph -> MAMMO,
radiotherapy / linear accelerator / telecobalt -> RT) and the prefix the sector. When the
Indicator column is absent the code alone is used for the codes checked against the bundled
exports and the GHO OData catalogue: DEVICES08 (MRI, total), DEVICES09 (CT, total) and
DEVICES22 (radiotherapy units, total). Any other indicator is a problem naming it.

Radiotherapy is not imaging: it is stored as item ``RT`` with item_kind ``other`` so that
cancer-care analyses can use it while imaging indicators (item_kind ``modality``) ignore it.

Stored as :class:`imcap.store.schema.CountryFigure` rows: measure ``per_million``,
value = FactValueNumeric (else the leading number of Value), comment = FactComments (e.g.
"Only public sector data": the density covers that sector only; the sector stays the
indicator's), source ``"WHO GHO <code> (<DataSource>)"`` (when DataSource is empty and
FactComments names a survey, atlas or database, as "WHO MD Survey 2021" in the AFRO exports,
that comment), source_date = DateModified, sector total/public/private. Rows of regions or
income groups (Location type other than Country) are skipped with a note; rows without a value
are skipped with a note.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from imcap.domain.fields import COMMENT, COUNTRY, PER_MILLION, SOURCE_DATE, YEAR, Field
from imcap.errors import ValidationReport
from imcap.ingest.tabular import (
    Problems,
    ProgressHook,
    Sheet,
    Source,
    known_countries,
    load_input,
    load_mapping,
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

KIND = "gho"
FIGURE_KEY = ("country_iso3", "area_id", "year", "item_kind", "item", "measure", "sector",
              "source")

KNOWN_CODES: dict[str, tuple[str, str, str]] = {
    "DEVICES08": ("modality", "MRI", "total"),
    "DEVICES09": ("modality", "CT", "total"),
    "DEVICES22": ("other", "RT", "total"),
}
"""Indicator code -> (item_kind, item, sector), used when the Indicator name is absent."""

EQUIPMENT_WORDS: tuple[tuple[str, str, str], ...] = (
    ("computed tomography", "modality", "CT"),
    ("magnetic resonance", "modality", "MRI"),
    ("positron emission", "modality", "PET"),
    ("pet", "modality", "PET"),
    ("gamma camera", "modality", "SPECT"),
    ("nuclear medicine", "modality", "SPECT"),
    ("spect", "modality", "SPECT"),
    ("mammograph", "modality", "MAMMO"),
    ("radiotherapy", "other", "RT"),
    ("linear accelerator", "other", "RT"),
    ("telecobalt", "other", "RT"),
)
_TITLE = re.compile(r"^\s*(total|public(?: sector)?|private(?: sector)?)?\s*density per "
                    r"million population\s*[:,-]\s*(.+)$", re.IGNORECASE)

_SOURCE_LIKE = re.compile(r"\b(survey|atlas|baseline|database|census)\b", re.IGNORECASE)
_INDICATOR = Field("indicator", "IndicatorCode", "GHO indicator code.", "code", str, required=True)
_ALIASES = {
    "indicator": ("IndicatorCode", "GHO (CODE)", "Indicator code"),
    "country": ("SpatialDimValueCode", "SpatialDim", "COUNTRY (CODE)", "Location code"),
    "year": ("Period", "TimeDim", "YEAR (CODE)"),
    "per_million": ("FactValueNumeric", "NumericValue"),
    "comment": ("FactComments", "Comments"),
    "source_date": ("DateModified", "Date"),
}


def classify(code: str, title: str | None) -> tuple[str, str, str] | None:
    """(item_kind, item, sector) of a GHO indicator, or None if it is not imaging equipment."""
    if title:
        m = _TITLE.match(title)
        if m:
            sector = (m.group(1) or "total").lower().split()[0]
            equip = m.group(2).lower()
            for word, kind, item in EQUIPMENT_WORDS:
                if re.search(rf"\b{word}", equip):
                    return kind, item, sector
            return None
    return KNOWN_CODES.get(code.strip().upper())


def _leading_number(raw: Any) -> Any:
    if isinstance(raw, str):
        m = re.match(r"\s*(-?[\d,]*\.?\d+)", raw)
        return m.group(1) if m else raw
    return raw


def import_gho(db: Database, path: Source, *, filename: str | None = None, actor: str = "cli",
               dry_run: bool = False, progress: ProgressHook = None) -> ValidationReport:
    """Import a WHO GHO medical-device density export. Never raises on bad data: the report
    lists every problem and nothing is written unless the file is clean."""
    stage(progress, "read")
    raw = load_input(path, filename)
    report = ValidationReport(raw.filename, KIND)
    sheet = read_tables(raw, report)
    if sheet is None:
        return report
    probs = Problems(report, sheet.name)
    mapping = load_mapping(None, ())
    fields = (_INDICATOR, COUNTRY, YEAR, PER_MILLION, COMMENT, SOURCE_DATE)
    cols = resolve_columns(sheet, fields, mapping, probs, aliases=_ALIASES,
                           required=("indicator", "country", "year"))
    value_col = cols.get("per_million")
    text_value_col = next((c for c in sheet.frame.columns if c.strip().lower() == "value"), None)
    if value_col is None and text_value_col is None:
        probs.add(1, "FactValueNumeric", "a column FactValueNumeric (or Value)",
                  "columns " + ", ".join(repr(c) for c in sheet.frame.columns))
    if report.problems:
        return report
    stage(progress, "validate")
    rows = _validate(db, sheet, cols, value_col, text_value_col, probs, report)
    probs.close()
    if report.problems or rows is None:
        return report
    def apply(s: Any, batch_id: int) -> dict[str, int]:
        return upsert_grouped(s, CountryFigure, FIGURE_KEY, rows, "source", batch_id=batch_id,
                              actor=actor)

    stage(progress, "write")
    write(db, report, raw, KIND, "WHO Global Health Observatory", actor, dry_run, apply)
    return report


def _validate(db: Database, sheet: Sheet, cols: dict[str, str], value_col: str | None,
              text_value_col: str | None, probs: Problems,
              report: ValidationReport) -> list[dict[str, Any]] | None:
    mapping = load_mapping(None, ())
    loc_col = next((c for c in sheet.frame.columns if c.strip().lower() == "location type"), None)
    if loc_col is not None:
        other = sheet.frame[loc_col].astype(str).str.strip().str.lower().to_numpy()
        skip = (other != "country") & (other != "")
        if skip.any():
            report.notes.append(f"{int(skip.sum())} row(s) of regions or groups skipped "
                                "(Location type is not Country)")
            sheet = Sheet(sheet.name, sheet.frame.loc[~skip])
    frame = sheet.frame
    n = len(frame)
    rownum = spreadsheet_rows(sheet)
    keep = np.ones(n, dtype=bool)
    values, bad_v = (parse_column(sheet, PER_MILLION, value_col, mapping, probs)
                     if value_col else ([None] * n, np.zeros(n, dtype=bool)))
    if text_value_col is not None:
        need = np.array([v is None for v in values]) & ~bad_v
        if need.any():
            sub = Sheet(sheet.name, frame.loc[need])
            tv, tbad = parse_column(sub, PER_MILLION, text_value_col, mapping, probs,
                                    prepare=_leading_number)
            for pos, v in zip(np.flatnonzero(need), tv, strict=True):
                values[pos] = v
            bad_v[np.flatnonzero(need)] |= tbad
    missing = np.array([v is None for v in values]) & ~bad_v & keep
    if missing.any():
        report.notes.append(f"{int(missing.sum())} row(s) without a value skipped")
        keep &= ~missing
    countries, bad_c = parse_column(sheet, COUNTRY, cols["country"], mapping, probs)
    years, _ = parse_column(sheet, YEAR, cols["year"], mapping, probs)
    comments, _ = parse_column(sheet, COMMENT, cols.get("comment"), mapping, probs)
    dates, _ = parse_column(sheet, SOURCE_DATE, cols.get("source_date"), mapping, probs)
    codes = frame[cols["indicator"]].astype(str).str.strip().str.upper().tolist()
    title_col = next((c for c in frame.columns if c.strip().lower() == "indicator"), None)
    titles = frame[title_col].astype(str).tolist() if title_col else [None] * n
    ds_col = next((c for c in frame.columns if c.strip().lower() == "datasource"), None)
    data_sources = frame[ds_col].astype(str).str.strip().tolist() if ds_col else [""] * n
    cache: dict[tuple[str, str | None], tuple[str, str, str] | None] = {}
    with db.session() as s:
        iso3s = known_countries(s)
    out: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for i in range(n):
        if not keep[i]:
            continue
        key = (codes[i], titles[i])
        if key not in cache:
            cache[key] = classify(codes[i], titles[i])
        what = cache[key]
        if what is None:
            probs.add(int(rownum[i]), cols["indicator"],
                      "a GHO medical-equipment density indicator ('<Total|Public sector|Private "
                      "sector> density per million population: <CT, MRI, PET, gamma camera, "
                      "mammograph or radiotherapy units>', or DEVICES08/09/22)",
                      codes[i] + (f" ({titles[i]})" if titles[i] else ""))
            continue
        c = countries[i]
        if c is not None and not bad_c[i] and c not in iso3s:
            probs.add(int(rownum[i]), cols["country"],
                      "an ISO3 code of the country table (imcap init loads it)", c)
            continue
        if any(v is None for v in (c, years[i], values[i])):
            continue
        kind, item, sector = what
        ds = data_sources[i]
        if not ds and comments[i] and _SOURCE_LIKE.search(comments[i]):
            ds = comments[i]  # the AFRO exports carry "WHO MD Survey 2021" in FactComments
        source = f"WHO GHO {codes[i]}" + (f" ({ds})" if ds else "")
        row = {"country_iso3": c, "area_id": None, "year": years[i], "item_kind": kind,
               "item": item, "measure": "per_million", "sector": sector,
               "source": source[:300], "value": values[i], "flag": None,
               "comment": comments[i] or None, "source_date": dates[i], "method": "reported"}
        k = tuple(row[f] for f in FIGURE_KEY)
        if k in seen:
            probs.add(int(rownum[i]), cols["country"],
                      f"one row per country, year and indicator (row {seen[k]} has the same)",
                      f"{c} {years[i]} {codes[i]}")
            continue
        seen[k] = int(rownum[i])
        out.append(row)
    return out
