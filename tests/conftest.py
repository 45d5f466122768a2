"""Test set-up: real databases only.

``database_url`` is parametrised over SQLite+SpatiaLite and PostgreSQL+PostGIS. Each database is
migrated once per session into a template; every test gets a fresh copy (a file copy for
SQLite, ``CREATE DATABASE … TEMPLATE`` for PostgreSQL).
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from api.app import create_app
from stores.infra import migrate
from stores.infra.settings import Settings
from tests.support.postgres import TempPostgres

ADMIN_TOKEN = "test-admin-secret"
BACKENDS = ["sqlite", "postgis"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[TempPostgres]:
    server = TempPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgis_template(postgres: TempPostgres) -> str:
    url = postgres.create_database("aislepath_template")
    migrate.upgrade(Settings(database_url=url))
    return "aislepath_template"


def fresh_database(backend: str, request: pytest.FixtureRequest, tmp_path: Path, migrated: bool = True) -> str:
    """A new, empty database URL on ``backend``; migrated to head unless ``migrated=False``."""
    if backend == "sqlite":
        path = tmp_path / f"db{next(_counter)}.sqlite3"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    server: TempPostgres = request.getfixturevalue("postgres")
    template = request.getfixturevalue("postgis_template") if migrated else None
    return server.create_database(f"t{next(_counter)}", template=template)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database(backend, request, tmp_path)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, admin_token=ADMIN_TOKEN, auto_migrate=False, access_log=False)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(app=create_app(settings)) as test_client:
        yield test_client


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
