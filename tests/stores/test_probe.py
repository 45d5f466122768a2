"""The version probe: fresh after every commit, and one shared read for concurrent requests."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update

from stores.db import Database
from stores.errors import Unavailable
from stores.models import Store
from stores.probe import VersionProbe
from stores.service import create_store
from stores.settings import Settings


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


def test_a_failed_read_fails_every_request_sharing_it(settings: Settings, backend: str) -> None:
    if backend != "postgis":
        pytest.skip("single flight applies to PostgreSQL")

    async def run() -> None:
        probe = VersionProbe(settings.database_url)
        probe._pool = CountingPool(await probe._pg(), fail=True)
        results = await asyncio.gather(*(probe.store_versions("s1") for _ in range(5)), return_exceptions=True)
        # Every request sharing the read gets the same answer: the database is unavailable (a 503).
        assert all(isinstance(r, Unavailable) and isinstance(r.__cause__, ConnectionError) for r in results)
        assert probe._inflight == {}
        await probe.close()

    asyncio.run(run())
