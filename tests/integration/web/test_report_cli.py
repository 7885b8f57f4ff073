"""The country profile report through the CLI (HTML and PDF), the PDF rendered to PNG with
pdftoppm; ``imcap users`` commands; every setting and command documented."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from imcap.cli.main import main
from imcap.reports.impact_summary import country_impact
from imcap.web.settings import SETTINGS, setting_names

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"


def test_pdf_report_has_pages_and_country_name(web, tmp_path):
    db, _ = web
    pdf = tmp_path / "ken.pdf"
    assert main(["report", "country", "KEN", "--format", "pdf", "--out", str(pdf),
                 "--db", db.url]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} missing (apt-get install poppler-utils)")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    ARTIFACTS.mkdir(exist_ok=True)
    for p in pages:
        shutil.copy(p, ARTIFACTS / f"report-KEN-{p.name}")
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "Kenya" in text and "Sources" in text and "WHO GHO" in text
    # the impact estimate (same figures as the web profile), with its provenance in the sources
    assert "Impact estimate: scaling up imaging" in text
    deaths = next(r for r in country_impact(db, "KEN")["rows"]
                  if r["output"] == "deaths_averted")
    assert "cancer deaths averted" in text
    assert f"{deaths['lo']:,.0f} – {deaths['hi']:,.0f}" in text, text
    flat = " ".join(text.split())  # table cells wrap
    assert "Impact estimate (imaging scale-up)" in flat and "Lancet Oncol" in flat


def test_html_report_is_self_contained(web, tmp_path):
    db, _ = web
    out = tmp_path / "ken.html"
    assert main(["report", "country", "KEN", "--format", "html", "--out", str(out),
                 "--db", db.url]) == 0
    html = out.read_text()
    assert html.count("<svg") >= 3 and "<path data-id=\"KEN_047\"" in html
    assert not re.search(r"(src|href)=\"https?://", html)


def test_users_commands(web, capsys):
    db, ids = web
    assert main(["users", "add", "ops", "--role", "country_manager", "--password",
                 "long enough pw", "--countries", "KEN", "--db", db.url]) == 0
    assert main(["users", "role", "ops", "--role", "facility_editor", "--facilities",
                 str(ids["KNH"]), "--db", db.url]) == 0
    assert main(["users", "token", "ops", "--name", "etl", "--db", db.url]) == 0
    assert "imcap_" in capsys.readouterr().out
    assert main(["users", "role", "ops", "--role", "wizard", "--db", db.url]) == 1
    assert main(["users", "list", "--format", "csv", "--db", db.url]) == 0
    listed = capsys.readouterr().out
    assert re.search(rf"^6,ops,.*,facility_editor,.*,{ids['KNH']}$", listed, re.M), listed


def test_every_setting_and_command_documented():
    web_md = (ROOT / "docs" / "web.md").read_text()
    api_md = (ROOT / "docs" / "api.md").read_text()
    for s in SETTINGS:
        assert f"`{s.env}`" in web_md, f"setting {s.name} not in docs/web.md"
    assert set(setting_names()) == {s.name for s in SETTINGS}
    for cmd in ("imcap serve", "imcap users add", "imcap users role", "imcap users token",
                "imcap users revoke", "imcap users list", "imcap report country"):
        assert cmd in web_md, f"{cmd} not in docs/web.md"
    from imcap.web import Settings, create_app

    app = create_app("sqlite://", Settings.from_env(environ={}))
    for path, ops in app.openapi()["paths"].items():
        for method in ops:
            assert f"{method.upper()} {path}" in api_md, f"{method.upper()} {path} not in api.md"
