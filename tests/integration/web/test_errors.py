"""Every error response has the one JSON shape (datasette-style test over many errors)."""

from __future__ import annotations

from webfixture import bearer

KEYS = {"type", "message", "expected", "got", "where", "problems"}


def _check(r, status: int, kind: str | None = None) -> dict:
    assert r.status_code == status, (r.request.url, r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == KEYS, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["problems"], list)
    if kind:
        assert body["error"]["type"] == kind, body
    return body["error"]


def test_one_error_shape(client, tokens, web):
    _, ids = web
    mgr, pub = bearer(tokens["manager"]), bearer(tokens["reader"])
    _check(client.get("/api/v1/no-such-thing"), 404, "not_found")
    _check(client.get("/api/v1/countries/XXX"), 404, "not_found")
    _check(client.get("/api/v1/countries/KEN/profile", params={"year": "soon"}), 422,
           "validation_error")
    _check(client.get("/api/v1/countries", params={"limit": 0}), 422, "validation_error")
    _check(client.get("/api/v1/countries", params={"format": "xml"}), 422)
    _check(client.delete("/api/v1/countries"), 405, "method_not_allowed")
    _check(client.get("/api/v1/facilities"), 401, "not_authenticated")
    _check(client.get("/api/v1/facilities", headers=pub), 403, "permission_denied")
    _check(client.get("/api/v1/facilities", headers=bearer("imcap_nope")), 401)
    _check(client.get("/api/v1/units/999999", headers=mgr), 404, "not_found")
    e = _check(client.post("/api/v1/units", headers=mgr, json={"facility_id": ids["KNH"]}),
               422, "validation_error")
    assert {p["column"] for p in e["problems"]} >= {"external_id", "modality"}
    _check(client.post("/api/v1/units", headers=mgr, content=b"{not json",
                       ), 422)
    _check(client.patch(f"/api/v1/units/{ids['KNH-CT-1']}", headers={**mgr, "If-Match": "x"},
                        json={}), 400, "parameter_error")
    _check(client.patch(f"/api/v1/units/{ids['KNH-CT-1']}", headers=mgr,
                        json={"version": 99}), 409, "conflict")
    _check(client.post("/api/v1/imports", headers=mgr, data={"kind": "xray", "country": "KEN"},
                       files={"file": ("a.csv", b"a,b\n", "text/csv")}), 400, "parameter_error")
    _check(client.get("/api/v1/imports/12345", headers=mgr), 404)
    _check(client.post("/api/v1/users", headers=mgr, json={}), 403, "permission_denied")
    _check(client.post("/api/v1/users", headers=bearer(tokens["admin"]), json={}), 422)
    _check(client.post("/api/v1/users", headers=bearer(tokens["admin"]), json={
        "username": "x", "password": "short", "role": "analyst"}), 400, "parameter_error")
    _check(client.post("/api/v1/users", headers=bearer(tokens["admin"]), json={
        "username": "manager", "password": "long enough", "role": "analyst"}), 409)
    _check(client.post("/api/v1/auth/login", json={"username": "admin", "password": "no"}),
           401, "not_authenticated")
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"username": "ghost", "password": "no"})
    _check(client.post("/api/v1/auth/login", json={"username": "ghost", "password": "no"}),
           429, "too_many_attempts")


def test_validation_problems_name_the_row(client, tokens):
    csv = b"unit_id,facility_id,modality,status\nA1,KNH,CT,functional\nA2,KNH,laser,broken\n"
    r = client.post("/api/v1/imports", headers=bearer(tokens["manager"]),
                    data={"kind": "inventory", "country": "KEN"},
                    files={"file": ("bad.csv", csv, "text/csv")})
    assert r.status_code == 201
    rep = r.json()["report"]
    assert r.json()["status"] == "rejected" and not rep["ok"]
    assert {(p["row"], p["column"]) for p in rep["problems"]} >= {(3, "modality"),
                                                                  (3, "status")}
    commit = client.post(f"/api/v1/imports/{r.json()['id']}/commit",
                         headers=bearer(tokens["manager"]))
    _check(commit, 409, "conflict")


def test_good_upload_commits(client, tokens, web):
    csv = b"unit_id,facility_id,modality,status\nNEW-US-1,KNH,US,functional\n"
    h = bearer(tokens["manager"])
    r = client.post("/api/v1/imports", headers=h, data={"kind": "inventory", "country": "KEN"},
                    files={"file": ("good.csv", csv, "text/csv")})
    assert r.json()["status"] == "validated", r.text
    c = client.post(f"/api/v1/imports/{r.json()['id']}/commit", headers=h)
    assert c.status_code == 200 and c.json()["report"]["inserted"] == 1
    units = client.get("/api/v1/units", headers=h, params={"modality": "US"}).json()["items"]
    assert any(u["external_id"] == "NEW-US-1" for u in units)
