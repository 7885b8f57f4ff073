"""The profile shows an inventory dated before the latest population year (regression: the
demo's 2013 Kenya inventory showed 0 units against 2024 population)."""

import datetime as dt

from imcap.ingest.reference import load_reference
from imcap.reports.profile import country_profile
from imcap.store.schema import Facility, ImagingUnit


def test_inventory_of_an_earlier_year_is_shown_with_its_density(db):
    load_reference(db)
    with db.session() as s:
        f = Facility(external_id="F1", country_iso3="KEN", name="Hospital A",
                     level="regional_hospital", source="test")
        s.add(f)
        s.flush()
        for i, status in enumerate(["functional", "functional", "non_functional_repairable"]):
            s.add(ImagingUnit(external_id=f"U{i}", facility_id=f.id, modality="CT",
                              status=status, status_date=dt.date(2013, 6, 30), source="test"))
    with db.session() as s:
        prof = country_profile(s, "KEN", db=db)
    ct = next(r for r in prof["densities"] if r["modality"] == "CT")
    assert (ct["units"], ct["functional_units"]) == (3, 2)
    # World Bank population of Kenya in 2013: 44,986,791 (bundled population.csv)
    assert abs(ct["per_million"] - 3 / 44_986_791 * 1e6) < 1e-9
