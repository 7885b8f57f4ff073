"""Engine, sessions and migrations. SQLite file by default; any SQLAlchemy URL otherwise.

The URL comes from, in order: the ``url`` argument (CLI ``--db``), ``IMCAP_DATABASE_URL``,
then ``sqlite:///imcap.db`` in the working directory. A bare path is taken as a SQLite file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc, inspect, make_url
from sqlalchemy.orm import Session, sessionmaker

from imcap.errors import UserError

DEFAULT_URL = "sqlite:///imcap.db"


def resolve_url(url: str | None = None) -> str:
    url = url or os.environ.get("IMCAP_DATABASE_URL") or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{Path(url)}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_url_safe(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    url = resolve_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_size=10, max_overflow=30, pool_pre_ping=True)
    return engine


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("imcap.store") / "migrations"))
    cfg.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (creates it on an empty database)."""
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def is_initialised(engine: Engine) -> bool:
    return inspect(engine).has_table("country")


class Database:
    """An engine and its session factory. ``with db.session() as s:`` commits on success and
    rolls back on any exception, so a failing import writes nothing."""

    def __init__(self, url: str | None = None, *, migrate_schema: bool = True) -> None:
        self.url = resolve_url(url)
        shown = make_url_safe(self.url)
        where = "--db / IMCAP_DATABASE_URL"
        expected = ("a SQLite file in a folder that exists and is writable, or a reachable "
                    "database URL such as postgresql://user@host/db")
        try:
            self.engine = make_engine(self.url)
            if migrate_schema:
                migrate(self.engine)
        except (exc.ArgumentError, exc.NoSuchModuleError) as e:
            raise UserError("not a database URL", expected=expected, got=shown,
                            where=where) from e
        except exc.OperationalError as e:
            reason = str(e.orig).splitlines()[0] if e.orig else str(e)
            raise UserError(f"cannot open the database ({reason})", expected=expected,
                            got=shown, where=where) from e
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        s = self._factory()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def dispose(self) -> None:
        self.engine.dispose()
