"""Imports: upload a file, read its validation report, then commit it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from imcap.store.accounts import PendingUpload
from imcap.web import imports
from imcap.web.auth.policy import Principal
from imcap.web.deps import (
    Page,
    client_ip,
    db_of,
    listing,
    page_limit,
    paging,
    registry_reader,
    session,
    settings_of,
)

router = APIRouter()


def _upload_dict(up: PendingUpload) -> dict:
    return {"id": up.id, "kind": up.kind, "filename": up.filename, "country": up.country_iso3,
            "status": up.status, "created_at": up.created_at.isoformat(), "report": up.report}


@router.post("/imports", tags=["imports"], status_code=201,
             summary="Upload a file and get its validation report (nothing is written)")
async def upload(request: Request, file: UploadFile = File(...),
                 kind: str = Form(..., description="inventory | facilities | table | gho | oecd"),
                 country: str | None = Form(None, description="ISO3 applied to rows without one"),
                 p: Principal = Depends(registry_reader)):
    content = await file.read()
    uid, report = imports.validate(
        db_of(request), p, kind, file.filename or "upload", content, country,
        max_bytes=settings_of(request).max_upload_mb * 2**20, ip=client_ip(request))
    return JSONResponse({"id": uid, "status": "validated" if report.ok else "rejected",
                         "report": report.to_dict()}, status_code=201)


@router.get("/imports", tags=["imports"], summary="Your uploads (all of them for admins)")
def list_uploads(request: Request, page: Page = Depends(paging),
                 p: Principal = Depends(registry_reader)):
    with session(request) as s:
        stmt = select(PendingUpload).order_by(PendingUpload.id.desc())
        if not p.is_admin:
            stmt = stmt.where(PendingUpload.user_id == p.user_id)
        total = s.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = s.scalars(stmt.limit(page_limit(request, page)).offset(page.offset))
        return listing(request, [_upload_dict(u) for u in rows], page, int(total or 0))


@router.get("/imports/{upload_id}", tags=["imports"], summary="One upload and its report")
def get_upload(request: Request, upload_id: int = Path(..., ge=1, le=2**31 - 1),
               p: Principal = Depends(registry_reader)):
    with session(request) as s:
        return JSONResponse(_upload_dict(imports.get_upload(s, upload_id, p)))


@router.post("/imports/{upload_id}/commit", tags=["imports"],
             summary="Write a validated upload")
def commit(request: Request, upload_id: int = Path(..., ge=1, le=2**31 - 1),
           p: Principal = Depends(registry_reader)):
    report = imports.commit(db_of(request), p, upload_id, ip=client_ip(request))
    return JSONResponse({"id": upload_id, "status": "committed" if report.ok else "rejected",
                         "report": report.to_dict()})
