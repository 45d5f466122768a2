"""Faults, for real: the database goes away, a worker is SIGKILLed mid-write, settings that keep
committed writes. Each test runs the real server (aislepath serve) in a subprocess; PostgreSQL runs with
its production defaults (fsync and synchronous_commit on), not the fast test cluster's."""

from __future__ import annotations

import contextlib
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from catalog.synthetic import synthetic_catalog
from stores.floorplan.synthetic import synthetic_store
from stores.infra import migrate
from stores.infra.settings import Settings
from tests.catalog.conftest import PLAN, PRODUCTS
from tests.support.postgres import TempPostgres
from tests.support.server import ADMIN, Server

AUTH = {"Authorization": f"Bearer {ADMIN}"}
PUBLISH = "/v1/stores/s1/floorplan?publish=true&confirm_drops=true"  # a bigger plan drops placements
JSON = {"content-type": "application/json"}
_names = iter(range(10_000))


@pytest.fixture(scope="module")
def durable_pg() -> Iterator[TempPostgres]:
    server = TempPostgres(fast=False).start()
    try:
        yield server
    finally:
        server.stop()


def new_database(backend: str, durable_pg: TempPostgres, tmp_path: Path) -> str:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / f'fault{next(_names)}.sqlite3'}"
    else:
        url = durable_pg.create_database(f"fault{next(_names)}")
    migrate.upgrade(Settings(database_url=url))
    return url


def start(url: str, **env: str) -> tuple[Server, httpx.Client]:
    server = Server(url, extra_env={"AISLEPATH_AUTO_MIGRATE": "0", **env})
    return server, httpx.Client(base_url=server.url, headers=AUTH, timeout=60)


def seed_small(http: httpx.Client) -> None:
    assert http.post("/v1/stores", json={"id": "s1", "name": "S", "lat": 1, "lon": 1}).status_code == 201
    assert http.put("/v1/stores/s1/floorplan?publish=true", content=orjson.dumps(PLAN), headers=JSON).status_code == 201
    assert http.put("/v1/products", content=orjson.dumps(PRODUCTS), headers=JSON).status_code == 200
    assert http.put("/v1/stores/s1/placements", json=[{"sku": "bread-1", "shelf": "s1"}]).status_code == 200


