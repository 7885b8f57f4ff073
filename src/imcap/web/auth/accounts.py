"""Users, scopes, API tokens, sessions and sign-in with throttling.

Passwords are hashed with argon2id (argon2-cffi). Tokens and session ids are 32 random bytes
(``secrets.token_urlsafe``); only their sha256 is stored, so a leaked database does not leak
credentials. Failed sign-ins slow the next ones down: after ``free`` failures for one user name
within 15 minutes, each new attempt must wait 2^(failures - free) seconds after the last
failure (at most 15 minutes); an attempt made too early is refused with HTTP 429 and not even
checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from imcap.errors import ConflictError, NotFoundError, ParameterError
from imcap.store.accounts import ApiToken, LoginAttempt, UserAccount, UserScope, WebSession
from imcap.store.schema import Country, Facility
from imcap.web.auth.audit import audit, now
from imcap.web.auth.policy import ROLES, NotAuthenticated, Principal, TooManyAttempts

WINDOW = dt.timedelta(minutes=15)
MAX_WAIT_S = 900
TOKEN_PREFIX = "imcap_"


def hasher(time_cost: int = 3, memory_kib: int = 65536) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ParameterError("unknown role", expected=" | ".join(ROLES), got=role, where="role")
    return role


def user_by_name(s: Session, username: str) -> UserAccount:
    u = s.scalars(select(UserAccount).where(UserAccount.username == username)).first()
    if u is None:
        raise NotFoundError("no such user", expected="an existing user name", got=username,
                            where="user")
    return u


def user_dict(s: Session, u: UserAccount) -> dict[str, Any]:
    scopes = s.scalars(select(UserScope).where(UserScope.user_id == u.id)).all()
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
            "active": u.active, "version": u.version,
            "countries": sorted(x.country_iso3 for x in scopes if x.country_iso3),
            "facilities": sorted(x.facility_id for x in scopes if x.facility_id is not None)}


def _set_scopes(s: Session, u: UserAccount, countries: list[str] | None,
                facilities: list[int] | None) -> None:
    if countries is None and facilities is None:
        return
    s.execute(delete(UserScope).where(UserScope.user_id == u.id))
    for iso3 in countries or []:
        if s.get(Country, iso3.upper()) is None:
            raise NotFoundError("no such country", expected="an ISO3 code of a known country",
                                got=iso3, where="countries")
        s.add(UserScope(user_id=u.id, country_iso3=iso3.upper()))
    for fid in facilities or []:
        if s.get(Facility, int(fid)) is None:
            raise NotFoundError("no such facility", expected="an existing facility id",
                                got=fid, where="facilities")
        s.add(UserScope(user_id=u.id, facility_id=int(fid)))
    s.flush()


def create_user(s: Session, username: str, password: str, role: str, *, actor: str,
                countries: list[str] | None = None, facilities: list[int] | None = None,
                display_name: str | None = None, ph: PasswordHasher | None = None,
                via: str = "web") -> UserAccount:
    check_role(role)
    username = username.strip()
    if not username or len(username) > 100 or not username.replace("_", "").replace(
            ".", "").replace("-", "").replace("@", "").isalnum():
        raise ParameterError("bad user name",
                             expected="1-100 letters, digits, '.', '_', '-' or '@'",
                             got=username, where="username")
    if len(password) < 8:
        raise ParameterError("password too short", expected="at least 8 characters",
                             got=f"{len(password)} characters", where="password")
    if s.scalars(select(UserAccount).where(UserAccount.username == username)).first():
        raise ConflictError("user name already taken", expected="a new user name",
                            got=username, where="username")
    u = UserAccount(username=username, password_hash=(ph or hasher()).hash(password),
                    role=role, display_name=display_name, active=True, version=1)
    s.add(u)
    s.flush()
    _set_scopes(s, u, countries, facilities)
    audit(s, actor, "create", "user_account", u.username, None, user_dict(s, u), via=via)
    return u


def update_user(s: Session, u: UserAccount, *, actor: str, role: str | None = None,
                countries: list[str] | None = None, facilities: list[int] | None = None,
                active: bool | None = None, password: str | None = None,
                expected_version: int | None = None, ph: PasswordHasher | None = None,
                via: str = "web") -> UserAccount:
    if expected_version is not None and expected_version != u.version:
        raise ConflictError("the user was changed by someone else since you loaded it",
                            expected=f"version {expected_version}", got=f"version {u.version}",
                            where=f"user {u.username}")
    before = user_dict(s, u)
    if role is not None:
        u.role = check_role(role)
    if active is not None:
        u.active = active
    if password is not None:
        if len(password) < 8:
            raise ParameterError("password too short", expected="at least 8 characters",
                                 got=f"{len(password)} characters", where="password")
        u.password_hash = (ph or hasher()).hash(password)
    _set_scopes(s, u, countries, facilities)
    u.version += 1
    s.flush()
    audit(s, actor, "update", "user_account", u.username, before, user_dict(s, u), via=via)
    return u


def issue_token(s: Session, u: UserAccount, name: str, *, actor: str,
                via: str = "web") -> tuple[ApiToken, str]:
    """Create a token; returns the row and the secret (shown once, never stored)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    t = ApiToken(user_id=u.id, name=name[:100] or "token", token_hash=digest(secret),
                 prefix=secret[:12], created_at=now())
    s.add(t)
    s.flush()
    audit(s, actor, "create", "api_token", t.id, None,
          {"user": u.username, "name": t.name, "prefix": t.prefix}, via=via)
    return t, secret


