"""Cheap, consistent reads of the version numbers that per-worker caches key on.

The hot paths (product locations, search, routes) must notice a committed change on any worker
at once, yet not pay for an ORM session per request. A probe reads just the numbers: on SQLite
through a plain ``sqlite3`` connection in WAL mode (a primary-key read is microseconds, and each
statement sees the latest commit), on PostgreSQL through a small asyncpg pool with prepared
statements.

On SQLite the numbers are kept in memory too, as long as no connection (another worker, another
process) has committed since they were read. Each request first looks at the wal-index header in
the database's ``-shm`` file (:class:`WalHeader`): a memory read, no system call, the GIL kept.
A statement would cost more than the whole lookup under load (sqlite3 releases the GIL around
each one and waits to take it back). Only when the header changed does the probe ask the database
(``PRAGMA data_version``), and re-read what a commit may have changed.

On PostgreSQL even one round trip per request is a third of the hot path, so :meth:`watch` keeps
the numbers in memory and lets the database say when they change: triggers on ``stores`` and
``catalog_state`` (migration 0007) ``NOTIFY`` on commit, and a ``LISTEN`` connection per worker
drops the changed store's numbers. What may be served from memory, and when:

- only while the ``LISTEN`` connection is up and has answered a heartbeat within
  ``HEARTBEAT_S``; the moment it is lost, the memory is dropped and every request reads again
  (and gets the 503 if the database is away) until a new ``LISTEN`` is in place;
- only numbers read after ``LISTEN`` was in place, and only when no change was announced while
  the read was in flight (a generation counter), so a read that raced a commit is never kept;
- this worker's own commits to those tables drop the memory at once (:meth:`forget`, from
  ``Database.on_commit``), so a client reads its own writes on the worker that took them.

Another worker sees a commit when its notification arrives: PostgreSQL sends it at commit, and
tests/benchmarks/bench_notify.py measures the delay (well under a millisecond on loopback).
"""

from __future__ import annotations

import asyncio
import logging
import mmap
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from stores.infra.errors import Unavailable
from stores.infra.metrics import WATCH_UP

_STORE = "SELECT floorplan_version, planogram_version, closures_version FROM stores WHERE id = {p}"
_CATALOG = "SELECT version FROM catalog_state WHERE id = 1"
#: The channel migration 0007's triggers notify on: ``s:<store id>`` or ``c`` (the catalog).
CHANNEL = "aislepath_versions"
#: The tables whose writes are announced: a commit writing to them on this worker forgets at once.
ANNOUNCED_TABLES = frozenset({"stores", "catalog_state"})
_CATALOG_KEY = "c"
#: How often the LISTEN connection must prove it is alive, and how long it may take to answer.
HEARTBEAT_S = 1.0
log = logging.getLogger(__name__)
#: What asyncpg raises while PostgreSQL is down, restarting or unreachable.
_UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)


class WalHeader:
    """Whether any connection may have committed to a WAL-mode SQLite database since the last look.

    The wal-index (the ``-shm`` file every connection maps; https://www.sqlite.org/walformat.html)
    starts with two copies of a 48-byte header that every commit rewrites, one after the other:
    its change counter, frame count and salts change with each transaction. A look that finds the
    copies equal and as they were last time means no commit since; anything else (a change, the
    copies disagreeing during a commit) means "ask the database". The file stays while this
    process's own connection to the database is open (SQLite removes it only with the last one).
    """

    SIZE = 96

    def __init__(self, shm_path: str) -> None:
        with open(shm_path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), self.SIZE, access=mmap.ACCESS_READ)
        self._seen = b""

    @classmethod
    def of(cls, database: str) -> WalHeader | None:
        """The header of ``database``'s wal-index, or None when it has none (not in WAL mode)."""
        try:
            return cls(database + "-shm")
        except (OSError, ValueError):  # no such file, or shorter than a header
            return None

    def unchanged(self) -> bool:
        """True when nothing was committed since the last call (which saw the same header)."""
        header = self._map[: self.SIZE]
        if header == self._seen and header[:48] == header[48:]:
            return True
        self._seen = header if header[:48] == header[48:] else b""
        return False

    def close(self) -> None:
        self._map.close()


