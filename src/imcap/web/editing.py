"""Writes shared by the API and the data-entry pages: permission check, optimistic locking,
registry history (``change_log`` via :mod:`imcap.store.repo`) and the audit log, in one
transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from imcap.errors import ConflictError, NotFoundError, PreconditionRequired
from imcap.store import repo
from imcap.store.schema import (
    Area,
    Country,
    ExamVolume,
    Facility,
    ImagingUnit,
    UnitStatus,
    Workforce,
)
from imcap.web.auth.audit import audit
from imcap.web.auth.policy import Principal, require

PRECONDITION = "If-Match: <ETag> or a version field"


def require_version(version: int | None, where: str) -> int:
    """The version the editor saw, which every update of a versioned record must name: no
    version raises PreconditionRequired (HTTP 428) and nothing is written."""
    if version is None:
        raise PreconditionRequired("this record is versioned: send the version you edited",
                                   expected=PRECONDITION, got="none", where=where)
    return version


def get_country(s: Session, iso3: str) -> Country:
    c = s.get(Country, iso3.upper())
    if c is None:
        raise NotFoundError("no such country", expected="an ISO 3166-1 alpha-3 code such as KEN",
                            got=iso3, where="country")
    return c


def get_facility(s: Session, fid: int) -> Facility:
    f = s.get(Facility, fid)
    if f is None:
        raise NotFoundError("no such facility", expected="an existing facility id", got=fid,
                            where="facility")
    return f


def get_unit(s: Session, uid: int) -> ImagingUnit:
    u = s.get(ImagingUnit, uid)
    if u is None:
        raise NotFoundError("no such imaging unit", expected="an existing unit id", got=uid,
                            where="unit")
    return u


def _check_area(s: Session, area_id: str | None, iso3: str) -> None:
    if area_id is None:
        return
    a = s.get(Area, area_id)
    if a is None or a.country_iso3 != iso3:
        raise NotFoundError("no such area in this country", expected=f"an area id of {iso3}",
                            got=area_id, where="area_id")


def create_facility(s: Session, p: Principal, data: dict[str, Any], *, via: str = "api",
                    ip: str | None = None) -> Facility:
    iso3 = data.pop("country")
    get_country(s, iso3)
    require(p.can_write_country(iso3), f"add facilities in {iso3}", p, "country")
    _check_area(s, data.get("area_id"), iso3)
    if s.scalars(select(Facility).where(Facility.country_iso3 == iso3,
                                        Facility.external_id == data["external_id"])).first():
        raise ConflictError("a facility with this id already exists in the country",
                            expected="a new facility id", got=data["external_id"],
                            where="external_id")
    data = {k: v for k, v in data.items() if v is not None}
    f, _ = repo.upsert(s, Facility, {"country_iso3": iso3, "external_id": data.pop("external_id")},
                       {**data, "method": "web entry", "version": 1}, actor=p.username)
    audit(s, p.username, "create", "facility", f.id, None, repo.row_dict(f), via=via, ip=ip)
    return f


def update_facility(s: Session, p: Principal, f: Facility, data: dict[str, Any],
                    version: int | None, *, via: str = "api", ip: str | None = None) -> Facility:
    require(p.can_write_country(f.country_iso3), f"edit facilities in {f.country_iso3}", p,
            f"facility {f.id}")
    require_version(version, f"facility {f.id}")
    values = {k: v for k, v in data.items() if v is not None}
    _check_area(s, values.get("area_id"), f.country_iso3)
    before = repo.row_dict(f)
    repo.update_row(s, f, values, expected_version=version, actor=p.username)
    audit(s, p.username, "update", "facility", f.id, before, repo.row_dict(f), via=via, ip=ip)
    return f


def create_unit(s: Session, p: Principal, data: dict[str, Any], *, via: str = "api",
                ip: str | None = None) -> ImagingUnit:
    f = get_facility(s, data["facility_id"])
    require(p.can_write_facility(f.id, f.country_iso3), f"add units to facility {f.id}", p,
            "facility_id")
    if s.scalars(select(ImagingUnit).where(ImagingUnit.facility_id == f.id,
                                           ImagingUnit.external_id == data["external_id"])
                 ).first():
        raise ConflictError("a unit with this id already exists in the facility",
                            expected="a new unit id", got=data["external_id"],
                            where="external_id")
    values = {k: v for k, v in data.items() if v is not None and k not in
              ("facility_id", "external_id")}
    u, _ = repo.upsert(s, ImagingUnit, {"facility_id": f.id, "external_id": data["external_id"]},
                       {**values, "method": "web entry", "version": 1}, actor=p.username)
    s.add(UnitStatus(unit_id=u.id, status=u.status, status_date=u.status_date,
                     source=u.source, method="web entry"))
    s.flush()
    audit(s, p.username, "create", "imaging_unit", u.id, None, repo.row_dict(u), via=via, ip=ip)
    return u


def _unit_scope(s: Session, p: Principal, u: ImagingUnit, what: str) -> Facility:
    f = get_facility(s, u.facility_id)
    require(p.can_write_facility(f.id, f.country_iso3), what, p, f"unit {u.id}")
    return f


def update_unit(s: Session, p: Principal, u: ImagingUnit, data: dict[str, Any],
                version: int | None, *, via: str = "api", ip: str | None = None) -> ImagingUnit:
    _unit_scope(s, p, u, f"edit unit {u.id}")
    require_version(version, f"unit {u.id}")
    before = repo.row_dict(u)
    repo.update_row(s, u, {k: v for k, v in data.items() if v is not None},
                    expected_version=version, actor=p.username)
    audit(s, p.username, "update", "imaging_unit", u.id, before, repo.row_dict(u), via=via,
          ip=ip)
    return u


def change_status(s: Session, p: Principal, u: ImagingUnit, status: str, status_date: Any,
                  source: str, version: int | None, *, via: str = "api",
                  ip: str | None = None) -> ImagingUnit:
    """Set a unit's functional status and append it to the unit's status history."""
    _unit_scope(s, p, u, f"change the status of unit {u.id}")
    require_version(version, f"unit {u.id}")
    before = repo.row_dict(u)
    repo.update_row(s, u, {"status": status, "status_date": status_date},
                    expected_version=version, actor=p.username)
    s.add(UnitStatus(unit_id=u.id, status=status, status_date=status_date, source=source,
                     method="web entry"))
    s.flush()
    audit(s, p.username, "status", "imaging_unit", u.id, before, repo.row_dict(u), via=via,
          ip=ip)
    return u


def add_workforce(s: Session, p: Principal, data: dict[str, Any], *, via: str = "api",
                  ip: str | None = None) -> Workforce:
    iso3 = data.pop("country")
    get_country(s, iso3)
    fid = data.get("facility_id")
    if fid is not None:
        f = get_facility(s, fid)
        require(f.country_iso3 == iso3 and p.can_write_facility(f.id, iso3),
                f"record staff at facility {fid}", p, "facility_id")
    else:
        require(p.can_write_country(iso3), f"record staff in {iso3}", p, "country")
    _check_area(s, data.get("area_id"), iso3)
    key = {"country_iso3": iso3, "area_id": data.get("area_id"), "facility_id": fid,
           "cadre": data["cadre"], "year": data["year"], "source": data["source"]}
    w, outcome = repo.upsert(s, Workforce, key, {"count": data["count"], "method": "web entry"},
                             actor=p.username)
    audit(s, p.username, "create" if outcome == "inserted" else "update", "workforce", w.id,
          None, repo.row_dict(w), via=via, ip=ip)
    return w


def add_exams(s: Session, p: Principal, data: dict[str, Any], *, via: str = "api",
              ip: str | None = None) -> ExamVolume:
    iso3 = data.pop("country")
    get_country(s, iso3)
    fid, uid = data.get("facility_id"), data.get("unit_id")
    if uid is not None:
        u = get_unit(s, uid)
        fid = fid if fid is not None else u.facility_id
        if fid != u.facility_id:
            raise ConflictError("the unit is not in that facility", expected=f"facility "
                                f"{u.facility_id}", got=fid, where="facility_id")
    if fid is not None:
        f = get_facility(s, fid)
        require(f.country_iso3 == iso3 and p.can_write_facility(f.id, iso3),
                f"record exams at facility {fid}", p, "facility_id")
    else:
        require(p.can_write_country(iso3), f"record exams in {iso3}", p, "country")
    _check_area(s, data.get("area_id"), iso3)
    key = {"country_iso3": iso3, "area_id": data.get("area_id"), "facility_id": fid,
           "unit_id": uid, "modality": data["modality"], "year": data["year"],
           "source": data["source"]}
    e, outcome = repo.upsert(s, ExamVolume, key, {"exams": data["exams"], "method": "web entry"},
                             actor=p.username)
    audit(s, p.username, "create" if outcome == "inserted" else "update", "exam_volume", e.id,
          None, repo.row_dict(e), via=via, ip=ip)
    return e
