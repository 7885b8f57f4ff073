"""The data-entry and admin forms carry the version they were drawn with, so page edits work
under the If-Match/version precondition; a form without it is refused (428), a stale one gets
the conflict message (409), and neither writes anything."""

from __future__ import annotations

import re

from imcap.store.accounts import UserAccount
from imcap.store.schema import ImagingUnit


def _sign_in(client, username: str) -> str:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/login", json={"username": username,
                                                "password": "correct horse battery"})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


def _hidden(html: str, name: str) -> str:
    m = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert m, f"no hidden {name} field"
    return m.group(1)


def test_unit_edit_form_sends_version(client, web):
    db, ids = web
    uid = ids["KNH-CT-1"]
    csrf = _sign_in(client, "manager")
    page = client.get(f"/units/{uid}/edit", headers={"Accept": "text/html"})
    assert page.status_code == 200
    version = _hidden(page.text, "version")
    assert version == "1"
    form = {"csrf_token": csrf, "modality": "CT", "make": "Canon"}
    html = {"Accept": "text/html"}
    blind = client.post(f"/units/{uid}/edit", data=form, headers=html,
                        follow_redirects=False)
    assert blind.status_code == 428
    with db.session() as s:
        assert s.get(ImagingUnit, uid).make != "Canon" and s.get(ImagingUnit, uid).version == 1
    ok = client.post(f"/units/{uid}/edit", data={**form, "version": version}, headers=html,
                     follow_redirects=False)
    assert ok.status_code == 303, ok.text
    stale = client.post(f"/units/{uid}/edit", data={**form, "make": "GE", "version": version},
                        headers=html, follow_redirects=False)
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    with db.session() as s:
        u = s.get(ImagingUnit, uid)
        assert u.make == "Canon" and u.version == 2


def test_facility_status_form_sends_version(client, web):
    _, ids = web
    csrf = _sign_in(client, "manager")
    page = client.get(f"/facilities/{ids['KNH']}", headers={"Accept": "text/html"}).text
    assert re.search(r'action="/units/\d+/status".*?name="version" value="\d+"', page, re.S)
    uid = ids["KNH-CT-1"]
    form = {"csrf_token": csrf, "status": "partially_functional", "status_date": "2025-03-01"}
    assert client.post(f"/units/{uid}/status", data=form, follow_redirects=False
                       ).status_code == 428
    assert client.post(f"/units/{uid}/status", data={**form, "version": "1"},
                       follow_redirects=False).status_code == 303


def test_admin_user_form_sends_version(client, web):
    db, ids = web
    csrf = _sign_in(client, "admin")
    page = client.get("/admin/users", headers={"Accept": "text/html"}).text
    uid = ids["user:analyst"]
    row = re.search(rf'name="user_id" value="{uid}"><input type="hidden" name="version" '
                    r'value="(\d+)"', page)
    assert row, "the user form carries no version"
    form = {"csrf_token": csrf, "user_id": str(uid), "role": "public", "countries": "",
            "facilities": ""}
    assert client.post("/admin/users", data=form, follow_redirects=False).status_code == 428
    with db.session() as s:
        assert s.get(UserAccount, uid).role == "analyst"
    ok = client.post("/admin/users", data={**form, "version": row.group(1)},
                     follow_redirects=False)
    assert ok.status_code == 303, ok.text
    with db.session() as s:
        assert s.get(UserAccount, uid).role == "public"
