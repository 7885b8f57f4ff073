"""Fixtures for importer tests: databases with the country table and the Kenya/Malawi areas
(no population, to stay fast)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ingest_testlib import load_places

from imcap.store.db import Database


@pytest.fixture
def rdb(db: Database) -> Iterator[Database]:
    """SQLite database with countries and areas."""
    load_places(db)
    yield db


@pytest.fixture
def any_rdb(any_db: Database) -> Iterator[Database]:
    """SQLite and PostgreSQL databases with countries and areas."""
    load_places(any_db)
    yield any_db
