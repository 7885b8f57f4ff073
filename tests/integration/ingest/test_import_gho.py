"""WHO GHO device-density exports: the bundled AFRO files, any other DEVICES export of that
shape, re-imports, newer values and other sources; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from ingest_testlib import counts, source_file
from sqlalchemy import select

from imcap.ingest import import_gho
from imcap.store.repo import history
from imcap.store.schema import ChangeLog, CountryFigure

CT = "Total_density_per_million_population_CT.csv"
MRI = "Total_density_per_million_population_MRI.csv"


def _figures(db, **where):
    with db.session() as s:
        stmt = select(CountryFigure)
        for k, v in where.items():
            stmt = stmt.where(getattr(CountryFigure, k) == v)
        return list(s.scalars(stmt))


def test_bundled_ct_file_values_equal_the_source_cells(any_rdb):
    rep = import_gho(any_rdb, source_file(CT))
    assert rep.ok, rep.problems[:3]
    src = pd.read_csv(source_file(CT))
    assert rep.inserted == len(src) == 85
    # source row: DEVICES09, TZA, 2021, FactValueNumeric 0.17, DataSource WHO MD Survey 2021
    (tza,) = _figures(any_rdb, country_iso3="TZA", year=2021, item="CT")
    cell = src[(src.SpatialDimValueCode == "TZA") & (src.Period == 2021)].iloc[0]
    assert tza.value == cell.FactValueNumeric == 0.17
    assert (tza.item_kind, tza.measure, tza.sector) == ("modality", "per_million", "total")
    assert tza.source == "WHO GHO DEVICES09 (WHO MD Survey 2021)"
    assert tza.source_date.isoformat() == "2023-06-18"
    commented = src[src.FactComments.notna()].iloc[0]
    (f,) = _figures(any_rdb, country_iso3=commented.SpatialDimValueCode,
                    year=int(commented.Period), item="CT")
    assert f.comment == commented.FactComments


def test_reimporting_the_same_file_changes_nothing(any_rdb):
    assert import_gho(any_rdb, source_file(MRI)).inserted == 79
    before = counts(any_rdb)
    again = import_gho(any_rdb, source_file(MRI))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 79)
    assert counts(any_rdb) == before  # no new batch, no change_log rows


HEAD = ("IndicatorCode,Indicator,ValueType,ParentLocationCode,ParentLocation,Location type,"
        "SpatialDimValueCode,Location,Period type,Period,IsLatestYear,Dim1 type,Dim1,"
        "Dim1ValueCode,DataSourceDimValueCode,DataSource,FactValueNumeric,Value,FactComments,"
        "Language,DateModified")


def _gho(rows: list[dict[str, str]], columns: list[str] | None = None) -> bytes:
    cols = columns or HEAD.split(",")
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in cols})
    return buf.getvalue().encode()


def _row(code, title, iso3, year, value, **kw):
    return {"IndicatorCode": code, "Indicator": title, "Location type": "Country",
            "SpatialDimValueCode": iso3, "Period": str(year), "FactValueNumeric": value,
            "Value": value, "DataSource": "WHO MD Survey 2021",
            "DateModified": "2023-06-18T22:00:00.000Z", **kw}


def test_any_devices_density_export_is_accepted_in_any_column_order(any_rdb):
    rows = [
        _row("DEVICES99", "Total density per million population: Mammographs", "KEN", 2021,
             "1.25"),
        _row("DEVICES98", "Public sector density per million population: Positron emission "
             "tomography units", "KEN", 2021, "0.02"),
        _row("DEVICES97", "Private sector density per million population: Gamma cameras based "
             "on nuclear medicine", "GHA", 2013, "0.1"),
        _row("DEVICES22", "Total density per million population: Radiotherapy units", "KEN",
             2021, "0.3"),
    ]
    cols = list(reversed(HEAD.split(","))) + ["Extra column", "Another"]
    rep = import_gho(any_rdb, _gho(rows, cols), filename="gho.csv")
    assert rep.ok, rep.problems
    got = {(f.country_iso3, f.item_kind, f.item, f.sector): f.value for f in _figures(any_rdb)}
    assert got == {("KEN", "modality", "MAMMO", "total"): 1.25,
                   ("KEN", "modality", "PET", "public"): 0.02,
                   ("GHA", "modality", "SPECT", "private"): 0.1,
                   ("KEN", "other", "RT", "total"): 0.3}


def test_value_column_variant_and_odata_column_names(any_rdb):
    data = (b"IndicatorCode,SpatialDim,TimeDim,Value\n"
            b"DEVICES09,KEN,2021,0.84 [0.8-0.9]\n"
            b"DEVICES08,KEN,2021,\"0.24\"\n")
    rep = import_gho(any_rdb, data, filename="odata.csv")
    assert rep.ok, rep.problems
    got = {f.item: f.value for f in _figures(any_rdb, country_iso3="KEN")}
    assert got == {"CT": 0.84, "MRI": 0.24}


def test_unknown_indicator_and_country_are_problems_and_nothing_is_written(any_rdb):
    before = counts(any_rdb)
    rows = [_row("DEVICES09", "Total density per million population: Computed tomography "
                 "units", "KEN", 2021, "0.8"),
            _row("WHOSIS_000001", "Life expectancy at birth (years)", "KEN", 2021, "63"),
            _row("DEVICES09", "Total density per million population: Computed tomography "
                 "units", "XKX", 2021, "0.8")]
    rep = import_gho(any_rdb, _gho(rows), filename="mixed.csv")
    assert not rep.ok
    p1, p2 = rep.problems
    assert (p1.row, p1.column) == (3, "IndicatorCode") and "WHOSIS_000001" in p1.got
    assert (p2.row, p2.column, p2.got) == (4, "SpatialDimValueCode", "'XKX'")
    assert "country table" in p2.expected
    assert counts(any_rdb) == before


def test_newer_value_updates_with_history_and_other_source_is_kept_alongside(any_rdb):
    title = "Total density per million population: Magnetic Resonance Imaging"
    import_gho(any_rdb, _gho([_row("DEVICES08", title, "KEN", 2021, "0.20")]), filename="a.csv")
    rep = import_gho(any_rdb, _gho([_row("DEVICES08", title, "KEN", 2021, "0.24")]),
                     filename="b.csv")
    assert (rep.inserted, rep.updated) == (0, 1)
    (f,) = _figures(any_rdb, country_iso3="KEN", item="MRI")
    assert f.value == 0.24
    with any_rdb.session() as s:
        log = history(s, "country_figure", str(f.id))
        assert [c.action for c in log] == ["insert", "update"]
        assert (log[1].before["value"], log[1].after["value"]) == (0.2, 0.24)
    other = _row("DEVICES08", title, "KEN", 2021, "0.3", DataSource="WHO MD Survey 2023")
    rep = import_gho(any_rdb, _gho([other]), filename="c.csv")
    assert rep.inserted == 1
    assert sorted(f.value for f in _figures(any_rdb, item="MRI")) == [0.24, 0.3]


def test_dry_run_counts_but_writes_nothing(rdb):
    before = counts(rdb)
    rep = import_gho(rdb, source_file(CT), dry_run=True)
    assert rep.ok and rep.inserted == 85 and rep.batch_id is None
    assert counts(rdb) == before


def test_region_rows_and_blank_values_are_skipped_with_notes(rdb):
    rows = [_row("DEVICES09", "Total density per million population: Computed tomography "
                 "units", "AFR", 2021, "0.4", **{"Location type": "WHO region"}),
            _row("DEVICES09", "Total density per million population: Computed tomography "
                 "units", "KEN", 2013, "")]
    rep = import_gho(rdb, _gho(rows), filename="r.csv")
    assert rep.ok and rep.inserted == 0
    assert any("regions" in n for n in rep.notes) and any("without a value" in n
                                                          for n in rep.notes)
    with rdb.session() as s:
        assert s.scalar(select(ChangeLog.id).limit(1)) is None


@pytest.mark.parametrize("value", ["abc", "-1"])
def test_bad_values_name_row_and_column(rdb, value):
    rep = import_gho(rdb, _gho([_row("DEVICES09", "", "KEN", 2021, value)]), filename="v.csv")
    (p,) = rep.problems
    assert (p.row, p.column) == (2, "FactValueNumeric") and "number" in p.expected