class VersionProbe:
    """``store_versions(store_id)`` -> (floorplan, planogram, closures versions) or None;
    ``catalog_version()`` -> int."""

    def __init__(self, database_url: str, watch: bool = True, connect_timeout_s: float = 5.0) -> None:
        url = make_url(database_url)
        self._connect_timeout_s = connect_timeout_s
        self._dialect = url.get_backend_name()
        self._sqlite: sqlite3.Connection | None = None
        self._pool: Any = None
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._watch_enabled = watch
        #: Numbers known to be current while the LISTEN connection is live (PostgreSQL only).
        self._known: dict[str, Any] = {}
        self._live = False
        #: Bumped by every announced change and every forget(); a read in flight across a bump
        #: is not kept.
        self._generation = 0
        self._listener: Any = None
        #: SQLite: the ``data_version`` the numbers in memory were read under, and the wal-index
        #: header that says when to ask for it again.
        self._data_version = -1
        self._wal: WalHeader | None = None
        if self._dialect == "sqlite":
            self._database = url.database or ":memory:"
            self._sqlite = sqlite3.connect(self._database, check_same_thread=False, isolation_level=None)
            self._sqlite.execute("PRAGMA query_only=ON")
        else:
            self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def _pg(self) -> Any:
        if self._pool is None:
            self._pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=4, timeout=self._connect_timeout_s)
        return self._pool

    async def _fetchrow(self, query: str, *args: Any) -> Any:
        """One row from PostgreSQL; a database that is away is a 503, and the next call retries."""
        try:
            return await (await self._pg()).fetchrow(query, *args)
        except _UNAVAILABLE as exc:
            raise Unavailable(f"The database is unavailable ({type(exc).__name__}); try again shortly.") from exc

    async def store_versions(self, store_id: str) -> tuple[int | None, int, int] | None:
        """(floorplan_version, planogram_version, closures_version), or None for an unknown store.

        On PostgreSQL: from memory while the watch is live (see the module's notes), else one
        read; concurrent requests for one store share the read already in flight (single
        flight), and a request never sees numbers older than a read that was still running when
        it arrived.
        """
        key = "s:" + store_id
        if self._sqlite is not None:
            return self._sqlite_read(key, _store_numbers, _STORE.format(p="?"), store_id)  # type: ignore[no-any-return]
        known = self._known.get(key)
        if known is not None:
            return known  # type: ignore[no-any-return]
        return await self._read(key, _store_numbers, _STORE.format(p="$1"), store_id)  # type: ignore[no-any-return]

    async def catalog_version(self) -> int:
        if self._sqlite is not None:
            return self._sqlite_read(_CATALOG_KEY, _catalog_number, _CATALOG)  # type: ignore[no-any-return]
        known = self._known.get(_CATALOG_KEY)
        if known is not None:
            return known  # type: ignore[no-any-return]
        return await self._read(_CATALOG_KEY, _catalog_number, _CATALOG)  # type: ignore[no-any-return]

    def _sqlite_read(self, key: str, decode: Callable[[Any], Any], query: str, *args: Any) -> Any:
        """From memory while no connection has committed since it was read, else one read (a
        commit between the look and the read only makes the kept numbers newer than the look
        says: the next request looks, sees the change and reads again)."""
        assert self._sqlite is not None
        if self._wal is not None and self._wal.unchanged() and (known := self._known.get(key)) is not None:
            return known
        data_version = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
        if self._wal is None and self._database != ":memory:":
            self._wal = WalHeader.of(self._database)  # there once this connection has read in WAL mode
        if data_version != self._data_version:
            self._known.clear()
            self._data_version = data_version
        elif (known := self._known.get(key)) is not None:
            return known
        value = decode(self._sqlite.execute(query, args).fetchone())
        if value is not None:  # an unknown store is not kept: made-up ids must not fill memory
            self._known[key] = value
        return value

    async def _read(self, key: str, decode: Callable[[Any], Any], query: str, *args: Any) -> Any:
        """One shared read per key at a time, decoded; kept in memory when the watch allows it."""
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        generation, live = self._generation, self._live
        try:
            value = decode(await self._fetchrow(query, *args))
            future.set_result(value)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark it retrieved: joiners re-raise it, nobody else must
            raise
        finally:
            del self._inflight[key]
        # None (an unknown store) is not kept: made-up ids must not fill memory. (The catalog's
        # row is created by its first import, which is announced like any change.)
        if value is not None and live and self._live and generation == self._generation:
            self._known[key] = value
        return value

    # -- the watch (PostgreSQL) ---------------------------------------------------------------

    def forget(self) -> None:
        """Drop every number held in memory (this worker committed something)."""
        self._generation += 1
        self._known.clear()

    def _announced(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._generation += 1
        self._known.pop(payload, None)

    def _lost(self, *_: Any) -> None:
        if self._live and self._listener is not None:
            log.warning("version watch lost its LISTEN connection; reading versions per request until it is back")
        self._stop()

    def _stop(self) -> None:
        self._live = False
        if self._sqlite is None and self._watch_enabled:
            WATCH_UP.set(0)
        self.forget()

    @property
    def watching(self) -> bool:
        """True while numbers may be served from memory."""
        return self._live

    async def watch(self) -> None:
        """Run for the worker's lifetime (a background task): keep a LISTEN connection, prove it
        alive every ``HEARTBEAT_S``, and reconnect with back-off when it is lost. Returns at
        once on SQLite, or when the watch is turned off (``AISLEPATH_VERSION_WATCH=0``)."""
        if self._sqlite is not None or not self._watch_enabled:
            return
        WATCH_UP.set(0)
        backoff = 0.1
        while True:
            try:
                self._listener = await asyncpg.connect(self._dsn, timeout=HEARTBEAT_S * 5)
                self._listener.add_termination_listener(self._lost)
                await self._listener.add_listener(CHANNEL, self._announced)
                self.forget()  # nothing read before the LISTEN may be kept
                self._live, backoff = True, 0.1
                WATCH_UP.set(1)
                log.info("version watch is live")
                while True:
                    await asyncio.sleep(HEARTBEAT_S)
                    started = time.monotonic()
                    await self._listener.fetchval("SELECT 1", timeout=HEARTBEAT_S)
                    if time.monotonic() - started > HEARTBEAT_S:
                        raise TimeoutError("heartbeat too slow")
            except asyncio.CancelledError:
                self._stop()
                await self._close_listener()
                raise
            except Exception as exc:  # any failure: stop serving from memory, then retry
                self._lost()
                await self._close_listener()
                log.debug("version watch: %s; retrying in %.1f s", type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and not listener.is_closed():
            listener.terminate()

    async def close(self) -> None:
        self._stop()
        await self._close_listener()
        if self._wal is not None:
            self._wal.close()
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pool is not None:
            await self._pool.close()


def _store_numbers(row: Any) -> tuple[int | None, int, int] | None:
    return None if row is None else (row[0], int(row[1] or 0), int(row[2] or 0))


def _catalog_number(row: Any) -> int:
    return 0 if row is None else int(row[0])
