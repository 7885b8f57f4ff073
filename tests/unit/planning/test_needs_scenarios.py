"""Needs from the store, scenarios saved and compared, export, CLI, impact plan."""

import json

import openpyxl
import pytest

from imcap.cli.main import main
from imcap.errors import ParameterError
from imcap.impact.scenarios import ScaleUpPlan
from imcap.planning.case import to_impact_plan
from imcap.planning.needs import (
    area_minimum_extra,
    assess_needs,
    benchmark_required,
    demand_required,
    replacement_due,
    unit_gap,
)
from imcap.planning.parameters import load_parameters
from imcap.planning.scenario import (
    compare,
    load_saved,
    load_scenario,
    parse_scenario,
    run_scenario,
    save_run,
)
from imcap.store.repo import upsert_many
from imcap.store.schema import (
    Area,
    Country,
    CountryFigure,
    Facility,
    ImagingUnit,
    Population,
    Workforce,
)

TABLE = load_parameters()


def test_need_formulas_by_hand():
    assert benchmark_required(2.0, 5e6) == pytest.approx(10.0)
    # 5e6 people x 20 per 1,000 / (5000 x 0.8) = 25 units
    assert demand_required(5e6, 20, 5000, 0.8) == pytest.approx(25.0)
    assert list(unit_gap([10.0, 10.2, 3.0], [4, 4, 5])) == [6, 7, 0]
    assert list(area_minimum_extra([600e3, 400e3, 900e3], [0, 0, 2], 1, 500e3)) == [1, 0, 0]
    # installed 2015 and 2022, lifetime 10: by 2026 only the first is due; NaN never
    assert replacement_due([2015, 2022, float("nan")], [True, True, True], 10, 2026) == 1


@pytest.fixture
def small(any_db):
    """A toy country XLM (LMC, 10 million people, two areas) with 2 functional CT, one
    repairable, and UMC peers with 5 and 7 CT per million. Runs on SQLite and PostgreSQL."""
    db = any_db
    with db.session() as s:
        s.add_all([Country(iso3=c, name=c, income_group=g, source="test")
                   for c, g in (("XLM", "LMC"), ("XU1", "UMC"), ("XU2", "UMC"))])
        s.flush()
        s.add_all([Area(id="A1", country_iso3="XLM", level=1, level_name="county", name="North",
                        source="test"),
                   Area(id="A2", country_iso3="XLM", level=1, level_name="county", name="South",
                        source="test")])
        s.flush()
        pops = [("XLM", None, 10e6), ("XLM", "A1", 6e6), ("XLM", "A2", 4e6),
                ("XU1", None, 1e6), ("XU2", None, 1e6)]
        s.add_all([Population(country_iso3=c, area_id=a, year=y, value=v, source="test")
                   for c, a, v in pops for y in (2024, 2025)])
        s.add_all([CountryFigure(country_iso3=c, year=2024, item_kind="modality", item="CT",
                                 measure="per_million", value=v, source="test")
                   for c, v in (("XU1", 5.0), ("XU2", 7.0))])
        f = Facility(external_id="F1", country_iso3="XLM", area_id="A1", name="H1",
                     source="test")
        s.add(f)
        s.flush()
        upsert_many(s, ImagingUnit, ("facility_id", "external_id"), [
            {"facility_id": f.id, "external_id": f"U{i}", "modality": "CT", "status": st,
             "year_installed": yi, "source": "test"}
            for i, (st, yi) in enumerate((("functional", 2010), ("functional", 2022),
                                          ("non_functional_repairable", 2020)))])
        s.add(Workforce(country_iso3="XLM", cadre="RADIOLOGIST", year=2024, count=20,
                        source="test"))
    return db


def test_assess_needs_benchmark_replacement_area_workforce(small):
    r = assess_needs(small, "XLM", table=TABLE, base_year=2026, target_year=2030,
                     target="next_income_median", modalities=("CT",), by_area=True)
    row = r.national.iloc[0]
    assert row["target_per_million"] == pytest.approx(6.0)  # median of 5 and 7
    assert row["functional"] == 2 and row["repair"] == 1
    assert row["replace_aged"] == 1  # installed 2010, lifetime 10, by 2030
    # required 6 x 10e6 / 1e6 = 60 (population constant) - (2 + 1 repaired) = 57
    assert row["benchmark_required"] == pytest.approx(60.0)
    assert row["gap"] == 57 and row["new_units"] == 57
    areas = r.areas.set_index("area_id")
    assert areas.loc["A1", "functional"] == 2 and areas.loc["A2", "extra_units"] == 1
    wf = r.workforce.set_index("cadre")
    assert wf.loc["RADIOLOGIST", "registered"] == 20
    assert wf.loc["RADIOLOGIST", "fte_needed"] == pytest.approx(60 * 1.0)


