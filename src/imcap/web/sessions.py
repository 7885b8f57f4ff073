"""Browser sessions: sign in (argon2 check, throttling, audit) and sign out; cookie flags."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from imcap.web.auth import accounts
from imcap.web.auth.audit import audit
from imcap.web.deps import SESSION_COOKIE, client_ip, is_tls, principals, session, settings_of


def cookie_flags(request: Request) -> dict[str, Any]:
    """HttpOnly, SameSite=Lax, Secure when the site is served over TLS."""
    return {"httponly": True, "samesite": "lax", "path": "/",
            "secure": settings_of(request).secure_cookies or is_tls(request)}


def sign_in(request: Request, response: Response, username: str, password: str
            ) -> dict[str, Any]:
    st = settings_of(request)
    with session(request) as s:
        try:
            u = accounts.authenticate(s, username, password, client_ip(request),
                                      free=st.login_free_attempts,
                                      ph=accounts.hasher(st.argon2_time_cost,
                                                         st.argon2_memory_kib))
        except Exception:
            s.commit()  # keep the failed attempt: it slows the next ones down
            raise
        cookie = accounts.open_session(s, u, st.session_hours)
        audit(s, u.username, "login", "session", u.username, via="web", ip=client_ip(request))
        info = {"username": u.username, "role": u.role}
    response.set_cookie(SESSION_COOKIE, cookie, max_age=st.session_hours * 3600,
                        **cookie_flags(request))
    return info


def sign_out(request: Request, response: Response) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with session(request) as s:
            p = accounts.from_session(s, cookie)
            accounts.close_session(s, cookie)
            if p is not None:
                audit(s, p.username, "logout", "session", p.username, via="web",
                      ip=client_ip(request))
        principals(request).forget(("session", accounts.digest(cookie)))
    response.delete_cookie(SESSION_COOKIE, path="/")
