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
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline

import imcap
from imcap.store import accounts as _accounts  # noqa: F401  (tables on the shared metadata)
from imcap.store.db import Database
from imcap.web import errors
from imcap.web.api import admin, analysis, imports, registry
from imcap.web.cache import ViewCache
from imcap.web.deps import CSRF_COOKIE, csrf_token, is_tls
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
    errors.install(app)

    @app.middleware("http")
    async def csrf_cookie_and_headers(request: Request, call_next: Any) -> Response:
        seed = request.cookies.get(CSRF_COOKIE)
        fresh = seed is None
        request.state.csrf_seed = seed or secrets.token_urlsafe(24)
        response: Response = await call_next(request)
        if fresh and not request.url.path.startswith("/static"):
            response.set_cookie(CSRF_COOKIE, request.state.csrf_seed, httponly=True,
                                samesite="strict", path="/",
                                secure=st.secure_cookies or is_tls(request))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response

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
