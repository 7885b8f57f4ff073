"""Set-wise upsert for large imports: the semantics of :func:`imcap.store.repo.upsert_many`
(insert or update by natural key, unchanged rows untouched, version bumped and the batch
recorded on change, one ``change_log`` row per insert/update with the row before and after),
executed with SQLAlchemy Core statements instead of ORM objects.

Why: building 100,000 ORM objects and their change-log objects costs about 0.4 ms per row, so
a 100,000-unit inventory took ~40 s against the 30 s budget. Here the existing rows of the
scope are read once as tuples, new rows go in one executemany INSERT (their ids read back with one
SELECT of id and key), updates in one executemany per set of changed columns, and the
change log in one INSERT. Same results as ``upsert_many`` (tested side by side in
tests/unit/ingest/test_bulk.py); a candidate to replace its body in the store layer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Date, DateTime, bindparam, insert, select, update
from sqlalchemy.orm import Session

from imcap.store.repo import jsonable
from imcap.store.schema import Base, ChangeLog

_VOLATILE = {"id", "version", "batch_id", "recorded_at", "created_at", "updated_at"}


def _same(a: Any, b: Any) -> bool:
    """Equality as ``repo.upsert`` sees it (floats to 1e-12 relative, dates vs ISO text)."""
    if isinstance(a, float) and isinstance(b, int | float):
        return abs(a - float(b)) <= 1e-12 * max(1.0, abs(a))
    if isinstance(a, dt.date) and isinstance(b, str):
        return a.isoformat() == b
    return bool(a == b)


def bulk_upsert(
    session: Session,
    model: type[Base],
    key_fields: tuple[str, ...],
    rows: Iterable[Mapping[str, Any]],
    *,
    scope: Mapping[str, Any] | None = None,
    batch_id: int | None = None,
    actor: str = "cli",
) -> dict[str, int]:
    """Upsert ``rows`` (dicts of column values) keyed by ``key_fields``; return the counts of
    inserted, updated and unchanged rows. Keys must be unique within ``rows`` (importers
    report duplicates as problems before writing); a repeated key is a bug (ValueError)."""
    table = model.__table__  # type: ignore[attr-defined]
    cols = [c.key for c in table.columns]
    has_version = "version" in cols
    has_batch = "batch_id" in cols
    session.flush()
    stmt = select(table)
    for k, v in (scope or {}).items():
        stmt = stmt.where(table.c[k] == v)
    existing: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for r in session.execute(stmt).mappings():
        existing[tuple(r[k] for k in key_fields)] = r
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    inserts: list[dict[str, Any]] = []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    logs: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    defaults = {c.key: c.default.arg for c in table.columns
                if c.default is not None and getattr(c.default, "is_scalar", False)}
    for row in rows:
        k = tuple(row[f] for f in key_fields)
        if k in seen:
            raise ValueError(f"key {k} repeated in one bulk upsert of {table.name}")
        seen.add(k)
        cur = existing.get(k)
        if cur is None:
            new = {**defaults, **row}
            if has_batch and batch_id is not None:
                new["batch_id"] = batch_id
            inserts.append(new)
            continue
        changed = {f: v for f, v in row.items()
                   if f not in _VOLATILE and f not in key_fields and not _same(cur[f], v)}
        if not changed:
            counts["unchanged"] += 1
            continue
        before = {c: jsonable(cur[c]) for c in cols}
        vals = dict(changed)
        if has_version:
            vals["version"] = (cur["version"] or 0) + 1
        if has_batch and batch_id is not None:
            vals["batch_id"] = batch_id
        after = {**before, **{f: jsonable(v) for f, v in vals.items()}}
        updates[tuple(sorted(vals))].append({"_id": cur["id"], **vals})
        logs.append({"entity": table.name, "entity_key": str(cur["id"]), "action": "update",
                     "before": before, "after": after, "batch_id": batch_id, "actor": actor})
        counts["updated"] += 1
    for names, params in updates.items():
        upd = update(table).where(table.c.id == bindparam("_id")).values(
            {n: bindparam(n) for n in names})
        session.connection().execute(upd, params)
    if inserts:
        by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for r in inserts:
            by_shape[tuple(sorted(r))].append(r)
        conn = session.connection()
        for part in by_shape.values():
            conn.execute(insert(table), part)
        # ids of the new rows: one SELECT of (id, key) over the scope (multi-row INSERT ...
        # RETURNING in parameter order falls back to one statement per row on SQLite)
        id_stmt = select(table.c.id, *(table.c[k] for k in key_fields))
        for k, v in (scope or {}).items():
            id_stmt = id_stmt.where(table.c[k] == v)
        new_keys = {tuple(r[f] for f in key_fields) for r in inserts}
        ids = {tuple(r[1:]): r[0] for r in conn.execute(id_stmt) if tuple(r[1:]) in new_keys}
        date_cols = [c.key for c in table.columns
                     if isinstance(c.type, Date | DateTime) and c.key in cols]
        for r in inserts:
            new_id = ids[tuple(r[f] for f in key_fields)]
            after = {c: r.get(c) for c in cols}
            for c in date_cols:
                after[c] = jsonable(after[c])
            after["id"] = new_id
            logs.append({"entity": table.name, "entity_key": str(new_id),
                         "action": "insert", "before": None, "after": after,
                         "batch_id": batch_id, "actor": actor})
        counts["inserted"] = len(inserts)
    if logs:
        session.connection().execute(insert(ChangeLog.__table__), logs)
    return counts
