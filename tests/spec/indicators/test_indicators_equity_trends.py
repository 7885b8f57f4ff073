"""Spec: subnational equity (people in areas without a functional unit) and trends."""

from __future__ import annotations

from indicator_tables import pick, rows, seed

from imcap.indicators import compute

AREAS = """
id     country
KEN_01 KEN
KEN_02 KEN
KEN_03 KEN
"""
POP = """
country area    year population
KEN     -       2021 3000000
KEN     KEN_01  2021 500000
KEN     KEN_02  2021 1500000
KEN     KEN_03  2021 1000000
"""
FACILITIES = """
id country area   level
F1 KEN     KEN_01 regional_hospital
F2 KEN     KEN_02 district_hospital
F3 KEN     KEN_03 district_hospital
"""
UNITS = """
facility modality status                    status_date
F1       CT       functional                2021-06-30
F2       CT       non_functional_repairable 2021-06-30
F3       US       functional                2021-06-30
"""


def test_people_in_areas_without_a_functional_unit(any_db):
    # CT works only in KEN_01 (0.5 M of 3 M people): 2.5 M live in counties without one.
    # Ultrasound works only in KEN_03 (1 M): 2 M without.
    seed(any_db, areas=AREAS, population=POP, facilities=FACILITIES, units=UNITS)
    df = compute(any_db)
    assert pick(df, "pop_without_functional_unit") == rows("""
    country area year item value   numerator denominator
    KEN     -    2021 CT   83.3333 2500000   3000000
    KEN     -    2021 US   66.6667 2000000   3000000
    """)


FIGURES = """
country year item measure     value
TZA     2010 CT   per_million 0.20
TZA     2013 CT   per_million 0.26
TZA     2021 CT   per_million 0.50
"""


def test_average_annual_change_between_first_and_latest_year(any_db):
    seed(any_db, figures=FIGURES)
    df = compute(any_db)
    # (0.50 - 0.20) / (2021 - 2010) = 0.027273 per million per year
    assert pick(df, "units_per_million_change") == rows("""
    country area year item value    numerator denominator
    TZA     -    2021 CT   0.0273   0.3       11
    """)