def test_needs_bad_input(small):
    with pytest.raises(ParameterError, match="in the past"):
        assess_needs(small, "XLM", table=TABLE, base_year=2026, target_year=2020)
    with pytest.raises(ParameterError, match="unknown modality"):
        assess_needs(small, "XLM", table=TABLE, base_year=2026, target_year=2030,
                     modalities=("SCANNER",))
    with pytest.raises(ParameterError, match="unknown target"):
        assess_needs(small, "XLM", table=TABLE, base_year=2026, target_year=2030,
                     target="the moon")


SCEN = """
name = "{name}"
country = "XLM"
start_year = 2026
target_year = 2030
horizon_year = 2032
gdp_per_capita = 2000
[needs]
target = {target}
modalities = ["CT"]
[units.MRI]
new = {mri}
"""


def _scenario(tmp_path, name="s1", target='"next_income_median"', mri=2):
    p = tmp_path / f"{name}.toml"
    p.write_text(SCEN.format(name=name, target=target, mri=mri), encoding="utf-8")
    return p


def test_run_save_compare_export(small, tmp_path):
    run = run_scenario(small, load_scenario(_scenario(tmp_path), today=2026), draws=50)
    units = run.case.units.groupby("modality")["new"].sum().to_dict()
    assert units == {"CT": 57, "MRI": 2}
    save_run(small, run)
    run2 = run_scenario(small, load_scenario(_scenario(tmp_path, "s2", "3.0", 0), today=2026))
    save_run(small, run2)
    save_run(small, run2)  # saving again updates, it does not duplicate
    saved = load_saved(small, "s2")
    assert saved["version"] == 2 and saved["results"]["summary"]["new_units"] == 27
    cmp = compare(small, ["s1", "s2"])
    assert cmp.loc["new_units", "s1"] == 59 and cmp.loc["new_units", "s2"] == 27
    assert cmp.loc["total", "s1"] > cmp.loc["total", "s2"]
    from imcap.planning.export import write

    out = write(run, tmp_path / "plan.xlsx")[0]
    wb = openpyxl.load_workbook(out)
    assert {"summary", "needs", "units", "costs_by_year", "tornado", "uncertainty",
            "feasibility", "parameters"} <= set(wb.sheetnames)
    csvs = write(run, tmp_path / "plan.csv")
    assert any(p.name == "plan_costs_by_year.csv" for p in csvs)


def test_impact_plan_is_accepted_by_the_impact_model(small, tmp_path):
    run = run_scenario(small, load_scenario(_scenario(tmp_path), today=2026))
    doc = json.loads(json.dumps(to_impact_plan(run.case)))
    plan = ScaleUpPlan.from_dict(doc)
    assert sum(plan.units_added["CT"].values()) == 57 + 1  # new + repaired
    assert sum(plan.costs.values()) == pytest.approx(run.case.summary["total"])


@pytest.mark.parametrize(("data", "match"), [
    ({"name": "x", "country": "XLM", "target_year": 2020, "needs": {"modalities": ["CT"]}},
     "in the past"),
    ({"name": "x", "country": "XLM", "target_year": 2030, "needs": {"modalities": ["CAT"]}},
     "unknown modality"),
    ({"name": "x", "country": "XLM", "target_year": 2030}, "no modality"),
    ({"name": "x", "country": "XLM", "target_year": 2030, "colour": "red",
      "needs": {"modalities": ["CT"]}}, "unknown key"),
])
def test_bad_scenarios(data, match):
    with pytest.raises(ParameterError, match=match):
        parse_scenario(data, today=2026)


def test_cli_needs_invest_compare(small, tmp_path, capsys):
    url = str(small.url)
    env = {"IMCAP_DATABASE_URL": url}
    assert main(["plan", "needs", "XLM", "--year", "2030", "--base-year", "2026",
                 "--modality", "CT", "-f", "csv"], env) == 0
    assert "CT," in capsys.readouterr().out
    p = _scenario(tmp_path, name="kcli", target="4.0")
    out = tmp_path / "p.xlsx"
    ip = tmp_path / "impact.json"
    code = main(["plan", "invest", "XLM", "--scenario", str(p), "--out", str(out),
                 "--impact-plan", str(ip), "-f", "json"], env)
    assert code == 0 and out.is_file() and ip.is_file()
    p2 = _scenario(tmp_path, name="kcli2", target="5.0")
    assert main(["plan", "invest", "XLM", "--scenario", str(p2), "-f", "json"], env) == 0
    capsys.readouterr()
    assert main(["plan", "compare", "kcli", "kcli2", "-f", "csv"], env) == 0
    assert "kcli2" in capsys.readouterr().out
    # user errors: exit 1 and no traceback
    assert main(["plan", "needs", "XLM", "--year", "2020", "--base-year", "2026"], env) == 1
    assert main(["plan", "compare", "kcli", "nope"], env) == 1
    assert "Traceback" not in capsys.readouterr().err
