"""Uploads: validate a file with the matching :mod:`imcap.ingest` importer (dry run), keep it
with its row-level report, and write it only when the user commits. Shared by the API and
the upload page."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from imcap.errors import (
    ConflictError,
    NotFoundError,
    ParameterError,
    PermissionDenied,
    ValidationReport,
)
from imcap.store.accounts import PendingUpload
from imcap.store.db import Database
from imcap.web.auth.audit import audit, now
from imcap.web.auth.policy import Principal, require

KINDS = ("inventory", "facilities", "table", "gho", "oecd")


def importer(kind: str) -> Callable[..., ValidationReport]:
    if kind not in KINDS:
        raise ParameterError("unknown import kind", expected=" | ".join(KINDS), got=kind,
                             where="kind")
    from imcap import ingest

    return getattr(ingest, f"import_{kind}")  # type: ignore[no-any-return]


def _call(fn: Callable[..., ValidationReport], db: Database, content: bytes, **kw: Any
          ) -> ValidationReport:
    params = inspect.signature(fn).parameters
    return fn(db, content, **{k: v for k, v in kw.items() if k in params and v is not None})


def check_scope(p: Principal, kind: str, country: str | None) -> None:
    """Admins import anything; country data managers import files for one of their
    countries (``country`` is required and applied to rows that do not name one)."""
    if p.is_admin:
        return
    require(p.role == "country_manager" and country is not None and p.can_write_country(country)
            and kind in ("inventory", "facilities", "table"),
            f"import {kind} files" + (f" for {country}" if country else " without a country"),
            p, "country")


OTHER_COUNTRIES = re.compile(r"(\d+) row\(s\) of other countries skipped")


def check_rows_in_scope(p: Principal, kind: str, country: str | None,
                        report: ValidationReport) -> None:
    """A country data manager's file may only hold rows of the upload's country: the
    importers skip rows naming another country (with a note); for a non-admin that is
    refused outright (403, nothing kept or written) rather than silently dropped."""
    if p.is_admin:
        return
    for note in report.notes:
        m = OTHER_COUNTRIES.search(note)
        if m:
            raise PermissionDenied(
                f"the file has {m.group(1)} row(s) naming another country than {country}",
                expected=f"only rows of {country} (or rows without a country); upload one "
                         "file per country", got=note, where="country")


def validate(db: Database, p: Principal, kind: str, filename: str, content: bytes,
             country: str | None, *, max_bytes: int, ip: str | None = None
             ) -> tuple[int, ValidationReport]:
    """Dry-run the importer; keep the upload. Returns (upload id, report)."""
    fn = importer(kind)
    country = country.strip().upper() if country else None
    check_scope(p, kind, country)
    if len(content) > max_bytes:
        raise ParameterError("file too large", expected=f"at most {max_bytes // 2**20} MB",
                             got=f"{len(content) / 2**20:.1f} MB", where="file")
    report = _call(fn, db, content, filename=filename, country=country, actor=p.username,
                   dry_run=True)
    check_rows_in_scope(p, kind, country, report)
    with db.session() as s:
        up = PendingUpload(user_id=p.user_id or 0, kind=kind, filename=filename[:300],
                           country_iso3=country, content=content, report=report.to_dict(),
                           status="validated" if report.ok else "rejected", created_at=now())
        s.add(up)
        s.flush()
        audit(s, p.username, "validate", "upload", up.id, None,
              {"kind": kind, "filename": filename, "country": country, "ok": report.ok,
               "problems": len(report.problems), "rows": report.rows_read}, ip=ip)
        return up.id, report


def get_upload(s: Session, upload_id: int, p: Principal) -> PendingUpload:
    up = s.get(PendingUpload, upload_id)
    if up is None or (up.user_id != p.user_id and not p.is_admin):
        raise NotFoundError("no such upload", expected="the id of one of your uploads",
                            got=upload_id, where="upload")
    return up


def commit(db: Database, p: Principal, upload_id: int, *, ip: str | None = None
           ) -> ValidationReport:
    """Write a validated upload (one transaction in the importer; nothing on any problem)."""
    with db.session() as s:
        up = get_upload(s, upload_id, p)
        if up.status != "validated":
            raise ConflictError("this upload cannot be committed", expected="a validated upload",
                                got=up.status, where=f"upload {upload_id}")
        kind, content, filename, country = up.kind, up.content, up.filename, up.country_iso3
    check_scope(p, kind, country)
    report = _call(importer(kind), db, content, filename=filename, country=country,
                   actor=p.username, dry_run=False)
    with db.session() as s:
        up = get_upload(s, upload_id, p)
        up.status = "committed" if report.ok else "rejected"
        up.report = report.to_dict()
        audit(s, p.username, "import", "upload", up.id, {"status": "validated"},
              {"status": up.status, "kind": kind, "filename": filename,
               "batch_id": report.batch_id, "inserted": report.inserted,
               "updated": report.updated, "unchanged": report.unchanged}, ip=ip)
    return report
