from sqlalchemy import func, select

from imcap.ingest.reference import load_reference, population
from imcap.store.schema import Area, Country, Population


def test_reference_data_loads_once_and_is_complete(db):
    first = load_reference(db)
    assert first["countries"]["inserted"] > 240
    assert load_reference(db) == {"status": "already loaded"}
    with db.session() as s:
        ken = s.get(Country, "KEN")
        assert (ken.name, ken.who_region, ken.income_group) == ("Kenya", "AFR", "LMC")
        assert s.get(Country, "USA").income_group == "HIC"
        assert (
            s.scalar(select(func.count()).select_from(Area).where(Area.country_iso3 == "KEN")) == 47
        )
        mw = s.scalars(select(Area).where(Area.country_iso3 == "MWI", Area.level == 4)).all()
        assert len(mw) == 32 and all(a.parent_id for a in mw)
        # World Bank SP.POP.TOTL, Kenya 2020 (source cell in population_wb): 52,217,334
        assert population(s, "KEN", 2020) == 52217334
        # Malawi areas: 2018 total equals the census count (17,563,749) within rounding
        total = s.scalar(
            select(func.sum(Population.value))
            .join(Area)
            .where(Area.country_iso3 == "MWI", Area.level == 4, Population.year == 2018)
        )
        assert abs(total - 17_563_749) < 50
