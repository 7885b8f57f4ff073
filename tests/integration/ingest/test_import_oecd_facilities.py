"""OECD MED_TECH and WHO-KEMRI facility lists, on the bundled real files."""

from __future__ import annotations

import pandas as pd
from ingest_testlib import counts, source_file
from sqlalchemy import func, select

from imcap.ingest import import_facilities, import_oecd
from imcap.ingest.facilities import kemri_level, kemri_ownership
from imcap.store.schema import CountryFigure, Facility

OECD = "OECD_DF_MED_TECH_per_million.csv"


def test_oecd_values_and_flags_equal_the_source_cells(rdb):
    rep = import_oecd(rdb, source_file(OECD))
    assert rep.ok, rep.problems[:3]
    src = pd.read_csv(source_file(OECD), dtype=str, keep_default_na=False)
    assert rep.inserted == len(src) == 1603
    with rdb.session() as s:
        # first data row: CHE, PET_SCAN, 2015, 3.38 per million
        f = s.scalars(select(CountryFigure).where(
            CountryFigure.country_iso3 == "CHE", CountryFigure.item == "PET",
            CountryFigure.year == 2015)).one()
        assert (f.value, f.measure, f.source) == (3.38, "per_million",
                                                   "OECD Health Statistics MED_TECH")
        flagged = src[src.OBS_STATUS == "E"].iloc[0]
        item = {"CT_SCAN": "CT", "MRI": "MRI", "PET_SCAN": "PET", "GAMMA": "SPECT",
                "MAMM": "MAMMO", "RT": "RT"}[flagged.MEDICAL_TECH]
        g = s.scalars(select(CountryFigure).where(
            CountryFigure.country_iso3 == flagged.REF_AREA, CountryFigure.item == item,
            CountryFigure.year == int(flagged.TIME_PERIOD))).one()
        want = "+".join(x for x in (flagged.OBS_STATUS, flagged.OBS_STATUS2) if x)
        assert g.flag == want and g.value == float(flagged.OBS_VALUE)
        assert s.scalar(select(func.count()).select_from(CountryFigure)
                        .where(CountryFigure.item == "RT", CountryFigure.item_kind == "other")) \
            == (src.MEDICAL_TECH == "RT").sum()
    assert import_oecd(rdb, source_file(OECD)).unchanged == 1603


def test_oecd_unknown_technology_and_unit_are_problems(rdb):
    data = (b"REF_AREA,MEDICAL_TECH,UNIT_MEASURE,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n"
            b"FRA,CT_SCAN,NB,2020,1200,\n"
            b"FRA,LITHO,10P6HB,2020,1.2,\n"
            b"FRA,MRI,PT_POP,2020,1.2,\n"
            b"EU27_2020,MRI,10P6HB,2020,12,\n")
    before = counts(rdb)
    rep = import_oecd(rdb, data, filename="o.csv")
    assert [(p.row, p.column) for p in rep.problems] == [(3, "MEDICAL_TECH"),
                                                         (4, "UNIT_MEASURE")]
    assert counts(rdb) == before
    ok = import_oecd(rdb, data.replace(b"LITHO", b"GAMMA").replace(b"PT_POP", b"10P6HB"),
                     filename="o2.csv")
    assert ok.ok and ok.inserted == 3 and any("aggregates" in n for n in ok.notes)


def test_kemri_kenya_levels_areas_ids_and_missing_coordinates(rdb):
    path = source_file("who_kemri_facilities_KEN.csv")
    rep = import_facilities(rdb, path)
    assert rep.ok, rep.problems[:3]
    src = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert rep.rows_read == len(src) == 6146
    assert rep.inserted == 6144  # two rows list a facility twice (same name, place, coords)
    assert any("merged" in n for n in rep.notes)
    assert any("102 facilit" in n for n in rep.notes)  # no coordinates
    assert not any("areas not found" in n for n in rep.notes)  # every county matched
    with rdb.session() as s:
        knh = s.scalars(select(Facility).where(
            Facility.name == "Kenyatta National Hospital")).one()
        row = src[src["Facility name"] == "Kenyatta National Hospital"].iloc[0]
        assert (knh.lat, knh.lon) == (float(row.Lat), float(row.Long))
        assert knh.level == "national_referral" and knh.area_id == "KEN_047"
        levels = dict(s.execute(select(Facility.level, func.count())
                                .group_by(Facility.level)).all())
        assert levels["health_post"] > 4000 and levels["regional_hospital"] >= 10
        assert s.scalar(select(func.count()).select_from(Facility)
                        .where(Facility.area_id.is_(None))) == 0
        ids = set(s.scalars(select(Facility.external_id)))
    again = import_facilities(rdb, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6144)
    with rdb.session() as s:
        assert set(s.scalars(select(Facility.external_id))) == ids


def test_kemri_country_filter_and_unmatched_areas(rdb):
    rep = import_facilities(rdb, source_file("who_kemri_facilities_SLE.csv"), country="SLE")
    assert rep.ok and rep.inserted == 1120
    assert any("no areas loaded" in n for n in rep.notes)
    rep = import_facilities(rdb, source_file("who_kemri_facilities_MWI.csv"), country="KEN",
                            dry_run=True)
    assert rep.ok and rep.inserted == 0 and any("other countries" in n for n in rep.notes)


def test_kemri_level_and_ownership_rules():
    assert kemri_level("4.0", "Hospital", "National Referral Hospital", "KNH") == \
        "national_referral"
    assert kemri_level("3.0", "Hospital", "District Hospital", "Nyeri County Referral "
                       "Hospital") == "regional_hospital"
    assert kemri_level("3.0", "Hospital", "Provincial General Hospital", "Coast PGH") == \
        "regional_hospital"
    assert kemri_level("3.0", "Hospital", "Sub-District Hospital", "Kitui SDH") == \
        "district_hospital"
    assert kemri_level("2.0", "Health Clinic", "Clinic", "X") == "health_centre"
    assert kemri_level("1.0", "Dispensary", "Dispensary", "X") == "health_post"
    assert kemri_level("", "Health Post", "", "X") == "health_post"
    assert [kemri_ownership(o) for o in ("MoH", "Local authority", "Govt.", "FBO", "NGO",
                                         "CBO", "Private", "Other")] == [
        "public", "public", "public", "private_not_for_profit", "private_not_for_profit",
        "private_not_for_profit", "private_for_profit", "other"]
