"""The in-process credential cache: TTL, what is not cached, forgetting, and a look-up that
races a change."""

from __future__ import annotations

import pytest

from imcap.web.auth.policy import NotAuthenticated, Principal
from imcap.web.auth.principal_cache import PrincipalCache


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def loader(p: Principal | None, calls: list[int]):  # type: ignore[no-untyped-def]
    def load() -> Principal | None:
        calls.append(1)
        return p
    return load


ANA = Principal(3, "analyst", "analyst", via="token")
ED = Principal(4, "editor", "facility_editor", via="session")


def test_hits_within_ttl_then_asks_again():
    clock, calls = Clock(), []
    c = PrincipalCache(5, clock=clock)
    for _ in range(3):
        assert c.lookup(("token", "a"), loader(ANA, calls)) is ANA
    assert len(calls) == 1
    clock.t += 5.01
    assert c.lookup(("token", "a"), loader(ANA, calls)) is ANA
    assert len(calls) == 2


def test_failures_are_not_cached_and_zero_ttl_always_asks():
    calls: list[int] = []
    c = PrincipalCache(5, clock=Clock())
    assert c.lookup(("session", "x"), loader(None, calls)) is None
    assert c.lookup(("session", "x"), loader(None, calls)) is None
    assert len(calls) == 2 and len(c) == 0

    def bad() -> Principal:
        raise NotAuthenticated("invalid or revoked API token")

    with pytest.raises(NotAuthenticated):
        c.lookup(("token", "t"), bad)
    assert len(c) == 0
    off, calls = PrincipalCache(0), []
    off.lookup(("token", "a"), loader(ANA, calls))
    off.lookup(("token", "a"), loader(ANA, calls))
    assert len(calls) == 2 and len(off) == 0


def test_forget_user_and_key():
    calls: list[int] = []
    c = PrincipalCache(5, clock=Clock())
    c.lookup(("token", "a1"), loader(ANA, calls))
    c.lookup(("session", "a2"), loader(ANA, calls))
    c.lookup(("session", "e"), loader(ED, calls))
    c.forget_user(ANA.user_id)
    assert len(c) == 1
    c.lookup(("session", "e"), loader(ED, calls))
    assert len(calls) == 3  # the editor's session is still cached
    c.forget(("session", "e"))
    assert len(c) == 0
    c.lookup(("token", "a1"), loader(ANA, calls))
    c.forget_user(None)
    assert len(c) == 0


def test_lookup_racing_a_change_is_not_stored():
    c = PrincipalCache(5, clock=Clock())

    def load_then_revoked_elsewhere() -> Principal:
        c.forget_user(ANA.user_id)  # committed while this look-up read the old rows
        return ANA

    assert c.lookup(("token", "a"), load_then_revoked_elsewhere) is ANA
    assert len(c) == 0


def test_full_cache_drops_expired_entries_first():
    clock, calls = Clock(), []
    c = PrincipalCache(5, max_entries=2, clock=clock)
    c.lookup(("token", "old"), loader(ANA, calls))
    clock.t += 3
    c.lookup(("token", "new"), loader(ED, calls))
    clock.t += 3  # "old" expired, "new" not
    c.lookup(("token", "third"), loader(ED, calls))
    assert len(c) == 2
    c.lookup(("token", "new"), loader(ED, calls))
    assert len(calls) == 3
