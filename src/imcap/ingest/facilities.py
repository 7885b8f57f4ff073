"""Facility lists: the generic layout (:data:`imcap.domain.fields.FACILITY_FIELDS`, renamed by
a TOML mapping) and the built-in layout of the WHO-KEMRI public health facility database for
sub-Saharan Africa (Maina et al. 2019, Sci Data 6:134; columns Country, Admin1, Facility name,
Facility type, Ownership, Lat, Long, LL source, iso3c, facility_type_9, Tier, Tier_name),
recognised from its header.

WHO-KEMRI layout rules:

- level: Tier 4 -> national_referral; hospitals (Tier 3, or "hospital" in the type) whose name
  or type says County Referral / Provincial / Regional -> regional_hospital, other hospitals ->
  district_hospital; Tier 2 (health centres, clinics) -> health_centre; Tier 1 (dispensaries,
  health posts) -> health_post; without a Tier, the same from facility_type_9 words.
- ownership: MoH, Govt., Local authority -> public; FBO, NGO, CBO, Mission -> private not for
  profit; Private -> private for profit; anything else -> other.
- external_id (the file has no id column): ``WK-`` + the first 12 hex digits of the SHA-1 of
  "ISO3|admin1|name" (loosely normalised). When a name repeats within an admin1 area with
  different coordinates, the coordinates (5 decimals) join the hashed text for those rows.
  Rows identical in that key and coordinates are one facility listed twice: they are merged
  (the first row wins) and counted in a note.
- area: Admin1 matched by name to the country's areas (Kenya's 47 counties, with the spelling
  variants Homabay, Muranga, Transzoia and Taveta); unmatched names leave area empty and are
  listed in a note.

Missing coordinates are allowed (lat/lon empty) and counted in a note. For the generic layout
a facility_id repeated in the file is a problem.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from imcap.domain.fields import (
    FACILITY_FIELDS,
    METHOD,
    SOURCE,
    SOURCE_DATE,
)
from imcap.errors import ValidationReport
from imcap.ingest.tabular import (
    AREA_ALIASES,
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
from imcap.store.schema import Facility

KIND = "facilities"
SHEETS = ("Facilities", "Facility", "Sites")
KEMRI_COLUMNS = {"country", "admin1", "facilityname", "facilitytype", "ownership", "lat", "long",
                 "iso3c"}
KEMRI_SOURCE = ("WHO-KEMRI public health facilities in sub-Saharan Africa "
                "(Maina et al. 2019, via afrimapr/afrihealthsites)")
_PUBLIC = ("moh", "govt", "government", "local authority", "public", "ministry")
_NFP = ("fbo", "ngo", "cbo", "mission", "faith", "not for profit", "chag", "cham")


def kemri_level(tier: Any, ftype9: str, ftype: str, name: str) -> str:
    """Level of care of a WHO-KEMRI row (see the module docstring)."""
    try:
        t = int(float(tier))
    except (TypeError, ValueError):
        t = 0
    words = f"{ftype9} {ftype}".lower()
    text = f"{name} {ftype}".lower()
    if t == 4:
        return "national_referral"
    if t == 3 or "hospital" in words:
        if any(w in text for w in ("county referral", "provincial", "regional")):
            return "regional_hospital"
        return "district_hospital"
    if t == 2 or any(w in words for w in ("centre", "center", "clinic")):
        return "health_centre"
    if t == 1 or any(w in words for w in ("dispensary", "post", "community health unit")):
        return "health_post"
    return "other"


def kemri_ownership(text: str) -> str:
    t = str(text).strip().lower()
    if any(w == t or t.startswith(w) for w in _PUBLIC):
        return "public"
    if any(w in t for w in _NFP):
        return "private_not_for_profit"
    if "private" in t:
        return "private_for_profit"
    return "other"


def _sha(text: str) -> str:
    return "WK-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _is_kemri(sheet: Sheet) -> bool:
    return {norm_name(c) for c in sheet.frame.columns} >= KEMRI_COLUMNS


def kemri_to_generic(sheet: Sheet, report: ValidationReport) -> Sheet:
    """Turn a WHO-KEMRI table into the generic facility columns, merging listed-twice rows."""
    f = sheet.frame
    col = {norm_name(c): c for c in f.columns}

    def get(name: str) -> pd.Series:
        return f[col[name]].astype(str).str.strip() if name in col else \
            pd.Series([""] * len(f), index=f.index)

    iso3 = get("iso3c").str.upper()
    admin1, name = get("admin1"), get("facilityname")
    lat, lon = get("lat"), get("long")
    base = [f"{a}|{norm_name(b)}|{norm_name(c)}" for a, b, c in zip(iso3, admin1, name,
                                                                     strict=True)]
    coords = [f"{_round(a)},{_round(b)}" for a, b in zip(lat, lon, strict=True)]
    per_base: dict[str, set[str]] = defaultdict(set)
    for b, c in zip(base, coords, strict=True):
        per_base[b].add(c)
    ids = [_sha(b) if len(per_base[b]) == 1 else _sha(f"{b}|{c}")
           for b, c in zip(base, coords, strict=True)]
    ids_s = pd.Series(ids, index=f.index)
    dup = ids_s.duplicated(keep="first").to_numpy()
    if dup.any():
        report.notes.append(f"{int(dup.sum())} row(s) list a facility already listed (same "
                            "country, admin1, name and coordinates): merged into the first")
    tier = get("tier")
    ft9, ftype = get("facilitytype9"), get("facilitytype")
    out = pd.DataFrame({
        "facility_id": ids_s,
        "name": name,
        "country": iso3,
        "area": admin1,
        "facility_type": ftype,
        "level": [kemri_level(t, a, b, n) for t, a, b, n in zip(tier, ft9, ftype, name,
                                                                strict=True)],
        "ownership": [kemri_ownership(o) for o in get("ownership")],
        "lat": lat,
        "lon": lon,
    }, index=f.index)
    return Sheet(sheet.name, out.loc[~dup])


def _round(v: str) -> str:
    try:
        return f"{float(v):.5f}"
    except ValueError:
        return ""


def import_facilities(db: Database, path: Source,
                      mapping: ColumnMapping | dict | str | None = None, *,
                      country: str | None = None, source: str | None = None,
                      filename: str | None = None, actor: str = "cli",
                      dry_run: bool = False, progress: ProgressHook = None) -> ValidationReport:
    """Import a facility list (generic or WHO-KEMRI layout). Never raises on bad data."""
    stage(progress, "read")
    raw = load_input(path, filename)
    report = ValidationReport(raw.filename, KIND)
    fields = (*FACILITY_FIELDS, SOURCE, SOURCE_DATE, METHOD)
    mp = load_mapping(mapping, (f.name for f in fields))
    sheet = read_tables(raw, report, sheet=mp.sheet, prefer_sheets=SHEETS)
    if sheet is None:
        return report
    kemri = not mp.columns and _is_kemri(sheet)
    if kemri:
        sheet = kemri_to_generic(sheet, report)
        source = source or KEMRI_SOURCE
    if source and "source" not in mp.defaults:
        mp.defaults["source"] = source
    probs = Problems(report, sheet.name)
    cols = resolve_columns(sheet, fields, mp, probs,
                           required=("facility_id", "name") + (() if country else ("country",)))
    if report.problems:
        return report
    if country:
        iso = country.strip().upper()
        if "country" in cols:
            cc = sheet.frame[cols["country"]].astype(str).str.strip().str.upper()
            other = (cc != iso) & (cc != "")  # blank cells take --country
            if other.any():
                report.notes.append(f"{int(other.sum())} row(s) of other countries skipped")
                sheet = Sheet(sheet.name, sheet.frame.loc[~other.to_numpy()])
        mp.defaults.setdefault("country", iso)
    if "source" not in cols and "source" not in mp.defaults:
        mp.defaults["source"] = f"facility list {raw.filename}"
        report.notes.append(f"no source given; recorded as {mp.defaults['source']!r}")
    stage(progress, "validate")
    rows = _validate(db, sheet, cols, mp, probs, report, kemri)
    probs.close()
    if report.problems:
        return report
    def apply(s: Any, batch_id: int) -> dict[str, int]:
        return upsert_grouped(s, Facility, ("country_iso3", "external_id"), rows,
                              "country_iso3", batch_id=batch_id, actor=actor)

    stage(progress, "write")
    write(db, report, raw, KIND, str(mp.defaults.get("source", KIND)), actor, dry_run, apply)
    return report


def _validate(db: Database, sheet: Sheet, cols: dict[str, str], mp: ColumnMapping,
              probs: Problems, report: ValidationReport, kemri: bool) -> list[dict[str, Any]]:
    rownum = spreadsheet_rows(sheet)
    fields = (*FACILITY_FIELDS, SOURCE, SOURCE_DATE, METHOD)
    p = {f.name: parse_column(sheet, f, cols.get(f.name), mp, probs)[0] for f in fields}
    bad_rows = {pr.row for pr in report.problems}
    lat, lon = np.array(p["lat"], dtype=object), np.array(p["lon"], dtype=object)
    with db.session() as s:
        iso3s = known_countries(s)
        areas = {c: AreaIndex.load(s, c) for c in set(p["country"]) if c in iso3s}
    out: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    unmatched: dict[str, int] = defaultdict(int)
    no_coords = 0
    for i in range(len(sheet.frame)):
        r = int(rownum[i])
        if r in bad_rows:
            continue
        c = p["country"][i]
        if c is None or c not in iso3s:
            probs.add(r, cols.get("country", "country"), "an ISO3 code of the country table",
                      c or "")
            continue
        if (lat[i] is None) != (lon[i] is None):
            probs.add(r, cols.get("lat" if lat[i] is None else "lon", "lat"),
                      "both latitude and longitude, or neither", "only one of them")
            continue
        if lat[i] is None:
            no_coords += 1
        key = (c, p["facility_id"][i])
        if key in seen:
            probs.add(r, cols.get("facility_id", "facility_id"),
                      f"a facility_id used once per country (row {seen[key]} has it)", key[1])
            continue
        seen[key] = r
        area_id = None
        if p["area"][i]:
            idx = areas.get(c)
            area_id = idx.find(p["area"][i], AREA_ALIASES.get(c)) if idx else None
            if area_id is None and idx:
                unmatched[f"{c}:{p['area'][i]}"] += 1
            elif area_id is None:
                unmatched[f"{c} (no areas loaded)"] += 1
        out.append({
            "country_iso3": c, "external_id": p["facility_id"][i], "area_id": area_id,
            "name": p["name"][i], "facility_type": p["facility_type"][i],
            "level": p["level"][i] or "other", "ownership": p["ownership"][i] or "other",
            "lat": lat[i], "lon": lon[i], "synthetic": False, "source": p["source"][i],
            "source_date": p["source_date"][i], "method": p["method"][i] or "reported",
        })
    if no_coords:
        report.notes.append(f"{no_coords} facilit(y/ies) without coordinates (lat/lon left "
                            "empty)")
    if unmatched:
        listed = ", ".join(f"{k} ({v})" for k, v in sorted(unmatched.items())[:30])
        report.notes.append(f"{sum(unmatched.values())} facilit(y/ies) in areas not found in "
                            f"the area table (area left empty): {listed}")
    return out
