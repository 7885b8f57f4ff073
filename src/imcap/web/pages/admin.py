"""Sign in and out; admin pages: users and roles, tokens, the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from imcap.errors import UserError
from imcap.store.accounts import ApiToken, AuditEntry, UserAccount
from imcap.web.api.admin import admin
from imcap.web.auth import accounts
from imcap.web.auth.audit import entry_dict
from imcap.web.auth.policy import ROLE_HELP, ROLES, NotAuthenticated, Principal
from imcap.web.deps import check_csrf, forget_user, principal, session, settings_of
from imcap.web.editing import require_version
from imcap.web.pages.public import render
from imcap.web.sessions import sign_in, sign_out

router = APIRouter()


def _safe_next(nxt: str | None) -> str:
    return nxt if nxt and nxt.startswith("/") and not nxt.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = Query(None, max_length=300)
                     ) -> Response:
    await principal(request)
    return render(request, "login.html", {"next": _safe_next(next), "message": None})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    await check_csrf(request)
    form = await request.form()
    nxt = _safe_next(str(form.get("next") or "/"))
    resp = RedirectResponse(nxt, status_code=303)
    try:
        sign_in(request, resp, str(form.get("username") or ""), str(form.get("password") or ""))
    except NotAuthenticated as e:
        return render(request, "login.html", {"next": nxt, "message": e.message}, 401)
    except UserError as e:
        return render(request, "login.html", {"next": nxt, "message": str(e)}, e.status_code)
    return resp


@router.post("/logout")
async def logout(request: Request) -> Response:
    await check_csrf(request)
    resp = RedirectResponse("/", status_code=303)
    sign_out(request, resp)
    return resp


@router.get("/admin/users", response_class=HTMLResponse)
async def users(request: Request, p: Principal = Depends(admin)) -> Response:
    with session(request) as s:
        rows = [accounts.user_dict(s, u) for u in s.scalars(select(UserAccount)
                                                             .order_by(UserAccount.id))]
        tokens = list(s.scalars(select(ApiToken).order_by(ApiToken.id)))
        names = {u["id"]: u["username"] for u in rows}
        toks = [{"id": t.id, "user": names.get(t.user_id), "name": t.name, "prefix": t.prefix,
                 "created_at": t.created_at, "revoked_at": t.revoked_at} for t in tokens]
    return render(request, "admin_users.html", {"users": rows, "roles": ROLES,
                                                "role_help": ROLE_HELP, "tokens": toks,
                                                "new_token": None})


@router.post("/admin/users", response_class=HTMLResponse)
async def save_user(request: Request, p: Principal = Depends(admin)) -> Response:
    form = await request.form()
    st = settings_of(request)
    ph = accounts.hasher(st.argon2_time_cost, st.argon2_memory_kib)
    countries = [c.strip() for c in str(form.get("countries") or "").split(",") if c.strip()]
    facilities = [int(x) for x in str(form.get("facilities") or "").split(",")
                  if x.strip().isdigit()]
    with session(request) as s:
        uid = str(form.get("user_id") or "")
        if uid:
            u = s.get(UserAccount, int(uid))
            if u is not None:
                raw = str(form.get("version") or "").strip()
                version = require_version(int(raw) if raw.isdigit() else None, f"user {uid}")
                accounts.update_user(s, u, actor=p.username, role=str(form.get("role")),
                                     countries=countries, facilities=facilities, ph=ph,
                                     expected_version=version)
        else:
            accounts.create_user(s, str(form.get("username") or ""),
                                 str(form.get("password") or ""), str(form.get("role")),
                                 actor=p.username, countries=countries, facilities=facilities,
                                 ph=ph)
    if uid:
        forget_user(request, int(uid))
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
async def audit_page(request: Request, p: Principal = Depends(admin),
                     entity: str | None = Query(None, max_length=50),
                     offset: int = Query(0, ge=0)) -> Response:
    with session(request) as s:
        stmt = select(AuditEntry)
        if entity:
            stmt = stmt.where(AuditEntry.entity == entity)
        rows = [entry_dict(e) for e in s.scalars(stmt.order_by(AuditEntry.id.desc())
                                                  .limit(100).offset(offset))]
    for r in rows:
        b, a = r["before"] or {}, r["after"] or {}
        r["changed"] = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return render(request, "audit.html", {"rows": rows, "entity": entity or "",
                                          "offset": offset})
