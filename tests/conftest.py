"""Shared fixtures: a fresh SQLite database, a fresh PostgreSQL schema, the shared data folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from imcap.store.db import Database

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
PG_URL = os.environ.get(
    "IMCAP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data folder not found beside the repository: {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    d = Database(f"sqlite:///{tmp_path / 'imcap.db'}")
    yield d
    d.dispose()


def _pg_database() -> Iterator[Database]:
    admin = sa.create_engine(PG_URL)
    schema = "t_" + uuid.uuid4().hex[:12]
    try:
        with admin.begin() as c:
            c.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as e:  # pragma: no cover - the server is part of the setup
        pytest.fail(f"PostgreSQL test server not reachable at {PG_URL}: {e}")
    sep = "&" if "?" in PG_URL else "?"
    d = Database(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield d
    finally:
        d.dispose()
        with admin.begin() as c:
            c.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def pg_db() -> Iterator[Database]:
    yield from _pg_database()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        d = Database(f"sqlite:///{tmp_path / 'imcap.db'}")
        yield d
        d.dispose()
    else:
        yield from _pg_database()
