"""Catalogues of imaging modalities, workforce cadres, statuses, facility levels and ownership.

Each entry is declared once here and reused by validation, survey templates, the data
dictionary and the docs.

Sources of the figures (see also ``docs/catalogue.md``):

- Lifetime: COCIR, *Medical Imaging Equipment Age Profile & Density* (2021 ed.), "golden
  rules": equipment older than 10 years is no longer state of the art and should be replaced;
  ultrasound and mobile radiography are typically depreciated over 7 years (WHO, *Medical
  equipment maintenance programme overview*, 2011, Annex on expected service life).
- Throughput (exams per unit per year at full use, one shift): central planning assumptions
  derived from OECD Health Statistics 2023 (exams per 1,000 population divided by units per
  million, OECD averages: CT ~5,500, MRI ~4,300) and IAEA Human Health Series No. 37
  (*Nuclear medicine resources manual*, 2020) for PET and SPECT; the others are imcap
  assumptions, stated as such, that users override in the planning parameters.
- DICOM modality codes: DICOM PS3.3 C.7.3.1.1.1 / CID 29 "Acquisition Modality".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Modality:
    """An imaging modality.

    code: imcap's stable identifier; dicom: DICOM modality codes (first is canonical);
    ionising: uses ionising radiation; lifetime_years: typical service life;
    throughput: typical exams per unit per year; *_source: where each figure comes from.
    """

    code: str
    name: str
    dicom: tuple[str, ...]
    ionising: bool
    lifetime_years: int
    throughput: int
    lifetime_source: str
    throughput_source: str
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.code.isidentifier() or self.code.upper() != self.code:
            raise ValueError(f"modality code must be an upper-case identifier, got {self.code!r}")
        if self.lifetime_years <= 0 or self.throughput <= 0:
            raise ValueError(f"{self.code}: lifetime and throughput must be positive")


_COCIR = "COCIR Medical Imaging Equipment Age Profile & Density 2021 (10-year rule)"
_WHO_LIFE = "WHO Medical equipment maintenance programme overview 2011 (expected service life)"
_OECD_TP = "OECD Health Statistics 2023: exams per 1,000 / units per million (OECD average)"
_IAEA_NM = "IAEA Human Health Series No. 37, Nuclear medicine resources manual 2020"
_ASSUMED = "imcap planning assumption (one shift, 250 days); override in planning parameters"

MODALITIES: tuple[Modality, ...] = (
    Modality(
        "CT",
        "Computed tomography",
        ("CT",),
        True,
        10,
        5500,
        _COCIR,
        _OECD_TP,
        ("computed tomography", "ct scanner", "ct_scan", "ct scan"),
    ),
    Modality(
        "MRI",
        "Magnetic resonance imaging",
        ("MR",),
        False,
        10,
        4300,
        _COCIR,
        _OECD_TP,
        ("mr", "magnetic resonance", "mri scanner"),
    ),
    Modality(
        "PET",
        "PET and PET-CT",
        ("PT",),
        True,
        10,
        2000,
        _COCIR,
        _IAEA_NM,
        ("pet-ct", "pet_scan", "pet scan", "positron emission tomography", "pet/ct"),
    ),
    Modality(
        "SPECT",
        "SPECT / gamma camera",
        ("NM",),
        True,
        10,
        2500,
        _COCIR,
        _IAEA_NM,
        ("gamma", "gamma camera", "nuclear medicine", "spect-ct", "nm"),
    ),
    Modality(
        "XRAY",
        "General radiography (DR/CR)",
        ("DX", "CR"),
        True,
        10,
        10000,
        _COCIR,
        _ASSUMED,
        ("x-ray", "xr", "radiography", "dr", "cr", "general radiography"),
    ),
    Modality(
        "FLUORO", "Fluoroscopy", ("RF",), True, 10, 3000, _COCIR, _ASSUMED, ("fluoroscopy", "rf")
    ),
    Modality(
        "MAMMO",
        "Mammography",
        ("MG",),
        True,
        10,
        5000,
        _COCIR,
        _ASSUMED,
        ("mammography", "mammograph", "mammographs", "mamm", "mg"),
    ),
    Modality(
        "US",
        "Ultrasound",
        ("US",),
        False,
        7,
        5000,
        _WHO_LIFE,
        _ASSUMED,
        ("ultrasound", "sonography"),
    ),
    Modality(
        "ANGIO",
        "Interventional angiography",
        ("XA",),
        True,
        10,
        1500,
        _COCIR,
        _ASSUMED,
        ("angiography", "cath lab", "xa"),
    ),
    Modality(
        "DXA",
        "Dual-energy X-ray absorptiometry",
        ("BMD",),
        True,
        10,
        4000,
        _WHO_LIFE,
        _ASSUMED,
        ("bone densitometry", "dexa", "bmd"),
    ),
)


@dataclass(frozen=True)
class Cadre:
    """A workforce cadre of imaging services. isco: ISCO-08 unit group."""

    code: str
    name: str
    isco: str
    aliases: tuple[str, ...] = ()


CADRES: tuple[Cadre, ...] = (
    Cadre("RADIOLOGIST", "Radiologist", "2212", ("radiologists", "diagnostic radiologist")),
    Cadre(
        "NM_PHYSICIAN",
        "Nuclear medicine physician",
        "2212",
        ("nuclear medicine physician", "nuclear medicine physicians"),
    ),
    Cadre(
        "MED_PHYSICIST", "Medical physicist", "2111", ("medical physicist", "medical physicists")
    ),
    Cadre(
        "RADIOGRAPHER",
        "Radiographer / imaging technologist",
        "3211",
        ("radiographer", "radiographers", "technologist", "radiologic technologist"),
    ),
    Cadre("SONOGRAPHER", "Sonographer", "3211", ("sonographer", "sonographers")),
    Cadre(
        "BIOMED",
        "Biomedical engineer / technician",
        "2149",
        ("biomedical engineer", "biomedical technician", "biomedical engineers"),
    ),
)


class FunctionalStatus(StrEnum):
    """Functional status of an imaging unit (WHO medical devices survey terms)."""

    FUNCTIONAL = "functional"
    PARTIALLY_FUNCTIONAL = "partially_functional"
    NON_FUNCTIONAL_REPAIRABLE = "non_functional_repairable"
    NON_FUNCTIONAL_BEYOND_REPAIR = "non_functional_beyond_repair"
    DECOMMISSIONED = "decommissioned"
    UNKNOWN = "unknown"

    @property
    def counts_as_functional(self) -> bool:
        """Partially functional units still deliver exams, so they count as functional."""
        return self in (FunctionalStatus.FUNCTIONAL, FunctionalStatus.PARTIALLY_FUNCTIONAL)

    @property
    def in_inventory(self) -> bool:
        """Decommissioned units leave the inventory ("all units" counts)."""
        return self is not FunctionalStatus.DECOMMISSIONED


STATUSES: tuple[FunctionalStatus, ...] = tuple(FunctionalStatus)


class FacilityLevel(StrEnum):
    """Level of care (WHO service-delivery tiers)."""

    HEALTH_POST = "health_post"
    HEALTH_CENTRE = "health_centre"
    DISTRICT_HOSPITAL = "district_hospital"
    REGIONAL_HOSPITAL = "regional_hospital"
    NATIONAL_REFERRAL = "national_referral"
    DIAGNOSTIC_CENTRE = "diagnostic_centre"
    OTHER = "other"

    @property
    def is_hospital(self) -> bool:
        return self in (
            FacilityLevel.DISTRICT_HOSPITAL,
            FacilityLevel.REGIONAL_HOSPITAL,
            FacilityLevel.NATIONAL_REFERRAL,
        )


FACILITY_LEVELS: tuple[FacilityLevel, ...] = tuple(FacilityLevel)


class Ownership(StrEnum):
    PUBLIC = "public"
    PRIVATE_NOT_FOR_PROFIT = "private_not_for_profit"
    PRIVATE_FOR_PROFIT = "private_for_profit"
    OTHER = "other"


OWNERSHIPS: tuple[Ownership, ...] = tuple(Ownership)

_MOD_INDEX: dict[str, Modality] = {}
for _m in MODALITIES:
    for _key in (_m.code, _m.name, *_m.dicom, *_m.aliases):
        _MOD_INDEX.setdefault(_key.strip().lower(), _m)

_CADRE_INDEX: dict[str, Cadre] = {}
for _c in CADRES:
    for _key in (_c.code, _c.name, *_c.aliases):
        _CADRE_INDEX.setdefault(_key.strip().lower(), _c)


def modality(text: str) -> Modality:
    """Look a modality up by code, name, DICOM code or alias (case-insensitive).

    Raises KeyError naming the accepted codes when nothing matches.
    """
    try:
        return _MOD_INDEX[text.strip().lower()]
    except KeyError:
        codes = ", ".join(m.code for m in MODALITIES)
        raise KeyError(f"unknown modality {text!r}; expected one of {codes}") from None


def cadre(text: str) -> Cadre:
    """Look a cadre up by code, name or alias (case-insensitive)."""
    try:
        return _CADRE_INDEX[text.strip().lower()]
    except KeyError:
        codes = ", ".join(c.code for c in CADRES)
        raise KeyError(f"unknown cadre {text!r}; expected one of {codes}") from None


def is_modality(text: str) -> bool:
    return text.strip().lower() in _MOD_INDEX


def is_cadre(text: str) -> bool:
    return text.strip().lower() in _CADRE_INDEX
