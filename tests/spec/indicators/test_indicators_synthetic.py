"""Spec: the synthetic demo inventory matches the reported densities, is labelled and
deterministic, and fills referral hospitals first."""

from __future__ import annotations

import pytest
from indicator_tables import seed
from sqlalchemy import func, select

from imcap.errors import NotFoundError
from imcap.indicators import compute
from imcap.indicators.synthetic import SYNTHETIC_SOURCE, build_synthetic_inventory
from imcap.store.schema import Facility, ImagingUnit, Workforce

FACILITIES = """
id  country area   level
N1  KEN     KEN_01 national_referral
R1  KEN     KEN_01 regional_hospital
R2  KEN     KEN_02 regional_hospital
D1  KEN     KEN_02 district_hospital
D2  KEN     KEN_01 district_hospital
H1  KEN     KEN_02 health_centre
"""
POP = """
country area   year population
KEN     -      2013 20000000
KEN     KEN_01 2013 8000000
KEN     KEN_02 2013 12000000
"""
FIGURES = """
country year item measure     value
KEN     2010 CT   per_million 0.1
KEN     2013 CT   per_million 0.2
KEN     2013 MRI  per_million 0.1
"""


def test_counts_match_the_latest_reported_density_and_everything_is_labelled(any_db):
    seed(any_db, facilities=FACILITIES, population=POP, figures=FIGURES)
    summary = build_synthetic_inventory(any_db, "KEN", seed=1)
    # 0.2 x 20 million = 4 CT, 0.1 x 20 = 2 MRI; X-ray 10 x CT, ultrasound 15 x CT (assumed)
    assert summary.year == 2013
    assert {k: summary.units[k] for k in ("CT", "MRI", "XRAY", "US")} == {
        "CT": 4, "MRI": 2, "XRAY": 40, "US": 60}
    assert "imcap demo assumption" in summary.basis["XRAY"]
    df = compute(any_db, area_level=False)
    upm = df[df["indicator"] == "units_per_million"]
    got = upm[upm["item"].isin(["CT", "MRI"]) & (upm["year"] == 2013)]
    assert sorted(zip(got["item"], got["value"].round(9), got["synthetic"], strict=True)) == [
        ("CT", 0.2, False), ("CT", 0.2, True), ("MRI", 0.1, False), ("MRI", 0.1, True)]
    syn = df[df["source"] == SYNTHETIC_SOURCE]
    assert syn["synthetic"].all() and len(syn) > 0
    assert not df[df["source"] != SYNTHETIC_SOURCE]["synthetic"].any()


def test_high_end_units_go_to_referral_and_regional_hospitals_first(any_db):
    seed(any_db, facilities=FACILITIES, population=POP, figures=FIGURES)
    build_synthetic_inventory(any_db, "KEN", seed=1)
    with any_db.session() as s:
        levels = dict(s.execute(
            select(ImagingUnit.external_id, Facility.level).join(Facility)
            .where(ImagingUnit.modality.in_(["CT", "MRI"]))).all())
    # 4 CT for 3 referral/regional hospitals: the 4th goes to the best district hospital
    assert [levels[f"SYN-KEN-CT-00{i}"] for i in (1, 2, 3, 4)] == [
        "national_referral", "regional_hospital", "regional_hospital", "district_hospital"]
    assert levels["SYN-KEN-MRI-001"] == "national_referral"


def test_rebuilding_with_the_same_seed_writes_nothing(any_db):
    seed(any_db, facilities=FACILITIES, population=POP, figures=FIGURES)
    first = build_synthetic_inventory(any_db, "KEN", seed=7)
    n = sum(first.units.values())
    assert n == 4 + 2 + 40 + 60 + 2 + 2 + 1  # CT MRI XRAY US FLUORO MAMMO SPECT
    again = build_synthetic_inventory(any_db, "KEN", seed=7)
    assert again.written["units"] == {"inserted": 0, "updated": 0, "unchanged": n}
    with any_db.session() as s:
        assert s.scalar(select(func.count()).select_from(ImagingUnit)) == n
        assert s.scalar(select(func.count()).select_from(Workforce).where(
            Workforce.synthetic.is_(False))) == 0


def test_explicit_densities_and_missing_inputs(any_db):
    seed(any_db, facilities=FACILITIES, population=POP)
    with pytest.raises(NotFoundError, match="no reported CT density"):
        build_synthetic_inventory(any_db, "KEN")
    s = build_synthetic_inventory(any_db, "KEN", year=2013, densities={"CT": 0.5})
    assert s.units["CT"] == 10
    with pytest.raises(NotFoundError, match="no facility list"):
        build_synthetic_inventory(any_db, "TZA")
