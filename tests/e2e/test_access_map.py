"""The travel-time map page draws in Debian chromium with no network: the heatmap image, the
facility markers and the band legend (DESIGN.md: a browser test asserts that maps draw)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from typer.testing import CliRunner

from imcap.cli.access import app

DATA = Path(str(resources.files("imcap") / "data" / "access"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_traveltime_map_draws_offline(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(app, [
        "traveltime", "--friction", str(DATA / "SEN_friction_surface.tif"), "--facilities",
        str(DATA / "SEN_cities.geojson"), "--out", str(tmp_path / "tt.tif"),
        "--map", str(tmp_path / "tt.html")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
        ("file:", "data:", "blob:")) else None)
    page.goto((tmp_path / "tt.html").as_uri())
    page.wait_for_selector(".heatmaplayer image", state="attached")
    assert page.locator(".heatmaplayer image").count() == 1
    assert page.locator(".scatterlayer .point").count() >= 30  # the 30 urban centres
    assert page.locator(".legend .traces").count() == 6  # 5 bands and the facilities
    assert outside == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "access_traveltime_map.png"), full_page=True)
    page.close()
