"""Investment case: identities, bad input, uncertainty, properties."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imcap.errors import ParameterError, UserError
from imcap.planning import costs
from imcap.planning.case import ModalityPlan, PlanSpec, build_case
from imcap.planning.parameters import Key, load_parameters
from imcap.planning.phasing import phase
from imcap.planning.sensitivity import probabilistic, tornado

TABLE = load_parameters()


def spec(**kw):
    base = dict(country_iso3="KEN", income_group="LMC", gdp_per_capita=2000.0,
                start_year=2026, target_year=2030, horizon_year=2034,
                modalities=(ModalityPlan("CT", 12, replace_units=3, repair_units=2),
                            ModalityPlan("MRI", 4)),
                population={2030: 60e6})
    base.update(kw)
    return PlanSpec(**base)


def test_totals_equal_sum_of_lines_and_years():
    c = build_case(spec(), TABLE)
    by_line = c.by_line()
    assert c.summary["total"] == pytest.approx(by_line["total"].sum())
    assert c.summary["total"] == pytest.approx(by_line.drop(columns="total").to_numpy().sum())
    assert c.summary["total"] == pytest.approx(c.by_modality()["total"].sum())
    assert c.summary["capital"] + c.summary["recurrent"] == pytest.approx(c.summary["total"])
    assert set(c.costs["year"]) == set(range(2026, 2035))


def test_npv_at_zero_rate_equals_undiscounted_sum():
    c = build_case(spec(discount_rate=0.0), TABLE)
    assert c.summary["npv"] == pytest.approx(c.summary["total"])
    assert build_case(spec(), TABLE).summary["npv"] < c.summary["total"]


def _line_of(case, line, modality=None):
    c = case.costs[case.costs["line"] == line]
    if modality:
        c = c[c["modality"] == modality]
    return c["value"].to_numpy()


def test_doubling_a_price_doubles_its_line():
    v = TABLE.find("purchase_price", "CT")
    doubled = TABLE.with_values([dataclasses.replace(v, central=2 * v.central)])
    a, b = build_case(spec(), TABLE), build_case(spec(), doubled)
    for line in ("capital", "installation", "replacement", "repair", "maintenance"):
        la = _line_of(a, line, "CT")
        lb = _line_of(b, line, "CT")
        np.testing.assert_allclose(lb, 2 * la)
    for line in ("consumables", "staffing", "energy", "training"):
        assert _line_of(b, line).sum() == pytest.approx(_line_of(a, line).sum())


def test_units_and_per_capita():
    c = build_case(spec(), TABLE)
    new = c.units.groupby("modality")["new"].sum().to_dict()
    assert new == {"CT": 12, "MRI": 4}
    assert c.units.query("year > 2030")["new"].sum() == 0
    assert c.summary["per_capita"] == pytest.approx(c.summary["total"] / 60e6)
    assert c.summary["per_exam"] == pytest.approx(c.summary["total"] / c.summary["exams"])


@pytest.mark.parametrize(("kw", "match"), [
    ({"target_year": 2024}, "target year is before"),
    ({"horizon_year": 2028}, "horizon year is before"),
    ({"phasing": "sideways"}, "unknown phasing"),
    ({"gdp_per_capita": 0.0}, "GDP per capita"),
    ({"modalities": (ModalityPlan("CT", 1), ModalityPlan("CT", 2))}, "twice"),
])
def test_bad_plan_input(kw, match):
    with pytest.raises(ParameterError, match=match):
        spec(**kw)


def test_unknown_modality_and_negative_units():
    with pytest.raises(ParameterError, match="unknown modality"):
        ModalityPlan("SCANNER", 1)
    with pytest.raises(ParameterError, match="whole number"):
        ModalityPlan("CT", -1)


def test_negative_price_is_a_clear_error(tmp_path):
    p = tmp_path / "o.csv"
    p.write_text("parameter,modality,central\npurchase_price,CT,-1\n")
    with pytest.raises(UserError, match="at least 0"):
        load_parameters(p)


def test_tornado_brackets_the_central_value_and_is_sorted():
    t = tornado(spec(), TABLE)
    assert len(t) > 10
    assert (t["swing"].diff().dropna() <= 1e-6).all()
    central = t["outcome_central"].iloc[0]
    lo = np.minimum(t["outcome_low"], t["outcome_high"])
    hi = np.maximum(t["outcome_low"], t["outcome_high"])
    assert (lo <= central + 1e-6).all() and (hi >= central - 1e-6).all()
    assert t.iloc[0]["parameter"] == "purchase_price"
    # a parameter the case does not use is not in the tornado
    assert "PET" not in set(t["modality"])


def test_probabilistic_interval_contains_central_and_is_reproducible():
    c = build_case(spec(), TABLE)
    a = probabilistic(spec(), TABLE, draws=400, seed=1)
    b = probabilistic(spec(), TABLE, draws=400, seed=1)
    ia = a["intervals"].set_index("measure")
    assert ia.loc["total", "p2_5"] < c.summary["total"] < ia.loc["total", "p97_5"]
    np.testing.assert_array_equal(a["samples"]["npv"], b["samples"]["npv"])
    # lines add up to the total in every draw
    lines = sum(a["samples"][ln] for ln in costs.LINES)
    np.testing.assert_allclose(lines, a["samples"]["total"])


def test_draw_with_fixed_ranges_equals_central():
    fixed = TABLE.with_values([dataclasses.replace(v, low=v.central, high=v.central)
                               for v in TABLE.rows()])
    p = probabilistic(spec(), fixed, draws=5, seed=3)
    c = build_case(spec(), fixed)
    np.testing.assert_allclose(p["samples"]["total"], c.summary["total"])


def test_at_level_only_changes_one_row():
    key = Key("purchase_price", "CT")
    t2 = TABLE.at_level(key, "high")
    assert t2.get("purchase_price", "CT") == TABLE.find("purchase_price", "CT").high
    assert t2.get("purchase_price", "MRI") == TABLE.get("purchase_price", "MRI")


@settings(max_examples=60, deadline=None)
@given(total=st.integers(0, 500), n=st.integers(1, 12),
       method=st.sampled_from(["linear", "front_loaded", "back_loaded"]))
def test_phasing_sums_to_total(total, n, method):
    units = phase(total, list(range(2026, 2026 + n)), method)
    assert units.sum() == total and (units >= 0).all()
    assert units.max() - units.min() <= (1 if method == "linear" else total)


@settings(max_examples=40, deadline=None)
@given(new=st.lists(st.integers(0, 20), min_size=1, max_size=10), k=st.integers(1, 5))
def test_cost_lines_are_linear_in_units_and_non_negative(new, k):
    u = costs.resolve(lambda p, m, g, c: TABLE.get(p, m, g, c), "CT", "LMC", 2000.0,
                      TABLE.cadres_for("CT"))
    a = costs.cost_lines(new, u)
    b = costs.cost_lines([k * x for x in new], u)
    for line in costs.LINES:
        assert (a[line] >= 0).all()
        np.testing.assert_allclose(b[line], k * a[line], rtol=1e-9, atol=1e-6)
