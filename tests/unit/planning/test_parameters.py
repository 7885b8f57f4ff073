"""The bundled parameter table and user overrides."""

import csv

import pytest

from imcap.errors import ParameterError, ValidationError
from imcap.planning.parameters import (
    INCOME_GROUPS,
    MODALITY_CODES,
    SPECS,
    bundled_path,
    load_parameters,
)


def test_bundled_table_is_versioned_sourced_and_ordered():
    with open(bundled_path(), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["version"] for r in rows} == {"2025.3"}
    for r in rows:
        assert r["source"].strip(), r
        assert r["basis"] in ("published", "assumption"), r
        # an assumption says so plainly in its source
        if r["basis"] == "assumption":
            assert "assumption" in r["source"], r
        assert float(r["low"]) <= float(r["central"]) <= float(r["high"]), r


@pytest.mark.parametrize("modality", MODALITY_CODES)
@pytest.mark.parametrize("group", INCOME_GROUPS)
def test_every_modality_and_group_has_every_value(modality, group):
    t = load_parameters()
    for name, spec in SPECS.items():
        if "cadre" in spec.by:
            continue
        t.find(name, modality, group)
    cadres = t.cadres_for(modality)
    assert cadres
    for c in cadres:
        t.find("salary_gdp_multiple", modality, group, c)
        t.find("training_cost", modality, group, c)
        t.find("training_years", modality, group, c)


def test_most_specific_row_wins():
    t = load_parameters()
    assert t.get("exam_rate_per_1000", "CT", "HIC") == 150
    assert t.get("salary_gdp_multiple", "CT", "LIC", "RADIOLOGIST") == 10
    assert t.find("maintenance_share", "MRI", "LMC").key.modality == "*"


def test_csv_override_replaces_and_adds(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("parameter,modality,low,central,high,source\n"
                 "purchase_price,CT,400000,500000,650000,MoH tender 2024\n"
                 "maintenance_share,MRI,0.06,0.07,0.09,\n", encoding="utf-8")
    t = load_parameters(p)
    v = t.find("purchase_price", "CT")
    assert (v.low, v.central, v.high, v.source, v.basis) == (
        400000, 500000, 650000, "MoH tender 2024", "user")
    assert t.get("maintenance_share", "MRI") == 0.07  # more specific row added
    assert t.get("maintenance_share", "CT") == 0.08  # others keep the bundled value
    assert "user override" in t.find("maintenance_share", "MRI").source


def test_toml_override(tmp_path):
    p = tmp_path / "mine.toml"
    p.write_text('[[parameter]]\nparameter = "warranty_years"\ncentral = 3\n', encoding="utf-8")
    t = load_parameters(p)
    v = t.find("warranty_years", "CT")
    assert (v.low, v.central, v.high) == (3, 3, 3)


def test_bad_override_lists_every_problem(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("parameter,modality,cadre,central\n"
                 "purchase_price,CT,,-5\n"
                 "purchase_price,SCANNER,,100\n"
                 "price_of_tea,CT,,1\n"
                 "warranty_years,CT,,1.5\n"
                 "staff_per_unit,CT,JANITOR,1\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        load_parameters(p)
    problems = {(x.row, x.column) for x in e.value.report.problems}
    assert problems == {(2, "central"), (3, "modality"), (4, "parameter"), (5, "central"),
                        (6, "cadre")}
    assert "at least 0" in str(e.value)


def test_low_above_central_is_refused(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("parameter,low,central,high\nmaintenance_share,0.2,0.1,0.3\n")
    with pytest.raises(ValidationError, match="low <= central <= high"):
        load_parameters(p)


def test_missing_or_unknown_override_file(tmp_path):
    with pytest.raises(ParameterError, match="not found"):
        load_parameters(tmp_path / "nope.csv")
    q = tmp_path / "x.json"
    q.write_text("{}")
    with pytest.raises(ParameterError, match=".csv or .toml"):
        load_parameters(q)


def test_unknown_parameter_lookup():
    with pytest.raises(ParameterError, match="unknown planning parameter"):
        load_parameters().get("price_of_tea")