def revoke_token(s: Session, token_id: int, *, actor: str, via: str = "web") -> ApiToken:
    t = s.get(ApiToken, token_id)
    if t is None:
        raise NotFoundError("no such token", expected="an existing token id", got=token_id,
                            where="token")
    if t.revoked_at is None:
        t.revoked_at = now()
        s.flush()
        audit(s, actor, "revoke", "api_token", t.id, {"revoked_at": None},
              {"revoked_at": t.revoked_at}, via=via)
    return t


def principal_for(s: Session, u: UserAccount, via: str) -> Principal:
    scopes = s.scalars(select(UserScope).where(UserScope.user_id == u.id)).all()
    return Principal(u.id, u.username, u.role,
                     frozenset(x.country_iso3 for x in scopes if x.country_iso3),
                     frozenset(x.facility_id for x in scopes if x.facility_id is not None), via)


def from_token(s: Session, secret: str) -> Principal:
    t = s.scalars(select(ApiToken).where(ApiToken.token_hash == digest(secret))).first()
    u = s.get(UserAccount, t.user_id) if t is not None else None
    if t is None or t.revoked_at is not None or u is None or not u.active:
        raise NotAuthenticated("invalid or revoked API token",
                               expected="a valid token (imcap users token)",
                               got=secret[:12] + "...", where="Authorization header")
    return principal_for(s, u, "token")


def from_session(s: Session, cookie: str) -> Principal | None:
    ws = s.get(WebSession, digest(cookie))
    if ws is None or ws.expires_at < now():
        return None
    u = s.get(UserAccount, ws.user_id)
    if u is None or not u.active:
        return None
    return principal_for(s, u, "session")


def _wait_needed(s: Session, username: str, free: int) -> int:
    since = now() - WINDOW
    last_ok = s.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(True)))
    if last_ok is not None and last_ok > since:
        since = last_ok
    fails = s.execute(select(func.count(), func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.success.is_(False),
        LoginAttempt.at > since)).one()
    n, last = int(fails[0]), fails[1]
    if n < free or last is None:
        return 0
    wait = min(MAX_WAIT_S, 2 ** (n - free))
    left = (last + dt.timedelta(seconds=wait) - now()).total_seconds()
    return max(0, int(left + 0.999))


def authenticate(s: Session, username: str, password: str, ip: str, *, free: int = 5,
                 ph: PasswordHasher | None = None) -> UserAccount:
    """Check a password; records the attempt; raises TooManyAttempts or NotAuthenticated."""
    username = username.strip()[:100]
    wait = _wait_needed(s, username, free)
    if wait > 0:
        raise TooManyAttempts(wait, where="sign-in")
    u = s.scalars(select(UserAccount).where(UserAccount.username == username)).first()
    ok = False
    if u is not None and u.active:
        try:
            ok = (ph or hasher()).verify(u.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    s.add(LoginAttempt(username=username, ip=ip[:64], at=now(), success=ok))
    s.flush()
    if not ok or u is None:
        raise NotAuthenticated("wrong user name or password",
                               expected="the user name and password of an active account",
                               got=username, where="sign-in")
    return u


def open_session(s: Session, u: UserAccount, hours: int) -> str:
    cookie = secrets.token_urlsafe(32)
    t = now()
    s.add(WebSession(id=digest(cookie), user_id=u.id, created_at=t,
                     expires_at=t + dt.timedelta(hours=hours)))
    s.execute(delete(WebSession).where(WebSession.expires_at < t))
    s.flush()
    return cookie


def close_session(s: Session, cookie: str) -> None:
    s.execute(delete(WebSession).where(WebSession.id == digest(cookie)))
