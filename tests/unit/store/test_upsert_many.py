"""upsert_many (Core, set-wise) gives the same rows, counts and change log as its reference
implementation, one ``upsert`` per row (STYLE.md #6: the simple one is the oracle)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from imcap.store.db import Database
from imcap.store.repo import upsert, upsert_many
from imcap.store.schema import ChangeLog, Country, CountryFigure

KEY = ("country_iso3", "year", "item", "measure", "source")


def _rows(values):
    return [{"country_iso3": "KEN", "year": y, "item": "CT", "item_kind": "modality",
             "measure": "count", "source": "s", "value": v, "area_id": None,
             "source_date": dt.date(2024, 1, y % 28 + 1)}
            for y, v in values]


def _one_by_one(s, model, key_fields, rows, scope=None):
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    for r in rows:
        _, outcome = upsert(s, model, {k: r[k] for k in key_fields},
                            {k: v for k, v in r.items() if k not in key_fields})
        counts[outcome] += 1
    return counts


def _state(db):
    with db.session() as s:
        figs = sorted((f.year, f.value, f.source_date, f.batch_id)
                      for f in s.scalars(select(CountryFigure)))
        logs = [(c.entity, c.action, {k: v for k, v in (c.before or {}).items() if k != "id"},
                 {k: v for k, v in (c.after or {}).items() if k != "id"})
                for c in s.scalars(select(ChangeLog).order_by(ChangeLog.id))]
    # the same changes; within one call upsert_many logs updates before inserts
    logs.sort(key=lambda e: (e[3]["year"], e[1] == "update", str(e[3]["value"])))
    return figs, logs


def _run(db, fn, batches):
    with db.session() as s:
        s.add(Country(iso3="KEN", name="Kenya", source="t"))
    out = []
    for values in batches:
        with db.session() as s:
            out.append(fn(s, CountryFigure, KEY, _rows(values), scope={"source": "s"}))
    return out, _state(db)


def _compare(tmp_path, batches):
    a = Database(f"sqlite:///{tmp_path / 'a.db'}")
    b = Database(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        return _run(a, _one_by_one, batches), _run(b, upsert_many, batches)
    finally:
        a.dispose()
        b.dispose()


def test_same_rows_counts_and_change_log_as_one_by_one(tmp_path):
    ref, fast = _compare(tmp_path, [[(2020, 1.0), (2021, 2.0)],
                                    [(2020, 1.0), (2021, 3.0), (2022, 4.0)]])
    assert fast == ref
    counts, (figs, logs) = fast
    assert counts == [{"inserted": 2, "updated": 0, "unchanged": 0},
                      {"inserted": 1, "updated": 1, "unchanged": 1}]
    assert [f[:2] for f in figs] == [(2020, 1.0), (2021, 3.0), (2022, 4.0)]
    assert [(af["year"], a) for _e, a, _b, af in logs] == [
        (2020, "insert"), (2021, "insert"), (2021, "update"), (2022, "insert")]
    assert (logs[2][2]["value"], logs[2][3]["value"]) == (2.0, 3.0)


values = st.dictionaries(st.integers(2000, 2030), st.sampled_from([0.0, 1.5, 2.0, 7.25]),
                         max_size=6).map(lambda d: sorted(d.items()))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(values, min_size=1, max_size=3))
def test_matches_the_reference_on_any_sequence_of_batches(tmp_path_factory, batches):
    ref, fast = _compare(tmp_path_factory.mktemp("u"), batches)
    assert fast == ref


def test_repeated_key_is_a_bug(db):
    with db.session() as s:
        s.add(Country(iso3="KEN", name="Kenya", source="t"))
        s.flush()
        with pytest.raises(ValueError, match="repeated"):
            upsert_many(s, CountryFigure, KEY, _rows([(2020, 1.0), (2020, 2.0)]))


def test_an_older_file_never_rolls_back_a_newer_value(db):
    with db.session() as s:
        s.add(Country(iso3="KEN", name="Kenya", source="t"))
    new = {**_rows([(2021, 0.5)])[0], "source_date": dt.date(2024, 1, 1)}
    old = {**new, "value": 0.17, "source_date": dt.date(2023, 6, 18)}
    with db.session() as s:
        upsert_many(s, CountryFigure, KEY, [new])
    with db.session() as s:
        counts = upsert_many(s, CountryFigure, KEY, [old])
    assert counts == {"inserted": 0, "updated": 0, "unchanged": 1, "kept_newer": 1}
    with db.session() as s:
        fig = s.scalars(select(CountryFigure)).one()
        assert (fig.value, fig.source_date) == (0.5, dt.date(2024, 1, 1))
    # a newer file still updates, with history
    with db.session() as s:
        assert upsert_many(s, CountryFigure, KEY, [{**new, "value": 0.6,
                           "source_date": dt.date(2025, 1, 1)}])["updated"] == 1
