"""Shared machinery of every importer: reading CSV/xlsx (with encoding detection), mapping
files, column resolution, cell validation through :class:`imcap.domain.fields.Field`, and the
one-transaction write with batch detection and dry runs.

Row numbers in problems are the rows a spreadsheet shows: the header is row 1, the first data
record row 2 (blank records are skipped but keep their numbers).

Encoding of CSV files: a byte-order mark decides (UTF-8, UTF-16 LE/BE); without one, a file
with NUL bytes is read as UTF-16; otherwise UTF-8, and a file that is not valid UTF-8 is
decoded as Windows-1252 (a superset of Latin-1, what Excel writes on Western-language
Windows) with a note in the report. The delimiter is the one of ``,``, ``;`` and tab that
occurs most in the header line.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from imcap.domain.fields import Field, FieldError
from imcap.errors import ParameterError, ValidationReport
from imcap.store.db import Database
from imcap.store.repo import file_sha256, previous_batch, start_batch, upsert_many
from imcap.store.schema import Area, Country

MAX_LISTED_PROBLEMS = 1000
"""At most this many problems are listed in a report; the rest are counted in a note."""

Source = Path | str | bytes
ProgressHook = Callable[[str], None] | None
"""Called with "read", "validate" and "write" as an import reaches each stage (CLI bars)."""
STAGES = ("read", "validate", "write")


def stage(progress: ProgressHook, name: str) -> None:
    if progress is not None:
        progress(name)


@dataclass(frozen=True)
class RawFile:
    """The bytes of one input, its display name and its sha256."""

    filename: str
    data: bytes
    sha256: str


def load_input(source: Source, filename: str | None = None) -> RawFile:
    """Read a path, or take bytes (a web upload) named ``filename``."""
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        name = filename or "upload"
    else:
        p = Path(source)
        if not p.is_file():
            raise ParameterError("input file not found", expected="an existing CSV or xlsx file",
                                 got=str(source))
        data = p.read_bytes()
        name = filename or p.name
    return RawFile(name, data, file_sha256(data))


# ---------------------------------------------------------------------------------------------
# Mapping files


@dataclass(frozen=True)
class Mapping_:
    """A mapping from the user's layout to imcap field names (see docs/importing.md).

    ``columns``: imcap field -> the user's column name; ``values``: imcap field -> {user value:
    imcap value}; ``defaults``: imcap field -> constant used when the column is absent or the
    cell is blank; ``sheet``: the xlsx sheet to read; ``wide``: a wide layout, one column per
    item (only the table importer takes it: ``imcap.ingest.table``).
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    wide: dict[str, Any] = field(default_factory=dict)


ColumnMapping = Mapping_

_MAPPING_KEYS = {"columns", "values", "defaults", "sheet"}


