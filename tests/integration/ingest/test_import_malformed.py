"""Malformed files: every importer answers with a clear report (file, sheet, row as a
spreadsheet shows it, column, expected, got) and leaves the database unchanged."""

from __future__ import annotations

import io

import openpyxl
import pytest
from ingest_testlib import counts

from imcap.ingest import (
    import_facilities,
    import_gho,
    import_inventory,
    import_oecd,
    import_table,
)

IMPORTERS = {"gho": import_gho, "oecd": import_oecd, "table": import_table,
             "facilities": import_facilities, "inventory": import_inventory}
GOOD_TABLE = "country,year,modality,count\nKEN,2022,CT,98\n"


def _xlsx(rows, sheet="Data"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
@pytest.mark.parametrize("content", [b"", b"   \n\n", b"country,year\n"],
                         ids=["empty", "blank", "header-only"])
def test_empty_files_are_reported(rdb, kind, content):
    before = counts(rdb)
    rep = IMPORTERS[kind](rdb, content, filename="e.csv")
    assert not rep.ok and len(rep.problems) == 1
    p = rep.problems[0]
    assert p.file == "e.csv" and ("empty" in p.got or "no data rows" in p.got)
    assert counts(rdb) == before


@pytest.mark.parametrize("kind,missing", [
    ("gho", "IndicatorCode"), ("oecd", "MEDICAL_TECH"), ("table", "year"),
    ("facilities", "facility_id"), ("inventory", "unit_id")])
def test_missing_columns_are_named(rdb, kind, missing):
    before = counts(rdb)
    rep = IMPORTERS[kind](rdb, b"foo,bar\n1,2\n", filename="m.csv")
    assert not rep.ok
    p = next(p for p in rep.problems if p.column == missing)
    assert p.row == 1 and "column" in p.expected and "'foo', 'bar'" in p.got
    assert counts(rdb) == before


def test_wrong_types_in_an_xlsx_name_sheet_row_and_column(rdb):
    data = _xlsx([["country", "year", "modality", "count", "per_million"],
                  ["KEN", 2022, "CT", 98, 1.8],
                  [None, None, None, None, None],
                  ["KEN", "twenty", "CT", 3.5, "high"]], sheet="Figures")
    before = counts(rdb)
    rep = import_table(rdb, data, filename="w.xlsx")
    got = [(p.sheet, p.row, p.column, p.got) for p in rep.problems]
    assert got == [("Figures", 4, "year", "'twenty'"), ("Figures", 4, "count", "3.5"),
                   ("Figures", 4, "per_million", "'high'")]
    assert "whole number" in rep.problems[0].expected
    assert "w.xlsx, sheet 'Figures', row 4, column 'year'" in str(rep.problems[0])
    assert counts(rdb) == before


def test_unknown_country_codes(rdb):
    before = counts(rdb)
    rep = import_table(rdb, b"country,year,modality,count\nKEN,2022,CT,1\nKENYA,2022,CT,1\n"
                       b"ZZZ,2022,CT,1\n", filename="c.csv")
    assert [(p.row, p.column) for p in rep.problems] == [(3, "country"), (4, "country")]
    assert "ISO 3166" in rep.problems[0].expected and "country table" in rep.problems[1].expected
    assert counts(rdb) == before


def test_duplicate_rows(rdb):
    before = counts(rdb)
    rep = import_table(rdb, (GOOD_TABLE + "KEN,2022,CT,98\n").encode(), filename="d.csv")
    (p,) = rep.problems
    assert p.row == 3 and "row 2" in p.expected
    assert counts(rdb) == before


def test_ragged_csv_and_old_xls_and_repeated_header(rdb):
    rep = import_table(rdb, b"country,year,modality,count\nKEN,2022,CT,1,2,3\n", filename="r.csv")
    assert not rep.ok and "same number of fields" in rep.problems[0].expected
    rep = import_table(rdb, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, filename="o.xls")
    assert ".xls" in rep.problems[0].got
    rep = import_table(rdb, b"country,year,year,count\nKEN,1,2,3\n", filename="h.csv")
    assert rep.problems[0].column == "year" and "once" in rep.problems[0].expected


NAMES = ("facility_id,name,country\nF1,Hôpital Régional de Saint-Louis,SEN\n"
         "F2,Clínica São José,MOZ\n")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252",
                                      "latin-1"])
def test_encodings_are_detected_and_names_kept(rdb, encoding):
    rep = import_facilities(rdb, NAMES.encode(encoding), filename="enc.csv", source="t")
    assert rep.ok, rep.problems
    from sqlalchemy import select

    from imcap.store.schema import Facility
    with rdb.session() as s:
        assert set(s.scalars(select(Facility.name))) == {
            "Hôpital Régional de Saint-Louis", "Clínica São José"}
    if encoding in ("cp1252", "latin-1"):
        assert any("not UTF-8" in n for n in rep.notes)


def test_semicolon_delimited_files(rdb):
    rep = import_table(rdb, GOOD_TABLE.replace(",", ";").encode(), filename="s.csv")
    assert rep.ok and rep.inserted == 1


def test_bad_mapping_file_is_a_parameter_error(rdb, tmp_path):
    from imcap.errors import ParameterError

    m = tmp_path / "m.toml"
    m.write_text("[columns]\ncolour = 'Colour'\n")
    with pytest.raises(ParameterError, match="unknown field"):
        import_table(rdb, GOOD_TABLE.encode(), m, filename="t.csv")
    m.write_text("[columns\n")
    with pytest.raises(ParameterError, match="TOML"):
        import_table(rdb, GOOD_TABLE.encode(), m, filename="t.csv")


def test_mapping_naming_an_absent_column(rdb):
    rep = import_table(rdb, GOOD_TABLE.encode(), {"columns": {"count": "Units"}},
                       filename="t.csv")
    p = rep.problems[0]
    assert (p.row, p.column) == (1, "Units") and "mapping" in p.expected
