"""The view cache's data generation: writes through the engine change it at once, writes by
other processes within recheck_s; concurrent misses compute once."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from imcap.store.db import Database
from imcap.web.cache import Generation, ViewCache


def test_generation_follows_writes(db: Database) -> None:
    g = Generation.of(db)
    assert Generation.of(db) is g
    before = g.current()
    with db.engine.connect() as c:  # a read changes nothing
        c.execute(text("select count(*) from country")).scalar()
    assert g.current() == before
    with db.engine.begin() as c:
        c.execute(text("insert into change_log (entity, entity_key, action, actor, at) "
                       "values ('x', '1', 'insert', 't', CURRENT_TIMESTAMP)"))
    after = g.current()
    assert after != before and after[0] > before[0]


def test_generation_sees_other_writers_after_recheck(db: Database) -> None:
    g = Generation.of(db)
    g.recheck_s = 0.05
    first = g.current()
    other = Database(db.url, migrate_schema=False)
    try:
        with other.engine.begin() as c:
            c.execute(text("insert into change_log (entity, entity_key, action, actor, at) "
                           "values ('x', '2', 'insert', 't', CURRENT_TIMESTAMP)"))
    finally:
        other.dispose()
    assert g.current()[0] == first[0]  # not this process's engine
    time.sleep(0.06)
    assert g.fresh() is None  # a re-read is due: the caller does it off the event loop
    assert g.current()[1] > first[1]


def test_concurrent_misses_compute_once() -> None:
    vc = ViewCache()
    calls = []

    def make() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    got: list[int] = []
    threads = [threading.Thread(target=lambda: got.append(vc.get("k", make)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [42] * 8 and len(calls) == 1
    assert vc.peek("k") == 42 and vc.peek("other") is None
