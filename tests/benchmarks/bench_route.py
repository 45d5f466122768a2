"""Server time of ``POST /v1/stores/{id}/route`` for shopping lists of 10, 20 and 40 items.

Run by hand: ``.venv/bin/python -m tests.benchmarks.bench_route``. The ASGI app is called
directly (no network, no client), so the numbers are the server's own time per request:
resolving the list, distances, solving, stitching the path and encoding the answer.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from api.app import create_app
from stores.infra.settings import Settings
from tests.benchmarks.http import prepare
from tests.benchmarks.report import machine, percentile, table, write_section
from tests.support.postgres import TempPostgres

REQUESTS = 60


async def call(
    app: Any, path: str, body: bytes, method: str = "POST", headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"bench"), (b"content-type", b"application/json"), *(headers or [])],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}}  # fmt: skip
    sent = False
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["body"]


async def timed_routes(app: Any, bodies: list[bytes], warm_up: int = 5) -> tuple[list[float], list[dict[str, Any]]]:
    """Each body posted to the bench store's route in turn: the server times (ms) and answers of
    all but the first ``warm_up`` (which build the indexes)."""
    times, answers = [], []
    for i, body in enumerate(bodies):
        started = time.perf_counter()
        status, answer = await call(app, "/v1/stores/bench/route", body)
        elapsed = (time.perf_counter() - started) * 1000
        assert status == 200, answer[:300]
        if i >= warm_up:
            times.append(elapsed)
            answers.append(orjson.loads(answer))
    return times, answers


async def started_app(url: str, products: int = 3000) -> tuple[Any, list[str]]:
    """The bench store with ``products`` placed on ``url``'s database, and the app over it, started
    (no access log, no rate limits): the app and the skus."""
    catalog = await prepare(url, products)
    settings = Settings(database_url=url, auto_migrate=False, access_log=False, log_level="WARNING",
                        rate_limit_expensive="", rate_limit_per_address="")  # fmt: skip
    app = create_app(settings)
    for hook in app.on_startup:
        await hook(app)
    return app, [p["sku"] for p in catalog]


async def measure(url: str, label: str) -> list[list[object]]:
    app, skus = await started_app(url)
    rows: list[list[object]] = []
    rng = random.Random(7)
    for size in (10, 20, 40):
        lists = [[{"sku": s} for s in rng.sample(skus, size)] for _ in range(REQUESTS + 5)]
        for directions in (False, True):  # the same lists, without and with directions
            bodies = [orjson.dumps({"items": items, "directions": directions}) for items in lists]
            times, answers = await timed_routes(app, bodies)
            optimal = sum(bool(a["optimal"]) for a in answers)
            dist = [a["distance_m"] for a in answers]
            rows.append([label, size, "yes" if directions else "no", statistics.median(times), percentile(times, 95),
                         f"{optimal}/{REQUESTS}", round(statistics.median(dist))])  # fmt: skip
            print(rows[-1], file=sys.stderr)
    for hook in app.on_shutdown:
        await hook(app)
    return rows


def main() -> None:
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += asyncio.run(measure(f"sqlite+aiosqlite:///{Path(tmp) / 'route.sqlite3'}", "SQLite"))
        pg = TempPostgres(fast=False).start()
        try:
            rows += asyncio.run(measure(pg.create_database("route"), "PostGIS"))
        finally:
            pg.stop()
    header = ["database", "items", "directions", "median ms", "p95 ms", "proven optimal", "median walk m"]
    body = table(header, rows)
    print(body)
    write_section(
        "route",
        "## Route requests, server time (issue 5)\n\n"
        f"Machine: {machine()}. A 4,000 m² synthetic store, 3,000 products placed; {REQUESTS} requests per size "
        "of random skus (some not carried or out of stock, as in real lists); defaults (cold chain last, best "
        "entrance and checkout, 500 ms solver budget). Script: `tests/benchmarks/bench_route.py`.\n\n" + body,
    )


if __name__ == "__main__":
    main()
