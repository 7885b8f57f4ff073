from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import webfixture
from imcap.store.db import Database
from imcap.web import Settings, create_app


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("webtpl")


@pytest.fixture
def web(tmp_path: Path, template_dir: Path) -> Iterator[tuple[Database, dict[str, int]]]:
    db, ids = webfixture.fixture_db(tmp_path, template_dir)
    yield db, ids
    db.dispose()


@pytest.fixture
def app(web):  # type: ignore[no-untyped-def]
    db, _ = web
    return create_app(db, Settings.from_env(environ={}, **webfixture.FAST_ARGON))


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    with webfixture.client_class()(app) as c:
        yield c


@pytest.fixture
def tokens(web) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return webfixture.tokens_for(web[0])
