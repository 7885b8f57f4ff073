"""bulk_upsert gives the same rows, counts and change log as repo.upsert_many."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from imcap.ingest.bulk import bulk_upsert
from imcap.store.db import Database
from imcap.store.repo import upsert_many
from imcap.store.schema import ChangeLog, Country, CountryFigure

KEY = ("country_iso3", "year", "item", "measure", "source")


def _rows(values):
    return [{"country_iso3": "KEN", "year": y, "item": "CT", "item_kind": "modality",
             "measure": "count", "source": "s", "value": v, "area_id": None,
             "source_date": dt.date(2024, 1, y % 28 + 1)}
            for y, v in values]


def _state(db):
    with db.session() as s:
        figs = sorted((f.year, f.value, f.source_date, f.batch_id)
                      for f in s.scalars(select(CountryFigure)))
        logs = [(c.entity, c.action, {k: v for k, v in (c.before or {}).items() if k != "id"},
                 {k: v for k, v in (c.after or {}).items() if k != "id"})
                for c in s.scalars(select(ChangeLog).order_by(ChangeLog.id))]
    return figs, logs


def _run(db, fn):
    with db.session() as s:
        s.add(Country(iso3="KEN", name="Kenya", source="t"))
    out = []
    for values in ([(2020, 1.0), (2021, 2.0)], [(2020, 1.0), (2021, 3.0), (2022, 4.0)]):
        with db.session() as s:
            out.append(fn(s, CountryFigure, KEY, _rows(values), scope={"source": "s"}))
    return out, _state(db)


def test_same_rows_counts_and_change_log_as_upsert_many(tmp_path):
    a = Database(f"sqlite:///{tmp_path / 'a.db'}")
    b = Database(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        ref, fast = _run(a, upsert_many), _run(b, bulk_upsert)
    finally:
        a.dispose()
        b.dispose()
    assert fast == ref
    counts, (figs, logs) = fast
    assert counts == [{"inserted": 2, "updated": 0, "unchanged": 0},
                      {"inserted": 1, "updated": 1, "unchanged": 1}]
    assert [f[:2] for f in figs] == [(2020, 1.0), (2021, 3.0), (2022, 4.0)]
    assert [a for _e, a, _b, _af in logs] == ["insert", "insert", "update", "insert"]
    assert (logs[2][2]["value"], logs[2][3]["value"]) == (2.0, 3.0)


def test_repeated_key_is_a_bug(db):
    with db.session() as s:
        s.add(Country(iso3="KEN", name="Kenya", source="t"))
        s.flush()
        with pytest.raises(ValueError, match="repeated"):
            bulk_upsert(s, CountryFigure, KEY, _rows([(2020, 1.0), (2020, 2.0)]))
