"""The version probe: fresh after every commit, and one shared read for concurrent requests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import column, insert, table, text, update

from catalog.products import _bump_catalog_version
from stores.infra.db import Database
from stores.infra.errors import Unavailable
from stores.infra.probe import ANNOUNCED_TABLES, VersionProbe
from stores.infra.settings import Settings
from stores.models import Store
from stores.service import create_store

#: Single flight and the watch are PostgreSQL's (SQLite reads the numbers in microseconds).
POSTGRES_ONLY = pytest.mark.parametrize("backend", ["postgis"], indirect=True)


class CountingPool:
    """The real asyncpg pool, counting reads (or failing them)."""

    def __init__(self, pool, fail: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.pool, self.fail, self.calls = pool, fail, 0

    async def fetchrow(self, *args):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.fail:
            await asyncio.sleep(0.01)
            raise ConnectionError("database went away")
        return await self.pool.fetchrow(*args)

    async def close(self) -> None:
        await self.pool.close()


def test_probe_sees_each_commit_and_shares_reads_in_flight(settings: Settings, backend: str) -> None:
    async def run() -> None:
        db = Database.connect(settings)
        probe = VersionProbe(settings.database_url)
        async with db.sessionmaker() as session:
            await create_store(session, name="S", lat=1, lon=1, store_id="s1")
        assert await probe.store_versions("s1") == (None, 0, 0)
        assert await probe.store_versions("ghost") is None
        async with db.sessionmaker() as session:
            await session.execute(update(Store).where(Store.id == "s1").values(planogram_version=7))
            await session.commit()
        assert await probe.store_versions("s1") == (None, 7, 0)  # a read after a commit sees it
        if backend == "postgis":
            counting = CountingPool(await probe._pg())
            probe._pool = counting
            results = await asyncio.gather(*(probe.store_versions("s1") for _ in range(20)))
            assert results == [(None, 7, 0)] * 20
            assert counting.calls < 20
        await probe.close()
        await db.dispose()

    asyncio.run(run())


@POSTGRES_ONLY
def test_a_failed_read_fails_every_request_sharing_it(settings: Settings, backend: str) -> None:
    async def run() -> None:
        probe = VersionProbe(settings.database_url)
        probe._pool = CountingPool(await probe._pg(), fail=True)
        results = await asyncio.gather(*(probe.store_versions("s1") for _ in range(5)), return_exceptions=True)
        # Every request sharing the read gets the same answer: the database is unavailable (a 503).
        assert all(isinstance(r, Unavailable) and isinstance(r.__cause__, ConnectionError) for r in results)
        assert probe._inflight == {}
        await probe.close()

    asyncio.run(run())


# -- the watch (PostgreSQL LISTEN/NOTIFY) ---------------------------------------------------


async def until(condition, seconds: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``condition()`` holds; fail after ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def watching(settings: Settings) -> AsyncIterator[tuple[Database, VersionProbe]]:
    """A database with store s1 and a probe whose watch is live; stopped and closed after."""
    db = Database.connect(settings)
    async with db.sessionmaker() as session:
        await create_store(session, name="S", lat=1, lon=1, store_id="s1")
    probe = VersionProbe(settings.database_url)
    watch = asyncio.create_task(probe.watch())
    try:
        await until(lambda: probe.watching)
        yield db, probe
    finally:
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
        assert not probe.watching and probe._known == {}
        await probe.close()
        await db.dispose()


async def set_planogram_version(settings: Settings, store_id: str, version: int) -> None:
    """Commit a change from outside this worker's sessions (as another worker would)."""
    db = Database.connect(settings)
    async with db.sessionmaker() as session:
        await session.execute(update(Store).where(Store.id == store_id).values(planogram_version=version))
        await session.commit()
    await db.dispose()


@POSTGRES_ONLY
def test_the_watch_serves_versions_from_memory_until_a_commit_is_announced(settings: Settings, backend: str) -> None:
    async def run() -> None:
        async with watching(settings) as (db, probe):
            counting = CountingPool(await probe._pg())
            probe._pool = counting
            assert await probe.store_versions("s1") == (None, 0, 0)
            assert await probe.catalog_version() == 0
            reads = counting.calls
            for _ in range(50):
                assert await probe.store_versions("s1") == (None, 0, 0)
                assert await probe.catalog_version() == 0
            assert counting.calls == reads  # from memory: no round trip

            await set_planogram_version(settings, "s1", 5)  # another worker's commit
            await until(lambda: "s:s1" not in probe._known)  # its NOTIFY arrives
            assert await probe.store_versions("s1") == (None, 5, 0)
            assert counting.calls == reads + 1

            async with db.sessionmaker() as session:  # the catalog's version, too (its first import)
                await _bump_catalog_version(session)
                await session.commit()
            await until(lambda: "c" not in probe._known)
            assert await probe.catalog_version() == 1

            # Unknown stores are read each time, never remembered (no memory for made-up ids).
            assert await probe.store_versions("ghost") is None
            assert "s:ghost" not in probe._known

    asyncio.run(run())


