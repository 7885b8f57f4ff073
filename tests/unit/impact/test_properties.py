"""Identities and properties of the impact model."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imcap.impact import (
    ScaleUpPlan,
    builtin,
    from_plans,
    load_inputs,
    make_draws,
    simulate,
    summarise,
    totals,
)
from imcap.impact.model import References
from imcap.impact.params import MODALITIES

INP = load_inputs()
DRAWS = make_draws(INP, 20, seed=7)


@pytest.fixture(scope="module")
def results():
    return {s: simulate(INP, builtin(s), DRAWS) for s in ("none", "imaging", "comprehensive")}


def test_no_scale_up_averts_nothing_and_costs_nothing(results):
    v = results["none"].values
    assert np.all(v["deaths_averted"] == 0)
    assert np.all(v["life_years"] == 0)
    assert np.all(v["cost"] == 0)
    assert np.all(v["benefit_fi"] == 0)


def test_comprehensive_averts_at_least_imaging_alone(results):
    a = results["imaging"].values["deaths_averted"]
    b = results["comprehensive"].values["deaths_averted"]
    assert np.all(b >= a - 1e-9)
    assert np.all(a >= 0)


def test_country_at_high_income_mean_gains_nothing_from_imaging():
    ref = References.from_inputs(INP)
    at_mean = INP.with_densities({"MWI": dict(zip(MODALITIES, ref.d_hic, strict=True)),
                                  "IND": {m: 2 * d for m, d in zip(MODALITIES, ref.d_hic,
                                                                    strict=True)}})
    draws = make_draws(at_mean, 1)
    res = simulate(at_mean, builtin("imaging"), draws, ref=ref)
    for iso in ("MWI", "IND"):
        i = at_mean.index(iso)
        assert res.values["deaths_averted"][0, i] == 0
        assert res.values["cost"][0, i] == 0


def test_results_add_up_from_countries_to_groups_to_world(results):
    for res in results.values():
        _, world = totals(res, "world")
        for by in ("income", "region", "country"):
            _, g = totals(res, by)
            for m in ("deaths_baseline", "deaths_averted", "life_years", "cost",
                      "benefit_fi", "benefit_hc"):
                np.testing.assert_allclose(g[m].sum(1), world[m][:, 0], rtol=1e-9)


def test_summary_has_median_and_interval(results):
    row = summarise(results["imaging"], "world")[0]
    assert row["deaths_averted_lo"] <= row["deaths_averted_median"] <= row["deaths_averted_hi"]
    assert row["draws"] == 20


@settings(max_examples=15, deadline=None)
@given(base=st.lists(st.integers(0, 20), min_size=4, max_size=4),
       extra=st.lists(st.integers(0, 20), min_size=4, max_size=4),
       year=st.integers(2020, 2030))
def test_more_imaging_never_averts_fewer_deaths(base, extra, year):
    def plan(units):
        return ScaleUpPlan("KEN", {m: {year: u} for m, u in zip(MODALITIES, units, strict=True)})

    draws = make_draws(INP, 3, seed=1)
    lo = simulate(INP, from_plans([plan(base)], INP), draws).values["deaths_averted"]
    hi = simulate(INP, from_plans([plan([b + e for b, e in zip(base, extra, strict=True)])],
                                  INP), draws).values["deaths_averted"]
    assert np.all(hi >= lo - 1e-9)


def test_blocks_and_seeds_are_reproducible():
    a = simulate(INP, builtin("imaging"), make_draws(INP, 150, seed=3))
    b = simulate(INP, builtin("imaging"), make_draws(INP, 150, seed=3))
    np.testing.assert_array_equal(a.values["deaths_averted"], b.values["deaths_averted"])
