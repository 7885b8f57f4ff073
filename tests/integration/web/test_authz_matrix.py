"""Every write route x every role, inside and outside the role's scope; every allowed write
leaves an audit entry by that user, every refused one leaves none."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from imcap.store.accounts import AuditEntry
from imcap.store.repo import row_dict as repo_row
from imcap.store.schema import Facility, ImagingUnit
from webfixture import bearer

ROLES = ("admin", "manager", "editor", "analyst", "reader", None)  # None: not signed in
_n = itertools.count()

INVENTORY = "unit_id,facility_id,modality,status\n{uid},{fac},CT,functional\n"
INVENTORY_C = ("unit_id,facility_id,modality,status,country\n{uid}A,KNH,CT,functional,KEN\n"
               "{uid},{fac},CT,functional,{iso}\n")


def routes(ids: dict[str, int]) -> list[tuple[str, str, Callable[[bool], dict[str, Any]],
                                               set[str], set[str]]]:
    """(name, method path, request kwargs for in/out of scope, roles allowed inside,
    roles allowed outside)."""
    def fac(inside: bool) -> int:
        return ids["KNH"] if inside else ids["QECH"]

    def unit(inside: bool) -> int:
        return ids["KNH-CT-1"] if inside else ids["QECH-CT-1"]

    def country(inside: bool) -> str:
        return "KEN" if inside else "MWI"

    return [
        ("create facility", "POST /api/v1/facilities", lambda i: {"json": {
            "external_id": f"F{next(_n)}", "name": "Clinic", "country": country(i)}},
         {"admin", "manager"}, {"admin"}),
        ("edit facility", "PATCH /api/v1/facilities/{fac}", lambda i: {"json": {
            "name": f"Renamed {next(_n)}"}}, {"admin", "manager"}, {"admin"}),
        ("add unit", "POST /api/v1/units", lambda i: {"json": {
            "facility_id": fac(i), "external_id": f"U{next(_n)}", "modality": "CT"}},
         {"admin", "manager", "editor"}, {"admin"}),
        ("edit unit", "PATCH /api/v1/units/{unit}", lambda i: {"json": {
            "make": f"Make {next(_n)}"}}, {"admin", "manager", "editor"}, {"admin"}),
        ("change status", "POST /api/v1/units/{unit}/status", lambda i: {"json": {
            "status": ["functional", "partially_functional"][next(_n) % 2]}},
         {"admin", "manager", "editor"}, {"admin"}),
        ("workforce", "POST /api/v1/workforce", lambda i: {"json": {
            "country": country(i), "facility_id": fac(i), "cadre": "RADIOGRAPHER",
            "year": 2024, "count": next(_n)}}, {"admin", "manager", "editor"}, {"admin"}),
        ("exams", "POST /api/v1/exam-volumes", lambda i: {"json": {
            "country": country(i), "unit_id": unit(i), "modality": "CT", "year": 2024,
            "exams": 1000 + next(_n)}}, {"admin", "manager", "editor"}, {"admin"}),
        ("country exams", "POST /api/v1/exam-volumes", lambda i: {"json": {
            "country": country(i), "modality": "MRI", "year": 2023, "exams": next(_n)}},
         {"admin", "manager"}, {"admin"}),
        ("scenario", "POST /api/v1/scenarios", lambda i: {"json": {
            "name": f"S{next(_n)}", "country": country(i), "inputs": {}}},
         {"admin", "analyst", "manager"}, {"admin", "analyst"}),
        ("upload", "POST /api/v1/imports", lambda i: {
            "data": {"kind": "inventory", "country": country(i)},
            "files": {"file": ("units.csv", INVENTORY.format(
                uid=f"UP{next(_n)}", fac="KNH" if i else "QECH").encode(), "text/csv")}},
         {"admin", "manager"}, {"admin"}),
        ("upload rows of another country", "POST /api/v1/imports", lambda i: {
            "data": {"kind": "inventory", "country": "KEN"},
            "files": {"file": ("units.csv", INVENTORY_C.format(
                uid=f"UP{next(_n)}", fac="KNH" if i else "QECH",
                iso="KEN" if i else "MWI").encode(), "text/csv")}},
         {"admin", "manager"}, {"admin"}),
        ("add user", "POST /api/v1/users", lambda i: {"json": {
            "username": f"user{next(_n)}", "password": "long enough pw", "role": "analyst"}},
         {"admin"}, {"admin"}),
        ("issue token", "POST /api/v1/users/{analyst}/tokens", lambda i: {"json": {}},
         {"admin"}, {"admin"}),
    ]


# updates of versioned records must name the version seen (If-Match); see test_precondition
VERSIONED = {"edit facility": (Facility, "facility", "fac"),
             "edit unit": (ImagingUnit, "unit", "unit"),
             "change status": (ImagingUnit, "unit", "unit")}


def _if_match(db: Any, name: str, ids: dict[str, int], inside: bool) -> dict[str, str]:
    """The current ETag of the record a versioned route updates (empty for other routes)."""
    if name not in VERSIONED:
        return {}
    model, entity, key = VERSIONED[name]
    rid = (ids["KNH"] if inside else ids["QECH"]) if key == "fac" else (
        ids["KNH-CT-1"] if inside else ids["QECH-CT-1"])
    with db.session() as s:
        version = s.get(model, rid).version
    return {"If-Match": f'"{entity}-{rid}-v{version}"'}


def _audit_count(db: Any, actor: str) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.actor == actor)) or 0)


@pytest.mark.parametrize("route", range(13))
def test_write_route_by_role_and_scope(route, client, tokens, web):
    db, ids = web
    name, spec, make, allowed_in, allowed_out = routes(ids)[route]
    method, template = spec.split(" ")
    for inside in (True, False):
        path = template.format(fac=ids["KNH"] if inside else ids["QECH"],
                               unit=ids["KNH-CT-1"] if inside else ids["QECH-CT-1"],
                               analyst=ids["user:analyst"])
        allowed = allowed_in if inside else allowed_out
        for role in ROLES:
            headers = {**(bearer(tokens[role]) if role else {}),
                       **_if_match(db, name, ids, inside)}
            actor = {"manager": "manager", "editor": "editor"}.get(role or "", role or "")
            before = _audit_count(db, actor) if role else 0
            r = client.request(method, path, headers=headers, **make(inside))
            where = f"{name} {'inside' if inside else 'outside'} scope as {role}"
            if role in allowed:
                assert r.status_code in (200, 201), f"{where}: {r.status_code} {r.text}"
                assert _audit_count(db, actor) == before + 1, f"{where}: no audit entry"
            else:
                want = 401 if role is None else 403
                assert r.status_code == want, f"{where}: {r.status_code} {r.text}"
                assert r.json()["error"]["type"] in ("permission_denied", "not_authenticated")
                if role:
                    assert _audit_count(db, actor) == before, f"{where}: audited a refusal"


def test_audit_entry_content_and_admin_only(client, tokens, web):
    _, ids = web
    h = bearer(tokens["editor"])
    r = client.post(f"/api/v1/units/{ids['KNH-MR-1']}/status", headers=h,
                    json={"status": "non_functional_repairable", "status_date": "2025-02-01",
                          "version": 1})
    assert r.status_code == 200
    log = client.get("/api/v1/audit", params={"entity": "imaging_unit"},
                     headers=bearer(tokens["admin"])).json()["items"]
    e = log[0]
    assert e["actor"] == "editor" and e["action"] == "status" and e["via"] == "api"
    assert e["before"]["status"] == "functional"
    assert e["after"]["status"] == "non_functional_repairable" and e["at"]
    for role in ("manager", "editor", "analyst", "reader"):
        assert client.get("/api/v1/audit", headers=bearer(tokens[role])).status_code == 403


def test_manager_upload_naming_another_country_writes_nothing(client, tokens, web):
    db, _ = web
    from imcap.store.accounts import PendingUpload
    from imcap.store.schema import ImagingUnit

    with db.session() as s:
        units = s.scalar(select(func.count()).select_from(ImagingUnit))
    r = client.post("/api/v1/imports", headers=bearer(tokens["manager"]),
                    data={"kind": "inventory", "country": "KEN"},
                    files={"file": ("units.csv", INVENTORY_C.format(
                        uid="X1", fac="QECH", iso="MWI").encode(), "text/csv")})
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert set(err) == {"type", "message", "expected", "got", "where", "problems"}
    assert err["type"] == "permission_denied" and err["where"] == "country"
    assert "1 row(s)" in err["message"] and "KEN" in err["expected"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PendingUpload)) == 0
        assert s.scalar(select(func.count()).select_from(ImagingUnit)) == units


@pytest.mark.parametrize("name", sorted(VERSIONED))
def test_versioned_update_without_precondition_is_428_and_writes_nothing(name, client, tokens,
                                                                         web):
    """No If-Match and no version: 428 for every role allowed to write, nothing written or
    audited; roles not allowed still get 403 (permission is checked first)."""
    db, ids = web
    spec, make, allowed = next((spec, make, allowed) for n, spec, make, allowed, _
                               in routes(ids) if n == name)
    method, template = spec.split(" ")
    path = template.format(fac=ids["KNH"], unit=ids["KNH-CT-1"])
    model, _, key = VERSIONED[name]
    rid = ids["KNH"] if key == "fac" else ids["KNH-CT-1"]
    with db.session() as s:
        before = repo_row(s.get(model, rid))
    for role in sorted(allowed):
        n = _audit_count(db, role)
        r = client.request(method, path, headers=bearer(tokens[role]), **make(True))
        assert r.status_code == 428, f"{name} as {role}: {r.status_code} {r.text}"
        err = r.json()["error"]
        assert set(err) == {"type", "message", "expected", "got", "where", "problems"}
        assert err["type"] == "precondition_required" and err["got"] == "none"
        assert err["expected"] == "If-Match: <ETag> or a version field"
        assert _audit_count(db, role) == n
    r = client.request(method, path, headers=bearer(tokens["analyst"]), **make(True))
    assert r.status_code == 403
    with db.session() as s:
        assert repo_row(s.get(model, rid)) == before


def test_user_and_scenario_updates_need_a_precondition(client, tokens, web):
    _, ids = web
    admin = bearer(tokens["admin"])
    uid = ids["user:analyst"]
    r = client.patch(f"/api/v1/users/{uid}", headers=admin, json={"role": "public"})
    assert r.status_code == 428 and r.json()["error"]["type"] == "precondition_required"
    users = client.get("/api/v1/users", headers=admin).json()["items"]
    me = next(u for u in users if u["id"] == uid)
    assert me["role"] == "analyst"
    ok = client.patch(f"/api/v1/users/{uid}", headers=admin,
                      json={"role": "analyst", "version": me["version"]})
    assert ok.status_code == 200, ok.text
    stale = client.patch(f"/api/v1/users/{uid}", headers=admin,
                         json={"role": "public", "version": me["version"]})
    assert stale.status_code == 409
    a = bearer(tokens["analyst"])
    sc = client.post("/api/v1/scenarios", headers=a, json={"name": "P", "inputs": {}})
    assert sc.status_code == 201
    blind = client.patch(f"/api/v1/scenarios/{sc.json()['id']}", headers=a, json={"name": "Q"})
    assert blind.status_code == 428 and blind.json()["error"]["got"] == "none"
    assert client.get(f"/api/v1/scenarios/{sc.json()['id']}", headers=a).json()["name"] == "P"
