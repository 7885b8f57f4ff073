"""One JSON error shape for every error response: ``{"error": {"type", "message", "expected",
"got", "where", "problems"}}`` (see :mod:`imcap.errors`). Pages get the same content as HTML.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from imcap.errors import UserError
from imcap.web.auth.policy import NotAuthenticated, TooManyAttempts

log = logging.getLogger("imcap.web")

HTTP_KINDS = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied",
              404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
              409: "conflict", 413: "too_large", 415: "unsupported_media_type",
              422: "validation_error", 428: "precondition_required", 429: "too_many_attempts"}


def shape(kind: str, message: str, *, expected: str | None = None, got: Any = None,
          where: str | None = None, problems: list[dict[str, Any]] | None = None
          ) -> dict[str, Any]:
    if not isinstance(got, str | int | float | bool | type(None)):
        got = repr(got)
    return {"error": {"type": kind, "message": message, "expected": expected, "got": got,
                      "where": where, "problems": problems or []}}


def wants_html(request: Request) -> bool:
    return (not request.url.path.startswith("/api/")
            and "text/html" in request.headers.get("accept", ""))


def _respond(request: Request, status: int, body: dict[str, Any],
             headers: dict[str, str] | None = None) -> Response:
    if wants_html(request):
        templates = request.app.state.templates
        return templates.TemplateResponse(request, "error.html",
                                          {"status": status, "error": body["error"]},
                                          status_code=status, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        if isinstance(exc, NotAuthenticated) and wants_html(request) and request.method == "GET":
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        headers = None
        if isinstance(exc, TooManyAttempts):
            headers = {"Retry-After": str(exc.retry_after)}
        return _respond(request, exc.status_code, {"error": exc.to_dict()}, headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for e in exc.errors():
            loc = [str(x) for x in e.get("loc", ())]
            got = e.get("input")
            problems.append({"file": loc[0] if loc else "request", "sheet": None, "row": None,
                             "column": ".".join(loc[1:]) or None,
                             "expected": e.get("msg", "a valid value"),
                             "got": got if isinstance(got, str | int | float | bool |
                                                      type(None)) else repr(got)[:200]})
        first = problems[0] if problems else {}
        return _respond(request, 422, shape(
            "validation_error", f"the request is not valid: {len(problems)} problem(s)",
            expected=first.get("expected"), got=first.get("got"),
            where=first.get("column") or first.get("file"), problems=problems))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = HTTP_KINDS.get(exc.status_code, "http_error")
        msg = exc.detail if isinstance(exc.detail, str) else kind.replace("_", " ")
        expected = None
        if exc.status_code == 404:
            expected = "an existing path (see /api/docs)"
        elif exc.status_code == 405:
            expected = exc.headers.get("Allow") if exc.headers else None
        return _respond(request, exc.status_code,
                        shape(kind, msg, expected=expected, got=f"{request.method} "
                              f"{request.url.path}", where="path"),
                        dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return _respond(request, 500, shape(
            "internal_error", "internal error (a bug in imcap); it was logged",
            where=request.url.path))
