"""``imcap impact`` in-process."""

import csv
import io
import json

from imcap.cli.main import main


def test_country_csv(capsys):
    assert main(["impact", "--country", "KEN", "--draws", "30", "-f", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["scenario"], r["code"]) for r in rows] == [("imaging", "KEN"),
                                                         ("comprehensive", "KEN")]
    assert float(rows[1]["deaths_averted"]) >= float(rows[0]["deaths_averted"])


def test_income_groups_json_and_plan_file(tmp_path, capsys):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"country_iso3": "SEN", "units_added": {"CT": {"2025": 3}},
                                "costs": {"2025": 3e6}}))
    assert main(["impact", "-g", "income", "-s", "imaging", "-n", "20", "-f", "json"]) == 0
    assert [r["code"] for r in json.loads(capsys.readouterr().out)] == ["LIC", "LMC", "UMC",
                                                                        "HIC"]
    xlsx = tmp_path / "o.xlsx"
    assert main(["impact", "-c", "SEN", "-s", str(plan), "-n", "20", "-f", "json",
                 "--xlsx", str(xlsx)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["scenario"] == "plan" and rows[0]["cost"] > 0
    assert xlsx.stat().st_size > 0


def test_user_errors_exit_1(capsys):
    assert main(["impact", "--country", "XXX", "-n", "5"]) == 1
    assert main(["impact", "--group", "planet", "-n", "5"]) == 1
    assert main(["impact", "--scenario", "nothing.json", "-n", "5"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_calibration_command(capsys):
    assert main(["impact", "calibration", "-f", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(abs(r["error_pct"]) < 5 for r in rows if r["error_pct"] is not None)
