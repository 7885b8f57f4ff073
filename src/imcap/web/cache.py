"""A small in-process cache of computed views (country profiles, indicator tables), keyed by
the data *generation*: the newest ``change_log`` and ``audit_log`` ids. Any write through the
repositories or the web bumps the generation, so a cached view is never stale; the cost of a
hit is two indexed ``max(id)`` queries."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from imcap.store.accounts import AuditEntry
from imcap.store.schema import ChangeLog, IndicatorValue, Scenario


def generation(s: Session) -> tuple[int, ...]:
    """One round trip: the newest ids of the history, audit and indicator tables and the
    highest scenario version."""
    row = s.execute(select(
        select(func.max(ChangeLog.id)).scalar_subquery(),
        select(func.max(AuditEntry.id)).scalar_subquery(),
        select(func.max(IndicatorValue.id)).scalar_subquery(),
        select(func.max(Scenario.version)).scalar_subquery())).one()
    return tuple(int(v or 0) for v in row)


class ViewCache:
    def __init__(self, size: int = 256) -> None:
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value
