"""In-process API tests: reads, paging, CSV, writes with versions (409 on stale), history.
Each runs on SQLite and on PostgreSQL (the ``web`` fixture of this module is parametrised)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import webfixture
from imcap.store.accounts import AuditEntry
from imcap.store.schema import ChangeLog, UnitStatus
from webfixture import bearer


@pytest.fixture(params=["sqlite", "postgres"])
def web(request, tmp_path, template_dir):  # type: ignore[no-untyped-def]
    """The fixture registry on SQLite (a copy of the template) or PostgreSQL (built fresh in
    its own schema)."""
    if request.param == "sqlite":
        db, ids = webfixture.fixture_db(tmp_path, template_dir)
        yield db, ids
        db.dispose()
    else:
        with webfixture.pg_fixture_db() as built:
            yield built


def test_countries_page_and_csv(client):
    r = client.get("/api/v1/countries", params={"limit": 5, "offset": 10})
    assert r.status_code == 200
    body = r.json()
    assert len(body["items"]) == 5 and body["total"] > 200 and body["offset"] == 10
    csv = client.get("/api/v1/countries", params={"format": "csv", "q": "Kenya"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("iso3,") and "KEN" in csv.text


def test_profile_has_densities_benchmarks_sources(client):
    p = client.get("/api/v1/countries/KEN/profile").json()
    assert p["country"]["name"] == "Kenya"
    ct = next(d for d in p["densities"] if d["modality"] == "CT")
    # 5 CT units, 4 functional (one beyond repair), population from the World Bank
    assert ct["units"] == 5 and ct["functional_units"] == 4
    assert abs(ct["functional_per_million"] - 4 / p["population"] * 1e6) < 1e-9
    assert ct["reported_per_million"] is not None and ct["income_group_median"] is not None
    assert {s["figure"] for s in p["sources"]} >= {"Population", "Imaging units (inventory)"}
    assert len(p["areas"]) == 47 and p["access"][0]["value"] == 61.5


def test_indicators_and_benchmarks(client):
    r = client.get("/api/v1/indicators", params={"country": "KEN", "indicator":
                                                 "functional_units_per_million", "item": "CT"})
    assert r.status_code == 200
    rows = r.json()["items"]
    assert rows and all(x["indicator"] == "functional_units_per_million" for x in rows)
    b = client.get("/api/v1/benchmarks", params={"country": "KEN"}).json()["items"]
    assert any(x["modality"] == "CT" and x["income_group"] == "LMC"
               and x["income_group_median"] > 0 for x in b)


def test_unit_write_with_etag_and_conflict(client, tokens, web):
    db, ids = web
    h = bearer(tokens["manager"])
    uid = ids["KNH-CT-1"]
    r = client.get(f"/api/v1/units/{uid}", headers=h)
    assert r.status_code == 200
    tag = r.headers["etag"]
    ok = client.post(f"/api/v1/units/{uid}/status", headers={**h, "If-Match": tag},
                     json={"status": "non_functional_repairable", "status_date": "2025-01-10"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "non_functional_repairable" and ok.json()["version"] == 2
    stale = client.patch(f"/api/v1/units/{uid}", headers={**h, "If-Match": tag},
                         json={"make": "GE"})
    assert stale.status_code == 409
    assert stale.json()["error"]["type"] == "conflict"
    assert stale.json()["error"]["expected"] == "version 1"
    hist = client.get(f"/api/v1/units/{uid}/status", headers=h).json()["items"]
    assert [x["status"] for x in hist] == ["functional", "non_functional_repairable"]
    with db.session() as s:
        assert s.scalars(select(ChangeLog).where(ChangeLog.entity == "imaging_unit",
                                                 ChangeLog.actor == "manager")).first()
        assert len(s.scalars(select(UnitStatus).where(UnitStatus.unit_id == uid)).all()) == 2
    prof = client.get("/api/v1/countries/KEN/profile").json()
    ct = next(d for d in prof["densities"] if d["modality"] == "CT")
    assert ct["functional_units"] == 3  # the cache follows the write


def test_create_facility_and_unit_then_validation_errors(client, tokens, web):
    db, _ = web
    h = bearer(tokens["manager"])
    f = client.post("/api/v1/facilities", headers=h, json={
        "external_id": "NEW-1", "name": "New Hospital", "country": "KEN", "area_id": "KEN_047",
        "level": "district hospital", "lat": -1.2, "lon": 36.8})
    assert f.status_code == 201, f.text
    assert f.json()["level"] == "district_hospital"
    u = client.post("/api/v1/units", headers=h, json={
        "facility_id": f.json()["id"], "external_id": "NEW-CT", "modality": "computed tomography",
        "status": "functional", "year_installed": 2023})
    assert u.status_code == 201 and u.json()["modality"] == "CT"
    dup = client.post("/api/v1/units", headers=h, json={
        "facility_id": f.json()["id"], "external_id": "NEW-CT", "modality": "CT"})
    assert dup.status_code == 409
    bad = client.post("/api/v1/units", headers=h, json={
        "facility_id": f.json()["id"], "external_id": "X", "modality": "laser", "year_installed":
        1800})
    assert bad.status_code == 422
    cols = {p["column"] for p in bad.json()["error"]["problems"]}
    assert cols == {"modality", "year_installed"}
    with db.session() as s:
        acts = [(a.action, a.entity) for a in s.scalars(select(AuditEntry)
                                                        .order_by(AuditEntry.id))]
    assert ("create", "facility") in acts and ("create", "imaging_unit") in acts


def test_workforce_exams_scenarios(client, tokens, web):
    _, ids = web
    h = bearer(tokens["editor"])
    w = client.post("/api/v1/workforce", headers=h, json={
        "country": "KEN", "facility_id": ids["KNH"], "cadre": "radiographer", "year": 2024,
        "count": 12})
    assert w.status_code == 201, w.text
    e = client.post("/api/v1/exam-volumes", headers=h, json={
        "country": "KEN", "unit_id": ids["KNH-CT-1"], "modality": "CT", "year": 2024,
        "exams": 6100})
    assert e.status_code == 201 and e.json()["facility_id"] == ids["KNH"]
    a = bearer(tokens["analyst"])
    sc = client.post("/api/v1/scenarios", headers=a, json={
        "name": "KEN CT to LMC median", "country": "KEN", "inputs": {"target": "income_median"}})
    assert sc.status_code == 201
    p = client.patch(f"/api/v1/scenarios/{sc.json()['id']}", headers={
        **a, "If-Match": sc.headers["etag"]}, json={"inputs": {"target": "hic_mean"}})
    assert p.status_code == 200 and p.json()["version"] == 2
    again = client.patch(f"/api/v1/scenarios/{sc.json()['id']}", headers={
        **a, "If-Match": sc.headers["etag"]}, json={"inputs": {}})
    assert again.status_code == 409


def test_tokens_revocable_and_login_throttled(client, tokens, web):
    admin = bearer(tokens["admin"])
    t = client.post("/api/v1/users/4/tokens", headers=admin, json={"name": "etl"})
    assert t.status_code == 201
    secret = t.json()["token"]
    assert client.get("/api/v1/facilities", headers=bearer(secret)).status_code == 200
    assert client.delete(f"/api/v1/tokens/{t.json()['id']}", headers=admin).status_code == 204
    gone = client.get("/api/v1/facilities", headers=bearer(secret))
    assert gone.status_code == 401 and gone.json()["error"]["type"] == "not_authenticated"
    codes = [client.post("/api/v1/auth/login", json={"username": "analyst",
                                                     "password": "wrong-password"}).status_code
             for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    r = client.post("/api/v1/auth/login", json={"username": "analyst",
                                                "password": "correct horse battery"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_session_login_csrf_and_cookie_flags(client):
    r = client.post("/api/v1/auth/login", json={"username": "manager",
                                                "password": "correct horse battery"})
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    csrf = r.json()["csrf_token"]
    body = {"status": "functional", "version": 1}
    no = client.post("/api/v1/units/1/status", json=body)
    assert no.status_code == 403 and no.json()["error"]["where"] == "csrf"
    yes = client.post("/api/v1/units/1/status", json=body, headers={"X-CSRF-Token": csrf})
    assert yes.status_code == 200
    tls = client.post("/api/v1/auth/login", headers={"X-Forwarded-Proto": "https"},
                      json={"username": "manager", "password": "correct horse battery"})
    assert "Secure" in tls.headers["set-cookie"]


def test_profile_impact_estimate_with_provenance(client):
    p = client.get("/api/v1/countries/KEN/profile").json()
    imp = p["impact"]
    deaths = next(r for r in imp["rows"] if r["output"] == "deaths_averted")
    assert 0 < deaths["lo"] <= deaths["hi"] and deaths["value"] > 0
    prov = imp["provenance"]
    assert "Lancet Oncol" in prov["model"] and prov["draws"] >= 100
    # the registry's reported CT density (WHO GHO) feeds the model
    ct = next(d for d in prov["densities"] if d["modality"] == "CT")
    assert ct["source"] != "imputed"
    assert any(s["figure"].startswith("Impact estimate") for s in p["sources"])
    page = client.get("/countries/KEN", headers={"Accept": "text/html"}).text
    assert 'id="impact"' in page and 'data-output="deaths_averted"' in page
