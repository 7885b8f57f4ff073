"""Generic country/area tables (with the documented example mappings) and unit inventories,
on SQLite and PostgreSQL; import then export round-trips (Hypothesis)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_testlib import counts, load_places
from sqlalchemy import select

from imcap.errors import ParameterError
from imcap.ingest import import_facilities, import_inventory, import_table
from imcap.ingest.export import figures_frame, units_frame
from imcap.store.db import Database
from imcap.store.schema import ChangeLog, CountryFigure, ImagingUnit, UnitStatus

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def _figs(db):
    with db.session() as s:
        return {(f.country_iso3, f.area_id, f.year, f.item_kind, f.item, f.measure): f.value
                for f in s.scalars(select(CountryFigure))}


def test_imagine_extract_with_the_documented_mapping(any_rdb):
    rep = import_table(any_rdb, EXAMPLES / "imagine_extract.csv",
                       EXAMPLES / "imagine_mapping.toml")
    assert rep.ok, rep.problems
    assert rep.inserted == 9  # 5 rows, 4 with both a count and a density
    figs = _figs(any_rdb)
    assert figs[("KEN", None, 2022, "modality", "CT", "count")] == 98
    assert figs[("KEN", None, 2022, "modality", "CT", "per_million")] == 1.82
    assert figs[("GHA", None, 2022, "modality", "MAMMO", "count")] == 35
    with any_rdb.session() as s:
        f = s.scalars(select(CountryFigure).where(CountryFigure.item == "SPECT",
                                                  CountryFigure.measure == "count")).one()
        assert f.source == "IAEA IMAGINE extract (user supplied)"
        assert f.comment == "public and private" and f.source_date.isoformat() == "2024-06-30"


def test_wide_table_with_the_documented_mapping(any_rdb):
    rep = import_table(any_rdb, EXAMPLES / "wide_extract.csv", EXAMPLES / "wide_mapping.toml")
    assert rep.ok, rep.problems
    assert rep.inserted == 7  # 9 cells, 2 blank
    figs = _figs(any_rdb)
    assert figs[("KEN", None, 2022, "modality", "CT", "count")] == 98
    assert figs[("KEN", None, 2022, "modality", "MRI", "count")] == 42
    assert ("KEN", None, 2022, "modality", "XRAY", "count") not in figs  # blank cell
    assert figs[("GHA", None, 2022, "modality", "XRAY", "count")] == 410
    assert figs[("SEN", None, 2021, "modality", "MRI", "count")] == 8
    with any_rdb.session() as s:
        f = s.scalars(select(CountryFigure).where(CountryFigure.country_iso3 == "SEN",
                                                  CountryFigure.item == "CT")).one()
        assert f.comment == "public sector only" and f.source.startswith("National equipment")
    again = import_table(any_rdb, EXAMPLES / "wide_extract.csv", EXAMPLES / "wide_mapping.toml")
    assert again.ok and again.inserted == 0 and again.updated == 0  # re-import changes nothing


def test_wide_table_problems_name_the_row_and_wide_column_and_write_nothing(rdb):
    data = (b"iso3,year,CT,MRI density\n"
            b"KEN,2022,12,0.5\n"
            b"GHA,2022,many,0.2\n"
            b"SEN,2021,3,-1\n")
    mapping = {"columns": {"country": "iso3"},
               "wide": {"measure": "count", "columns": {"CT": "CT", "MRI": "MRI density"}}}
    rep = import_table(rdb, data, mapping, filename="w.csv")
    assert not rep.ok and rep.inserted == 0
    where = {(p.row, p.column) for p in rep.problems}
    assert (3, "CT") in where  # "many" is not a whole number
    assert (2, "MRI density") in where  # 0.5 is not a count
    assert _figs(rdb) == {}
    mapping["wide"] = {"measure": "per_million", "columns": ["CT"], "item": "modality"}
    rep = import_table(rdb, b"iso3,year,CT\nKEN,2022,1.5\n", mapping, filename="w.csv")
    assert rep.ok and _figs(rdb)[("KEN", None, 2022, "modality", "CT", "per_million")] == 1.5
    # wide columns are matched loosely, like [columns]; a row with no filled cell is noted
    rep = import_table(rdb, b"iso3,year,ct scanners\nGHA,2022,7\nSEN,2021,\n",
                       {"columns": {"country": "iso3"}, "wide": {"columns": {"CT": "CT Scanners"}}},
                       filename="w.csv")
    assert rep.ok and rep.inserted == 1 and any("no filled" in n for n in rep.notes)
    rep = import_table(rdb, b"iso3,year,CT\nKEN,2022,1\n",
                       {"columns": {"country": "iso3"}, "wide": {"columns": ["CT", "PET"]}},
                       filename="w.csv")
    assert not rep.ok and any(p.column == "PET" for p in rep.problems)  # no such column


@pytest.mark.parametrize("wide, match", [
    ({"columns": {"SCANNER": "CT"}}, "unknown modality"),
    ({"columns": ["CT"], "item": "device"}, "modality or cadre"),
    ({"columns": ["CT"], "measure": "units"}, "count or per_million"),
    ({"columns": []}, "needs columns"),
    ({"columns": ["CT"], "rows": 1}, "unknown key"),
    ({"columns": {"CT": "A", "ct": "B"}}, "item given twice"),
    ({"columns": {"MRI": "ct", "CT": "CT"}}, "column given twice"),
    ({}, "must be a table with columns"),
])
def test_bad_wide_section_is_a_parameter_error(rdb, wide, match):
    with pytest.raises(ParameterError, match=match):
        import_table(rdb, b"iso3,year,CT\nKEN,2022,1\n",
                     {"columns": {"country": "iso3"}, "wide": wide}, filename="w.csv")
    with pytest.raises(ParameterError, match="must not"):
        import_table(rdb, b"iso3,year,CT\nKEN,2022,1\n",
                     {"columns": {"country": "iso3", "count": "CT"}, "wide": {"columns": ["CT"]}},
                     filename="w.csv")
    with pytest.raises(ParameterError, match="must not"):  # blank cells would become figures
        import_table(rdb, b"iso3,year,CT\nKEN,2022,1\n",
                     {"columns": {"country": "iso3"}, "defaults": {"count": 0},
                      "wide": {"columns": ["CT"]}}, filename="w.csv")
    with pytest.raises(ParameterError, match="also mapped in"):
        import_table(rdb, b"iso3,year,CT\nKEN,2022,1\n",
                     {"columns": {"country": "iso3", "comment": "CT"},
                      "wide": {"columns": ["CT"]}}, filename="w.csv")
    with pytest.raises(ParameterError, match="unknown section"):
        import_inventory(rdb, b"a\n1\n", {"wide": {"columns": ["CT"]}}, filename="u.csv")


def test_workforce_table_by_county_goes_to_cadre_figures(any_rdb):
    rep = import_table(any_rdb, EXAMPLES / "workforce_KEN.csv",
                       EXAMPLES / "workforce_mapping.toml")
    assert rep.ok, rep.problems
    figs = _figs(any_rdb)
    assert figs[("KEN", "KEN_047", 2023, "cadre", "RADIOLOGIST", "count")] == 120
    assert figs[("KEN", "KEN_028", 2023, "cadre", "RADIOGRAPHER", "count")] == 6  # Elgeyo-M.
    assert figs[("KEN", "KEN_021", 2023, "cadre", "SONOGRAPHER", "count")] == 9


def test_table_problems_name_rows_and_write_nothing(rdb):
    data = (b"country,area,year,modality,cadre,count\n"
            b"KEN,Nairobi,2022,CT,,10\n"
            b"KEN,Atlantis,2022,CT,,3\n"
            b"KEN,,2022,CT,RADIOGRAPHER,3\n"
            b"KEN,,2022,,,3\n"
            b"KEN,Nairobi,2022,CT,,11\n")
    before = counts(rdb)
    rep = import_table(rdb, data, filename="t.csv")
    assert [(p.row, p.column) for p in rep.problems] == [
        (3, "area"), (4, "modality"), (5, "modality"), (6, "year")]
    assert "row 2" in rep.problems[-1].expected
    assert counts(rdb) == before


def _facilities(db, n=3):
    data = "facility_id,name,country,level\n" + "".join(
        f"F{i},Hospital {i},KEN,district_hospital\n" for i in range(n))
    rep = import_facilities(db, data.encode(), filename="f.csv", source="test list")
    assert rep.ok, rep.problems


def test_inventory_import_status_history_and_updates(any_rdb):
    _facilities(any_rdb)
    v1 = (b"unit_id,facility_id,modality,make,status,status_date,maintenance_contract\n"
          b"CT1,F0,CT,Siemens,functional,2024-01-10,yes\n"
          b"MR1,F0,MR,GE,non_functional_repairable,2024-01-10,no\n"
          b"US1,F1,ultrasound,,functional,,\n")
    rep = import_inventory(any_rdb, v1, filename="inv1.csv", source="MoH inventory 2024")
    assert rep.ok and rep.inserted == 3, rep.problems
    v2 = v1.replace(b"MR1,F0,MR,GE,non_functional_repairable,2024-01-10",
                    b"MR1,F0,MR,GE,functional,2024-06-01")
    rep = import_inventory(any_rdb, v2, filename="inv2.csv", source="MoH inventory 2024")
    assert (rep.inserted, rep.updated, rep.unchanged) == (0, 1, 2)
    with any_rdb.session() as s:
        mr = s.scalars(select(ImagingUnit).where(ImagingUnit.external_id == "MR1")).one()
        assert (mr.modality, mr.status, mr.version) == ("MRI", "functional", 2)
        hist = s.scalars(select(UnitStatus).where(UnitStatus.unit_id == mr.id)
                         .order_by(UnitStatus.id)).all()
        assert [(h.status, h.status_date.isoformat()) for h in hist] == [
            ("non_functional_repairable", "2024-01-10"), ("functional", "2024-06-01")]
        assert s.scalar(select(ChangeLog.action).where(
            ChangeLog.entity == "imaging_unit", ChangeLog.entity_key == str(mr.id))
            .order_by(ChangeLog.id.desc()).limit(1)) == "update"
        assert s.query(UnitStatus).count() == 4
    before = counts(any_rdb)
    again = import_inventory(any_rdb, v2, filename="inv2.csv", source="MoH inventory 2024")
    assert again.unchanged == 3 and counts(any_rdb) == before


def test_inventory_unknown_facility_and_duplicate_units(any_rdb):
    _facilities(any_rdb)
    before = counts(any_rdb)
    data = (b"unit_id,facility_id,modality,status\n"
            b"CT1,F0,CT,functional\n"
            b"CT1,F0,CT,functional\n"
            b"CT9,NOPE,CT,functional\n"
            b"X1,F1,CT,functional,extra\n")
    rep = import_inventory(any_rdb, data, filename="dup.csv")
    assert not rep.ok
    assert counts(any_rdb) == before
    data = data.replace(b",extra", b"")
    rep = import_inventory(any_rdb, data, filename="dup.csv")
    assert [(p.row, p.column) for p in rep.problems] == [(3, "unit_id"), (4, "facility_id")]
    assert counts(any_rdb) == before


# ---------------------------------------------------------------------------------------------
# import -> export round trips

_KEYS = st.tuples(st.sampled_from(["KEN", "GHA", "MWI"]),
                  st.sampled_from(["", "Nairobi", "Kisumu"]),
                  st.integers(2000, 2024),
                  st.sampled_from(["CT", "MRI", "PET", "RADIOGRAPHER", "RADIOLOGIST"]))
_ROW = st.tuples(_KEYS, st.one_of(st.none(), st.integers(0, 5000)),
                 st.floats(0, 500, allow_nan=False, allow_infinity=False)
                 .map(lambda x: round(x, 4)))


def _fresh_db(folder: str) -> Database:
    db = Database(f"sqlite:///{folder}/rt.db")
    load_places(db)
    return db


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ROW, min_size=1, max_size=25,
                unique_by=lambda r: (r[0][0], r[0][1] if r[0][0] == "KEN" else "", *r[0][2:])))
def test_table_import_then_export_round_trips(rows):
    lines = []
    for (c, area, year, item, ), count, dens in rows:
        area = area if c == "KEN" else ""
        mod, cad = (item, "") if item in ("CT", "MRI", "PET") else ("", item)
        lines.append(f"{c},{area},{year},{mod},{cad},{'' if count is None else count},{dens!r}")
    data = ("country,area,year,modality,cadre,count,per_million\n" + "\n".join(lines)).encode()
    with tempfile.TemporaryDirectory() as folder:
        db = _fresh_db(folder)
        try:
            rep = import_table(db, data, filename="in.csv", source="hypothesis")
            assert rep.ok, rep.problems[:3]
            out = figures_frame(db)
            assert len(out) == rep.inserted
            csv_bytes = out.to_csv(index=False).encode()
            again = import_table(db, csv_bytes, filename="out.csv")
            assert (again.inserted, again.updated, again.unchanged) == (0, 0, rep.inserted)
            back = pd.read_csv(io.BytesIO(csv_bytes))
            assert sorted(back["per_million"].dropna()) == sorted(d for _k, _c, d in rows)
        finally:
            db.dispose()


_UNIT = st.tuples(st.sampled_from(["F0", "F1", "F2"]), st.text("ABC123", min_size=1,
                                                               max_size=6),
                  st.sampled_from(["CT", "MRI", "XRAY", "US"]),
                  st.sampled_from(["functional", "partially_functional", "decommissioned"]),
                  st.one_of(st.none(), st.integers(1990, 2024)),
                  st.one_of(st.none(), st.sampled_from(["Siemens", "GE", "Hôpital Médical"])),
                  st.one_of(st.none(), st.booleans()))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_UNIT, min_size=1, max_size=30, unique_by=lambda u: (u[0], u[1])))
def test_inventory_import_then_export_round_trips(units):
    df = pd.DataFrame([{"unit_id": u, "facility_id": f, "modality": m, "status": s,
                        "year_installed": y, "make": mk,
                        "maintenance_contract": None if mc is None else ("yes" if mc else "no")}
                       for f, u, m, s, y, mk, mc in units])
    with tempfile.TemporaryDirectory() as folder:
        db = _fresh_db(folder)
        try:
            _facilities(db)
            rep = import_inventory(db, df.to_csv(index=False).encode(), filename="u.csv",
                                   source="hypothesis")
            assert rep.ok and rep.inserted == len(units), rep.problems[:3]
            out = units_frame(db)
            again = import_inventory(db, out.to_csv(index=False).encode(), filename="e.csv")
            assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(units))
            got = {(r.facility_id, r.unit_id): (r.modality, r.status,
                                                 None if pd.isna(r.make) else r.make)
                   for r in out.itertuples()}
            assert got == {(f, u): (m, s, mk) for f, u, m, s, _y, mk, _mc in units}
        finally:
            db.dispose()


def test_inventory_country_option_skips_other_countries(rdb):
    _facilities(rdb)
    import_facilities(rdb, b"facility_id,name,country\nF0,Hopital,SEN\n", filename="s.csv",
                      source="t")
    data = (b"unit_id,facility_id,country,modality,status\nA,F0,KEN,CT,functional\n"
            b"B,F0,SEN,CT,functional\nC,F0,,MRI,functional\n")
    ambiguous = import_inventory(rdb, data.replace(b",KEN,", b",,"), filename="a.csv")
    assert [p.row for p in ambiguous.problems] == [2, 4]  # F0 exists in KEN and SEN
    rep = import_inventory(rdb, data, filename="k.csv", country="KEN")
    assert rep.ok and rep.inserted == 2 and any("other countries" in n for n in rep.notes)


def test_table_country_option_fills_blanks_and_skips_others(rdb):
    data = b"country,year,modality,count\nKEN,2022,CT,1\n,2022,MRI,2\nGHA,2022,CT,3\n"
    rep = import_table(rdb, data, filename="c.csv", country="KEN")
    assert rep.ok and rep.inserted == 2 and any("other countries" in n for n in rep.notes)
    assert set(_figs(rdb)) == {("KEN", None, 2022, "modality", "CT", "count"),
                               ("KEN", None, 2022, "modality", "MRI", "count")}
