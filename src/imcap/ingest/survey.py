"""Survey workbook generated from the field catalogue (:mod:`imcap.domain.fields`).

One sheet per table (Facilities, Units, Country figures) whose header row holds the field
names, so a filled workbook imports without a mapping (``imcap import facilities|inventory|
table survey.xlsx`` each pick their sheet by name); drop-down lists (data validation) for
choice and yes/no fields, read from a hidden "Lists" sheet; a "Data dictionary" sheet with each
field's label, description, type, whether it is required, its allowed values and an example;
and a "Read me" sheet.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from imcap.domain.fields import FACILITY_FIELDS, TABLE_FIELDS, UNIT_FIELDS, Field

SHEETS: tuple[tuple[str, tuple[Field, ...], str], ...] = (
    ("Facilities", FACILITY_FIELDS, "imcap import facilities"),
    ("Units", UNIT_FIELDS, "imcap import inventory"),
    ("Country figures", TABLE_FIELDS, "imcap import table"),
)
DATA_ROWS = 2000
"""Rows of the data sheets that carry the drop-down lists."""

_YES_NO = ("yes", "no")


def _col_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def survey_workbook(sheets: Sequence[tuple[str, tuple[Field, ...], str]] = SHEETS) -> bytes:
    """The survey workbook as xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    readme = wb.active
    readme.title = "Read me"
    lines = [
        "imcap survey workbook (medical imaging capacity)",
        "",
        "Fill one row per facility, per imaging unit, or per country/area figure.",
        "Row 1 holds the field names: do not rename them. Bold fields are required.",
        "Drop-down lists give the allowed values; the 'Data dictionary' sheet explains each "
        "field.",
        "Dates are YYYY-MM-DD. Coordinates are decimal degrees (WGS 84).",
        "",
        "Import the filled workbook with:",
        *(f"  {cmd} survey.xlsx   (sheet '{name}')" for name, _f, cmd in sheets),
        "Each import first validates every cell and reports sheet, row, column, what was "
        "expected and what arrived; nothing is written until the sheet is clean.",
    ]
    for i, line in enumerate(lines, start=1):
        readme.cell(row=i, column=1, value=line)
    readme["A1"].font = Font(bold=True, size=14)
    readme.column_dimensions["A"].width = 110

    lists = wb.create_sheet("Lists")
    list_ranges: dict[str, str] = {}
    col = 1
    seen: set[str] = set()
    for _name, fields, _cmd in sheets:
        for f in fields:
            values = f.choices or (_YES_NO if f.kind == "boolean" else ())
            if not values or f.name in seen:
                continue
            seen.add(f.name)
            lists.cell(row=1, column=col, value=f.name)
            for r, v in enumerate(values, start=2):
                lists.cell(row=r, column=col, value=v)
            letter = _col_letter(col)
            list_ranges[f.name] = f"Lists!${letter}$2:${letter}${len(values) + 1}"
            col += 1
    lists.sheet_state = "hidden"

    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for name, fields, _cmd in sheets:
        ws = wb.create_sheet(name)
        for j, f in enumerate(fields, start=1):
            c = ws.cell(row=1, column=j, value=f.name)
            c.font = Font(bold=f.required)
            c.fill = head_fill
            c.comment = Comment(f"{f.label}: {f.description}"
                                + (f" Example: {f.example}" if f.example else ""), "imcap")
            letter = _col_letter(j)
            ws.column_dimensions[letter].width = max(12, len(f.name) + 4)
            rng = f"{letter}2:{letter}{DATA_ROWS + 1}"
            if f.name in list_ranges:
                dv = DataValidation(type="list", formula1=f"={list_ranges[f.name]}",
                                    allow_blank=not f.required, showErrorMessage=True,
                                    errorTitle=f.label, error=f"Choose a value of the list "
                                    f"({f.description})")
                dv.add(rng)
                ws.add_data_validation(dv)
            elif f.kind == "integer":
                dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                    allow_blank=True, showErrorMessage=True, errorTitle=f.label,
                                    error=f"A whole number ({f.description})")
                dv.add(rng)
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"

    dd = wb.create_sheet("Data dictionary")
    header = ("sheet", "field", "label", "description", "type", "required", "allowed values",
              "example")
    for j, h in enumerate(header, start=1):
        dd.cell(row=1, column=j, value=h).font = Font(bold=True)
    r = 2
    for name, fields, _cmd in sheets:
        for f in fields:
            values = f.choices or (_YES_NO if f.kind == "boolean" else ())
            row = (name, f.name, f.label, f.description, f.kind, "yes" if f.required else "no",
                   ", ".join(values), f.example)
            for j, v in enumerate(row, start=1):
                dd.cell(row=r, column=j, value=v)
            r += 1
    for letter, width in zip("ABCDEFGH", (16, 22, 22, 60, 10, 9, 50, 26), strict=True):
        dd.column_dimensions[letter].width = width
    dd.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_survey_template(out: Path | str) -> Path:
    """Write the survey workbook to ``out`` (an .xlsx path) and return the path."""
    p = Path(out)
    p.write_bytes(survey_workbook())
    return p
