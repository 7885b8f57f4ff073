"""OECD Health Statistics, dataflow DF_MED_TECH (medical technology availability), SDMX CSV.

Columns used: REF_AREA (ISO3), MEDICAL_TECH, UNIT_MEASURE, TIME_PERIOD, OBS_VALUE, OBS_STATUS
(and OBS_STATUS2/3), HEALTH_CARE_PROVIDER when present. Any other column is ignored.

- MEDICAL_TECH: CT_SCAN -> CT, MRI -> MRI, PET_SCAN -> PET, GAMMA -> SPECT (gamma cameras),
  MAMM -> MAMMO, RT -> RT (radiation therapy equipment, item_kind ``other``: not imaging).
- UNIT_MEASURE: 10P6HB (per 1,000,000 inhabitants) -> measure ``per_million``; NB (number)
  -> measure ``count``.
- OBS_STATUS flags are kept in ``flag`` ("+"-joined when several): E estimated value, B break
  in series, P provisional, D definition differs.
- HEALTH_CARE_PROVIDER: _T -> sector ``total``, HP1 -> ``hospital``, HP3 -> ``ambulatory``.
- REF_AREA values that are not three letters (aggregates such as EU27_2020) are skipped with a
  note; three-letter codes missing from the country table are problems.

Source "OECD Health Statistics MED_TECH"; method "reported".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from imcap.domain.fields import COUNTRY, PER_MILLION, YEAR, Field
from imcap.errors import ValidationReport
from imcap.ingest.gho import FIGURE_KEY
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
    write,
)
from imcap.store.db import Database
from imcap.store.repo import upsert_many
from imcap.store.schema import CountryFigure

KIND = "oecd"
SOURCE = "OECD Health Statistics MED_TECH"
TECH: dict[str, tuple[str, str]] = {
    "CT_SCAN": ("modality", "CT"),
    "MRI": ("modality", "MRI"),
    "PET_SCAN": ("modality", "PET"),
    "GAMMA": ("modality", "SPECT"),
    "MAMM": ("modality", "MAMMO"),
    "RT": ("other", "RT"),
}
UNITS: dict[str, str] = {"10P6HB": "per_million", "NB": "count"}
PROVIDERS: dict[str, str] = {"_T": "total", "HP1": "hospital", "HP3": "ambulatory", "": "total"}

_TECH = Field("medical_tech", "MEDICAL_TECH", "OECD medical technology code.", "code", str,
              required=True)
_UNIT = Field("unit", "UNIT_MEASURE", "SDMX unit of measure.", "code", str, required=True)
_VALUE = Field(**{**PER_MILLION.__dict__, "name": "value"})
_ALIASES = {"country": ("REF_AREA",), "year": ("TIME_PERIOD",), "value": ("OBS_VALUE",),
            "medical_tech": ("MEDICAL_TECH",), "unit": ("UNIT_MEASURE",)}


def import_oecd(db: Database, path: Source, *, filename: str | None = None, actor: str = "cli",
                dry_run: bool = False, progress: ProgressHook = None) -> ValidationReport:
    """Import an OECD DF_MED_TECH SDMX CSV. Never raises on bad data (see the report)."""
    stage(progress, "read")
    raw = load_input(path, filename)
    report = ValidationReport(raw.filename, KIND)
    sheet = read_tables(raw, report)
    if sheet is None:
        return report
    probs = Problems(report, sheet.name)
    cols = resolve_columns(sheet, (_TECH, _UNIT, COUNTRY, YEAR, _VALUE), load_mapping(None, ()),
                           probs, aliases=_ALIASES,
                           required=("medical_tech", "unit", "country", "year", "value"))
    if report.problems:
        return report
    stage(progress, "validate")
    rows = _validate(db, sheet, cols, probs, report)
    probs.close()
    if report.problems:
        return report

    def apply(s: Any, batch_id: int) -> dict[str, int]:
        return upsert_many(s, CountryFigure, FIGURE_KEY, rows, scope={"source": SOURCE},
                           batch_id=batch_id, actor=actor)

    stage(progress, "write")
    write(db, report, raw, KIND, SOURCE, actor, dry_run, apply)
    return report


def _validate(db: Database, sheet: Sheet, cols: dict[str, str], probs: Problems,
              report: ValidationReport) -> list[dict[str, Any]]:
    mapping = load_mapping(None, ())
    area = sheet.frame[cols["country"]].astype(str).str.strip()
    aggregate = ~area.str.fullmatch(r"[A-Za-z]{3}").to_numpy()
    if aggregate.any():
        report.notes.append(f"{int(aggregate.sum())} row(s) of aggregates skipped "
                            f"({', '.join(sorted(set(area[aggregate])))[:200]})")
        sheet = Sheet(sheet.name, sheet.frame.loc[~aggregate])
    frame = sheet.frame
    rownum = spreadsheet_rows(sheet)
    countries, bad_c = parse_column(sheet, COUNTRY, cols["country"], mapping, probs)
    years, _ = parse_column(sheet, YEAR, cols["year"], mapping, probs)
    values, bad_v = parse_column(sheet, _VALUE, cols["value"], mapping, probs)
    techs = frame[cols["medical_tech"]].astype(str).str.strip().str.upper().tolist()
    units = frame[cols["unit"]].astype(str).str.strip().str.upper().tolist()
    flag_cols = [c for c in ("OBS_STATUS", "OBS_STATUS2", "OBS_STATUS3") if c in frame.columns]
    flags = [""] * len(frame)
    for c in flag_cols:
        col = frame[c].astype(str).str.strip().tolist()
        flags = [f"{a}+{b}" if a and b and b not in a.split("+") else (a or b)
                 for a, b in zip(flags, col, strict=True)]
    prov_col = "HEALTH_CARE_PROVIDER" if "HEALTH_CARE_PROVIDER" in frame.columns else None
    provs = frame[prov_col].astype(str).str.strip().tolist() if prov_col else [""] * len(frame)
    missing = np.array([v is None for v in values]) & ~bad_v
    if missing.any():
        report.notes.append(f"{int(missing.sum())} row(s) without OBS_VALUE skipped")
    with db.session() as s:
        iso3s = known_countries(s)
    out: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for i in range(len(frame)):
        r = int(rownum[i])
        if techs[i] not in TECH:
            probs.add(r, cols["medical_tech"], "one of " + ", ".join(TECH), techs[i])
            continue
        if units[i] not in UNITS:
            probs.add(r, cols["unit"], "10P6HB (per million inhabitants) or NB (number)",
                      units[i])
            continue
        c = countries[i]
        if c is not None and not bad_c[i] and c not in iso3s:
            probs.add(r, cols["country"], "an ISO3 code of the country table", c)
            continue
        if c is None or years[i] is None or values[i] is None:
            continue
        kind, item = TECH[techs[i]]
        row = {"country_iso3": c, "area_id": None, "year": years[i], "item_kind": kind,
               "item": item, "measure": UNITS[units[i]],
               "sector": PROVIDERS.get(provs[i], provs[i].lower()[:20]), "source": SOURCE,
               "value": values[i], "flag": flags[i] or None, "comment": None,
               "source_date": None, "method": "reported"}
        k = tuple(row[f] for f in FIGURE_KEY)
        if k in seen:
            probs.add(r, cols["country"], f"one row per country, year, technology and unit "
                      f"(row {seen[k]} has the same)", f"{c} {years[i]} {techs[i]}")
            continue
        seen[k] = r
        out.append(row)
    return out
