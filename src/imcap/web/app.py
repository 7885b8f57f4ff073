"""The app factory: ``create_app(db_url_or_Database, settings) -> FastAPI``.

Serves the REST API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``, Swagger UI at
``/api/docs`` from the installed ``fastapi-offline`` package), the server-rendered pages, and
static files: imcap's CSS/JS and plotly.js from the installed plotly package. Nothing is
fetched from the network.
"""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path
from typing import Any

import plotly
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import imcap
from imcap.store import accounts as _accounts  # noqa: F401  (tables on the shared metadata)
from imcap.store.db import Database
from imcap.web import errors
from imcap.web.api import admin, analysis, imports, registry
from imcap.web.auth.principal_cache import PrincipalCache
from imcap.web.cache import ViewCache
from imcap.web.deps import CSRF_COOKIE, csrf_token
from imcap.web.settings import Settings

API = "/api/v1"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self' 'unsafe-inline' 'unsafe-eval'; connect-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'")


def _templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(resources.files("imcap.web") / "templates"))
    t.env.globals["csrf_token"] = csrf_token
    t.env.filters["num"] = _num
    return t


def _num(v: Any, digits: int = 2) -> str:
    """Numbers for tables: blank for missing, thousands separators, a few significant digits."""
    if v is None or v == "":
        return "–"
    if isinstance(v, float | int):
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if isinstance(v, int) or float(v).is_integer():
            return f"{int(v)}"
        return f"{v:.{digits}f}"
    return str(v)


class SecurityHeaders:
    """Pure ASGI middleware (Starlette's ``@app.middleware("http")`` costs a task and a
    stream per request): gives each browser its CSRF seed cookie (``request.state.csrf_seed``)
    and adds nosniff, Referrer-Policy and the Content-Security-Policy to every response."""

    def __init__(self, app: ASGIApp, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seed = None
        tls = scope.get("scheme") == "https"
        for k, v in scope["headers"]:
            if k == b"cookie" and seed is None:
                seed = cookie_parser(v.decode("latin-1")).get(CSRF_COOKIE)
            elif k == b"x-forwarded-proto" and v.lower() == b"https":
                tls = True
        path: str = scope["path"]
        fresh = seed is None
        scope.setdefault("state", {})["csrf_seed"] = seed or secrets.token_urlsafe(24)
        extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
        if not path.startswith("/api/docs"):
            extra.append((b"content-security-policy", CSP.encode()))
        if fresh and not path.startswith("/static"):
            cookie = (f"{CSRF_COOKIE}={scope['state']['csrf_seed']}; HttpOnly; Path=/; "
                      "SameSite=strict" + ("; Secure" if self.secure_cookies or tls else ""))
            extra.append((b"set-cookie", cookie.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                have = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k == b"set-cookie" or k not in have]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db: str | Database | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the web app on a database (URL, path or :class:`Database`) and settings."""
    database = db if isinstance(db, Database) else Database(db)
    st = settings or Settings.from_env()
    app = FastAPIOffline(
        title="imcap API", version=getattr(imcap, "__version__", "0.1.0"),
        description="Medical imaging capacity: registry, indicators, benchmarks, imports, "
                    "scenarios and access results. Errors share one JSON shape: "
                    '`{"error": {"type", "message", "expected", "got", "where", "problems"}}`.',
        openapi_url=f"{API}/openapi.json", docs_url="/api/docs", redoc_url=None,
        static_url="/static/docs")
    app.state.db = database
    app.state.settings = st
    app.state.templates = _templates()
    app.state.templates.env.globals["site_name"] = st.site_name
    app.state.cache = ViewCache()
    app.state.principals = PrincipalCache(st.auth_cache_seconds)
    errors.install(app)

    app.add_middleware(SecurityHeaders, secure_cookies=st.secure_cookies)

    for r in (registry.router, analysis.router, imports.router, admin.router):
        app.include_router(r, prefix=API)

    static = resources.files("imcap.web") / "static"
    app.mount("/static/app", StaticFiles(directory=str(static)), name="static")

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    from imcap.web.pages import install as install_pages

    install_pages(app)
    return app
