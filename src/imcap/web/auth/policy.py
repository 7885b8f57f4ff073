"""Roles, scopes and who may write what.

================  ===========================================================================
role              may
================  ===========================================================================
admin             everything, including users, roles, tokens and the audit log
country_manager   write registry data, run imports and scenarios within assigned countries
facility_editor   write units, statuses, workforce and exams within assigned facilities
analyst           read everything, create and run scenarios
public            read published figures (countries, areas, indicators, benchmarks, profiles)
================  ===========================================================================

Visitors who are not signed in are treated as ``public`` when the ``public_access`` setting
is on, and refused (401) otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from imcap.errors import PermissionDenied, UserError

ROLES: tuple[str, ...] = ("admin", "country_manager", "facility_editor", "analyst", "public")
ROLE_HELP: dict[str, str] = {
    "admin": "everything, including users, roles, tokens and the audit log",
    "country_manager": "writes registry data, imports and scenarios within assigned countries",
    "facility_editor": "writes units, statuses, workforce and exams within assigned facilities",
    "analyst": "reads everything, creates and runs scenarios",
    "public": "reads published figures only",
}


class NotAuthenticated(UserError):
    """No valid session or token (HTTP 401)."""

    status_code = 401
    kind = "not_authenticated"


class TooManyAttempts(UserError):
    """Sign-in slowed down after repeated failures (HTTP 429); ``retry_after`` in seconds."""

    status_code = 429
    kind = "too_many_attempts"

    def __init__(self, retry_after: int, where: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__("too many failed sign-ins; wait before trying again",
                         expected=f"a new attempt after {retry_after} s", got="another attempt",
                         where=where)


@dataclass(frozen=True)
class Principal:
    """Who is making a request: a signed-in user, a token, or an anonymous visitor."""

    user_id: int | None
    username: str
    role: str
    countries: frozenset[str] = field(default_factory=frozenset)
    facilities: frozenset[int] = field(default_factory=frozenset)
    via: str = "anonymous"  # session | token | anonymous | cli

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_read_registry(self) -> bool:
        """Facility-level data (facilities, units, workforce, exams, imports, scenarios)."""
        return self.signed_in and self.role != "public"

    def can_write_country(self, iso3: str | None) -> bool:
        if self.role == "admin":
            return True
        return self.role == "country_manager" and iso3 is not None and iso3 in self.countries

    def can_write_facility(self, facility_id: int | None, country_iso3: str | None) -> bool:
        if self.can_write_country(country_iso3):
            return True
        return (self.role == "facility_editor" and facility_id is not None
                and facility_id in self.facilities)

    def can_run_scenarios(self, iso3: str | None) -> bool:
        return self.role in ("admin", "analyst") or self.can_write_country(iso3)


ANONYMOUS = Principal(None, "anonymous", "public")


def deny(what: str, principal: Principal, where: str | None = None) -> PermissionDenied:
    scope = ""
    if principal.role == "country_manager":
        scope = f" (countries: {', '.join(sorted(principal.countries)) or 'none'})"
    elif principal.role == "facility_editor":
        scope = f" (facilities: {', '.join(map(str, sorted(principal.facilities))) or 'none'})"
    if not principal.signed_in:
        return NotAuthenticated("sign in first", expected="a session cookie or a bearer token",
                                got="no credentials", where=where)
    return PermissionDenied(f"your account may not {what}",
                            expected="a role and scope that allow it",
                            got=f"{principal.username}: {principal.role}{scope}", where=where)


def require(ok: bool, what: str, principal: Principal, where: str | None = None) -> None:
    if not ok:
        raise deny(what, principal, where)
