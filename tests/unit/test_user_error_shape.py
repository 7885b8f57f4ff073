"""User errors say what was expected, what arrived and where; one dict shape for all."""

import pytest

from imcap.errors import (
    ConflictError,
    NotFoundError,
    ParameterError,
    PermissionDenied,
    UserError,
    ValidationError,
    ValidationReport,
)

SHAPE = {"type", "message", "expected", "got", "where", "problems"}


@pytest.mark.parametrize("cls", [UserError, ParameterError, NotFoundError, ConflictError,
                                 PermissionDenied])
def test_every_user_error_has_the_same_shape(cls):
    e = cls("bad thing", expected="a number", got="abc", where="--year")
    d = e.to_dict()
    assert set(d) == SHAPE
    assert "expected: a number" in str(e) and "got: 'abc'" in str(e) and "--year" in str(e)


def test_validation_report_lists_every_problem_with_location():
    r = ValidationReport(file="units.xlsx", kind="inventory", rows_read=3)
    r.add(2, "modality", "one of CT, MRI", "CTT", sheet="units")
    r.add(4, "year_installed", "a whole number", "")
    assert not r.ok
    with pytest.raises(ValidationError) as exc:
        r.raise_if_errors()
    msg = str(exc.value)
    assert "units.xlsx, sheet 'units', row 2, column 'modality'" in msg
    assert "got nothing (empty)" in msg and "nothing was written" in msg
    d = exc.value.to_dict()
    assert set(d) == SHAPE and len(d["problems"]) == 2 and d["problems"][0]["row"] == 2
