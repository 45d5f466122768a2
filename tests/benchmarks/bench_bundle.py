"""The offline store bundle of a big store: how long it takes to build, to serve again, and
how big it is, raw and compressed.

Run by hand: ``.venv/bin/python -m tests.benchmarks.bench_bundle``. In-process (the ASGI app
called directly), SQLite: 50,000 products in the catalog, a 4,000 m² store with ~37,000 placements.
"""

from __future__ import annotations

import asyncio
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import brotli

from api.app import create_app
from stores.infra.settings import Settings
from tests.benchmarks.bench_route import call
from tests.benchmarks.http import prepare
from tests.benchmarks.report import machine, table, write_section

PRODUCTS = 50_000


async def measure(url: str) -> list[list[object]]:
    await prepare(url, PRODUCTS)
    app = create_app(Settings(database_url=url, auto_migrate=False, access_log=False, log_level="WARNING"))
    for hook in app.on_startup:
        await hook(app)
    await call(app, "/v1/stores/bench/products/x/locations", b"", "GET")  # the location index, built once
    started = time.perf_counter()
    status, body = await call(app, "/v1/stores/bench/bundle", b"", "GET")
    first = (time.perf_counter() - started) * 1000
    assert status == 200, body[:300]
    again = []
    for _ in range(20):
        started = time.perf_counter()
        await call(app, "/v1/stores/bench/bundle", b"", "GET")
        again.append((time.perf_counter() - started) * 1000)
    for hook in app.on_shutdown:
        await hook(app)
    carried = body.count(b'"carried":true')
    started = time.perf_counter()
    zipped = gzip.compress(body, 6)
    gzip_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    squeezed = brotli.compress(body, quality=4)
    brotli_ms = (time.perf_counter() - started) * 1000
    return [["bundle, first request of a version (built)", f"{first:.1f}", carried, f"{len(body) / 2**20:.1f}",
             f"{len(zipped) / 2**20:.2f} ({gzip_ms:.0f} ms)", f"{len(squeezed) / 2**20:.2f} ({brotli_ms:.0f} ms)"],
            ["bundle, again (from memory)", f"{statistics.median(again):.1f}", carried, "", "", ""]]  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = asyncio.run(measure(f"sqlite+aiosqlite:///{Path(tmp) / 'bundle.sqlite3'}"))
    body = table(["request", "ms", "products", "MiB raw", "MiB gzip 6 (time)", "MiB brotli 4 (time)"], rows)
    print(body)
    write_section(
        "bundle",
        "## The offline store bundle (issue 18)\n\n"
        f"Machine: {machine()}. In-process (the ASGI app called directly, without the compression the server "
        f"adds on the wire), SQLite, {PRODUCTS:,} products in the catalog, a 4,000 m² store with its carried "
        "products placed; the location index built before the first bundle request. 'again': the median of 20. "
        "The compression times are what the server's compression middleware spends on each full bundle it sends "
        "(a phone that has the version gets a 304 and costs none of it). "
        "Script: `tests/benchmarks/bench_bundle.py`.\n\n" + body,
    )


if __name__ == "__main__":
    main()
