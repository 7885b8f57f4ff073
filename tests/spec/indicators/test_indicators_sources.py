"""Spec: indicators from source tables (country figures), workforce and exam volumes, and the
agreement of reported densities with counts derived from a facility inventory."""

from __future__ import annotations

from indicator_tables import pick, rows, seed

from imcap.indicators import compute

POP = """
country area   year population
KEN     -      2021 2000000
KEN     KEN_01 2021 500000
TZA     -      2020 4000000
"""


def test_reported_densities_and_counts_become_units_per_million(any_db):
    seed(any_db, population=POP, figures="""
    country year item measure     value sector source
    KEN     2021 CT   per_million 0.8   total  GHO
    KEN     2021 MRI  count       3     total  MoH
    TZA     2020 CT   per_million 0.25  public GHO
    TZA     2020 CT   count       1     public GHO
    """)
    df = compute(any_db)
    assert pick(df, "units_per_million", ("country", "year", "item", "value", "numerator",
                                          "source")) == rows("""
    country year item value numerator source
    KEN     2021 CT   0.8   1.6       GHO
    KEN     2021 MRI  1.5   3         MoH
    TZA     2020 CT   0.25  1         GHO
    """)
    methods = df.set_index(["country_iso3", "item"])["method"]
    assert methods["KEN", "CT"].startswith("reported per million by the source")
    assert methods["KEN", "MRI"].startswith("reported count / population x 1e6")
    assert "(public sector only)" in methods["TZA", "CT"]
    assert not df["synthetic"].any()


def test_reported_density_without_population_is_kept(any_db):
    seed(any_db, figures="""
    country year item measure     value
    UGA     2021 CT   per_million 0.2
    """)
    assert pick(compute(any_db), "units_per_million", ("country", "value")) == rows("""
    country value
    UGA     0.2
    """)


def test_density_from_source_table_agrees_with_facility_inventory_of_the_same_year(any_db):
    """A country reports 4 CT units for 2021 and its facility inventory of 2021 lists 4 units in
    the inventory: both routes give the same density, kept side by side."""
    seed(any_db, population=POP, facilities="""
    id country area   level
    F1 KEN     KEN_01 national_referral
    F2 KEN     -      regional_hospital
    """, units="""
    facility modality status                    status_date source
    F1       CT       functional                2021-12-31  inventory
    F1       CT       functional                2021-12-31  inventory
    F2       CT       non_functional_repairable 2021-12-31  inventory
    F2       CT       functional                2021-12-31  inventory
    """, figures="""
    country year item measure value source
    KEN     2021 CT   count   4     MoH-2021
    """)
    df = compute(any_db, area_level=False)
    assert pick(df, "units_per_million", ("year", "value", "numerator", "source")) == rows("""
    year value numerator source
    2021 2.0   4         MoH-2021
    2021 2.0   4         inventory
    """)


def test_staff_per_million_sums_the_most_detailed_level_of_each_source(any_db):
    seed(any_db, population=POP, facilities="""
    id country area   level
    F1 KEN     KEN_01 national_referral
    F2 KEN     -      regional_hospital
    """, workforce="""
    country area   facility year cadre        count source
    KEN     -      F1       2021 RADIOGRAPHER 6     survey
    KEN     -      F2       2021 RADIOGRAPHER 2     survey
    KEN     -      -        2021 RADIOGRAPHER 99    survey
    KEN     -      -        2021 RADIOLOGIST  10    council
    """, figures="""
    country year kind  item        measure     value source
    KEN     2021 cadre RADIOLOGIST per_million 4.5   GHO
    """)
    df = compute(any_db)
    assert pick(df, "staff_per_million", ("area", "item", "value", "numerator",
                                          "source")) == rows("""
    area   item         value numerator source
    -      RADIOGRAPHER 4.0   8         survey
    -      RADIOLOGIST  4.5   9         GHO
    -      RADIOLOGIST  5.0   10        council
    KEN_01 RADIOGRAPHER 12.0  6         survey
    """)


def test_exams_per_1000_and_utilisation(any_db):
    seed(any_db, population=POP, facilities="""
    id country area   level
    F1 KEN     KEN_01 national_referral
    """, units="""
    facility modality status     status_date
    F1       CT       functional 2021-12-31
    F1       CT       functional 2021-12-31
    """, exams="""
    country facility year modality exams
    KEN     F1       2021 CT       5500
    """)
    df = compute(any_db, area_level=False)
    assert pick(df, "exams_per_1000") == rows("""
    country area year item value  numerator denominator
    KEN     -    2021 CT   2.75   5500      2000000
    """)
    # capacity: 2 functional CT x 5,500 exams a year (catalogue throughput)
    assert pick(df, "utilisation") == rows("""
    country area year item value numerator denominator
    KEN     -    2021 CT   50.0  5500      11000
    """)
