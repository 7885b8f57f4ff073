"""Spec: benchmarks by income group and WHO region, position against peers, gap to target."""

from __future__ import annotations

import pandas as pd
import pytest
from indicator_tables import COUNTRIES, rows, seed

from imcap.errors import NotFoundError, ParameterError
from imcap.indicators import compute
from imcap.indicators.benchmarks import benchmark_table, gap_to_target, position

GROUPS = pd.DataFrame([{"iso3": k, "income_group": v[0], "who_region": v[1]}
                       for k, v in COUNTRIES.items()])

POP = """
country area year population
KEN     -    2021 50000000
"""
# CT per million. KEN has 2013 and 2021 (latest 2021); ETH only 2013 -> counts in 'latest'.
FIGURES = """
country year item measure     value
KEN     2013 CT   per_million 0.25
KEN     2021 CT   per_million 0.4
TZA     2021 CT   per_million 0.2
IND     2021 CT   per_million 1.0
UGA     2021 CT   per_million 0.1
ETH     2013 CT   per_million 0.3
ZAF     2021 CT   per_million 6.0
BWA     2021 CT   per_million 10.0
FRA     2021 CT   per_million 18.0
DEU     2021 CT   per_million 36.0
"""


@pytest.fixture
def df(any_db):
    seed(any_db, population=POP, figures=FIGURES)
    return compute(any_db)


def _stats(table, period, group_type, indicator="units_per_million"):
    t = table[(table["period"] == period) & (table["group_type"] == group_type)
              & (table["indicator"] == indicator)]
    return [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
            for r in t[["group", "n", "q1", "median", "q3"]].to_dict("records")]


def test_benchmark_table_by_income_group_for_one_year(df):
    table = benchmark_table(df, GROUPS)
    assert _stats(table, "2021", "income_group") == rows("""
    group n q1   median q3
    HIC   2 22.5 27.0   31.5
    LIC   1 0.1  0.1    0.1
    LMC   3 0.3  0.4    0.7
    UMC   2 7.0  8.0    9.0
    """)


def test_latest_period_takes_each_countrys_latest_year(df):
    table = benchmark_table(df, GROUPS)
    assert _stats(table, "latest", "income_group")[1] == {
        "group": "LIC", "n": 2, "q1": 0.15, "median": 0.2, "q3": 0.25}
    afr = table[(table["period"] == "latest") & (table["group"] == "AFR")].iloc[0]
    assert (afr["n"], afr["year_from"], afr["year_to"]) == (6, 2013, 2021)


def test_position_against_income_group_region_and_peers(df):
    pos = position(df, "KEN", indicator="units_per_million", item="CT", peers=["TZA", "UGA"],
                   countries=GROUPS).iloc[0]
    assert (pos["year"], pos["value"]) == (2021, 0.4)
    assert (pos["income_group"], pos["income_n"], pos["income_median"]) == ("LMC", 3, 0.4)
    assert pos["income_quartile"] == "median to Q3"
    assert (pos["region_group"], pos["region_n"]) == ("AFR", 6)
    assert (pos["peers_n"], round(pos["peers_median"], 4), pos["peers_quartile"]) == (
        2, 0.15, "above Q3")
    assert pos["peer_values"] == "TZA 0.2; UGA 0.1"


@pytest.mark.parametrize(("target", "target_value", "gap", "units"), [
    ("next_income_median", 8.0, 7.6, 380.0),  # UMC median
    ("income_median", 0.4, 0.0, 0.0),  # LMC median = KEN itself
    ("hic_mean", 27.0, 26.6, 1330.0),
    (1.0, 1.0, 0.6, 30.0),
])
def test_gap_to_target_in_density_and_units(df, target, target_value, gap, units):
    g = gap_to_target(df, "KEN", "units_per_million", "CT", target=target, countries=GROUPS)
    assert (g.year, g.value, g.population) == (2021, 0.4, 50_000_000)
    assert g.target == pytest.approx(target_value)
    assert g.gap == pytest.approx(gap)
    assert g.gap_count == pytest.approx(units)
    assert g.gap_count_whole == round(units)


def test_gap_in_a_given_year_uses_that_years_values_and_groups(df):
    g = gap_to_target(df, "KEN", "units_per_million", "CT", 1.0, year=2013, countries=GROUPS)
    assert (g.year, g.value, g.gap) == (2013, 0.25, 0.75)
    with pytest.raises(NotFoundError, match="no high-income country"):
        gap_to_target(df, "KEN", "units_per_million", "CT", "hic_mean", year=2013,
                      countries=GROUPS)


def test_gap_errors_say_what_was_expected(df):
    with pytest.raises(NotFoundError):
        gap_to_target(df, "KEN", "units_per_million", "MRI", countries=GROUPS)
    with pytest.raises(ParameterError):
        gap_to_target(df, "KEN", "units_per_million", "CT", target="world_best",
                      countries=GROUPS)


SYNTHETIC_ONLY = """
country year item measure     value
TZA     2021 XRAY per_million 3.0
"""


def test_synthetic_values_never_make_a_benchmark(any_db):
    # KEN's synthetic inventory gives it an X-ray density; TZA's is real. The LMC benchmark
    # is TZA's alone, and KEN is still placed against it, labelled synthetic.
    seed(any_db, population=POP, figures=SYNTHETIC_ONLY)
    df = compute(any_db)
    ken = df[(df["country_iso3"] == "TZA")].assign(
        country_iso3="KEN", value=1.0, synthetic=True, source="imcap synthetic demo")
    df = pd.concat([df, ken], ignore_index=True)
    table = benchmark_table(df, GROUPS)
    lmc = table[(table["period"] == "latest") & (table["group"] == "LMC")
                & (table["item"] == "XRAY")].iloc[0]
    assert (lmc["n"], lmc["median"]) == (1, 3.0)
    pos = position(df, "KEN", item="XRAY", countries=GROUPS).iloc[0]
    assert bool(pos["synthetic"]) and (pos["income_n"], pos["income_median"]) == (1, 3.0)
    with pytest.raises(NotFoundError, match="real value"):
        gap_to_target(df, "TZA", "units_per_million", "XRAY", target="hic_mean",
                      countries=GROUPS)