def load_mapping(mapping: Mapping_ | Mapping[str, Any] | Path | str | None,
                 allowed_fields: Iterable[str], *, wide: bool = False) -> Mapping_:
    """A mapping from a TOML file, a dict of the same shape, or nothing (identity).
    ``wide``: the importer takes a ``[wide]`` section (refused otherwise)."""
    if mapping is None:
        return Mapping_()
    if isinstance(mapping, Mapping_):
        doc: Mapping[str, Any] = {"columns": mapping.columns, "values": mapping.values,
                                  "defaults": mapping.defaults, "sheet": mapping.sheet,
                                  **({"wide": mapping.wide} if mapping.wide else {})}
        where = "mapping"
    elif isinstance(mapping, Mapping):
        doc, where = mapping, "mapping"
    else:
        p = Path(mapping)
        where = str(p.name)
        try:
            doc = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ParameterError("mapping file not found", expected="a TOML mapping file",
                                 got=str(mapping), where="--mapping") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ParameterError("mapping file is not valid TOML", expected="TOML (see "
                                 "docs/importing.md)", got=str(e), where=where) from None
    allowed = set(allowed_fields)
    keys = _MAPPING_KEYS | ({"wide"} if wide else set())
    unknown = set(doc) - keys
    if unknown:
        raise ParameterError("unknown section in mapping", expected=", ".join(sorted(keys)),
                             got=", ".join(sorted(unknown)), where=where)
    wide_doc = doc.get("wide", {})
    if not isinstance(wide_doc, Mapping) or ("wide" in doc and not wide_doc):
        raise ParameterError("[wide] must be a table with columns", expected="item, measure "
                             "and columns", got=repr(wide_doc), where=where)
    for section in ("columns", "values", "defaults"):
        sec = doc.get(section) or {}
        if not isinstance(sec, Mapping):
            raise ParameterError(f"[{section}] must be a table", expected="key = value lines",
                                 got=repr(sec), where=where)
        bad = set(sec) - allowed
        if bad:
            raise ParameterError(f"unknown field in [{section}]",
                                 expected="one of " + ", ".join(sorted(allowed)),
                                 got=", ".join(sorted(bad)), where=where)
    values = {k: {str(a): str(b) for a, b in v.items()}
              for k, v in (doc.get("values") or {}).items()}
    sheet = doc.get("sheet")
    return Mapping_(
        columns={k: str(v) for k, v in (doc.get("columns") or {}).items()},
        values=values,
        defaults=dict(doc.get("defaults") or {}),
        sheet=str(sheet) if sheet else None,
        wide=dict(wide_doc),
    )


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass
class Sheet:
    """One table read from a file. ``frame`` has one column per header, object dtype (CSV cells
    are strings, '' when blank; xlsx cells keep their types); its index is the 0-based record
    number, so ``index + 2`` is the spreadsheet row."""

    name: str | None
    frame: pd.DataFrame


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    head = data[:4000]
    if b"\x00" in head:
        enc = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        return data.decode(enc), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


def _is_xlsx(raw: RawFile) -> bool:
    return raw.data[:4] == b"PK\x03\x04" or raw.filename.lower().endswith((".xlsx", ".xlsm"))


def read_tables(raw: RawFile, report: ValidationReport, *, sheet: str | None = None,
                prefer_sheets: Sequence[str] = ()) -> Sheet | None:
    """Read the table of a CSV or xlsx file; problems go to ``report``; None when unreadable.

    For xlsx: ``sheet`` if given, else the first sheet whose name is in ``prefer_sheets``
    (case-insensitive), else the first sheet.
    """
    if not raw.data.strip():
        report.add(None, None, "a CSV or xlsx file with a header row and data rows",
                   "an empty file")
        return None
    if raw.data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        report.add(None, None, "a CSV or xlsx file (save old .xls workbooks as .xlsx)",
                   "an old-format .xls workbook")
        return None
    if _is_xlsx(raw):
        return _read_xlsx(raw, report, sheet, prefer_sheets)
    return _read_csv(raw, report)


def _read_csv(raw: RawFile, report: ValidationReport) -> Sheet | None:
    try:
        text, enc = _decode(raw.data)
    except UnicodeDecodeError as e:
        report.add(None, None, "a text file (CSV) in UTF-8, UTF-16 or Windows Latin-1, or an "
                   ".xlsx workbook", f"bytes that are not text in any of them ({e.reason} at "
                   f"byte {e.start})")
        return None
    if enc in ("cp1252", "latin-1"):
        report.notes.append(f"file is not UTF-8; decoded as {enc} (Windows Latin-1)")
    elif enc.startswith("utf-16"):
        report.notes.append(f"file decoded as {enc.upper()}")
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delim = max((",", ";", "\t"), key=first.count)
    try:
        # header=None: a line with more fields than the header is a ParserError (with
        # header=0 pandas would silently turn the extra leading fields into an index)
        body = pd.read_csv(io.StringIO(text), sep=delim, dtype=str, keep_default_na=False,
                           skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL, engine="c",
                           header=None)
    except pd.errors.EmptyDataError:
        report.add(None, None, "a header row and data rows", "an empty file")
        return None
    except pd.errors.ParserError as e:
        msg = str(e)
        m = re.search(r"line (\d+)", msg)
        row = int(m.group(1)) if m else None
        report.add(row, None, "the same number of fields on every line as in the header",
                   msg.split("\n")[0])
        return None
    header = [str(c).strip() for c in body.iloc[0].fillna("")]
    frame = body.iloc[1:].fillna("").reset_index(drop=True)
    frame.columns = header
    return _finish(Sheet(None, frame), report)


