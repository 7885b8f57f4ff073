"""The profile's gap columns name their target: the gap to the country's own income-group
median and the gap to the next income group's median, the latter the very figure of
``gap_to_target(..., target="next_income_median")`` that ``imcap benchmark`` shows."""

from __future__ import annotations

import math

import pandas as pd

from imcap.cli.main import main
from imcap.indicators import compute
from imcap.indicators.benchmarks import gap_to_target
from imcap.reports.profile import benchmarks_from_table
from imcap.store.schema import Country


def test_profile_gap_to_next_income_median_matches_benchmark(client, web):
    db, _ = web
    p = client.get("/api/v1/countries/KEN/profile").json()
    ct = next(d for d in p["densities"] if d["modality"] == "CT")
    want = gap_to_target(compute(db, area_level=False), "KEN", "units_per_million", "CT",
                         "next_income_median")
    assert ct["next_income_group"] == "UMC"
    assert ct["next_income_median"] == want.target
    assert ct["gap_next_income_units"] == want.gap_count_whole
    assert any(s["figure"].startswith("Gap to the UMC median") for s in p["sources"])
    page = client.get("/countries/KEN", headers={"Accept": "text/html"}).text
    assert "Gap to LMC median (units)" in page and "Gap to UMC median (units)" in page
    assert "Gap (units)" not in page
    shown = f"{want.gap_count_whole:,}" if want.gap_count_whole is not None else "–"
    assert 'title="UMC median' in page and f">{shown}</td>" in page


def test_report_names_both_gap_targets(web, tmp_path):
    db, _ = web
    out = tmp_path / "ken.html"
    assert main(["report", "country", "KEN", "--format", "html", "--out", str(out),
                 "--db", db.url]) == 0
    html = out.read_text()
    assert "Gap to LMC median (units)" in html and "Gap to UMC median (units)" in html
    assert "Gap (units)" not in html


def test_group_without_real_values_has_no_median():
    """A benchmark row with no real value (median NaN) gives None, shown as "–", not 0."""
    table = pd.DataFrame([
        {"period": "latest", "indicator": "units_per_million", "group_type": "income_group",
         "group": "LMC", "item": "CT", "median": math.nan, "n": 0},
        {"period": "latest", "indicator": "units_per_million", "group_type": "who_region",
         "group": "AFR", "item": "CT", "median": 1.5, "n": 3}])
    b = benchmarks_from_table(table, Country(iso3="KEN", income_group="LMC", who_region="AFR"))
    assert b["CT"]["income_group"] is None and b["CT"]["region"] == 1.5
