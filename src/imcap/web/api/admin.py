"""Accounts: sign-in, users and roles, API tokens, the audit log (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select

from imcap.store.accounts import ApiToken, AuditEntry, UserAccount
from imcap.web.api.models import LoginIn, TokenIn, UserIn, UserPatch
from imcap.web.auth import accounts
from imcap.web.auth.audit import entry_dict
from imcap.web.auth.policy import ROLE_HELP, Principal, require
from imcap.web.deps import (
    Page,
    client_ip,
    csrf_token,
    expected_version,
    forget_user,
    listing,
    page_limit,
    paging,
    principal,
    session,
    settings_of,
    signed_in,
)
from imcap.web.editing import require_version
from imcap.web.sessions import sign_in, sign_out

router = APIRouter()


def _hasher(request: Request):  # type: ignore[no-untyped-def]
    st = settings_of(request)
    return accounts.hasher(st.argon2_time_cost, st.argon2_memory_kib)


async def admin(request: Request) -> Principal:
    p = await signed_in(request)
    require(p.is_admin, "manage users, tokens or read the audit log", p, request.url.path)
    return p


@router.post("/auth/login", tags=["auth"], summary="Sign in; sets the session cookie")
def login(request: Request, body: LoginIn, response: Response):
    user = sign_in(request, response, body.username, body.password)
    return {"username": user["username"], "role": user["role"],
            "csrf_token": csrf_token(request)}


@router.post("/auth/logout", tags=["auth"], summary="Sign out")
def logout(request: Request):
    resp = Response(status_code=204)
    sign_out(request, resp)
    return resp


@router.get("/auth/me", tags=["auth"], summary="Who am I")
async def me(request: Request):
    p = await principal(request)
    return {"username": p.username, "role": p.role, "signed_in": p.signed_in,
            "countries": sorted(p.countries), "facilities": sorted(p.facilities), "via": p.via}


@router.get("/roles", tags=["auth"], summary="Roles and what they may do")
def roles():
    return [{"role": r, "may": h} for r, h in ROLE_HELP.items()]


@router.get("/users", tags=["admin"], summary="List users")
def list_users(request: Request, page: Page = Depends(paging), _p: Principal = Depends(admin)):
    with session(request) as s:
        stmt = select(UserAccount).order_by(UserAccount.id)
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = s.scalars(stmt.limit(page_limit(request, page)).offset(page.offset))
        return listing(request, [accounts.user_dict(s, u) for u in rows], page, int(total or 0))


@router.post("/users", tags=["admin"], status_code=201, summary="Add a user")
def create_user(request: Request, body: UserIn, p: Principal = Depends(admin)):
    with session(request) as s:
        u = accounts.create_user(s, body.username, body.password, body.role, actor=p.username,
                                 countries=body.countries, facilities=body.facilities,
                                 display_name=body.display_name, ph=_hasher(request), via="api")
        return JSONResponse(accounts.user_dict(s, u), status_code=201)


@router.patch("/users/{user_id}", tags=["admin"], summary="Change role, scope, password")
def update_user(request: Request, body: UserPatch, user_id: int = Path(..., ge=1, le=2**31 - 1),
                p: Principal = Depends(admin)):
    with session(request) as s:
        u = s.get(UserAccount, user_id)
        if u is None:
            from imcap.errors import NotFoundError
            raise NotFoundError("no such user", expected="an existing user id", got=user_id,
                                where="user")
        accounts.update_user(s, u, actor=p.username, role=body.role, countries=body.countries,
                             facilities=body.facilities, active=body.active,
                             password=body.password,
                             expected_version=require_version(
                                 expected_version(request, body.version), f"user {user_id}"),
                             ph=_hasher(request), via="api")
        out = accounts.user_dict(s, u)
    forget_user(request, user_id)
    return out


@router.post("/users/{user_id}/tokens", tags=["admin"], status_code=201,
             summary="Issue an API token (the secret is shown once)")
def issue_token(request: Request, body: TokenIn, user_id: int = Path(..., ge=1, le=2**31 - 1),
                p: Principal = Depends(admin)):
    with session(request) as s:
        u = s.get(UserAccount, user_id)
        if u is None:
            from imcap.errors import NotFoundError
            raise NotFoundError("no such user", expected="an existing user id", got=user_id,
                                where="user")
        t, secret = accounts.issue_token(s, u, body.name, actor=p.username, via="api")
        return JSONResponse({"id": t.id, "name": t.name, "token": secret}, status_code=201)


@router.get("/tokens", tags=["admin"], summary="List API tokens")
def list_tokens(request: Request, page: Page = Depends(paging), _p: Principal = Depends(admin)):
    with session(request) as s:
        stmt = select(ApiToken, UserAccount.username).join(
            UserAccount, ApiToken.user_id == UserAccount.id).order_by(ApiToken.id)
        total = s.scalar(select(func.count()).select_from(ApiToken))
        rows = [{"id": t.id, "user": name, "name": t.name, "prefix": t.prefix,
                 "created_at": t.created_at, "revoked_at": t.revoked_at,
                 "last_used_at": t.last_used_at}
                for t, name in s.execute(stmt.limit(page_limit(request, page))
                                         .offset(page.offset))]
        return listing(request, rows, page, int(total or 0))


@router.delete("/tokens/{token_id}", tags=["admin"], status_code=204,
               summary="Revoke an API token")
def revoke_token(request: Request, token_id: int = Path(..., ge=1, le=2**31 - 1),
                 p: Principal = Depends(admin)):
    with session(request) as s:
        owner = accounts.revoke_token(s, token_id, actor=p.username, via="api").user_id
    forget_user(request, owner)
    return Response(status_code=204)


@router.get("/audit", tags=["admin"], summary="The audit log (newest first)")
def audit_log(request: Request, page: Page = Depends(paging), _p: Principal = Depends(admin),
              entity: str | None = Query(None, max_length=50),
              actor: str | None = Query(None, max_length=100)):
    with session(request) as s:
        stmt = select(AuditEntry)
        if entity:
            stmt = stmt.where(AuditEntry.entity == entity)
        if actor:
            stmt = stmt.where(AuditEntry.actor == actor)
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = s.scalars(stmt.order_by(AuditEntry.id.desc())
                         .limit(page_limit(request, page)).offset(page.offset))
        return listing(request, [entry_dict(e) for e in rows], page, int(total or 0),
                       ["id", "at", "actor", "action", "entity", "entity_key", "via", "ip",
                        "before", "after"])


_ = client_ip