def _read_xlsx(raw: RawFile, report: ValidationReport, sheet: str | None,
               prefer: Sequence[str]) -> Sheet | None:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw.data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any unreadable workbook is the user's file
        report.add(None, None, "a readable xlsx workbook", f"{type(e).__name__}: {e}")
        return None
    try:
        names = wb.sheetnames
        chosen = None
        if sheet is not None:
            chosen = next((n for n in names if n.lower() == sheet.lower()), None)
            if chosen is None:
                report.add(None, None, f"a sheet named {sheet!r}",
                           "sheets " + ", ".join(repr(n) for n in names))
                return None
        else:
            wanted = [p.lower() for p in prefer]
            chosen = next((n for n in names if n.lower() in wanted), names[0] if names else None)
        if chosen is None:
            report.add(None, None, "a workbook with at least one sheet", "no sheets")
            return None
        rows = list(wb[chosen].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows or all(c is None for c in rows[0]):
        report.add(1, None, "a header row in row 1", "an empty first row", sheet=chosen)
        return None
    header = [("" if c is None else str(c).strip()) for c in rows[0]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body = [list(r[:width]) + [None] * (width - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=header, dtype=object) if body else \
        pd.DataFrame(columns=header, dtype=object)
    frame = frame.map(lambda v: "" if v is None else (v.strip() if isinstance(v, str) else v)) \
        if len(frame) else frame
    return _finish(Sheet(chosen, frame), report)


def _finish(sheet: Sheet, report: ValidationReport) -> Sheet | None:
    frame = sheet.frame
    if any(c == "" for c in frame.columns):
        idx = [i for i, c in enumerate(frame.columns) if c == ""]
        if all(not frame.iloc[:, i].astype(str).str.strip().any() for i in idx):
            frame = frame.loc[:, [c != "" for c in frame.columns]]
    if len(frame):
        blank = (frame.astype(str).apply(lambda s: s.str.strip()) == "").all(axis=1)
        frame = frame.loc[~blank.to_numpy()]
    dup = [c for c in set(frame.columns) if list(frame.columns).count(c) > 1]
    for c in dup:
        report.add(1, c, "each column name once in the header", "a repeated column name",
                   sheet=sheet.name)
    report.rows_read = len(frame)
    if not len(frame) and not dup:
        report.add(None, None, "at least one data row below the header", "no data rows",
                   sheet=sheet.name)
    if dup or not len(frame):
        return None
    sheet.frame = frame
    return sheet


# ---------------------------------------------------------------------------------------------
# Columns and cells


def norm_name(s: str) -> str:
    """Column / place names compared loosely: accents, case, punctuation and spaces ignored."""
    s = unicodedata.normalize("NFKD", str(s)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", s.lower())


class Problems:
    """Adds problems to a report for one sheet, listing at most MAX_LISTED_PROBLEMS."""

    def __init__(self, report: ValidationReport, sheet: str | None) -> None:
        self.report = report
        self.sheet = sheet
        self.hidden = 0

    def add(self, row: int | None, column: str | None, expected: str, got: Any) -> None:
        if len(self.report.problems) >= MAX_LISTED_PROBLEMS:
            self.hidden += 1
            return
        self.report.add(row, column, expected, got, sheet=self.sheet)

    def close(self) -> None:
        """Sort the problems by row (file-level ones first) and count the unlisted ones."""
        self.report.problems.sort(key=lambda p: -1 if p.row is None else p.row)
        if self.hidden:
            self.report.notes.append(f"{self.hidden} more problem(s) not listed")
            # keep the problem list non-empty and the count honest in the summary
            self.hidden = 0


def resolve_columns(sheet: Sheet, fields: Sequence[Field], mapping: Mapping_, probs: Problems,
                    *, aliases: Mapping[str, Sequence[str]] | None = None,
                    required: Iterable[str] | None = None) -> dict[str, str]:
    """Find the file column of each field: the mapping's name, else the field's name or label
    or an alias (compared loosely). Missing required columns (without a default) are problems
    at row 1. Returns field name -> column name for the columns present."""
    cols = list(sheet.frame.columns)
    by_norm: dict[str, str] = {}
    for c in cols:  # the first of loosely equal names wins ("TIME_PERIOD" before "Time period")
        by_norm.setdefault(norm_name(c), c)
    found: dict[str, str] = {}
    for f in fields:
        if f.name in mapping.columns:
            want = mapping.columns[f.name]
            c = want if want in cols else by_norm.get(norm_name(want))
            if c is None:
                probs.add(1, want, f"the column {want!r} named in the mapping for {f.name}",
                          "columns " + ", ".join(repr(x) for x in cols))
                continue
            found[f.name] = c
            continue
        cands = (f.name, f.label, *((aliases or {}).get(f.name, ())))
        exact = next((c for c in cands if c in cols), None)
        loose = next((by_norm[norm_name(c)] for c in cands if norm_name(c) in by_norm), None)
        if exact or loose:
            found[f.name] = exact or loose  # type: ignore[assignment]
    req = set(required) if required is not None else {f.name for f in fields if f.required}
    for name in sorted(req):
        if name not in found and name not in mapping.defaults:
            f = next((x for x in fields if x.name == name), None)
            shown = ((aliases or {}).get(name) or (name,))[0]
            label = f"{shown} ({f.label})" if f and f.label != shown else shown
            probs.add(1, shown, f"a column {label}",
                      "columns " + ", ".join(repr(x) for x in cols))
    return found


def parse_column(sheet: Sheet, fld: Field, column: str | None, mapping: Mapping_,
                 probs: Problems, *, default: Any = None,
                 prepare: Callable[[Any], Any] | None = None) -> tuple[list[Any], np.ndarray]:
    """Parse every cell of ``column`` with ``fld.parse`` (each distinct raw value once).

    Blank cells take the mapping default (or ``default``); ``mapping.values[fld.name]`` maps
    the user's values first. Returns the parsed values and a boolean array of bad rows; each
    bad cell is a problem naming its row, column, what was expected and what arrived.
    """
    n = len(sheet.frame)
    dflt = mapping.defaults.get(fld.name, default)
    if column is None:
        if dflt is None:
            if fld.required:
                return [None] * n, np.ones(n, dtype=bool)
            return [None] * n, np.zeros(n, dtype=bool)
        try:
            v = fld.parse(dflt)
        except FieldError as e:
            probs.add(None, f"[defaults] {fld.name}", e.expected, dflt)
            return [None] * n, np.ones(n, dtype=bool)
        return [v] * n, np.zeros(n, dtype=bool)
    series = sheet.frame[column]
    vmap = {norm_name(k): v for k, v in mapping.values.get(fld.name, {}).items()}
    codes, uniques = pd.factorize(series.astype(object).map(_hashable), use_na_sentinel=False)
    parsed: list[Any] = []
    bad_code = np.zeros(len(uniques), dtype=bool)
    expected: list[str | None] = []
    for raw in uniques:
        val = raw
        if isinstance(val, str) and not val.strip() and dflt is not None:
            val = dflt
        if vmap and isinstance(val, str | int | float) and norm_name(str(val)) in vmap:
            val = vmap[norm_name(str(val))]
        if prepare is not None:
            val = prepare(val)
        try:
            parsed.append(fld.parse(val))
            expected.append(None)
        except FieldError as e:
            parsed.append(None)
            expected.append(e.expected)
    for i, exp in enumerate(expected):
        bad_code[i] = exp is not None
    bad = bad_code[codes]
    if bad.any():
        rows = sheet.frame.index.to_numpy()
        for pos in np.flatnonzero(bad):
            probs.add(int(rows[pos]) + 2, column, expected[codes[pos]], series.iloc[pos])
    values = [parsed[c] for c in codes]
    return values, bad


def _hashable(v: Any) -> Any:
    if isinstance(v, float) and np.isnan(v):
        return ""
    return v


def spreadsheet_rows(sheet: Sheet) -> np.ndarray:
    return sheet.frame.index.to_numpy() + 2


# ---------------------------------------------------------------------------------------------
# Reference look-ups


def known_countries(session: Session) -> set[str]:
    return set(session.scalars(select(Country.iso3)))


AREA_ALIASES: dict[str, dict[str, str]] = {
    "KEN": {"transzoia": "transnzoia", "taveta": "taitataveta"},
}
"""Spelling variants of area names seen in real files (loose form -> loose form of the name in
the area table); Homabay and Muranga already match loosely."""


@dataclass
class AreaIndex:
    """Areas of one country, looked up by id, code or loose name; the highest level (smallest
    level number) wins when a name repeats (Malawi's region and zone "Northern")."""

    by_key: dict[str, str]
    aliases: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, iso3: str) -> AreaIndex:
        rows = session.execute(
            select(Area.id, Area.code, Area.name, Area.level).where(Area.country_iso3 == iso3)
            .order_by(Area.level.desc())
        ).all()
        by_key: dict[str, str] = {}
        for aid, _code, name, _level in rows:  # deepest first, so higher levels overwrite
            by_key[norm_name(name)] = aid
        for aid, code, _name, _level in rows:
            if code:
                by_key.setdefault("code:" + norm_name(code), aid)
            by_key["id:" + aid.lower()] = aid
        return cls(by_key, AREA_ALIASES.get(iso3, {}))

    def find(self, text: str, aliases: Mapping[str, str] | None = None) -> str | None:
        t = str(text).strip()
        if not t:
            return None
        hit = self.by_key.get("id:" + t.lower()) or self.by_key.get("code:" + norm_name(t))
        if hit:
            return hit
        key = norm_name(t)
        if aliases is None:
            aliases = self.aliases
        if aliases and key in aliases:
            key = aliases[key]
        return self.by_key.get(key)

    def __bool__(self) -> bool:
        return bool(self.by_key)


# ---------------------------------------------------------------------------------------------
# Writing


def write(db: Database, report: ValidationReport, raw: RawFile, kind: str, source: str,
          actor: str, dry_run: bool, apply: Callable[[Session, int], dict[str, int]]) -> None:
    """Run ``apply(session, batch_id)`` in one transaction and fill the report's counts.

    ``dry_run``: everything is computed (counts of what would change) and rolled back. A file
    whose sha256 matches an earlier batch of the same kind and changes nothing leaves no new
    batch behind (re-importing the same file changes nothing).
    """
    with db.session() as s:
        prev = previous_batch(s, kind, raw.sha256)
        batch = start_batch(s, kind, raw.filename[:500], raw.sha256, source[:300], actor=actor)
        counts = apply(s, batch.id)
        report.inserted = counts.get("inserted", 0)
        report.updated = counts.get("updated", 0)
        report.unchanged = counts.get("unchanged", 0)
        if counts.get("kept_newer"):
            report.notes.append(
                f"{counts['kept_newer']} row(s) kept as stored: the registry holds a value with a "
                "later source date than this file's (nothing rolled back)")
        changed = report.inserted + report.updated
        if dry_run:
            s.rollback()
            report.notes.append("dry run: validated only, nothing written")
            return
        if prev is not None and not changed:
            s.rollback()
            report.batch_id = prev.id
            report.notes.append(f"same file as import batch {prev.id}; nothing changed")
            return
        batch.rows = report.rows_read
        batch.inserted, batch.updated, batch.unchanged = report.inserted, report.updated, \
            report.unchanged
        batch.report = {k: v for k, v in report.to_dict().items() if k != "problems"}
        report.batch_id = batch.id


def upsert_grouped(session: Session, model: Any, key: tuple[str, ...],
                   rows: Sequence[dict[str, Any]], scope_field: str, *, batch_id: int,
                   actor: str) -> dict[str, int]:
    """``upsert_many`` once per value of ``scope_field`` (e.g. per source or per country), so
    each call reads only the existing rows of its scope; returns the summed counts."""
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r[scope_field]].append(r)
    total: dict[str, int] = {"inserted": 0, "updated": 0, "unchanged": 0}
    for value, part in groups.items():
        add_counts(total, upsert_many(session, model, key, part, scope={scope_field: value},
                                      batch_id=batch_id, actor=actor))
    return total


def add_counts(total: dict[str, int], part: Mapping[str, int]) -> dict[str, int]:
    for k, v in part.items():
        total[k] = total.get(k, 0) + v
    return total
