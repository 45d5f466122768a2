"""The locator on real databases, against brute force over 10,000 random stores worldwide."""

from __future__ import annotations

import asyncio
import random

import numpy as np
import pytest
from sqlalchemy import text

from stores.bulk import insert_stores
from stores.infra.db import Database
from stores.infra.settings import Settings
from stores.locator import geodesic_distances_m
from stores.service import nearby_stores


def random_world(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        # Uniform on the sphere, plus clusters at the antimeridian and the poles.
        kind = i % 10
        if kind == 0:
            lat, lon = rng.uniform(-60, 60), rng.choice([179.0, -179.0]) + rng.uniform(-1, 1)
            lon = (lon + 180) % 360 - 180
        elif kind == 1:
            lat, lon = rng.choice([1, -1]) * rng.uniform(88.0, 90.0), rng.uniform(-180, 180)
        else:
            lat, lon = float(np.degrees(np.arcsin(rng.uniform(-1, 1)))), rng.uniform(-180, 180)
        rows.append({"id": f"s{i:05d}", "name": f"Store {i}", "lat": lat, "lon": lon})
    return rows


QUERIES = [
    # (lat, lon, radius_m, limit)
    (52.52, 13.40, None, 10),
    (0.0, 179.95, 300_000, 50),  # straddles the antimeridian
    (-0.3, -179.99, None, 25),
    (89.99, 45.0, 500_000, 100),  # at the north pole
    (-89.5, -120.0, None, 20),
    (35.0, 139.0, 50_000, 100),  # probably empty
    (-33.9, 18.4, None, 1),
    (10.0, 100.0, 20_000_000, 100),  # most of the world
]


@pytest.fixture
def world(settings: Settings) -> tuple[Database, list[dict]]:
    rows = random_world(10_000, seed=7)

    async def load() -> None:
        db = Database.connect(settings)
        async with db.sessionmaker() as session:
            await insert_stores(session, rows)
        await db.dispose()

    asyncio.run(load())
    return Database.connect(settings), rows


def brute_force(rows: list[dict], lat: float, lon: float, radius: float | None, limit: int) -> list[tuple[str, float]]:
    d = geodesic_distances_m(lat, lon, np.array([r["lat"] for r in rows]), np.array([r["lon"] for r in rows]))
    pairs = sorted((float(dist), r["id"]) for dist, r in zip(d, rows, strict=True) if radius is None or dist <= radius)
    return [(sid, dist) for dist, sid in pairs[:limit]]


def test_nearest_stores_match_brute_force(world: tuple[Database, list[dict]]) -> None:
    db, rows = world
    rng = random.Random(11)
    queries = list(QUERIES) + [
        (
            rng.uniform(-90, 90),
            rng.uniform(-180, 180),
            rng.choice([None, 100_000.0, 2_000_000.0]),
            rng.randint(1, 60),
        )
        for _ in range(40)
    ]

    async def run() -> None:
        async with db.sessionmaker() as session:
            for lat, lon, radius, limit in queries:
                got = await nearby_stores(session, lat=lat, lon=lon, radius_m=radius, limit=limit)
                expected = brute_force(rows, lat, lon, radius, limit)
                assert [n.store.id for n in got] == [sid for sid, _ in expected], (
                    lat,
                    lon,
                    radius,
                    limit,
                )
                assert all(abs(n.distance_m - dist) < 0.01 for n, (_, dist) in zip(got, expected, strict=True))
        await db.dispose()

    asyncio.run(run())


def test_locator_query_uses_the_spatial_index(world: tuple[Database, list[dict]], backend: str) -> None:
    db, _ = world

    async def plan() -> str:
        from sqlalchemy import select

        from stores.locator import search_boxes
        from stores.models import Store
        from stores.service import _box_filter

        stmt = select(Store.id).where(_box_filter(db.dialect, search_boxes(52.5, 13.4, 25_000)))
        compiled = stmt.compile(db.engine.sync_engine, compile_kwargs={"literal_binds": True})
        async with db.engine.connect() as conn:
            prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN "
            if backend == "postgis":
                await conn.execute(text("ANALYZE stores"))
            result = await conn.execute(text(prefix + str(compiled)))
            lines = [" ".join(str(c) for c in row) for row in result]
        await db.dispose()
        return "\n".join(lines)

    query_plan = asyncio.run(plan())
    assert "idx_stores_location" in query_plan, query_plan
    if backend == "sqlite":
        assert "SCAN stores" not in query_plan, query_plan
    else:
        assert "Seq Scan" not in query_plan, query_plan
