"""The demo end to end: database, imports, synthetic Kenya inventory, indicators, benchmarks and
the offline atlas; then the indicators and benchmark commands on the demo database."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from imcap.cli.main import main

KEN_POP_2013 = 44_986_791  # World Bank SP.POP.TOTL, bundled reference data
GHO_KEN_2013 = {"CT": 0.25, "MRI": 0.16}  # WHO GHO DEVICES09 / DEVICES08, bundled export


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out)]) == 0
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_demo_writes_the_three_files(demo_out):
    for name in ("indicators.csv", "benchmarks.csv", "atlas.html", "imcap.db"):
        assert (demo_out / name).stat().st_size > 0, name


def test_kenya_synthetic_density_equals_the_gho_value_within_one_whole_unit(demo_out):
    rows = [r for r in _rows(demo_out / "indicators.csv")
            if r["indicator"] == "units_per_million" and r["country_iso3"] == "KEN"
            and r["area_id"] == "" and r["year"] == "2013"]
    for code, published in GHO_KEN_2013.items():
        syn = [r for r in rows if r["item"] == code and r["synthetic"] == "True"]
        gho = [r for r in rows if r["item"] == code and r["source"].startswith("WHO GHO")]
        assert len(syn) == 1 and len(gho) == 1
        assert float(gho[0]["value"]) == published
        # whole units: within half a unit per population of the published density
        assert abs(float(syn[0]["value"]) - published) <= 0.5 / KEN_POP_2013 * 1e6
        assert syn[0]["source"] == "imcap synthetic demo inventory (not real data)"
        assert "not real" in syn[0]["source"] and syn[0]["method"].startswith("computed")
    # every indicator of the catalogue appears for Kenya, and per county
    ken = [r for r in _rows(demo_out / "indicators.csv") if r["country_iso3"] == "KEN"]
    from imcap.indicators import CATALOGUE
    assert {r["indicator"] for r in ken} == {i.id for i in CATALOGUE}
    assert len({r["area_id"] for r in ken if r["area_id"]}) >= 40


def test_benchmarks_csv_has_income_groups_and_latest_period(demo_out):
    rows = _rows(demo_out / "benchmarks.csv")
    lmc = [r for r in rows if r["indicator"] == "units_per_million" and r["item"] == "CT"
           and r["period"] == "latest" and r["group"] == "LMC"]
    assert len(lmc) == 1 and int(lmc[0]["n"]) >= 5
    assert float(lmc[0]["q1"]) <= float(lmc[0]["median"]) <= float(lmc[0]["q3"])


def test_atlas_is_offline_and_draws_map_traces(demo_out):
    page = (demo_out / "atlas.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page, re.I)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page, re.I)
    calls = re.findall(r'Plotly\.newPlot\(\s*"(fig\d)",\s*(\[.*?\]),\s*\{', page, re.S)
    assert [c[0] for c in calls] == ["fig1", "fig2", "fig3"]
    world, kenya = json.loads(calls[0][1]), json.loads(calls[1][1])
    for traces in (world, kenya):
        assert {t["type"] for t in traces} == {"scatter"}  # no geo/mapbox traces
        filled = [t for t in traces if t.get("fill") == "toself"]
        assert len(filled) >= 4 and all(t["x"] for t in filled)
    assert sum(x is None for t in world if t.get("fill") for x in t["x"]) >= 150  # countries
    assert any("facility with CT/MRI" in t.get("name", "") for t in kenya)
    assert "SYNTHETIC" in page and "Source:" in page and "Method:" in page


def test_indicators_and_benchmark_commands_on_the_demo_database(demo_out, capsys):
    db = str(demo_out / "imcap.db")
    capsys.readouterr()
    assert main(["indicators", "--country", "KEN", "--year", "2013", "--national",
                 "--indicator", "units_per_million", "--format", "json", "--db", db]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["synthetic"] for r in rows} == {True, False}
    assert main(["benchmark", "KEN", "--peers", "TZA,UGA", "--target", "income_median",
                 "--format", "csv", "--db", db]) == 0
    out = capsys.readouterr().out
    assert out.startswith("indicator,item,year,value,unit,income")
    assert "units_per_million,CT,2013,0.25" in out
    assert main(["benchmark", "KEN", "--target", "best", "--db", db]) == 1


def test_unknown_peer_codes_are_a_user_error(demo_out, capsys):
    url = f"sqlite:///{demo_out / 'imcap.db'}"
    assert main(["benchmark", "KEN", "--peers", "FOO,TZA", "--db", url]) == 1
    assert "unknown peer country code(s)" in capsys.readouterr().err
