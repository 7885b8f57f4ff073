"""The audit log: every write through the web app, the API or ``imcap users`` lands here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from imcap.store.accounts import AuditEntry
from imcap.store.repo import jsonable


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _clean(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {k: jsonable(v) for k, v in d.items()
            if k not in ("password_hash", "token_hash", "content")}


def audit(session: Session, actor: str, action: str, entity: str, key: Any,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
          *, via: str = "web", ip: str | None = None) -> AuditEntry:
    """Append one audit entry (in the caller's transaction, so it commits with the write)."""
    entry = AuditEntry(at=now(), actor=actor, action=action, entity=entity,
                       entity_key=str(key), before=_clean(before), after=_clean(after),
                       via=via, ip=ip)
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, *, entity: str | None = None, actor: str | None = None,
            limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    stmt = select(AuditEntry)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    return list(session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)))


def entry_dict(e: AuditEntry) -> dict[str, Any]:
    return {"id": e.id, "at": jsonable(e.at), "actor": e.actor, "action": e.action,
            "entity": e.entity, "entity_key": e.entity_key, "before": e.before,
            "after": e.after, "via": e.via, "ip": e.ip}
