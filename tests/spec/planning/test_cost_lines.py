"""Spec: each cost line on a hand-worked case.

One modality, round numbers, three years; units bought: 2 in year 0, 1 in year 1, 0 in
year 2. Parameters::

    price 100        installation 0.5     maintenance 0.1 after a 1-year warranty
    lifetime 2       throughput 10 x utilisation 0.5 = 5 exams per unit-year
    consumables 2 per exam                energy 100 kWh x 0.2 per kWh = 20 per unit-year
    repair 0.25      staff: 2 RADIOGRAPHER at salary 3 (= 1.5 x GDP pc 2), training 7

Units in service: 2, 3, 3. Units past warranty (age >= 1): 0, 2, 3.
"""

import numpy as np
import pytest

from imcap.planning.costs import UnitInputs, cost_lines, exams, npv, staff_in_post

NEW = [2, 1, 0]

U = UnitInputs(
    modality="CT", price=100.0, installation_share=0.5, maintenance_share=0.1,
    warranty_years=1, lifetime_years=2, throughput=10.0, utilisation=0.5,
    consumables_per_exam=2.0, energy_kwh_per_year=100.0, electricity_price=0.2,
    repair_share=0.25, staff_per_unit={"RADIOGRAPHER": 2.0},
    salary={"RADIOGRAPHER": 1.5 * 2.0}, training_cost={"RADIOGRAPHER": 7.0},
)

# line: expected per year, worked by hand
EXPECTED = {
    #               year 0        year 1        year 2
    "capital":      [2 * 100,     1 * 100,      0],
    "installation": [2 * 50,      1 * 50,       0],
    # new units reach lifetime 2: the 2 of year 0 in year 2; plus replaced [1, 0, 0]
    "replacement":  [1 * 150,     0,            2 * 150],
    "repair":       [0,           2 * 25,       0],  # repaired [0, 2, 0]
    "maintenance":  [0 * 10,      2 * 10,       3 * 10],
    "consumables":  [2 * 5 * 2,   3 * 5 * 2,    3 * 5 * 2],
    "energy":       [2 * 20,      3 * 20,       3 * 20],
    "staffing":     [2 * 2 * 3,   3 * 2 * 3,    3 * 2 * 3],
    "training":     [2 * 2 * 7,   1 * 2 * 7,    0],
}


@pytest.mark.parametrize("line", list(EXPECTED))
def test_each_line_by_hand(line):
    got = cost_lines(NEW, U, replaced=[1, 0, 0], repaired=[0, 2, 0])
    np.testing.assert_allclose(got[line], EXPECTED[line])


def test_training_share_scales_training_only():
    full = cost_lines(NEW, U)
    half = cost_lines(NEW, U, train_share=0.5)
    np.testing.assert_allclose(half["training"], 0.5 * full["training"])
    np.testing.assert_allclose(half["capital"], full["capital"])


def test_exams_and_staff_in_post():
    np.testing.assert_allclose(exams(NEW, U), [10, 15, 15])
    np.testing.assert_allclose(staff_in_post(NEW, U)["RADIOGRAPHER"], [4, 6, 6])


#  values        rate   npv
NPV_TABLE = [
    ([100, 100],  0.0,  200.0),
    ([100, 110],  0.10, 200.0),
    ([0, 0, 121], 0.10, 100.0),
    ([50],        0.03, 50.0),
]


@pytest.mark.parametrize(("values", "rate", "expected"), NPV_TABLE)
def test_npv_by_hand(values, rate, expected):
    assert npv(values, rate) == pytest.approx(expected)
