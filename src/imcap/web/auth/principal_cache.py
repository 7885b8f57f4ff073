"""A small in-process cache of who a credential belongs to, so that an authenticated request
does not look its token or session up in the database every time.

Keys are ``("token", sha256(secret))`` and ``("session", sha256(cookie))`` (the digests the
database stores; the secrets themselves are never kept). Only successful look-ups are cached,
each for ``ttl_s`` seconds (the ``auth_cache_seconds`` setting, 5 s by default; 0 turns the
cache off). Anything that changes what a credential may do in *this* process (token revoked,
sign-out, role, scope or active flag changed) calls :meth:`PrincipalCache.forget_user` or
:meth:`PrincipalCache.forget` after its transaction commits, so the change holds at once
here; other processes (other workers, ``imcap users revoke``) see it within ``ttl_s``.

A look-up that was already under way when an entry was forgotten is not stored (the cache's
generation moved on while it ran), so a read of the old rows cannot be cached after the
change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from imcap.web.auth.policy import Principal

Key = tuple[str, str]


class PrincipalCache:
    """Thread-safe TTL cache ``key -> Principal`` (monotonic clock, seconds)."""

    def __init__(self, ttl_s: float = 5.0, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = float(ttl_s)
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, Principal]] = {}
        self._generation = 0

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: Key, load: Callable[[], Principal | None]) -> Principal | None:
        """The cached principal of ``key``, else ``load()`` (which may raise; a None or an
        exception is not cached)."""
        if self.ttl_s <= 0:
            return load()
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
            generation = self._generation
        p = load()
        if p is None:
            return None
        with self._lock:
            if generation == self._generation:
                if len(self._entries) >= self.max_entries:
                    self._prune(now)
                self._entries[key] = (now + self.ttl_s, p)
        return p

    def _prune(self, now: float) -> None:
        self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
        if len(self._entries) >= self.max_entries:
            self._entries.clear()

    def forget(self, key: Key) -> None:
        """Drop one credential (sign-out)."""
        with self._lock:
            self._generation += 1
            self._entries.pop(key, None)

    def forget_user(self, user_id: int | None) -> None:
        """Drop every credential of ``user_id`` (token revoked; role, scope or active flag
        changed); ``None`` drops everything."""
        with self._lock:
            self._generation += 1
            if user_id is None:
                self._entries.clear()
            else:
                self._entries = {k: v for k, v in self._entries.items()
                                 if v[1].user_id != user_id}
