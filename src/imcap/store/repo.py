"""Repositories: the only way registry rows are written.

``upsert`` inserts or updates one row identified by its natural key and records the change in
``change_log`` (before and after), so nothing is overwritten silently and history is kept.
Callers run inside ``Database.session()`` — one transaction per import — so a failure writes
nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from imcap.store.schema import Base, ChangeLog, ImportBatch

Outcome = Literal["inserted", "updated", "unchanged"]
M = TypeVar("M", bound=Base)

_VOLATILE = {"id", "version", "batch_id", "recorded_at", "created_at", "updated_at"}


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def row_dict(obj: Base) -> dict[str, Any]:
    """Column values of a mapped object, JSON-safe."""
    mapper = inspect(obj).mapper
    return {c.key: jsonable(getattr(obj, c.key)) for c in mapper.column_attrs}


def entity_key(obj_or_key: Base | Mapping[str, Any]) -> str:
    if isinstance(obj_or_key, Mapping):
        return "|".join(f"{k}={obj_or_key[k]}" for k in sorted(obj_or_key))
    ident = inspect(obj_or_key).identity
    return "|".join(str(i) for i in ident) if ident else "?"


def record_change(
    session: Session,
    entity: str,
    key: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    batch_id: int | None = None,
    actor: str = "cli",
) -> None:
    session.add(
        ChangeLog(
            entity=entity,
            entity_key=key,
            action=action,
            before=before,
            after=after,
            batch_id=batch_id,
            actor=actor,
        )
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, int | float):
        return abs(a - float(b)) <= 1e-12 * max(1.0, abs(a))
    if isinstance(a, dt.date) and isinstance(b, str):
        return a.isoformat() == b
    return bool(a == b)


def upsert(
    session: Session,
    model: type[M],
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    batch_id: int | None = None,
    actor: str = "cli",
) -> tuple[M, Outcome]:
    """Insert the row with natural ``key`` or update its ``values``; log the change.

    Returns the row and what happened. A row whose values are all equal is left untouched
    (re-importing the same file changes nothing). ``batch_id`` is written only on insert or
    update, so the row remembers the batch that last changed it.
    """
    stmt = select(model)
    for k, v in key.items():
        col = getattr(model, k)
        stmt = stmt.where(col.is_(None) if v is None else col == v)
    existing = session.scalars(stmt.limit(2)).all()
    if len(existing) > 1:
        raise RuntimeError(f"natural key {dict(key)} matches several {model.__tablename__} rows")
    if not existing:
        obj = model(**{**key, **values})
        if batch_id is not None and hasattr(model, "batch_id"):
            obj.batch_id = batch_id  # type: ignore[attr-defined]
        session.add(obj)
        session.flush()
        record_change(
            session,
            model.__tablename__,
            entity_key(obj),
            "insert",
            None,
            row_dict(obj),
            batch_id=batch_id,
            actor=actor,
        )
        return obj, "inserted"
    obj = existing[0]
    changed = {
        k: v for k, v in values.items() if k not in _VOLATILE and not _same(getattr(obj, k), v)
    }
    if not changed:
        return obj, "unchanged"
    before = row_dict(obj)
    for k, v in changed.items():
        setattr(obj, k, v)
    if hasattr(obj, "version"):
        obj.version = (obj.version or 0) + 1
    if batch_id is not None and hasattr(model, "batch_id"):
        obj.batch_id = batch_id  # type: ignore[attr-defined]
    session.flush()
    record_change(
        session,
        model.__tablename__,
        entity_key(obj),
        "update",
        before,
        row_dict(obj),
        batch_id=batch_id,
        actor=actor,
    )
    return obj, "updated"


def update_row(
    session: Session,
    obj: M,
    values: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    actor: str = "cli",
) -> M:
    """Update an existing row (e.g. from the web form) with optimistic locking and history.

    ``expected_version``: the version the editor saw; a different current version raises
    ConflictError (HTTP 409) so two editors cannot overwrite each other silently.
    """
    from imcap.errors import ConflictError

    current = getattr(obj, "version", None)
    if expected_version is not None and current is not None and current != expected_version:
        raise ConflictError(
            "the record was changed by someone else since you loaded it",
            expected=f"version {expected_version}",
            got=f"version {current}",
            where=f"{obj.__tablename__} {entity_key(obj)}",
        )
    before = row_dict(obj)
    for k, v in values.items():
        setattr(obj, k, v)
    if current is not None:
        obj.version = current + 1  # type: ignore[attr-defined]
    session.flush()
    record_change(
        session, obj.__tablename__, entity_key(obj), "update", before, row_dict(obj), actor=actor
    )
    return obj


def delete_row(session: Session, obj: Base, *, actor: str = "cli") -> None:
    record_change(
        session, obj.__tablename__, entity_key(obj), "delete", row_dict(obj), None, actor=actor
    )
    session.delete(obj)
    session.flush()


def file_sha256(path: Path | str | bytes) -> str:
    if isinstance(path, bytes):
        return hashlib.sha256(path).hexdigest()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def previous_batch(session: Session, kind: str, sha256: str) -> ImportBatch | None:
    """The batch that already imported this exact file, if any."""
    return session.scalars(
        select(ImportBatch)
        .where(ImportBatch.kind == kind, ImportBatch.sha256 == sha256)
        .order_by(ImportBatch.id)
        .limit(1)
    ).first()


def start_batch(
    session: Session, kind: str, filename: str, sha256: str, source: str, actor: str = "cli"
) -> ImportBatch:
    batch = ImportBatch(kind=kind, filename=filename, sha256=sha256, source=source, actor=actor)
    session.add(batch)
    session.flush()
    return batch


def history(session: Session, entity: str, key: str | None = None) -> list[ChangeLog]:
    stmt = select(ChangeLog).where(ChangeLog.entity == entity)
    if key is not None:
        stmt = stmt.where(ChangeLog.entity_key == key)
    return list(session.scalars(stmt.order_by(ChangeLog.id)))


def bulk_count(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    for o in outcomes:
        counts[o] += 1
    return counts


def upsert_many(
    session: Session,
    model: type[M],
    key_fields: tuple[str, ...],
    rows: Iterable[Mapping[str, Any]],
    *,
    scope: Mapping[str, Any] | None = None,
    batch_id: int | None = None,
    actor: str = "cli",
) -> dict[str, int]:
    """Upsert many rows at once: one query loads the existing rows in ``scope`` (e.g.
    ``{"country_iso3": "KEN"}``), then rows are inserted or updated in memory and flushed
    together, each change logged. Same semantics as :func:`upsert`; built for 100,000-row files.
    """
    stmt = select(model)
    for k, v in (scope or {}).items():
        stmt = stmt.where(getattr(model, k) == v)
    existing: dict[tuple[Any, ...], M] = {}
    for obj in session.scalars(stmt):
        existing[tuple(getattr(obj, k) for k in key_fields)] = obj
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    new_rows: list[dict[str, Any]] = []
    seen_new: set[tuple[Any, ...]] = set()
    logs: list[dict[str, Any]] = []
    for row in rows:
        k = tuple(row[f] for f in key_fields)
        obj = existing.get(k)
        if obj is None:
            if k in seen_new:
                raise RuntimeError(f"duplicate natural key {k} in one upsert_many call")
            seen_new.add(k)
            new = dict(row)
            if batch_id is not None and hasattr(model, "batch_id"):
                new["batch_id"] = batch_id
            new_rows.append(new)
            counts["inserted"] += 1
            continue
        changed = {
            f: v
            for f, v in row.items()
            if f not in _VOLATILE and f not in key_fields and not _same(getattr(obj, f), v)
        }
        if not changed:
            counts["unchanged"] += 1
            continue
        before = row_dict(obj)
        for f, v in changed.items():
            setattr(obj, f, v)
        if hasattr(obj, "version"):
            obj.version = (obj.version or 0) + 1
        if batch_id is not None and hasattr(model, "batch_id"):
            obj.batch_id = batch_id  # type: ignore[attr-defined]
        logs.append(
            dict(
                entity=model.__tablename__,
                entity_key=entity_key(obj),
                action="update",
                before=before,
                after=row_dict(obj),
                batch_id=batch_id,
                actor=actor,
            )
        )
        counts["updated"] += 1
    session.flush()
    if new_rows:
        # Bulk insert (executemany with RETURNING, in parameter order) — 100x faster than ORM
        # objects for reference data and 100,000-row inventories; the keys returned feed the log.
        pk_cols = list(inspect(model).mapper.primary_key)
        table = model.__table__
        defaults = {
            c.key: c.default.arg
            for c in table.columns
            if c.default is not None and c.default.is_scalar
        }
        full = [{**defaults, **r} for r in new_rows]
        for chunk_start in range(0, len(full), 5000):
            chunk = full[chunk_start : chunk_start + 5000]
            res = session.execute(
                insert(model).returning(*pk_cols, sort_by_parameter_order=True), chunk
            )
            for r, ident in zip(chunk, res.all(), strict=True):
                after = {c.key: jsonable(r.get(c.key)) for c in table.columns}
                for col, val in zip(pk_cols, ident, strict=True):
                    after[col.key] = val
                logs.append(
                    dict(
                        entity=model.__tablename__,
                        entity_key="|".join(str(v) for v in ident),
                        action="insert",
                        before=None,
                        after=after,
                        batch_id=batch_id,
                        actor=actor,
                    )
                )
    if logs:
        session.execute(insert(ChangeLog), logs)
    return counts
