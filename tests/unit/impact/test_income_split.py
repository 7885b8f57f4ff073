"""Income-group split of deaths averted: the plausibility requirement of issue 6 and the
published income-group results (Ward et al., Lancet Oncol 2021;22:341-50, Findings)."""

import json
from importlib import resources

import pytest

from imcap.impact import calibrated, load_inputs
from imcap.impact.calibrate import INCOME_TARGETS, income_split

SPLIT = income_split(load_inputs(), calibrated())


def test_stored_file_reports_the_model_income_split():
    doc = json.loads((resources.files("imcap.data") / "impact" / "calibration.json").read_text())
    for k, v in SPLIT.items():
        assert doc["income_split"][k] == pytest.approx(v, abs=1e-4), k
    assert set(doc["income_targets_not_fitted"]) == set(INCOME_TARGETS)


def test_shares_of_averted_deaths_add_up():
    for scn in ("imaging", "comprehensive"):
        total = sum(v for k, v in SPLIT.items() if k.startswith(f"{scn}.share_of_averted."))
        assert total == pytest.approx(1.0, abs=1e-9)


@pytest.mark.xfail(strict=True, reason=(
    "known defect (docs/impact.md, 'Income-group split'): the global fit puts imaging-only "
    "gains in upper-middle and high-income countries; unresolved"))
def test_imaging_scale_up_reduces_deaths_more_in_low_than_high_income_countries():
    assert SPLIT["imaging.relative_reduction.LIC"] > SPLIT["imaging.relative_reduction.HIC"]


@pytest.mark.xfail(strict=True, reason=(
    "published income-group results are reported, not fitted: the model's comprehensive "
    "split is too flat (docs/impact.md, 'Income-group split')"))
@pytest.mark.parametrize("key", sorted(INCOME_TARGETS))
def test_comprehensive_income_split_within_published_95_ui(key):
    _, lo, hi = INCOME_TARGETS[key]
    assert lo <= SPLIT[key] <= hi
