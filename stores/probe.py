"""Cheap, consistent reads of the version numbers that per-worker caches key on.

The hot paths (product locations, search, routes) must notice a committed change on any worker
at once, yet not pay for an ORM session per request. A probe reads just the numbers: on SQLite
through a plain ``sqlite3`` connection in WAL mode (a primary-key read is microseconds, and each
statement sees the latest commit), on PostgreSQL through a small asyncpg pool with prepared
statements.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from stores.errors import Unavailable

_STORE = "SELECT floorplan_version, planogram_version, closures_version FROM stores WHERE id = {p}"
_CATALOG = "SELECT version FROM catalog_state WHERE id = 1"
#: What asyncpg raises while PostgreSQL is down, restarting or unreachable.
_UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)


class VersionProbe:
    """``store_versions(store_id)`` -> (floorplan, planogram, closures versions) or None;
    ``catalog_version()`` -> int."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self._dialect = url.get_backend_name()
        self._sqlite: sqlite3.Connection | None = None
        self._pool: Any = None
        self._inflight: dict[str, asyncio.Future[tuple[int | None, int, int] | None]] = {}
        if self._dialect == "sqlite":
            self._sqlite = sqlite3.connect(url.database or ":memory:", check_same_thread=False, isolation_level=None)
            self._sqlite.execute("PRAGMA query_only=ON")
        else:
            self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def _pg(self) -> Any:
        if self._pool is None:
            self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=4)
        return self._pool

    async def _fetchrow(self, query: str, *args: Any) -> Any:
        """One row from PostgreSQL; a database that is away is a 503, and the next call retries."""
        try:
            return await (await self._pg()).fetchrow(query, *args)
        except _UNAVAILABLE as exc:
            raise Unavailable(f"The database is unavailable ({type(exc).__name__}); try again shortly.") from exc

    async def store_versions(self, store_id: str) -> tuple[int | None, int, int] | None:
        """(floorplan_version, planogram_version, closures_version), or None for an unknown store.

        On PostgreSQL, concurrent requests for one store share the read already in flight
        (single flight): under load one round trip serves many requests, and a request never sees
        numbers older than a read that was still running when it arrived.
        """
        if self._sqlite is not None:
            row = self._sqlite.execute(_STORE.format(p="?"), (store_id,)).fetchone()
            return None if row is None else (row[0], int(row[1] or 0), int(row[2] or 0))
        pending = self._inflight.get(store_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[tuple[int | None, int, int] | None] = asyncio.get_running_loop().create_future()
        self._inflight[store_id] = future
        try:
            row = await self._fetchrow(_STORE.format(p="$1"), store_id)
            result = None if row is None else (row[0], int(row[1] or 0), int(row[2] or 0))
            future.set_result(result)
            return result
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark it retrieved: joiners re-raise it, nobody else must
            raise
        finally:
            del self._inflight[store_id]

    async def catalog_version(self) -> int:
        if self._sqlite is not None:
            row = self._sqlite.execute(_CATALOG).fetchone()
        else:
            row = await self._fetchrow(_CATALOG)
        return 0 if row is None else int(row[0])

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pool is not None:
            await self._pool.close()
