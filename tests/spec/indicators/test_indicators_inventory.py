"""Spec: indicators computed from a facility inventory (input rows -> expected values)."""

from __future__ import annotations

from indicator_tables import pick, rows, seed

from imcap.indicators import compute

POP = """
country area    year population
KEN     -       2021 2000000
KEN     KEN_01  2021 500000
KEN     KEN_02  2021 1500000
"""
FACILITIES = """
id country area   level
F1 KEN     KEN_01 regional_hospital
F2 KEN     KEN_02 district_hospital
F3 KEN     KEN_02 district_hospital
F4 KEN     -      health_centre
"""
UNITS = """
facility modality status                    status_date year_installed
F1       CT       functional                2021-06-30  2015
F1       CT       non_functional_repairable 2021-06-30  2008
F1       CT       decommissioned            2021-06-30  2000
F2       CT       partially_functional      2021-06-30  -
F2       US       functional                2021-06-30  2012
F3       US       functional                2021-06-30  2019
"""


def test_units_per_million_all_and_functional_national_and_by_area(any_db):
    seed(any_db, population=POP, facilities=FACILITIES, units=UNITS)
    df = compute(any_db)
    assert pick(df, "units_per_million") == rows("""
    country area   year item value  numerator denominator
    KEN     -      2021 CT   1.5    3         2000000
    KEN     -      2021 US   1.0    2         2000000
    KEN     KEN_01 2021 CT   4.0    2         500000
    KEN     KEN_02 2021 CT   0.6667 1         1500000
    KEN     KEN_02 2021 US   1.3333 2         1500000
    """)
    assert pick(df, "functional_units_per_million") == rows("""
    country area   year item value  numerator denominator
    KEN     -      2021 CT   1.0    2         2000000
    KEN     -      2021 US   1.0    2         2000000
    KEN     KEN_01 2021 CT   2.0    1         500000
    KEN     KEN_02 2021 CT   0.6667 1         1500000
    KEN     KEN_02 2021 US   1.3333 2         1500000
    """)
    assert set(df["source"]) == {"test source"}
    assert df["method"].str.startswith("computed from facility inventory").all()
    assert not df["synthetic"].any()


def test_functional_share_and_share_over_lifetime(any_db):
    seed(any_db, population=POP, facilities=FACILITIES, units=UNITS)
    df = compute(any_db, area_level=False)
    assert pick(df, "functional_share") == rows("""
    country area year item value   numerator denominator
    KEN     -    2021 CT   66.6667 2         3
    KEN     -    2021 US   100.0   2         2
    """)
    # CT lifetime 10 y: 2015 (6 y) no, 2008 (13 y) yes, 2000 decommissioned, unknown year
    # left out; US lifetime 7 y: 2012 (9 y) yes, 2019 (2 y) no
    assert pick(df, "share_over_lifetime") == rows("""
    country area year item value numerator denominator
    KEN     -    2021 CT   50.0  1         2
    KEN     -    2021 US   50.0  1         2
    """)


def test_units_per_facility_by_level(any_db):
    seed(any_db, population=POP, facilities=FACILITIES, units=UNITS)
    df = compute(any_db, area_level=False)
    got = sorted(pick(df, "units_per_facility_by_level"), key=lambda r: r["item"])
    assert got == rows("""
    country area year item              value numerator denominator
    KEN     -    2021 district_hospital 1.5   3         2
    KEN     -    2021 health_centre     0.0   0         1
    KEN     -    2021 regional_hospital 2.0   2         1
    """)


def test_synthetic_units_mark_the_row_synthetic(any_db):
    seed(any_db, population=POP, facilities="""
    id country area level
    F1 KEN     -    regional_hospital
    """, units="""
    facility modality status     status_date synthetic source
    F1       MRI      functional 2021-01-01  True      demo
    """)
    df = compute(any_db, country="KEN")
    row = df[df["indicator"] == "units_per_million"].iloc[0]
    assert (row["value"], row["synthetic"], row["source"]) == (0.5, True, "demo")


def test_population_of_nearest_earlier_year_is_named_in_the_method(any_db):
    seed(any_db, population="""
    country area year population
    KEN     -    2019 1000000
    """, facilities="""
    id country area level
    F1 KEN     -    regional_hospital
    """, units="""
    facility modality status     status_date
    F1       CT       functional 2022-03-01
    """)
    df = compute(any_db)
    row = df[df["indicator"] == "units_per_million"].iloc[0]
    assert (row["year"], row["value"]) == (2022, 1.0)
    assert "(year 2019)" in row["method"]


def test_filters_country_and_year(any_db):
    seed(any_db, population=POP + "TZA - 2021 1000000\n",
         facilities=FACILITIES + "F9 TZA - regional_hospital\n",
         units=UNITS + "F9 CT functional 2021-06-30 2019\n")
    assert set(compute(any_db)["country_iso3"]) == {"KEN", "TZA"}
    assert set(compute(any_db, country="tza")["country_iso3"]) == {"TZA"}
    assert compute(any_db, year=2020).empty
