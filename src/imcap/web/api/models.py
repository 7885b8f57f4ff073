"""Request bodies of the API. Each field is checked by its one declaration in
:mod:`imcap.domain.fields`, so the API, the forms and the importers agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict, field_validator

from imcap.domain.fields import ALL_FIELDS, FieldError

ISO3 = Path(..., min_length=3, max_length=3, description="ISO 3166-1 alpha-3 code, e.g. KEN")
"""The country path parameter of every /countries/{iso3}/... route."""


def _check(name: str, value: Any) -> Any:
    f = ALL_FIELDS[name]
    if value is None:
        if f.required:
            raise ValueError(f"expected {f.description.rstrip('.')}")
        return None
    try:
        return f.parse(value)
    except FieldError as e:
        raise ValueError(f"expected {e.expected}") from None


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FacilityIn(Body):
    external_id: str
    name: str
    country: str
    area_id: str | None = None
    facility_type: str | None = None
    level: str | None = "other"
    ownership: str | None = "public"
    lat: float | None = None
    lon: float | None = None
    source: str = "web entry"
    synthetic: bool = False

    @field_validator("external_id")
    @classmethod
    def _ext(cls, v: Any) -> Any:
        return _check("facility_id", v)

    @field_validator("name", "country", "level", "ownership", "lat", "lon", "facility_type",
                     mode="before")
    @classmethod
    def _fields(cls, v: Any, info: Any) -> Any:
        return _check(info.field_name, v)

    @field_validator("source")
    @classmethod
    def _src(cls, v: Any) -> Any:
        return _check("source", v) or "web entry"


class FacilityPatch(Body):
    name: str | None = None
    area_id: str | None = None
    facility_type: str | None = None
    level: str | None = None
    ownership: str | None = None
    lat: float | None = None
    lon: float | None = None
    version: int | None = None

    @field_validator("name", "level", "ownership", "lat", "lon", "facility_type", mode="before")
    @classmethod
    def _fields(cls, v: Any, info: Any) -> Any:
        return None if v is None else _check(info.field_name, v)


class UnitIn(Body):
    facility_id: int
    external_id: str
    modality: str
    status: str = "unknown"
    make: str | None = None
    model: str | None = None
    year_installed: int | None = None
    status_date: dt.date | None = None
    maintenance_contract: bool | None = None
    last_qa_date: dt.date | None = None
    ae_title: str | None = None
    source: str = "web entry"

    @field_validator("external_id")
    @classmethod
    def _ext(cls, v: Any) -> Any:
        return _check("unit_id", v)

    @field_validator("modality", "status", "make", "model", "year_installed", "status_date",
                     "maintenance_contract", "last_qa_date", "ae_title", mode="before")
    @classmethod
    def _fields(cls, v: Any, info: Any) -> Any:
        return None if v is None else _check(info.field_name, v)

    @field_validator("source")
    @classmethod
    def _src(cls, v: Any) -> Any:
        return _check("source", v) or "web entry"


class UnitPatch(Body):
    modality: str | None = None
    make: str | None = None
    model: str | None = None
    year_installed: int | None = None
    maintenance_contract: bool | None = None
    last_qa_date: dt.date | None = None
    ae_title: str | None = None
    version: int | None = None

    @field_validator("modality", "make", "model", "year_installed", "maintenance_contract",
                     "last_qa_date", "ae_title", mode="before")
    @classmethod
    def _fields(cls, v: Any, info: Any) -> Any:
        return None if v is None else _check(info.field_name, v)


class StatusIn(Body):
    status: str
    status_date: dt.date | None = None
    source: str = "web entry"
    version: int | None = None

    @field_validator("status", "status_date", mode="before")
    @classmethod
    def _fields(cls, v: Any, info: Any) -> Any:
        if info.field_name == "status" and v is None:
            raise ValueError("expected one of the functional statuses")
        return None if v is None else _check(info.field_name, v)


class WorkforceIn(Body):
    country: str
    cadre: str
    year: int
    count: float
    area_id: str | None = None
    facility_id: int | None = None
    source: str = "web entry"

    @field_validator("country", "cadre", "year", mode="before")
    @classmethod
    def _fields(cls, v: Any, info: Any) -> Any:
        return _check(info.field_name, v)

    @field_validator("count", mode="before")
    @classmethod
    def _count(cls, v: Any) -> Any:
        return _check("count", v)


class ExamIn(Body):
    country: str
    modality: str
    year: int
    exams: float
    area_id: str | None = None
    facility_id: int | None = None
    unit_id: int | None = None
    source: str = "web entry"

    @field_validator("country", "modality", "year", "exams", mode="before")
    @classmethod
    def _fields(cls, v: Any, info: Any) -> Any:
        return _check(info.field_name, v)


class ScenarioIn(Body):
    name: str
    kind: str = "plan"
    country: str | None = None
    inputs: dict[str, Any] = {}
    run: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = v.strip()
        if not 1 <= len(v) <= 200:
            raise ValueError("expected a name of 1-200 characters")
        return v

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, v: Any) -> Any:
        return None if v is None else _check("country", v)


class ScenarioPatch(Body):
    name: str | None = None
    inputs: dict[str, Any] | None = None
    run: bool = False
    version: int | None = None


class UserIn(Body):
    username: str
    password: str
    role: str
    display_name: str | None = None
    countries: list[str] = []
    facilities: list[int] = []


class UserPatch(Body):
    role: str | None = None
    active: bool | None = None
    password: str | None = None
    countries: list[str] | None = None
    facilities: list[int] | None = None
    version: int | None = None


class TokenIn(Body):
    name: str = "script"


class LoginIn(Body):
    username: str
    password: str
