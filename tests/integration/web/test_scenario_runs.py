"""Scenario runs through the API and the scenario page: imcap.planning computes, the results
are stored on the Scenario row, the page shows them as charts; who may run them."""

from __future__ import annotations

from sqlalchemy import select

from imcap.store.accounts import AuditEntry
from imcap.store.schema import Scenario
from webfixture import PASSWORD, bearer

PLAN = {"target_year": 2030, "needs": {"modalities": ["CT"], "target": "income_median"}}


def test_analyst_creates_and_runs_a_plan(client, tokens, web):
    db, _ = web
    a = bearer(tokens["analyst"])
    r = client.post("/api/v1/scenarios", headers=a, json={
        "name": "KEN CT 2030", "country": "KEN", "inputs": PLAN, "run": True})
    assert r.status_code == 201, r.text
    res = r.json()["results"]
    assert res["summary"]["new_units"] > 0 and res["summary"]["total"] > 0
    assert res["needs"][0]["modality"] == "CT" and res["feasibility"]
    sid, tag = r.json()["id"], r.headers["etag"]
    with db.session() as s:
        stored = s.get(Scenario, sid)
        assert stored.results["summary"]["total"] == res["summary"]["total"]
    # a re-run with other inputs: new version, new results, audited
    p = client.patch(f"/api/v1/scenarios/{sid}", headers={**a, "If-Match": tag}, json={
        "inputs": {**PLAN, "units": {"MRI": {"new": 2}}}, "run": True})
    assert p.status_code == 200, p.text
    assert p.json()["version"] == 2
    assert {u["modality"] for u in p.json()["results"]["units"]} == {"CT", "MRI"}
    with db.session() as s:
        acts = [e.action for e in s.scalars(select(AuditEntry).where(
            AuditEntry.entity == "scenario"))]
    assert acts == ["create", "update"]


def test_bad_inputs_and_roles_are_refused_and_nothing_written(client, tokens, web):
    db, _ = web
    a = bearer(tokens["analyst"])
    for inputs, where in (({**PLAN, "parameters": "/etc/passwd"}, "inputs"),
                          ({"target_year": 2030}, "inputs"),
                          ({**PLAN, "country": "MWI"}, "inputs.country")):
        r = client.post("/api/v1/scenarios", headers=a, json={
            "name": "bad", "country": "KEN", "inputs": inputs, "run": True})
        assert r.status_code == 400, r.text
        err = r.json()["error"]
        assert err["type"] and err["expected"] and err["where"] == where
    imp = client.post("/api/v1/scenarios", headers=a, json={
        "name": "not a plan", "kind": "impact", "country": "KEN", "inputs": {}, "run": True})
    assert imp.status_code == 400 and imp.json()["error"]["where"] == "kind"
    editor = client.post("/api/v1/scenarios", headers=bearer(tokens["editor"]), json={
        "name": "editor plan", "country": "KEN", "inputs": PLAN, "run": True})
    assert editor.status_code == 403 and editor.json()["error"]["type"]
    with db.session() as s:
        assert s.scalars(select(Scenario)).all() == []


def test_scenario_page_shows_results_and_runs_with_csrf(client, tokens, web):
    a = bearer(tokens["analyst"])
    sid = client.post("/api/v1/scenarios", headers=a, json={
        "name": "page plan", "country": "KEN", "inputs": PLAN}).json()["id"]
    login = client.post("/api/v1/auth/login", json={"username": "analyst",
                                                    "password": PASSWORD})
    assert login.status_code == 200
    before = client.get(f"/scenarios/{sid}", headers={"Accept": "text/html"})
    assert before.status_code == 200 and "Run scenario" in before.text
    assert 'class="chart"' not in before.text
    no_csrf = client.post(f"/scenarios/{sid}/run", headers={"Accept": "text/html"},
                          follow_redirects=False)
    assert no_csrf.status_code == 403
    csrf = login.json()["csrf_token"]
    assert '<input type="hidden" name="version" value="1">' in before.text
    # the Run button names the version the user saw, like every other update
    missing = client.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf},
                          headers={"Accept": "text/html"}, follow_redirects=False)
    assert missing.status_code == 428, missing.text
    stale = client.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf, "version": "7"},
                        headers={"Accept": "text/html"}, follow_redirects=False)
    assert stale.status_code == 409, stale.text
    bad_tag = client.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf},
                          headers={"If-Match": '"scenario-1-v0"', "Accept": "text/html"},
                          follow_redirects=False)
    assert bad_tag.status_code == 409, bad_tag.text
    assert client.get(f"/api/v1/scenarios/{sid}", headers=a).json()["version"] == 1
    ran = client.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf, "version": "1"},
                      follow_redirects=False)
    assert ran.status_code == 303, ran.text
    # the page shown before the run is now stale: running it again is refused
    again = client.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf, "version": "1"},
                        headers={"Accept": "text/html"}, follow_redirects=False)
    assert again.status_code == 409, again.text
    page = client.get(f"/scenarios/{sid}", headers={"Accept": "text/html"})
    assert page.text.count('class="chart"') >= 3  # costs, units, needs
    assert "Costs by year" in page.text and "Feasibility" in page.text
    assert client.get(f"/api/v1/scenarios/{sid}", headers=a).json()["version"] == 2
