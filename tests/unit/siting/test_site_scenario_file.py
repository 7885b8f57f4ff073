"""`imcap site --scenario S.toml` takes an AccessMod-style access scenario file (issue 4) and
gives the same answer as the same surface passed with --friction/--population."""

from __future__ import annotations

import json

from imcap.cli.main import main
from imcap.data import path

FRICTION = path("access/SEN_friction_surface.tif")
POPULATION = path("access/SEN_population_2020.tif")
CITIES = path("access/SEN_cities.geojson")


def _run(args, capsys):
    assert main(["site", *args, "--sites", "2", "--max-minutes", "60", "--format", "json"]) == 0
    out = capsys.readouterr().out
    summary_text, sites_text = out.split("\n]\n", 1)
    return json.loads(summary_text + "\n]")[0], json.loads(sites_text)


def test_scenario_file_equals_explicit_rasters(tmp_path, capsys):
    scen = tmp_path / "sen.toml"
    scen.write_text(f'friction = "{FRICTION}"\npopulation = "{POPULATION}"\n', encoding="utf-8")
    a_summary, a_sites = _run(["--scenario", str(scen), "--candidates", str(CITIES)], capsys)
    b_summary, b_sites = _run(["--friction", str(FRICTION), "--population", str(POPULATION),
                               "--candidates", str(CITIES)], capsys)
    assert [s["id"] for s in a_sites] == [s["id"] for s in b_sites] and len(a_sites) == 2
    assert a_summary["covered"] == b_summary["covered"] > 0


def test_missing_scenario_file_is_a_user_error(tmp_path, capsys):
    code = main(["site", "--scenario", str(tmp_path / "nope.toml"), "--candidates", str(CITIES),
                 "--sites", "2"])
    assert code == 1
    assert "scenario file not found" in capsys.readouterr().err


def test_more_sites_than_candidates_is_refused_before_the_matrix(monkeypatch, capsys):
    import imcap.siting.geo as geo

    def no_matrix(*a, **k):  # the check must come first: building the matrix is the slow part
        raise AssertionError("coverage matrix built")

    monkeypatch.setattr(geo, "traveltime_coverage", no_matrix)
    code = main(["site", "--friction", str(FRICTION), "--population", str(POPULATION),
                 "--candidates", str(CITIES), "--sites", "31"])
    assert code == 1
    err = capsys.readouterr().err
    assert "more new sites asked than there are candidates" in err and "p <= 30" in err
