"""Request context: who is asking (session cookie or bearer token), CSRF checks, paging and
CSV/JSON output shared by the API routers and the pages."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from imcap.errors import ParameterError, PermissionDenied
from imcap.store.db import Database
from imcap.web.auth import accounts
from imcap.web.auth.policy import ANONYMOUS, NotAuthenticated, Principal
from imcap.web.auth.principal_cache import PrincipalCache
from imcap.web.settings import Settings

SESSION_COOKIE = "imcap_session"
CSRF_COOKIE = "imcap_csrf"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def db_of(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


@contextmanager
def session(request: Request) -> Iterator[Session]:
    with db_of(request).session() as s:
        yield s


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_tls(request: Request) -> bool:
    return (request.url.scheme == "https"
            or request.headers.get("x-forwarded-proto", "").lower() == "https")


def csrf_token(request: Request) -> str:
    """HMAC of this browser's CSRF cookie (set by the middleware) under the secret key."""
    seed = getattr(request.state, "csrf_seed", "") or request.cookies.get(CSRF_COOKIE, "")
    key = settings_of(request).secret_key.encode()
    return hmac.new(key, seed.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not request.cookies.get(CSRF_COOKIE) or not sent or not hmac.compare_digest(
            sent, csrf_token(request)):
        raise PermissionDenied("missing or wrong CSRF token",
                               expected="the csrf_token of the form (or X-CSRF-Token header)",
                               got="no token" if not sent else "a token that does not match",
                               where="csrf")


def principals(request: Request) -> PrincipalCache:
    """This process's cache of credentials (:mod:`imcap.web.auth.principal_cache`)."""
    return request.app.state.principals  # type: ignore[no-any-return]


def forget_user(request: Request, user_id: int | None) -> None:
    """Call after a committed change to what ``user_id``'s tokens and sessions may do."""
    principals(request).forget_user(user_id)


async def principal(request: Request) -> Principal:
    """Who is asking. Bearer tokens first, then the session cookie, else anonymous. Looked up
    through :func:`principals` (a few seconds' in-process cache, keyed by the credential's
    sha256)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    auth = request.headers.get("authorization", "")
    p: Principal | None = None
    if auth.lower().startswith("bearer "):
        secret = auth[7:].strip()

        def by_token() -> Principal | None:
            with session(request) as s:
                return accounts.from_token(s, secret)

        p = principals(request).lookup(("token", accounts.digest(secret)), by_token)
    elif request.cookies.get(SESSION_COOKIE):
        cookie = request.cookies[SESSION_COOKIE]

        def by_session() -> Principal | None:
            with session(request) as s:
                return accounts.from_session(s, cookie)

        p = principals(request).lookup(("session", accounts.digest(cookie)), by_session)
        if p is not None and request.method in UNSAFE:
            await check_csrf(request)
    p = p or ANONYMOUS
    request.state.principal = p
    return p


async def reader(request: Request) -> Principal:
    """Anyone allowed to read published figures (public when enabled)."""
    p = await principal(request)
    if not p.signed_in and not settings_of(request).public_access:
        raise NotAuthenticated("sign in first", expected="a session cookie or a bearer token",
                               got="no credentials", where=request.url.path)
    return p


async def registry_reader(request: Request) -> Principal:
    """Facility-level data: any signed-in account except the public role."""
    p = await principal(request)
    if not p.signed_in:
        raise NotAuthenticated("sign in first", expected="a session cookie or a bearer token",
                               got="no credentials", where=request.url.path)
    if p.role == "public":
        raise PermissionDenied("the public role reads published figures only",
                               expected="a signed-in account with a registry role",
                               got=f"{p.username}: public", where=request.url.path)
    return p


async def signed_in(request: Request) -> Principal:
    p = await principal(request)
    if not p.signed_in:
        raise NotAuthenticated("sign in first", expected="a session cookie or a bearer token",
                               got="no credentials", where=request.url.path)
    return p


class Page:
    """Paging and output format of a list endpoint: ``?limit=&offset=&format=json|csv``."""

    def __init__(self, limit: int | None = None, offset: int = 0, format: str = "json") -> None:
        self.limit = limit
        self.offset = offset
        self.format = format


async def paging(limit: int | None = Query(None, ge=1, le=1000,
                                           description="rows per page (default 100)"),
                 offset: int = Query(0, ge=0, le=10_000_000, description="rows to skip"),
                 format: str = Query("json", pattern="^(json|csv)$",
                                     description="json or csv")) -> Page:
    """The paging dependency (async: a sync dependency would cost a threadpool hop)."""
    return Page(limit, offset, format)


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        return _clean(v.item())
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def jsonable(v: Any) -> Any:
    """Numpy scalars, dates and NaN made JSON-safe (NaN -> null)."""
    return _clean(v)


def listing(request: Request, rows: Sequence[dict[str, Any]], page: Page, total: int,
            columns: Sequence[str] | None = None) -> Response:
    """A page of rows as ``{"items", "total", "limit", "offset"}`` JSON, or as CSV."""
    if page.format == "csv" or "text/csv" in request.headers.get("accept", ""):
        cols = list(columns or (rows[0].keys() if rows else []))
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: ("" if r.get(c) is None else (json.dumps(r[c]) if isinstance(
                r[c], dict | list) else r[c])) for c in cols})
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"X-Total-Count": str(total)})
    return JSONResponse({"items": jsonable(list(rows)), "total": total,
                         "limit": page.limit, "offset": page.offset},
                        headers={"X-Total-Count": str(total)})


def page_limit(request: Request, page: Page) -> int:
    return page.limit or min(settings_of(request).page_size, 1000)


def expected_version(request: Request, body_version: int | None) -> int | None:
    """The version the editor saw: ``If-Match: "<entity>-<id>-v<version>"`` or the body."""
    tag = request.headers.get("if-match")
    if tag:
        try:
            return int(tag.strip().strip("W/").strip('"').rsplit("-v", 1)[1])
        except (IndexError, ValueError):
            raise ParameterError("bad If-Match header", expected='an ETag such as "unit-3-v2"',
                                 got=tag, where="If-Match") from None
    return body_version


def etag(entity: str, key: Any, version: int) -> str:
    return f'"{entity}-{key}-v{version}"'
