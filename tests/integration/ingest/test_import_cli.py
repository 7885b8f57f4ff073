"""``imcap import ...``, ``imcap survey template`` and ``imcap export ...`` in-process."""

from __future__ import annotations

import json

import geopandas as gpd
import openpyxl
import pandas as pd
from ingest_testlib import counts, load_places, source_file
from typer.testing import CliRunner

from imcap.cli import exchange
from imcap.cli.main import main
from imcap.ingest import import_facilities, import_inventory, import_table
from imcap.ingest.survey import survey_workbook
from imcap.store.db import Database


def _db(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    d = Database(url)
    load_places(d)
    d.dispose()
    return url


def test_import_gho_ok_then_unchanged(tmp_path, capsys):
    url = _db(tmp_path)
    f = str(source_file("Total_density_per_million_population_MRI.csv"))
    assert main(["import", "gho", f, "--db", url]) == 0
    assert "79 inserted" in capsys.readouterr().out
    assert main(["import", "gho", f, "--db", url, "--format", "json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["ok"] and rep["unchanged"] == 79 and rep["inserted"] == 0


def test_import_with_problems_exits_1_and_lists_them(tmp_path, capsys):
    url = _db(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("country,year,modality,count\nKEN,2022,CT,x\nZZZ,2022,CT,1\n")
    d = Database(url)
    before = counts(d)
    assert main(["import", "table", str(bad), "--db", url]) == 1
    out = capsys.readouterr().out
    assert "2 problem(s)" in out and "whole number" in out and "'ZZZ'" in out
    assert main(["import", "table", str(bad), "--db", url, "-f", "json"]) == 1
    rep = json.loads(capsys.readouterr().out)
    assert [(p["row"], p["column"]) for p in rep["problems"]] == [(2, "count"), (3, "country")]
    assert counts(d) == before
    d.dispose()


def test_import_table_with_mapping_country_and_dry_run(tmp_path, capsys):
    url = _db(tmp_path)
    f = tmp_path / "t.csv"
    f.write_text("County,Equipment,N\nNairobi,CT scanner,12\n")
    m = tmp_path / "m.toml"
    m.write_text('[columns]\narea = "County"\nmodality = "Equipment"\ncount = "N"\n'
                 '[values.modality]\n"CT scanner" = "CT"\n[defaults]\nyear = 2024\n')
    args = ["import", "table", str(f), "--mapping", str(m), "--country", "KEN",
            "--source", "county survey", "--db", url]
    assert main([*args, "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert main(args) == 0
    assert "1 inserted" in capsys.readouterr().out
    assert main(["import", "facilities", str(tmp_path / "missing.csv"), "--db", url]) == 1


def test_survey_template_round_trips_through_the_importers(tmp_path):
    out = tmp_path / "survey.xlsx"
    res = CliRunner().invoke(exchange.app, ["survey", "template", "--out", str(out)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Read me", "Lists", "Facilities", "Units", "Country figures",
                             "Data dictionary"]
    units = wb["Units"]
    assert [c.value for c in units[1]][:3] == ["unit_id", "facility_id", "modality"]
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1
             for dv in units.data_validations.dataValidation if dv.type == "list"}
    assert "Lists!" in lists["C"]  # modality drop-down
    dd = pd.read_excel(out, sheet_name="Data dictionary")
    assert {"sheet", "field", "description", "allowed values", "example"} <= set(dd.columns)
    assert "functional" in dd.set_index("field").loc["status", "allowed values"]
    # fill the workbook and import each sheet without a mapping
    wb["Facilities"].append(["F1", "Hospital One", "KEN", "Nairobi", "Hospital",
                             "regional_hospital", "public", -1.3, 36.8])
    wb["Units"].append(["CT-1", "F1", "CT", "GE", "Revolution", 2019, "functional",
                        "2024-05-01", "yes", "2024-01-15", "F1_CT1"])
    wb["Country figures"].append(["KEN", "Nairobi", 2024, "CT", None, 12, None, "survey 2024"])
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    db = Database(_db(tmp_path))
    try:
        for fn in (import_facilities, import_inventory, import_table):
            rep = fn(db, filled)
            assert rep.ok and rep.inserted >= 1, (fn.__name__, rep.problems)
    finally:
        db.dispose()
    assert survey_workbook()[:2] == b"PK"


def test_export_units_facilities_figures(tmp_path):
    url = _db(tmp_path)
    db = Database(url)
    try:
        import_facilities(db, b"facility_id,name,country,area,lat,lon\n"
                              b"F1,H1,KEN,Nairobi,-1.3,36.8\nF2,H2,KEN,,,\n",
                          filename="f.csv", source="t")
        import_inventory(db, b"unit_id,facility_id,modality,status\nA,F1,CT,functional\n"
                             b"B,F1,CT,non_functional_repairable\nC,F2,MRI,functional\n",
                         filename="u.csv", source="t")
        import_table(db, b"country,year,modality,count\nKEN,2022,CT,98\n", filename="t.csv")
    finally:
        db.dispose()
    r = CliRunner()
    for what, name in (("units", "u.parquet"), ("facilities", "f.geojson"),
                       ("figures", "g.csv"), ("units", "u.csv")):
        res = r.invoke(exchange.app, ["export", what, "--out", str(tmp_path / name), "--db", url])
        assert res.exit_code == 0, res.output
    units = pd.read_parquet(tmp_path / "u.parquet")
    assert len(units) == 3 and set(units.facility_id) == {"F1", "F2"}
    gj = gpd.read_file(tmp_path / "f.geojson")
    f1 = gj[gj.facility_id == "F1"].iloc[0]
    assert (f1.units_CT, f1.functional_CT, f1.area) == (2, 1, "Nairobi")
    assert gj[gj.facility_id == "F2"].geometry.iloc[0] is None
    figs = pd.read_csv(tmp_path / "g.csv")
    assert figs.loc[0, ["country", "modality", "count"]].tolist() == ["KEN", "CT", 98]
    res = r.invoke(exchange.app, ["export", "figures", "--out", str(tmp_path / "x.txt"),
                                  "--db", url])
    assert res.exit_code != 0
