"""Spec: phasing of whole units over the acquisition years."""

import pytest

from imcap.planning.phasing import phase

YEARS = [2026, 2027, 2028, 2029]

#  total  method          schedule                  expected units per year
TABLE = [
    (8,   "linear",       None,                     [2, 2, 2, 2]),
    (10,  "linear",       None,                     [3, 3, 2, 2]),  # remainders go early
    (10,  "front_loaded", None,                     [4, 3, 2, 1]),
    (10,  "back_loaded",  None,                     [1, 2, 3, 4]),
    (5,   "linear",       {2026: 1, 2029: 1},       [3, 0, 0, 2]),
    (6,   "linear",       {2028: 2, 2029: 1},       [0, 0, 4, 2]),
    (0,   "front_loaded", None,                     [0, 0, 0, 0]),
]


@pytest.mark.parametrize(("total", "method", "schedule", "expected"), TABLE)
def test_phasing(total, method, schedule, expected):
    assert list(phase(total, YEARS, method, schedule)) == expected
