"""Schema upgrades: Alembic, serialised so that many workers can start at once.

PostgreSQL: a session-level advisory lock, held on the migrating connection, works across
hosts. SQLite: an exclusive ``flock`` on a file next to the database (SQLite is single-host).
Whoever gets the lock second finds the schema at head and does nothing.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from stores.infra.db import create_engine
from stores.infra.settings import REPO_ROOT, Settings

log = logging.getLogger(__name__)

# Any constant 64-bit key; it only has to be the same for every aislepath process.
_ADVISORY_LOCK_KEY = 0x41_69_73_6C_65_70_61


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@asynccontextmanager
async def migration_lock(connection: AsyncConnection) -> AsyncIterator[None]:
    """Hold the cross-process migration lock for the duration of the block."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
        await connection.commit()
        try:
            yield
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_LOCK_KEY})
            await connection.commit()
        return
    database = connection.engine.url.database
    lock_path = Path(f"{database}.migrate.lock") if database and database != ":memory:" else None
    if lock_path is None:
        yield
        return
    with lock_path.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def run_locked(settings: Settings, migrate: Callable[[Connection], Any]) -> None:
    """Open a connection, take the migration lock and run ``migrate`` on it (sync, in Alembic)."""
    engine = create_engine(settings, pooled=False)
    try:
        async with engine.connect() as connection, migration_lock(connection):
            await connection.run_sync(migrate)
            await connection.commit()
    finally:
        await engine.dispose()


def upgrade(settings: Settings, revision: str = "head") -> None:
    """``alembic upgrade`` for ``settings.database_url``. Blocking; call from a thread in async code."""
    command.upgrade(alembic_config(settings.database_url), revision)


def downgrade(settings: Settings, revision: str = "base") -> None:
    command.downgrade(alembic_config(settings.database_url), revision)


async def current_revision(connection: AsyncConnection) -> str | None:
    """The revision the database is at, or None before the first migration."""
    try:
        result = await connection.execute(text("SELECT version_num FROM alembic_version"))
    except Exception:  # the table does not exist yet
        await connection.rollback()
        return None
    row = result.first()
    return None if row is None else str(row[0])


def settings_for_url(settings: Settings, url: str | None) -> Settings:
    if not url:
        return settings
    make_url(url)  # fail early on a malformed URL
    return replace(settings, database_url=url)
