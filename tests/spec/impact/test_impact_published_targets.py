"""Spec: the calibrated model reproduces the Commission's published global results within 5%.

Lancet Oncology Commission on Medical Imaging and Nuclear Medicine (Hricak et al. 2021) and
Ward et al. (Lancet Oncol 2021;22:341-50); patients with 11 cancers diagnosed 2020-2030,
2018 US$, 3% discounting (../shared/data/impact/PUBLISHED_TARGETS.md).
"""

import pytest

from imcap.impact import builtin, calibrated, load_inputs, make_draws, simulate, totals

#  scenario         quantity          published        (units: persons, years, US$)
PUBLISHED = [
    ("imaging",       "deaths_baseline", 76.0e6),
    ("imaging",       "deaths_averted",  2.46e6),
    ("imaging",       "life_years",      54.92e6),
    ("imaging",       "cost",            6.84e9),
    ("imaging",       "return_fi",       179.19),
    ("imaging",       "return_hc",       31.61),
    ("comprehensive", "deaths_averted",  9.55e6),
    ("comprehensive", "life_years",      232.30e6),
    ("comprehensive", "return_fi",       12.43),
    ("comprehensive", "return_hc",       2.46),
]


@pytest.fixture(scope="module")
def world_point():
    inp = load_inputs()
    draws = make_draws(inp, 1, params=calibrated())  # draw 0 = point estimate
    out = {}
    for scen in ("imaging", "comprehensive"):
        _, t = totals(simulate(inp, builtin(scen), draws), "world")
        out[scen] = {k: float(v[0, 0]) for k, v in t.items()}
    return out


@pytest.mark.parametrize(("scenario", "quantity", "published"), PUBLISHED)
def test_reproduces_published_global_result(world_point, scenario, quantity, published):
    assert world_point[scenario][quantity] == pytest.approx(published, rel=0.05)


def test_net_benefits_follow_from_returns(world_point):
    # published: imaging HC net benefit US$209.46 bn; comprehensive FI net US$2.66 tn
    assert world_point["imaging"]["net_benefit_hc"] == pytest.approx(209.46e9, rel=0.05)
    assert world_point["comprehensive"]["net_benefit_fi"] == pytest.approx(2.66e12, rel=0.06)
