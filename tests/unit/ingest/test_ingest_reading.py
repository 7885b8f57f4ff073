"""Reading CSV/xlsx: encodings, delimiters, spreadsheet row numbers, mapping files, GHO
indicator recognition."""

from __future__ import annotations

import io

import openpyxl
import pytest

from imcap.domain.fields import COUNT, YEAR
from imcap.errors import ParameterError, ValidationReport
from imcap.ingest.gho import classify
from imcap.ingest.tabular import (
    Mapping_,
    Problems,
    load_input,
    load_mapping,
    norm_name,
    parse_column,
    read_tables,
)


def _read(data: bytes, name="f.csv", **kw):
    rep = ValidationReport(name, "test")
    return read_tables(load_input(data, name), rep, **kw), rep


def test_blank_lines_are_skipped_but_keep_their_row_numbers():
    sheet, rep = _read(b"year,count\n2020,1\n\n2021,x\n")
    assert rep.ok and rep.rows_read == 2
    probs = Problems(rep, None)
    _vals, bad = parse_column(sheet, COUNT, "count", Mapping_(), probs)
    assert list(bad) == [False, True]
    assert (rep.problems[0].row, rep.problems[0].column) == (4, "count")


@pytest.mark.parametrize("enc", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252"])
def test_encodings(enc):
    sheet, rep = _read("name;year\nSão Tomé;2020\n".encode(enc))
    assert sheet.frame.iloc[0]["name"] == "São Tomé"


def test_xlsx_sheet_choice_and_typed_cells():
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["ignore me"])
    ws = wb.create_sheet("Units")
    ws.append(["year", "count", None])
    ws.append([2020, 3, None])
    buf = io.BytesIO()
    wb.save(buf)
    sheet, rep = _read(buf.getvalue(), "w.xlsx", prefer_sheets=("units",))
    assert sheet.name == "Units" and list(sheet.frame.columns) == ["year", "count"]
    vals, _ = parse_column(sheet, YEAR, "year", Mapping_(), Problems(rep, sheet.name))
    assert vals == [2020]
    _none, rep2 = _read(buf.getvalue(), "w.xlsx", sheet="Missing")
    assert "'Notes', 'Units'" in rep2.problems[0].got


def test_mapping_values_and_defaults():
    m = load_mapping({"columns": {"count": "Units"}, "values": {"count": {"none": "0"}},
                      "defaults": {"year": 2021}}, ("count", "year"))
    sheet, rep = _read(b"Units\nNone\n5\n")
    vals, bad = parse_column(sheet, COUNT, "Units", m, Problems(rep, None))
    assert vals == [0, 5] and not bad.any()
    years, _ = parse_column(sheet, YEAR, None, m, Problems(rep, None))
    assert years == [2021, 2021]
    with pytest.raises(ParameterError):
        load_mapping({"colums": {}}, ("count",))


def test_missing_input_file_is_a_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="not found"):
        load_input(tmp_path / "nope.csv")


def test_norm_name():
    assert norm_name("Murang'a") == norm_name("Muranga") == "muranga"
    assert norm_name("Elgeyo-Marakwet") == norm_name("Elgeyo Marakwet")
    assert norm_name("Hôpital") == "hopital"


@pytest.mark.parametrize("code,title,want", [
    ("DEVICES09", "Total density per million population: Computed tomography units",
     ("modality", "CT", "total")),
    ("DEVICES08", None, ("modality", "MRI", "total")),
    ("X", "Public sector density per million population: Mammographs",
     ("modality", "MAMMO", "public")),
    ("X", "Private sector density per million population: Gamma cameras or nuclear medicine",
     ("modality", "SPECT", "private")),
    ("DEVICES22", "Total density per million population: Radiotherapy units",
     ("other", "RT", "total")),
    ("X", "Total density per million population: Telecobalt units", ("other", "RT", "total")),
    ("X", "Total density per 100 000 population: Health posts", None),
    ("DEVICES01", None, None),
])
def test_gho_indicator_classification(code, title, want):
    assert classify(code, title) == want