def is_problem(response: httpx.Response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"].startswith("application/problem+json")


@pytest.fixture(params=["sqlite", "postgis"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- the database goes away ---------------------------------------------------------------


def test_postgres_going_away_is_a_503_and_the_service_recovers_by_itself(
    durable_pg: TempPostgres, tmp_path: Path
) -> None:
    server, http = start(new_database("postgis", durable_pg, tmp_path))
    try:
        seed_small(http)
        paths = ["/v1/stores/s1", "/v1/stores/s1/products/bread-1/locations", "/v1/stores/s1/floorplan", "/ready"]
        assert all(http.get(p).status_code == 200 for p in paths)
        durable_pg.pause()
        try:
            for path in paths:
                response = http.get(path)
                assert is_problem(response, 503), (path, response.text, Path(server.log.name).read_text()[-3000:])
                assert int(response.headers["retry-after"]) >= 1
            write = http.post("/v1/stores/s1/placements", json=[{"sku": "milk-1", "shelf": "s5"}])
            assert is_problem(write, 503), write.text
            assert http.get("/health").status_code == 200  # the process itself is fine
        finally:
            durable_pg.resume()
        deadline = time.monotonic() + 30
        while http.get("/v1/stores/s1").status_code != 200:
            assert time.monotonic() < deadline, "did not recover"
            time.sleep(0.2)
        assert all(http.get(p).status_code == 200 for p in paths)
        assert http.post("/v1/stores/s1/placements", json=[{"sku": "milk-1", "shelf": "s5"}]).status_code == 200
        shelves = {loc["shelf"] for loc in http.get("/v1/stores/s1/products/milk-1/locations").json()["locations"]}
        assert shelves == {"s5"}
    finally:
        server.stop()


def test_a_database_that_accepts_but_never_answers_is_a_503_within_the_connect_timeout(
    durable_pg: TempPostgres, tmp_path: Path
) -> None:
    """A database host that is away but whose address still takes connections (a stuck server, a
    balancer in front of nothing): new connections give up after AISLEPATH_DB_CONNECT_TIMEOUT_S
    (asyncpg's own default would hold each request 60 s)."""
    server, http = start(new_database("postgis", durable_pg, tmp_path), AISLEPATH_DB_CONNECT_TIMEOUT_S="1")
    try:
        seed_small(http)
        paths = ["/ready", "/v1/stores/s1", "/v1/stores/s1/products/bread-1/locations"]
        assert all(http.get(p).status_code == 200 for p in paths)
        durable_pg.pause()
        with socket.socket() as silent:  # on the database's port: takes connections, never answers
            silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            silent.bind(("127.0.0.1", durable_pg.port))
            silent.listen(64)
            try:
                for path in paths:
                    response = http.get(path, timeout=15)  # a hang is a ReadTimeout here
                    assert is_problem(response, 503), (path, response.text)
            finally:
                silent.close()
                durable_pg.resume()
        deadline = time.monotonic() + 30
        while http.get("/ready").status_code != 200:
            assert time.monotonic() < deadline, "did not recover"
            time.sleep(0.2)
    finally:
        server.stop()


def test_sqlite_locked_past_the_busy_timeout_is_a_503_then_writes_resume(
    durable_pg: TempPostgres, tmp_path: Path
) -> None:
    url = new_database("sqlite", durable_pg, tmp_path)
    server, http = start(url, AISLEPATH_SQLITE_BUSY_TIMEOUT_MS="300")
    try:
        seed_small(http)
        holder = sqlite3.connect(url.removeprefix("sqlite+aiosqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock (a backup, a stuck tool)
        try:
            write = http.post("/v1/stores/s1/placements", json=[{"sku": "milk-1", "shelf": "s5"}])
            assert is_problem(write, 503), write.text
            assert http.get("/v1/stores/s1/products/bread-1/locations").status_code == 200  # WAL: reads go on
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert http.post("/v1/stores/s1/placements", json=[{"sku": "milk-1", "shelf": "s5"}]).status_code == 200
    finally:
        server.stop()


# -- SIGKILL in the middle of a write ----------------------------------------------------------


def kill_during(url: str, request: Callable[[httpx.Client], Any], after_s: float) -> None:
    """Start the server, send ``request`` and SIGKILL the server ``after_s`` seconds later."""
    server, http = start(url)
    sender = threading.Thread(target=lambda: _ignore_errors(request, http))
    sender.start()
    time.sleep(after_s)
    server.kill()
    sender.join()
    Path(server.log.name).unlink(missing_ok=True)


def _ignore_errors(request: Callable[[httpx.Client], Any], http: httpx.Client) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server dies under it, as intended
        request(http)


def test_sigkill_during_a_floor_plan_upload_leaves_one_whole_version_live(
    backend: str, durable_pg: TempPostgres, tmp_path: Path
) -> None:
    url = new_database(backend, durable_pg, tmp_path)
    big = orjson.dumps(synthetic_store(15_000, seed=5))
    server, http = start(url)
    try:
        seed_small(http)
        started = time.perf_counter()
        assert http.put(PUBLISH, content=big, headers=JSON).status_code == 201  # version 2
        upload_s = time.perf_counter() - started
        assert http.post("/v1/stores/s1/floorplan/versions/1/activate").status_code == 200
        live_source = http.get("/v1/stores/s1/floorplan").content
    finally:
        server.stop()

    outcomes = []
    for fraction in (0.3, 0.9, 1.02):
        kill_during(url, lambda h: h.put(PUBLISH, content=big, headers=JSON), upload_s * fraction)
        server, http = start(url)
        try:
            store = http.get("/v1/stores/s1").json()
            versions = http.get("/v1/stores/s1/floorplan/versions").json()["versions"]
            plan = http.get("/v1/stores/s1/floorplan")
            if store["floorplan_version"] == 1:
                assert plan.content == live_source  # the previous version, whole
                outcomes.append("old")
            else:  # the upload committed before the kill: the new version, whole
                assert store["floorplan_version"] == max(v["version"] for v in versions)
                assert len(plan.json()["features"]) > 1000
                outcomes.append("new")
                assert http.post("/v1/stores/s1/floorplan/versions/1/activate").status_code == 200
            assert [v["live"] for v in versions].count(True) == 1
            assert http.get("/v1/stores/s1/products/bread-1/locations").status_code == 200
        finally:
            server.stop()
    assert "old" in outcomes, outcomes  # at least one kill landed before the commit


def test_sigkill_during_a_planogram_replace_keeps_the_previous_planogram(
    backend: str, durable_pg: TempPostgres, tmp_path: Path
) -> None:
    url = new_database(backend, durable_pg, tmp_path)
    plan = synthetic_store(15_000, seed=6)
    shelves = [f["properties"]["id"] for f in plan["features"] if f["properties"]["kind"] == "shelf"]
    products = synthetic_catalog(5000, seed=6)
    n = len(shelves)
    rows = [{"sku": p["sku"], "shelf": shelves[(i * 8 + k) % n]} for i, p in enumerate(products) for k in range(8)]
    first, second = rows[::2], rows[1::2]
    server, http = start(url)
    try:
        assert http.post("/v1/stores", json={"id": "s1", "name": "S", "lat": 1, "lon": 1}).status_code == 201
        assert (
            http.put("/v1/stores/s1/floorplan?publish=true", content=orjson.dumps(plan), headers=JSON).status_code
            == 201
        )
        assert http.put("/v1/products", content=orjson.dumps(products), headers=JSON).status_code == 200
        assert http.put("/v1/stores/s1/placements", json=first).json()["planogram_version"] == 1
        started = time.perf_counter()
        assert http.put("/v1/stores/s1/placements", json=second).status_code == 200  # timing run
        replace_s = time.perf_counter() - started
        assert http.put("/v1/stores/s1/placements", json=first).json()["planogram_version"] == 3
    finally:
        server.stop()

    def where(http: httpx.Client, sku: str) -> set[str]:
        return {loc["shelf"] for loc in http.get(f"/v1/stores/s1/products/{sku}/locations").json()["locations"]}

    expected_old = {r["shelf"] for r in first if r["sku"] == products[0]["sku"]}
    expected_new = {r["shelf"] for r in second if r["sku"] == products[0]["sku"]}
    outcomes, baseline = [], 3
    for fraction in (0.2, 0.6, 0.9):
        kill_during(url, lambda h: h.put("/v1/stores/s1/placements", json=second), replace_s * fraction)
        server, http = start(url)
        try:
            version = http.get("/v1/stores/s1").json()["planogram_version"]
            if version == baseline:  # the previous planogram, whole
                assert where(http, products[0]["sku"]) == expected_old
                outcomes.append("old")
            else:  # the replace committed before the kill: the new one, whole; then restore
                assert version == baseline + 1 and where(http, products[0]["sku"]) == expected_new
                outcomes.append("new")
                baseline = http.put("/v1/stores/s1/placements", json=first).json()["planogram_version"]
        finally:
            server.stop()
    assert "old" in outcomes, outcomes


# -- settings that keep committed writes --------------------------------------------------------


def test_databases_run_with_settings_that_keep_committed_writes(
    backend: str, durable_pg: TempPostgres, tmp_path: Path
) -> None:
    import asyncio

    from sqlalchemy import text

    from stores.infra.db import Database

    url = new_database(backend, durable_pg, tmp_path)

    async def settings_seen_by_the_app() -> dict[str, str]:
        db = Database.connect(Settings(database_url=url))
        try:
            async with db.engine.connect() as connection:
                if backend == "sqlite":
                    names = ("journal_mode", "synchronous")
                    return {n: str((await connection.execute(text(f"PRAGMA {n}"))).scalar()) for n in names}
                names = ("fsync", "synchronous_commit", "full_page_writes")
                return {n: str((await connection.execute(text(f"SHOW {n}"))).scalar()) for n in names}
        finally:
            await db.dispose()

    seen = asyncio.run(settings_seen_by_the_app())
    if backend == "sqlite":
        assert seen == {"journal_mode": "wal", "synchronous": "2"}  # 2 = FULL: survives power loss
    else:
        assert seen == {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
    shutil.rmtree(tmp_path, ignore_errors=True)
