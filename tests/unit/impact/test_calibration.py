"""The calibration is a deterministic global fit whose stored result the model reproduces."""

import json
from importlib import resources

import pytest

from imcap.impact import calibrated, load_inputs
from imcap.impact.calibrate import TARGETS, _fit_given, relative_errors


def test_stored_fit_within_5_percent_of_every_target():
    errors = relative_errors(load_inputs(), calibrated())
    assert set(errors) == set(TARGETS)
    assert max(abs(e) for e in errors.values()) < 0.05


def test_refit_at_the_chosen_grid_point_gives_the_stored_parameters():
    p = calibrated()
    q = _fit_given(load_inputs(), p.gamma, p.eta, p.xi, p.kappa)
    for k, v in p.as_dict().items():
        assert getattr(q, k) == pytest.approx(v, rel=1e-6), k


def test_stored_file_reports_what_the_model_gives():
    doc = json.loads((resources.files("imcap.data") / "impact" / "calibration.json").read_text())
    errors = relative_errors(load_inputs(), calibrated())
    for k, e in errors.items():
        assert doc["relative_error"][k] == pytest.approx(e, abs=1e-4)
