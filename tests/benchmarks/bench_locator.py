"""Store locator latency at 10,000 and 100,000 stores, on SQLite+SpatiaLite and PostGIS.

Run by hand: ``.venv/bin/python -m tests.benchmarks.bench_locator`` (starts its own PostgreSQL).
It calls the service function directly (no HTTP), so the numbers are the query's own cost:
index prefilter, row fetch and geodesic distances.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

from stores.bulk import insert_stores
from stores.infra import migrate
from stores.infra.db import Database
from stores.infra.settings import Settings
from stores.service import nearby_stores
from tests.benchmarks.report import machine, summarise_ms, table, write_section
from tests.stores.test_locator_db import random_world
from tests.support.postgres import TempPostgres

QUERIES = 400


def populated_queries(rows: list[dict], n: int, seed: int) -> list[tuple[float, float]]:
    """Query points near real stores (as shoppers are), jittered by up to ~5 km."""
    rng = random.Random(seed)
    picks = rng.sample(rows, n)
    return [(max(-90.0, min(90.0, r["lat"] + rng.uniform(-0.05, 0.05))), r["lon"]) for r in picks]


async def measure(settings: Settings, n: int) -> list[list[object]]:
    rows = random_world(n, seed=n)
    db = Database.connect(settings)
    async with db.sessionmaker() as session:
        await insert_stores(session, rows)
    if db.dialect == "postgresql":
        async with db.engine.begin() as conn:
            from sqlalchemy import text

            await conn.execute(text("ANALYZE stores"))
    results = []
    for label, radius, limit in (("nearest 10", None, 10), ("within 10 km, 50", 10_000.0, 50)):
        samples = []
        async with db.sessionmaker() as session:
            for lat, lon in populated_queries(rows, QUERIES, seed=1):
                started = time.perf_counter()
                await nearby_stores(session, lat=lat, lon=lon, radius_m=radius, limit=limit)
                samples.append((time.perf_counter() - started) * 1000)
        s = summarise_ms(samples[20:])  # first queries warm caches
        results.append([db.dialect, f"{n:,}", label, s["p50"], s["p95"], s["p99"]])
    await db.dispose()
    return results


def main() -> None:
    rows: list[list[object]] = []
    pg = TempPostgres(fast=False).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in (10_000, 100_000):
                sqlite = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / f'bench{n}.sqlite3'}")
                postgis = Settings(database_url=pg.create_database(f"bench{n}"))
                for settings in (sqlite, postgis):
                    migrate.upgrade(settings)
                    rows += asyncio.run(measure(settings, n))
                    print(rows[-2], rows[-1], file=sys.stderr)
    finally:
        pg.stop()
    body = table(["database", "stores", "query", "p50 ms", "p95 ms", "p99 ms"], rows)
    print(body)
    write_section(
        "locator",
        "## Store locator (`GET /v1/stores`), service call without HTTP\n\n"
        f"Machine: {machine()}. {QUERIES} queries near random stores of a random world "
        "(uniform on the sphere plus clusters at the antimeridian and the poles); "
        "script: `tests/benchmarks/bench_locator.py`.\n\n" + body,
    )


if __name__ == "__main__":
    main()
