import pytest

from imcap.domain import MODALITIES, FunctionalStatus, cadre, modality
from imcap.domain.catalogue import CADRES, FacilityLevel, Modality
from imcap.domain.fields import (
    FACILITY_FIELDS,
    MODALITY,
    STATUS,
    TABLE_FIELDS,
    UNIT_FIELDS,
    YEAR,
    FieldError,
)
from imcap.domain.provenance import Provenance

REQUIRED = {"CT", "MRI", "PET", "SPECT", "XRAY", "FLUORO", "MAMMO", "US", "ANGIO", "DXA"}


def test_every_required_modality_is_catalogued_with_sources():
    assert {m.code for m in MODALITIES} == REQUIRED
    for m in MODALITIES:
        assert m.dicom and m.lifetime_source and m.throughput_source


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("CT", "CT"),
        ("MR", "MRI"),
        ("pt", "PET"),
        ("NM", "SPECT"),
        ("gamma camera", "SPECT"),
        ("DX", "XRAY"),
        ("CR", "XRAY"),
        ("RF", "FLUORO"),
        ("MG", "MAMMO"),
        ("XA", "ANGIO"),
        ("BMD", "DXA"),
        ("Ultrasound", "US"),
        ("CT_SCAN", "CT"),
        ("MAMM", "MAMMO"),
    ],
)
def test_modality_lookup_by_dicom_code_name_or_alias(text, code):
    assert modality(text).code == code


def test_unknown_modality_names_the_accepted_codes():
    with pytest.raises(KeyError, match="expected one of CT, MRI"):
        modality("x-ray vision")


def test_ionising_flags():
    assert not modality("MRI").ionising and not modality("US").ionising
    assert modality("CT").ionising and modality("MG").ionising


def test_cadres():
    assert len(CADRES) == 6
    assert cadre("radiographers").code == "RADIOGRAPHER"


def test_status_semantics():
    assert FunctionalStatus.FUNCTIONAL.counts_as_functional
    assert FunctionalStatus.PARTIALLY_FUNCTIONAL.counts_as_functional
    assert not FunctionalStatus.NON_FUNCTIONAL_REPAIRABLE.counts_as_functional
    assert not FunctionalStatus.DECOMMISSIONED.in_inventory
    assert FacilityLevel.DISTRICT_HOSPITAL.is_hospital and not FacilityLevel.HEALTH_POST.is_hospital


def test_domain_values_are_immutable_and_checked():
    with pytest.raises(ValueError):
        Modality("ct", "x", ("CT",), True, 10, 1, "s", "s")
    with pytest.raises(AttributeError):
        MODALITIES[0].code = "X"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Provenance(source=" ")


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (YEAR, "2021", 2021),
        (YEAR, 2021.0, 2021),
        (MODALITY, "computed tomography", "CT"),
        (STATUS, "Non-functional repairable", "non_functional_repairable"),
        (MODALITY, None, None),
    ],
)
def test_field_parse(field, raw, expected):
    assert field.parse(raw) == expected


@pytest.mark.parametrize(
    ("field", "raw"),
    [(YEAR, "20x1"), (YEAR, "1800"), (YEAR, 2021.5), (STATUS, "broken-ish"), (MODALITY, "xyz")],
)
def test_field_parse_errors_say_what_was_expected(field, raw):
    with pytest.raises(FieldError) as e:
        field.parse(raw)
    assert e.value.expected


def test_required_fields_in_catalogue_tables():
    unit_required = {f.name for f in UNIT_FIELDS if f.required}
    assert unit_required == {"unit_id", "facility_id", "modality", "status"}
    assert {f.name for f in FACILITY_FIELDS if f.required} == {"facility_id", "name", "country"}
    assert {"country", "year"} <= {f.name for f in TABLE_FIELDS if f.required}