@POSTGRES_ONLY
def test_a_read_that_races_an_announced_commit_is_not_kept(settings: Settings, backend: str) -> None:
    async def run() -> None:
        async with watching(settings) as (_db, probe):
            pool = await probe._pg()

            class RacingPool:
                """Reads the old numbers, then lets a commit be announced before the read returns."""

                async def fetchrow(self, *args):  # type: ignore[no-untyped-def]
                    row = await pool.fetchrow(*args)
                    generation = probe._generation
                    await set_planogram_version(settings, "s1", 9)
                    await until(lambda: probe._generation > generation)
                    return row

                async def close(self) -> None:
                    await pool.close()

            probe._pool = RacingPool()
            assert await probe.store_versions("s1") == (None, 0, 0)  # what it read, before the commit
            assert "s:s1" not in probe._known  # ... but not kept
            probe._pool = pool
            assert await probe.store_versions("s1") == (None, 9, 0)

    asyncio.run(run())


@POSTGRES_ONLY
def test_a_lost_listen_connection_falls_back_to_reads_then_recovers(settings: Settings, backend: str) -> None:
    async def run() -> None:
        async with watching(settings) as (db, probe):
            assert await probe.store_versions("s1") == (None, 0, 0)
            assert "s:s1" in probe._known

            pid = probe._listener.get_server_pid()
            async with db.sessionmaker() as session:  # the database drops the LISTEN connection
                await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await until(lambda: not probe.watching)
            assert probe._known == {}  # nothing from before is trusted
            # While no LISTEN is in place a missed commit cannot be served stale: reads are per request.
            await set_planogram_version(settings, "s1", 3)
            assert await probe.store_versions("s1") == (None, 3, 0)

            await until(lambda: probe.watching and probe._listener.get_server_pid() != pid)  # back by itself
            assert await probe.store_versions("s1") == (None, 3, 0)
            await set_planogram_version(settings, "s1", 4)
            await until(lambda: "s:s1" not in probe._known)
            assert await probe.store_versions("s1") == (None, 4, 0)

    asyncio.run(run())


@POSTGRES_ONLY
def test_this_workers_own_commit_is_read_back_at_once(settings: Settings, backend: str) -> None:
    """Read your own writes: a commit through this worker's sessions drops what the watch holds,
    before its announcement arrives."""

    async def run() -> None:
        async with watching(settings) as (db, probe):
            db.on_commit(ANNOUNCED_TABLES, probe.forget)
            assert await probe.store_versions("s1") == (None, 0, 0)
            probe._announced = lambda *_: None  # type: ignore[method-assign]  # announcements are late
            async with db.sessionmaker() as session:  # a commit to other tables keeps what is known
                await session.execute(text("CREATE TEMP TABLE t (x int)"))
                await session.execute(insert(table("t", column("x"))).values(x=1))
                await session.commit()
            assert "s:s1" in probe._known
            async with db.sessionmaker() as session:
                await session.execute(update(Store).where(Store.id == "s1").values(planogram_version=2))
                await session.commit()
            assert await probe.store_versions("s1") == (None, 2, 0)

    asyncio.run(run())


SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_sqlite_serves_numbers_from_memory_until_any_connection_commits(settings: Settings, backend: str) -> None:
    """Another process's commit (here: a plain sqlite3 connection) is seen by the very next read;
    while nothing is committed, reads run no statement at all (the wal-index header says so)."""
    import random
    import sqlite3

    async def run() -> None:
        db = Database.connect(settings)
        async with db.sessionmaker() as session:
            await create_store(session, name="S", lat=1, lon=1, store_id="s1")
            await create_store(session, name="T", lat=1, lon=1, store_id="s2")
        probe = VersionProbe(settings.database_url)
        statements: list[str] = []
        assert probe._sqlite is not None
        probe._sqlite.set_trace_callback(statements.append)
        writer = sqlite3.connect(settings.database_url.split("///", 1)[1], isolation_level=None)
        rng = random.Random(7)
        for step in range(300):
            if rng.random() < 0.3:  # a commit elsewhere, to one store or the other
                store = rng.choice(["s1", "s2"])
                writer.execute("UPDATE stores SET planogram_version = ? WHERE id = ?", (step, store))
            for store in ("s1", "s2"):
                (expected,) = writer.execute("SELECT planogram_version FROM stores WHERE id = ?", (store,)).fetchone()
                numbers = await probe.store_versions(store)
                assert numbers is not None and numbers[1] == expected, (step, store)
        assert probe._wal is not None, "the wal-index header is watched"
        await probe.store_versions("s1")  # the first look after the last commit asks, once
        await probe.catalog_version()
        statements.clear()
        for _ in range(100):  # nothing committed: memory only
            await probe.store_versions("s1")
            await probe.catalog_version()
        assert statements == []
        writer.execute("UPDATE stores SET closures_version = 5 WHERE id = 's1'")
        assert await probe.store_versions("s1") == (None, (await probe.store_versions("s1"))[1], 5)  # type: ignore[index]
        assert statements, "a commit makes it ask the database"
        writer.close()
        await probe.close()
        await db.dispose()

    asyncio.run(run())


def test_the_wal_header_notices_every_change(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from stores.infra.probe import WalHeader

    path = str(tmp_path / "w.sqlite3")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (x INTEGER)")
    header = WalHeader.of(path)
    assert header is not None and not header.unchanged()  # the first look has nothing to compare
    assert header.unchanged()
    for i in range(50):
        writer.execute("INSERT INTO t VALUES (?)", (i,))
        assert not header.unchanged() and header.unchanged()
        if i % 10 == 9:  # a checkpoint and a log restart change nothing a reader sees, or say so
            writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            header.unchanged()
    assert WalHeader.of(str(tmp_path / "none.sqlite3")) is None
    header.close()
    writer.close()
