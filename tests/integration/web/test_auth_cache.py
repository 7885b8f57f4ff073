"""Credentials are cached per process for ``auth_cache_seconds``, and a revoke, sign-out or role
change made through this process holds on the very next request (docs/web.md, Security notes).
The cache lifetime is set to an hour here, so that only invalidation can explain a refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import webfixture
from imcap.store.accounts import ApiToken
from imcap.web import Settings, create_app
from imcap.web.auth import accounts
from webfixture import PASSWORD, bearer


@pytest.fixture
def cached_client(web):  # type: ignore[no-untyped-def]
    db, _ = web
    app = create_app(db, Settings.from_env(environ={}, auth_cache_seconds=3600,
                                           **webfixture.FAST_ARGON))
    with webfixture.client_class()(app) as c:
        yield c, app


def _token_id(db, secret: str) -> int:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return s.scalars(select(ApiToken.id).where(ApiToken.prefix == secret[:12])).one()


def test_revoked_token_is_refused_at_once(cached_client, tokens, web):
    client, app = cached_client
    db, _ = web
    me = client.get("/api/v1/auth/me", headers=bearer(tokens["editor"]))
    assert me.status_code == 200 and me.json()["role"] == "facility_editor"
    assert len(app.state.principals) == 1
    # revoked by another process (imcap users revoke): honoured until the entry expires
    with db.session() as s:
        accounts.revoke_token(s, _token_id(db, tokens["editor"]), actor="cli", via="cli")
    assert client.get("/api/v1/auth/me", headers=bearer(tokens["editor"])).status_code == 200
    # revoked through this process: refused on the next request
    ana = bearer(tokens["analyst"])
    assert client.get("/api/v1/scenarios", headers=ana).status_code == 200
    gone = client.delete(f"/api/v1/tokens/{_token_id(db, tokens['analyst'])}",
                         headers=bearer(tokens["admin"]))
    assert gone.status_code == 204
    refused = client.get("/api/v1/scenarios", headers=ana)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["where"] == "Authorization header"


def test_role_change_holds_at_once(cached_client, tokens, web):
    client, _ = cached_client
    db, _ = web
    assert client.get("/api/v1/scenarios", headers=bearer(tokens["analyst"])).status_code == 200
    with db.session() as s:
        u = accounts.user_by_name(s, "analyst")
        uid, version = u.id, u.version
    r = client.patch(f"/api/v1/users/{uid}", headers=bearer(tokens["admin"]),
                     json={"role": "public", "version": version})
    assert r.status_code == 200, r.text
    me = client.get("/api/v1/auth/me", headers=bearer(tokens["analyst"])).json()
    assert me["role"] == "public"
    assert client.get("/api/v1/scenarios", headers=bearer(tokens["analyst"])).status_code == 403


def test_signed_out_session_is_refused_at_once(cached_client):
    client, cached_app = cached_client
    login = client.post("/api/v1/auth/login", json={"username": "analyst",
                                                    "password": PASSWORD})
    assert login.status_code == 200
    old = client.cookies.get("imcap_session")
    assert old and client.get("/api/v1/auth/me").json()["signed_in"] is True
    out = client.post("/api/v1/auth/logout",
                      headers={"X-CSRF-Token": login.json()["csrf_token"]})
    assert out.status_code == 204
    with webfixture.client_class()(cached_app) as replay:
        replay.cookies.set("imcap_session", old)
        assert replay.get("/api/v1/auth/me").json()["signed_in"] is False
