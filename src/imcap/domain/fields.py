"""Field constraints, declared once.

Each :class:`Field` carries its description (for the data dictionary, survey templates and
docs) and its check (for every importer). ``Field.parse`` turns a raw cell into a typed value or
returns the reason it cannot, phrased as "expected ...".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imcap.domain.catalogue import (
    CADRES,
    MODALITIES,
    FacilityLevel,
    FunctionalStatus,
    Ownership,
    cadre,
    modality,
)


class FieldError(ValueError):
    """A cell does not satisfy its field. ``expected`` says what would have."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and not raw.strip()


def _int(lo: int | None, hi: int | None) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        rng = f" between {lo} and {hi}" if lo is not None and hi is not None else ""
        try:
            f = (
                float(str(raw).strip().replace(",", ""))
                if not isinstance(raw, int | float)
                else raw
            )
        except ValueError:
            raise FieldError(f"a whole number{rng}") from None
        if isinstance(f, bool) or f != int(f):
            raise FieldError(f"a whole number{rng}")
        v = int(f)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise FieldError(f"a whole number{rng}")
        return v

    return parse


def _float(lo: float | None, hi: float | None = None) -> Callable[[Any], float]:
    def parse(raw: Any) -> float:
        rng = ""
        if lo is not None and hi is not None:
            rng = f" between {lo:g} and {hi:g}"
        elif lo is not None:
            rng = f" of at least {lo:g}"
        try:
            v = float(str(raw).strip().replace(",", "")) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            raise FieldError(f"a number{rng}") from None
        if math.isnan(v) or math.isinf(v):
            raise FieldError(f"a number{rng}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise FieldError(f"a number{rng}")
        return v

    return parse


def _text(max_len: int) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        s = str(raw).strip()
        if len(s) > max_len:
            raise FieldError(f"text of at most {max_len} characters")
        return s

    return parse


def _choice(
    values: tuple[str, ...], lookup: Callable[[str], Any] | None = None
) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        s = str(raw).strip()
        if lookup is not None:
            try:
                return str(lookup(s))
            except (KeyError, ValueError):
                pass
        norm = s.lower().replace(" ", "_").replace("-", "_")
        if norm in values:
            return norm
        raise FieldError("one of " + ", ".join(values))

    return parse


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    s = str(raw).strip()
    try:
        return dt.date.fromisoformat(s[:10])
    except ValueError:
        raise FieldError("a date as YYYY-MM-DD") from None


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    s = str(raw).strip().lower()
    if s in ("1", "true", "yes", "y", "t"):
        return True
    if s in ("0", "false", "no", "n", "f"):
        return False
    raise FieldError("yes or no (yes/no, true/false, 1/0)")


def _iso3(raw: Any) -> str:
    s = str(raw).strip().upper()
    if len(s) != 3 or not s.isalpha():
        raise FieldError("an ISO 3166-1 alpha-3 country code such as KEN")
    return s


def _ae_title(raw: Any) -> str:
    s = str(raw).strip()
    if not 1 <= len(s) <= 16 or "\\" in s or not s.isprintable():
        raise FieldError("a DICOM AE title: 1-16 printable characters, no backslash")
    return s


@dataclass(frozen=True)
class Field:
    """One column of an input table: name, meaning and the check every importer applies."""

    name: str
    label: str
    description: str
    kind: str  # text, integer, number, date, boolean, choice, code
    parser: Callable[[Any], Any]
    required: bool = False
    example: str = ""
    choices: tuple[str, ...] = ()

    def parse(self, raw: Any) -> Any:
        """Return the typed value, None for a blank optional cell, or raise FieldError."""
        if _blank(raw):
            if self.required:
                raise FieldError(f"a value ({self.description.rstrip('.')})")
            return None
        return self.parser(raw)


_MOD_CODES = tuple(m.code for m in MODALITIES)
_CADRE_CODES = tuple(c.code for c in CADRES)
_LEVELS = tuple(lv.value for lv in FacilityLevel)
_OWN = tuple(o.value for o in Ownership)
_STATUSES = tuple(s.value for s in FunctionalStatus)
_THIS_YEAR = dt.date.today().year

COUNTRY = Field(
    "country",
    "Country",
    "ISO 3166-1 alpha-3 code of the country.",
    "code",
    _iso3,
    required=True,
    example="KEN",
)
YEAR = Field(
    "year",
    "Year",
    "Calendar year the figure refers to.",
    "integer",
    _int(1950, _THIS_YEAR + 1),
    required=True,
    example="2021",
)
MODALITY = Field(
    "modality",
    "Modality",
    "Imaging modality code (or DICOM code or name).",
    "choice",
    _choice(_MOD_CODES, lambda s: modality(s).code),
    example="CT",
    choices=_MOD_CODES,
)
CADRE = Field(
    "cadre",
    "Cadre",
    "Imaging workforce cadre code.",
    "choice",
    _choice(_CADRE_CODES, lambda s: cadre(s).code),
    example="RADIOGRAPHER",
    choices=_CADRE_CODES,
)
COUNT = Field(
    "count",
    "Count",
    "Number of units or staff (a whole number, 0 or more).",
    "integer",
    _int(0, None),
    example="12",
)
PER_MILLION = Field(
    "per_million",
    "Per million",
    "Density per million population.",
    "number",
    _float(0.0, 100000.0),
    example="0.85",
)
AREA = Field(
    "area",
    "Area",
    "Subnational area code or name within the country.",
    "text",
    _text(200),
    example="Nairobi",
)
SOURCE = Field(
    "source",
    "Source",
    "Who published the figure (organisation and dataset).",
    "text",
    _text(300),
    example="Kenya MoH imaging survey 2024",
)
SOURCE_DATE = Field(
    "source_date",
    "Source date",
    "Date of the source (YYYY-MM-DD).",
    "date",
    _date,
    example="2024-03-31",
)
METHOD = Field(
    "method",
    "Method",
    "How the figure was obtained (survey, census, estimate).",
    "text",
    _text(300),
    example="national survey",
)
COMMENT = Field("comment", "Comment", "Free-text note kept with the figure.", "text", _text(2000))

FACILITY_ID = Field(
    "facility_id",
    "Facility ID",
    "Stable identifier of the facility in its source.",
    "text",
    _text(100),
    required=True,
    example="KEN-00123",
)
FACILITY_NAME = Field(
    "name",
    "Facility name",
    "Name of the facility.",
    "text",
    _text(300),
    required=True,
    example="Kenyatta National Hospital",
)
LEVEL = Field(
    "level",
    "Level of care",
    "Facility level of care.",
    "choice",
    _choice(_LEVELS),
    example="district_hospital",
    choices=_LEVELS,
)
OWNERSHIP = Field(
    "ownership",
    "Ownership",
    "Who owns the facility.",
    "choice",
    _choice(_OWN),
    example="public",
    choices=_OWN,
)
FACILITY_TYPE = Field(
    "facility_type",
    "Facility type",
    "Type as the source names it.",
    "text",
    _text(200),
    example="Hospital",
)
LAT = Field(
    "lat",
    "Latitude",
    "Latitude in decimal degrees (WGS 84).",
    "number",
    _float(-90.0, 90.0),
    example="-1.3010",
)
LON = Field(
    "lon",
    "Longitude",
    "Longitude in decimal degrees (WGS 84).",
    "number",
    _float(-180.0, 180.0),
    example="36.8070",
)

UNIT_ID = Field(
    "unit_id",
    "Unit ID",
    "Stable identifier of the imaging unit (e.g. asset tag).",
    "text",
    _text(100),
    required=True,
    example="KNH-CT-01",
)
MAKE = Field("make", "Make", "Manufacturer.", "text", _text(200), example="Siemens")
MODEL = Field("model", "Model", "Model name.", "text", _text(200), example="SOMATOM go.Up")
YEAR_INSTALLED = Field(
    "year_installed",
    "Year installed",
    "Year the unit was installed.",
    "integer",
    _int(1950, _THIS_YEAR + 1),
    example="2016",
)
STATUS = Field(
    "status",
    "Functional status",
    "Functional status of the unit.",
    "choice",
    _choice(_STATUSES),
    example="functional",
    choices=_STATUSES,
)
STATUS_DATE = Field(
    "status_date",
    "Status date",
    "Date the status was observed (YYYY-MM-DD).",
    "date",
    _date,
    example="2024-05-01",
)
MAINTENANCE = Field(
    "maintenance_contract",
    "Maintenance contract",
    "Whether a maintenance contract covers the unit.",
    "boolean",
    _bool,
    example="yes",
)
LAST_QA = Field(
    "last_qa_date",
    "Last QA date",
    "Date of the last quality-assurance test.",
    "date",
    _date,
    example="2024-01-15",
)
AE_TITLE = Field(
    "ae_title",
    "DICOM AE title",
    "DICOM application entity title of the unit.",
    "text",
    _ae_title,
    example="KNH_CT1",
)
EXAMS = Field(
    "exams",
    "Exams",
    "Number of examinations in the year.",
    "integer",
    _int(0, None),
    example="8400",
)

FACILITY_FIELDS: tuple[Field, ...] = (
    FACILITY_ID,
    FACILITY_NAME,
    COUNTRY,
    AREA,
    FACILITY_TYPE,
    LEVEL,
    OWNERSHIP,
    LAT,
    LON,
)
UNIT_FIELDS: tuple[Field, ...] = (
    UNIT_ID,
    FACILITY_ID,
    Field(**{**MODALITY.__dict__, "required": True}),
    MAKE,
    MODEL,
    YEAR_INSTALLED,
    Field(**{**STATUS.__dict__, "required": True}),
    STATUS_DATE,
    MAINTENANCE,
    LAST_QA,
    AE_TITLE,
)
TABLE_FIELDS: tuple[Field, ...] = (
    COUNTRY,
    AREA,
    YEAR,
    MODALITY,
    CADRE,
    COUNT,
    PER_MILLION,
    SOURCE,
    SOURCE_DATE,
    METHOD,
    COMMENT,
)

ALL_FIELDS: dict[str, Field] = {
    f.name: f for f in (*FACILITY_FIELDS, *UNIT_FIELDS, *TABLE_FIELDS, EXAMS)
}
