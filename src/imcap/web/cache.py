"""A small in-process cache of computed views (country profiles, indicator tables, serialised
JSON bodies), keyed by the data *generation*.

The generation is ``(local, database)``:

- ``local`` counts writes made through this process's engine. Every data-changing statement
  bumps it when it runs and again when its connection goes back to the pool (after the
  commit), so a view computed while a write was in flight is filed under a key that is never
  asked for again. It costs nothing to read.
- ``database`` is the newest ``change_log``, ``audit_log`` and ``indicator_value`` ids and the
  highest scenario version (one indexed round trip), re-read at most every ``recheck_s``
  seconds (default 0.5 s). It catches writes by other processes (``imcap`` commands, other
  workers), which therefore show within ``recheck_s``.

So a cache hit normally costs no query at all (it used to cost one round trip per request).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from imcap.store.accounts import AuditEntry
from imcap.store.db import Database
from imcap.store.schema import ChangeLog, IndicatorValue, Scenario

READS = ("SELECT", "PRAGMA", "SHOW", "SET ", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK",
         "COMMIT", "EXPLAIN")
_DIRTY = "imcap_wrote"


def db_generation(s: Session) -> tuple[int, ...]:
    """One round trip: the newest ids of the history, audit and indicator tables and the
    highest scenario version."""
    row = s.execute(select(
        select(func.max(ChangeLog.id)).scalar_subquery(),
        select(func.max(AuditEntry.id)).scalar_subquery(),
        select(func.max(IndicatorValue.id)).scalar_subquery(),
        select(func.max(Scenario.version)).scalar_subquery())).one()
    return tuple(int(v or 0) for v in row)


class Generation:
    """The data generation of one :class:`Database` (see the module docstring)."""

    def __init__(self, db: Database, recheck_s: float = 0.5) -> None:
        self.db = db
        self.recheck_s = recheck_s
        self.local = 0
        self._db: tuple[int, ...] | None = None
        self._checked = 0.0
        self._checking_since = 0.0
        self._lock = threading.Lock()
        event.listen(db.engine, "after_cursor_execute", self._after_execute)
        event.listen(db.engine, "checkin", self._checkin)

    @classmethod
    def of(cls, db: Database) -> Generation:
        """The tracker of ``db`` (one per Database, created on first use)."""
        g = db.__dict__.get("_web_generation")
        if g is None:
            g = db.__dict__["_web_generation"] = cls(db)
        return g  # type: ignore[no-any-return]

    def _after_execute(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip()[:9].upper().startswith(READS):
            self.local += 1
            conn.info[_DIRTY] = True

    def _checkin(self, _dbapi_conn: Any, record: Any) -> None:
        if record is not None and record.info.pop(_DIRTY, False):
            self.local += 1

    def _due(self, now: float) -> bool:
        return self._db is None or now - self._checked > self.recheck_s

    def fresh(self) -> tuple[int, ...] | None:
        """The generation without a query, or None when this caller should re-read the
        database part (off the event loop, with :meth:`current`). While one caller re-reads
        it, the others keep the previous value rather than all queueing for the same check."""
        now = time.monotonic()
        if self._db is None:
            return None
        if self._due(now) and now - self._checking_since > 5.0:
            self._checking_since = now
            return None
        return (self.local, *self._db)

    def current(self, s: Session | None = None) -> tuple[int, ...]:
        """The generation, re-reading the database part when it is older than recheck_s."""
        if not self._due(time.monotonic()):
            return (self.local, *self._db)  # type: ignore[misc]
        with self._lock:
            try:
                if self._due(time.monotonic()):
                    if s is not None:
                        dbg = db_generation(s)
                    else:
                        with self.db.session() as own:
                            dbg = db_generation(own)
                    self._db, self._checked = dbg, time.monotonic()
            finally:
                self._checking_since = 0.0
        return (self.local, *self._db)  # type: ignore[misc]


def generation(request: Any, s: Session | None = None) -> tuple[int, ...]:
    """The data generation of the app's database (``s``: a session to use if a query is due)."""
    return Generation.of(request.app.state.db).current(s)


class ViewCache:
    """A thread-safe LRU of computed views."""

    def __init__(self, size: int = 256) -> None:
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._busy: dict[Hashable, threading.Event] = {}
        self.size = size

    def peek(self, key: Hashable) -> Any:
        """The cached value or None (no computation)."""
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The cached value of ``key``, computed by ``make()`` once: concurrent callers of a
        missing key wait for the first one (no stampede of identical computations holding
        database connections when the data changes under load)."""
        while True:
            with self._lock:
                if key in self._data:
                    self._data.move_to_end(key)
                    return self._data[key]
                busy = self._busy.get(key)
                if busy is None:
                    busy = self._busy[key] = threading.Event()
                    break
            busy.wait(60)
        try:
            value = make()
            with self._lock:
                self._data[key] = value
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._busy.pop(key, None)
            busy.set()
