"""Registry resources: countries, areas, facilities, imaging units (with status history),
workforce and exam volumes. Lists page with ``limit``/``offset`` and answer JSON or CSV.
Single records carry an ETag; send it back as ``If-Match`` (or ``version`` in the body) and a
stale write gets 409."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, or_, select

from imcap.store.repo import row_dict
from imcap.store.schema import (
    Area,
    Country,
    ExamVolume,
    Facility,
    ImagingUnit,
    UnitStatus,
    Workforce,
)
from imcap.web import editing
from imcap.web.api.models import (
    ISO3,
    ExamIn,
    FacilityIn,
    FacilityPatch,
    StatusIn,
    UnitIn,
    UnitPatch,
    WorkforceIn,
)
from imcap.web.auth.policy import Principal
from imcap.web.deps import (
    Page,
    client_ip,
    etag,
    expected_version,
    jsonable,
    listing,
    page_limit,
    paging,
    reader,
    registry_reader,
    session,
)

router = APIRouter()


def _page(stmt: Any, s: Any, request: Request, page: Page) -> tuple[list[Any], int]:
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = list(s.scalars(stmt.limit(page_limit(request, page)).offset(page.offset)))
    return rows, int(total or 0)


def _record(entity: str, obj: Any, extra: dict[str, Any] | None = None,
            status: int = 200) -> JSONResponse:
    body = {**row_dict(obj), **(extra or {})}
    headers = {"ETag": etag(entity, obj.id, obj.version)} if hasattr(obj, "version") else None
    return JSONResponse(jsonable(body), status_code=status, headers=headers)


@router.get("/countries", tags=["registry"], summary="List countries")
def list_countries(request: Request, page: Page = Depends(paging), _p: Principal = Depends(reader),
                   region: str | None = Query(None, max_length=10, description="WHO region"),
                   income_group: str | None = Query(None, max_length=3),
                   q: str | None = Query(None, max_length=100, description="name contains")):
    with session(request) as s:
        stmt = select(Country).order_by(Country.iso3)
        if region:
            stmt = stmt.where(Country.who_region == region.upper())
        if income_group:
            stmt = stmt.where(Country.income_group == income_group.upper())
        if q:
            stmt = stmt.where(Country.name.ilike(f"%{q}%"))
        rows, total = _page(stmt, s, request, page)
        return listing(request, [row_dict(c) for c in rows], page, total)


@router.get("/countries/{iso3}", tags=["registry"], summary="One country")
def get_country(request: Request, iso3: str = ISO3, _p: Principal = Depends(reader)):
    with session(request) as s:
        return JSONResponse(row_dict(editing.get_country(s, iso3)))


@router.get("/areas", tags=["registry"], summary="List subnational areas")
def list_areas(request: Request, page: Page = Depends(paging), _p: Principal = Depends(reader),
               country: str | None = Query(None, min_length=3, max_length=3),
               level: int | None = Query(None, ge=0, le=10),
               geometry: bool = Query(False, description="include GeoJSON geometry")):
    with session(request) as s:
        stmt = select(Area).order_by(Area.id)
        if country:
            stmt = stmt.where(Area.country_iso3 == country.upper())
        if level is not None:
            stmt = stmt.where(Area.level == level)
        rows, total = _page(stmt, s, request, page)
        out = []
        for a in rows:
            d = row_dict(a)
            d["geometry"] = json.loads(a.geometry) if geometry and a.geometry else None
            out.append(d)
        return listing(request, out, page, total)


@router.get("/facilities", tags=["registry"], summary="List facilities")
def list_facilities(request: Request, page: Page = Depends(paging),
                    _p: Principal = Depends(registry_reader),
                    country: str | None = Query(None, min_length=3, max_length=3),
                    area_id: str | None = Query(None, max_length=60),
                    q: str | None = Query(None, max_length=100)):
    with session(request) as s:
        stmt = select(Facility).order_by(Facility.id)
        if country:
            stmt = stmt.where(Facility.country_iso3 == country.upper())
        if area_id:
            stmt = stmt.where(Facility.area_id == area_id)
        if q:
            stmt = stmt.where(or_(Facility.name.ilike(f"%{q}%"),
                                  Facility.external_id.ilike(f"%{q}%")))
        rows, total = _page(stmt, s, request, page)
        return listing(request, [row_dict(f) for f in rows], page, total)


@router.post("/facilities", tags=["registry"], status_code=201, summary="Add a facility")
def create_facility(request: Request, body: FacilityIn,
                    p: Principal = Depends(registry_reader)):
    with session(request) as s:
        f = editing.create_facility(s, p, body.model_dump(), ip=client_ip(request))
        return _record("facility", f, status=201)


@router.get("/facilities/{facility_id}", tags=["registry"], summary="One facility")
def get_facility(request: Request, facility_id: int = Path(..., ge=1, le=2**31 - 1),
                 _p: Principal = Depends(registry_reader)):
    with session(request) as s:
        f = editing.get_facility(s, facility_id)
        units = s.scalars(select(ImagingUnit).where(ImagingUnit.facility_id == f.id)
                          .order_by(ImagingUnit.modality, ImagingUnit.external_id))
        return _record("facility", f, {"units": [row_dict(u) for u in units]})


@router.patch("/facilities/{facility_id}", tags=["registry"], summary="Edit a facility")
def update_facility(request: Request, body: FacilityPatch,
                    facility_id: int = Path(..., ge=1, le=2**31 - 1),
                    p: Principal = Depends(registry_reader)):
    with session(request) as s:
        f = editing.get_facility(s, facility_id)
        data = body.model_dump(exclude={"version"}, exclude_unset=True)
        editing.update_facility(s, p, f, data, expected_version(request, body.version),
                                ip=client_ip(request))
        return _record("facility", f)


@router.get("/units", tags=["registry"], summary="List imaging units")
def list_units(request: Request, page: Page = Depends(paging),
               _p: Principal = Depends(registry_reader),
               country: str | None = Query(None, min_length=3, max_length=3),
               facility_id: int | None = Query(None, ge=1, le=2**31 - 1),
               modality: str | None = Query(None, max_length=10),
               status: str | None = Query(None, max_length=40)):
    with session(request) as s:
        stmt = select(ImagingUnit).order_by(ImagingUnit.id)
        if country:
            stmt = stmt.join(Facility).where(Facility.country_iso3 == country.upper())
        if facility_id:
            stmt = stmt.where(ImagingUnit.facility_id == facility_id)
        if modality:
            stmt = stmt.where(ImagingUnit.modality == modality.upper())
        if status:
            stmt = stmt.where(ImagingUnit.status == status)
        rows, total = _page(stmt, s, request, page)
        return listing(request, [row_dict(u) for u in rows], page, total)


@router.post("/units", tags=["registry"], status_code=201, summary="Add an imaging unit")
def create_unit(request: Request, body: UnitIn, p: Principal = Depends(registry_reader)):
    with session(request) as s:
        u = editing.create_unit(s, p, body.model_dump(), ip=client_ip(request))
        return _record("unit", u, status=201)


@router.get("/units/{unit_id}", tags=["registry"], summary="One imaging unit with its history")
def get_unit(request: Request, unit_id: int = Path(..., ge=1, le=2**31 - 1),
             _p: Principal = Depends(registry_reader)):
    with session(request) as s:
        u = editing.get_unit(s, unit_id)
        hist = s.scalars(select(UnitStatus).where(UnitStatus.unit_id == u.id)
                         .order_by(UnitStatus.id))
        return _record("unit", u, {"status_history": [row_dict(h) for h in hist]})


@router.patch("/units/{unit_id}", tags=["registry"], summary="Edit an imaging unit")
def update_unit(request: Request, body: UnitPatch, unit_id: int = Path(..., ge=1, le=2**31 - 1),
                p: Principal = Depends(registry_reader)):
    with session(request) as s:
        u = editing.get_unit(s, unit_id)
        data = body.model_dump(exclude={"version"}, exclude_unset=True)
        editing.update_unit(s, p, u, data, expected_version(request, body.version),
                            ip=client_ip(request))
        return _record("unit", u)


@router.get("/units/{unit_id}/status", tags=["registry"], summary="Status history of a unit")
def unit_status_history(request: Request, unit_id: int = Path(..., ge=1, le=2**31 - 1),
                        page: Page = Depends(paging), _p: Principal = Depends(registry_reader)):
    with session(request) as s:
        editing.get_unit(s, unit_id)
        stmt = select(UnitStatus).where(UnitStatus.unit_id == unit_id).order_by(UnitStatus.id)
        rows, total = _page(stmt, s, request, page)
        return listing(request, [row_dict(h) for h in rows], page, total)


@router.post("/units/{unit_id}/status", tags=["registry"], summary="Change a unit's status")
def change_status(request: Request, body: StatusIn,
                  unit_id: int = Path(..., ge=1, le=2**31 - 1),
                  p: Principal = Depends(registry_reader)):
    with session(request) as s:
        u = editing.get_unit(s, unit_id)
        editing.change_status(s, p, u, body.status, body.status_date, body.source,
                              expected_version(request, body.version), ip=client_ip(request))
        return _record("unit", u)


def _filtered(request: Request, page: Page, model: Any, **filters: Any) -> Any:
    """One page of ``model`` rows where each given column equals its value (codes upper-case;
    None = no filter), as a listing."""
    with session(request) as s:
        stmt = select(model).order_by(model.id)
        for col, value in filters.items():
            if value is not None and value != "":
                stmt = stmt.where(getattr(model, col) == (value.upper() if isinstance(value, str)
                                                          else value))
        rows, total = _page(stmt, s, request, page)
        return listing(request, [row_dict(r) for r in rows], page, total)


@router.get("/workforce", tags=["registry"], summary="List workforce counts")
def list_workforce(request: Request, page: Page = Depends(paging),
                   _p: Principal = Depends(registry_reader),
                   country: str | None = Query(None, min_length=3, max_length=3),
                   cadre: str | None = Query(None, max_length=20),
                   year: int | None = Query(None, ge=1900, le=2100)):
    return _filtered(request, page, Workforce, country_iso3=country, cadre=cadre, year=year)


@router.post("/workforce", tags=["registry"], status_code=201, summary="Record staff counts")
def add_workforce(request: Request, body: WorkforceIn, p: Principal = Depends(registry_reader)):
    with session(request) as s:
        w = editing.add_workforce(s, p, body.model_dump(), ip=client_ip(request))
        return JSONResponse(jsonable(row_dict(w)), status_code=201)


@router.get("/exam-volumes", tags=["registry"], summary="List exam volumes")
def list_exams(request: Request, page: Page = Depends(paging),
               _p: Principal = Depends(registry_reader),
               country: str | None = Query(None, min_length=3, max_length=3),
               modality: str | None = Query(None, max_length=10),
               year: int | None = Query(None, ge=1900, le=2100)):
    return _filtered(request, page, ExamVolume, country_iso3=country, modality=modality,
                     year=year)


@router.post("/exam-volumes", tags=["registry"], status_code=201, summary="Record exam volumes")
def add_exams(request: Request, body: ExamIn, p: Principal = Depends(registry_reader)):
    with session(request) as s:
        e = editing.add_exams(s, p, body.model_dump(), ip=client_ip(request))
        return JSONResponse(jsonable(row_dict(e)), status_code=201)
