"""Repositories keep history, detect no-op re-writes and refuse stale writes; on both backends."""

import pytest
from sqlalchemy import func, select

from imcap.errors import ConflictError
from imcap.store.repo import history, update_row, upsert, upsert_many
from imcap.store.schema import ChangeLog, Country, CountryFigure


def _country(s):
    s.add(Country(iso3="KEN", name="Kenya", income_group="LMC", who_region="AFR", source="test"))
    s.flush()


KEY = {
    "country_iso3": "KEN",
    "area_id": None,
    "year": 2021,
    "item_kind": "modality",
    "item": "CT",
    "measure": "per_million",
    "source": "WHO GHO DEVICES09",
}


def test_upsert_inserts_then_leaves_equal_rows_untouched_then_logs_updates(any_db):
    with any_db.session() as s:
        _country(s)
        _, o1 = upsert(s, CountryFigure, KEY, {"value": 0.85, "method": "reported"})
        _, o2 = upsert(s, CountryFigure, KEY, {"value": 0.85, "method": "reported"})
        obj, o3 = upsert(s, CountryFigure, KEY, {"value": 0.9, "method": "reported"})
    assert (o1, o2, o3) == ("inserted", "unchanged", "updated")
    with any_db.session() as s:
        logs = history(s, "country_figure")
        assert [c.action for c in logs] == ["insert", "update"]
        assert logs[1].before["value"] == 0.85 and logs[1].after["value"] == 0.9
        assert s.scalar(select(func.count()).select_from(CountryFigure)) == 1


def test_a_second_source_is_kept_alongside(any_db):
    with any_db.session() as s:
        _country(s)
        upsert(s, CountryFigure, KEY, {"value": 0.85})
        upsert(s, CountryFigure, {**KEY, "source": "Kenya MoH survey"}, {"value": 1.1})
    with any_db.session() as s:
        vals = sorted(s.scalars(select(CountryFigure.value)))
    assert vals == [0.85, 1.1]


def test_upsert_many_matches_upsert(any_db):
    rows = [{**KEY, "year": y, "value": float(y - 2000)} for y in (2010, 2013, 2021)]
    with any_db.session() as s:
        _country(s)
        first = upsert_many(s, CountryFigure, tuple(KEY) + ("year",), rows)
        again = upsert_many(s, CountryFigure, tuple(KEY) + ("year",), rows)
        changed = upsert_many(
            s, CountryFigure, tuple(KEY) + ("year",), [{**rows[0], "value": 99.0}]
        )
    assert first["inserted"] == 3 and again["unchanged"] == 3 and changed["updated"] == 1
    with any_db.session() as s:
        assert s.scalar(select(func.count()).select_from(ChangeLog)) == 4


def test_failed_transaction_writes_nothing(any_db):
    with pytest.raises(RuntimeError), any_db.session() as s:
        _country(s)
        upsert(s, CountryFigure, KEY, {"value": 1.0})
        raise RuntimeError("boom")
    with any_db.session() as s:
        assert s.scalar(select(func.count()).select_from(CountryFigure)) == 0
        assert s.scalar(select(func.count()).select_from(ChangeLog)) == 0


def test_stale_write_is_refused(db):
    from imcap.store.schema import Facility

    with db.session() as s:
        _country(s)
        f = Facility(external_id="F1", country_iso3="KEN", name="A", source="t")
        s.add(f)
        s.flush()
        update_row(s, f, {"name": "B"}, expected_version=1)
        with pytest.raises(ConflictError, match="changed by someone else"):
            update_row(s, f, {"name": "C"}, expected_version=1)
