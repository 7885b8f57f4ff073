"""Bytes that are not text in any accepted encoding get a clear report, not a traceback."""

from __future__ import annotations

import pytest
from ingest_testlib import counts

from imcap.ingest import import_facilities, import_gho, import_inventory, import_oecd, import_table

GARBAGE = b"\xff\xfe\x00\x01garbage\x80\x81"


@pytest.mark.parametrize("importer", [import_gho, import_oecd, import_table, import_facilities,
                                      import_inventory])
def test_undecodable_bytes_are_reported_and_nothing_is_written(rdb, importer):
    before = counts(rdb)
    rep = importer(rdb, GARBAGE, filename="bin.csv")
    assert not rep.ok
    p = rep.problems[0]
    assert "UTF-8, UTF-16 or Windows Latin-1" in p.expected and "not text" in p.got
    assert counts(rdb) == before
