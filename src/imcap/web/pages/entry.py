"""Data-entry pages: add or edit a unit, change its status, upload a survey file, read its
validation report and commit it. Fields are checked by their one declaration in
:mod:`imcap.domain.fields`; every write goes through :mod:`imcap.web.editing` (audit, history,
optimistic locking)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from imcap.domain.fields import ALL_FIELDS, STATUS_DATE, UNIT_FIELDS, FieldError
from imcap.errors import ConflictError, UserError
from imcap.store.repo import row_dict
from imcap.web import editing, imports
from imcap.web.auth.policy import Principal, require
from imcap.web.deps import client_ip, db_of, registry_reader, session, settings_of
from imcap.web.pages.public import render

router = APIRouter()
UNIT_FORM = [f for f in UNIT_FIELDS if f.name not in ("facility_id",)]
FORM_TO_COLUMN = {"unit_id": "external_id"}


def parse_form(form: Any, fields: list, *, partial: bool = False
               ) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in fields:
        raw = form.get(f.name)
        if partial and raw is None:
            continue
        try:
            values[FORM_TO_COLUMN.get(f.name, f.name)] = f.parse(raw)
        except FieldError as e:
            problems[f.name] = f"expected {e.expected}, got {raw!r}" if raw else \
                f"expected {e.expected}"
    return values, problems


def _unit_form(request: Request, f: dict, unit: dict | None, values: dict, problems: dict,
               status: int = 200, message: str | None = None) -> Response:
    return render(request, "unit_form.html", {
        "f": f, "unit": unit, "fields": UNIT_FORM, "values": values, "problems": problems,
        "message": message}, status)


@router.get("/facilities/{facility_id}/units/new", response_class=HTMLResponse)
async def new_unit(request: Request, facility_id: int = Path(..., ge=1, le=2**31 - 1),
                   p: Principal = Depends(registry_reader)) -> Response:
    with session(request) as s:
        f = editing.get_facility(s, facility_id)
        require(p.can_write_facility(f.id, f.country_iso3), f"add units to facility {f.id}", p)
        return _unit_form(request, row_dict(f), None, {"status": "functional"}, {})


@router.post("/facilities/{facility_id}/units/new", response_class=HTMLResponse)
async def create_unit(request: Request, facility_id: int = Path(..., ge=1, le=2**31 - 1),
                      p: Principal = Depends(registry_reader)) -> Response:
    form = await request.form()
    values, problems = parse_form(form, UNIT_FORM)
    with session(request) as s:
        f = editing.get_facility(s, facility_id)
        if problems:
            return _unit_form(request, row_dict(f), None, dict(form), problems, 422)
        try:
            u = editing.create_unit(s, p, {**values, "facility_id": f.id,
                                           "source": "web form"}, via="web",
                                    ip=client_ip(request))
        except ConflictError as e:
            s.rollback()
            return _unit_form(request, row_dict(f), None, dict(form), {"unit_id": e.message}, 409)
        uid = u.id
    return RedirectResponse(f"/facilities/{facility_id}#unit-{uid}", status_code=303)


@router.get("/units/{unit_id}/edit", response_class=HTMLResponse)
async def edit_unit(request: Request, unit_id: int = Path(..., ge=1, le=2**31 - 1),
                    p: Principal = Depends(registry_reader)) -> Response:
    with session(request) as s:
        u = editing.get_unit(s, unit_id)
        f = editing.get_facility(s, u.facility_id)
        require(p.can_write_facility(f.id, f.country_iso3), f"edit unit {u.id}", p)
        ud = row_dict(u)
        return _unit_form(request, row_dict(f), ud, {**ud, "unit_id": u.external_id}, {})


@router.post("/units/{unit_id}/edit", response_class=HTMLResponse)
async def save_unit(request: Request, unit_id: int = Path(..., ge=1, le=2**31 - 1),
                    p: Principal = Depends(registry_reader)) -> Response:
    form = await request.form()
    fields = [f for f in UNIT_FORM if f.name not in ("unit_id", "status", "status_date")]
    values, problems = parse_form(form, fields)
    with session(request) as s:
        u = editing.get_unit(s, unit_id)
        f = editing.get_facility(s, u.facility_id)
        ud = row_dict(u)
        if problems:
            return _unit_form(request, row_dict(f), ud, dict(form), problems, 422)
        try:
            version = int(str(form.get("version", "")) or 0) or None
        except ValueError:
            version = None
        try:
            editing.update_unit(s, p, u, values, version, via="web", ip=client_ip(request))
        except ConflictError as e:
            s.rollback()
            return _unit_form(request, row_dict(f), ud, {**ud, "unit_id": ud["external_id"]}, {},
                              409, message=str(e) + " — the form now shows the current record;"
                              " apply your change again.")
        fid = f.id
    return RedirectResponse(f"/facilities/{fid}#unit-{unit_id}", status_code=303)


@router.post("/units/{unit_id}/status", response_class=HTMLResponse)
async def set_status(request: Request, unit_id: int = Path(..., ge=1, le=2**31 - 1),
                     p: Principal = Depends(registry_reader)) -> Response:
    form = await request.form()
    try:
        status = ALL_FIELDS["status"].parse(form.get("status"))
        date = STATUS_DATE.parse(form.get("status_date"))
        version = int(str(form.get("version") or 0)) or None
    except (FieldError, ValueError) as e:
        msg = e.expected if isinstance(e, FieldError) else "a version number"
        raise UserError("bad status form", expected=msg, got=form.get("status"),
                        where="status") from None
    if status is None:
        raise UserError("bad status form", expected="a status", got=None, where="status")
    with session(request) as s:
        u = editing.get_unit(s, unit_id)
        editing.change_status(s, p, u, status, date, "web form", version, via="web",
                              ip=client_ip(request))
        fid = u.facility_id
    return RedirectResponse(f"/facilities/{fid}#unit-{unit_id}", status_code=303)


@router.get("/upload", response_class=HTMLResponse)
async def upload_form(request: Request, p: Principal = Depends(registry_reader)) -> Response:
    return render(request, "upload.html", {"kinds": imports.KINDS, "report": None})


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request, p: Principal = Depends(registry_reader)) -> Response:
    form = await request.form()
    file = form.get("file")
    kind = str(form.get("kind") or "")
    country = str(form.get("country") or "").strip() or None
    if file is None or isinstance(file, str):
        raise UserError("no file uploaded", expected="a CSV or XLSX file", got=None,
                        where="file")
    content = await file.read()
    uid, report = imports.validate(db_of(request), p, kind, file.filename or "upload", content,
                                   country, max_bytes=settings_of(request).max_upload_mb * 2**20,
                                   ip=client_ip(request))
    return render(request, "upload.html", {"kinds": imports.KINDS, "report": report.to_dict(),
                                           "upload_id": uid, "kind": kind, "country": country},
                  200 if report.ok else 422)


@router.post("/upload/{upload_id}/commit", response_class=HTMLResponse)
async def commit_upload(request: Request, upload_id: int = Path(..., ge=1, le=2**31 - 1),
                        p: Principal = Depends(registry_reader)) -> Response:
    report = imports.commit(db_of(request), p, upload_id, ip=client_ip(request))
    return render(request, "upload.html", {"kinds": imports.KINDS, "report": report.to_dict(),
                                           "upload_id": upload_id, "committed": report.ok})
