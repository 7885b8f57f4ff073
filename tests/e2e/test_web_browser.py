"""The web app in Debian's chromium (Playwright, no network): sign in, Kenya's profile with
its maps and charts drawn, a unit set non-functional lowers the functional density, a broken
upload shows its row-level report, sign out. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

import webfixture
from webfixture import ARTIFACTS

pytestmark = pytest.mark.browser


def _ct_functional_density(page) -> float:  # type: ignore[no-untyped-def]
    return float(page.locator('#densities tr[data-modality="CT"] .functional-density')
                 .inner_text())


def test_sign_in_profile_status_upload_sign_out(server, browser):
    base, ids = server
    ARTIFACTS.mkdir(exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    outside: list[str] = []

    def only_local(route):  # type: ignore[no-untyped-def]
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # home: world map drawn (SVG from the server, then plotly traces)
    page.goto(base + "/")
    page.wait_for_selector("#world-map[data-drawn=plotly] .scatterlayer .trace")
    assert page.locator("#world-map .scatterlayer .trace").count() >= 3
    page.screenshot(path=str(ARTIFACTS / "01-home.png"), full_page=True)

    # sign in as Kenya's country data manager
    page.click("#login-link")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", webfixture.PASSWORD)
    page.screenshot(path=str(ARTIFACTS / "02-login.png"))
    page.click("button[type=submit]")
    page.wait_for_selector("text=manager · country manager")

    # Kenya's profile: maps and charts drawn
    page.goto(base + "/countries/KEN")
    assert page.locator("#country-name").inner_text().startswith("Kenya")
    page.wait_for_selector("#area-map[data-drawn=plotly] .scatterlayer .trace")
    page.wait_for_selector("#facility-map[data-drawn=plotly] .scatterlayer .trace .point")
    assert page.locator("#area-map .scatterlayer .trace path").count() >= 3
    assert page.locator("[data-fig=fig-densities] .barlayer .trace").count() >= 2
    assert page.locator("#facility-map .scatterlayer .point").count() >= 4
    before = _ct_functional_density(page)
    page.screenshot(path=str(ARTIFACTS / "03-kenya-profile.png"), full_page=True)

    # set a CT unit non-functional on its facility page
    page.goto(base + f"/facilities/{ids['KNH']}")
    row = page.locator(f"#unit-{ids['KNH-CT-1']}")
    row.locator("select[name=status]").select_option("non_functional_repairable")
    row.locator("input[name=status_date]").fill("2025-03-01")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(f"#unit-{ids['KNH-CT-1']}[data-status=non_functional_repairable]")
    page.screenshot(path=str(ARTIFACTS / "04-facility-status.png"), full_page=True)

    page.goto(base + "/countries/KEN")
    after = _ct_functional_density(page)
    assert after < before, (before, after)
    assert page.locator("#total-functional").inner_text() == "8"

    # upload a broken inventory: the row-level report, nothing written
    page.goto(base + "/upload")
    page.select_option("select[name=kind]", "inventory")
    page.fill("input[name=country]", "KEN")
    page.set_input_files("input[name=file]", files=[{
        "name": "broken.csv", "mimeType": "text/csv",
        "buffer": b"unit_id,facility_id,modality,status\nB1,KNH,CT,functional\n"
                  b"B2,KNH,laser,functional\nB3,NOPE,MRI,broken\n"}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#problems")
    text = page.locator("#problems").inner_text()
    assert re.search(r"\b3\b\s+modality", text) and re.search(r"\b4\b\s+status", text), text
    assert "laser" in text and "broken" in text
    assert page.locator("#commit").count() == 0
    page.screenshot(path=str(ARTIFACTS / "05-upload-report.png"), full_page=True)

    # sign out
    page.click("#logout")
    page.wait_for_selector("#login-link")
    page.screenshot(path=str(ARTIFACTS / "06-signed-out.png"))
    assert not outside, f"requests left the machine: {outside}"
    assert not errors, errors
    ctx.close()


def test_phone_viewport_and_pdf_download(server, browser):
    base, _ = server
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = ctx.new_page()
    page.goto(base + "/countries/KEN")
    page.wait_for_selector("#area-map[data-drawn=plotly] .scatterlayer .trace")
    page.screenshot(path=str(ARTIFACTS / "07-kenya-phone.png"), full_page=False)
    with page.expect_download() as dl:
        page.click("#download-pdf")
    assert dl.value.suggested_filename == "imcap-profile-KEN.pdf"
    ctx.close()


def test_analyst_runs_a_scenario_and_sees_its_charts(server, browser):
    base, _ = server
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    login = ctx.request.post(base + "/api/v1/auth/login", data={
        "username": "analyst", "password": webfixture.PASSWORD})
    assert login.ok
    made = ctx.request.post(base + "/api/v1/scenarios", headers={
        "X-CSRF-Token": login.json()["csrf_token"]}, data={
        "name": "KEN CT 2030 (e2e)", "country": "KEN",
        "inputs": {"target_year": 2030, "needs": {"modalities": ["CT", "MRI"]}}})
    assert made.status == 201, made.text()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/scenarios/{made.json()['id']}")
    page.click("#run-scenario")
    page.wait_for_url(re.compile(r".*#results$"))
    page.wait_for_selector("#results [data-drawn=plotly] .barlayer")
    assert page.locator("#results [data-drawn=plotly]").count() >= 3
    assert page.locator("h2", has_text="Feasibility").count() == 1
    page.screenshot(path=str(ARTIFACTS / "08-scenario-run.png"), full_page=True)
    assert not errors, errors
    ctx.close()
