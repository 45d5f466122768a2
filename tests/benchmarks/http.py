"""Helpers for HTTP benchmarks: prepare a database, start the real server, drive wrk and hey."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import make_url

from tests.support.server import ADMIN, Server, free_port  # noqa: F401  (re-exported for the benchmarks)


def wrk(
    url: str, seconds: int = 8, connections: int = 32, threads: int = 1, script: str | None = None
) -> dict[str, float]:
    """Max throughput and latency percentiles from wrk (--latency)."""
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        args += ["-s", script]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = float(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    result = {"rps": rps, "requests": requests}
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if m:
            value, unit = float(m.group(1)), m.group(2)
            result[f"p{pct}"] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    result["errors"] = float(non2xx.group(1)) if non2xx else 0.0
    return result


def hey(
    url: str, rate: float, seconds: int = 8, connections: int = 16, method: str = "GET", body: bytes | None = None
) -> dict[str, float]:
    """Latency percentiles at a fixed total request rate (hey's -q is per connection).

    Percentiles come from hey's per-request CSV, not its summary (0.1.4 misprints the 99% line).
    """
    per = max(1, round(rate / connections))
    args = ["hey", "-z", f"{seconds}s", "-c", str(connections), "-q", str(per), "-m", method, "-o", "csv"]
    if body is not None:
        args += ["-T", "application/json", "-d", body.decode()]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    lines = out.strip().splitlines()[1:]
    latencies, errors = [], 0
    for line in lines:
        fields = line.split(",")
        latencies.append(float(fields[0]) * 1000)
        errors += not fields[6].startswith("2")
    from tests.benchmarks.report import percentile

    return {
        "rate": per * connections,
        "rps": len(latencies) / seconds,
        "p50": percentile(latencies, 50),
        "p90": percentile(latencies, 90),
        "p99": percentile(latencies, 99),
        "errors": float(errors),
    }


def post_script(path: Path, body: Any) -> str:
    """A wrk Lua script that POSTs ``body`` as JSON."""
    payload = orjson.dumps(body).decode().replace("\\", "\\\\").replace('"', '\\"')
    path.write_text(f'wrk.method = "POST"\nwrk.body = "{payload}"\nwrk.headers["Content-Type"] = "application/json"\n')
    return str(path)


async def prepare(
    database_url: str, products: int, area_m2: float = 4000, store_id: str = "bench", plan: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Migrate, create a store with a synthetic plan (or ``plan``), import a catalog and place it.
    Returns the catalog."""
    from catalog.placements import PlacementRow, replace_planogram
    from catalog.products import import_products
    from catalog.synthetic import synthetic_catalog, synthetic_planogram
    from stores.floorplan.service import ArtifactCache, upload_plan
    from stores.floorplan.synthetic import synthetic_store
    from stores.infra import migrate
    from stores.infra.db import Database
    from stores.infra.settings import Settings
    from stores.service import create_store

    settings = Settings(database_url=database_url)
    await asyncio.to_thread(migrate.upgrade, settings)
    db = Database.connect(settings)
    catalog = synthetic_catalog(products)
    async with db.sessionmaker() as session:
        await create_store(session, name="Bench", lat=52.5, lon=13.4, store_id=store_id)
        document = plan if plan is not None else synthetic_store(area_m2)
        await upload_plan(session, store_id, orjson.dumps(document), "application/json")
        await import_products(session, enumerate(catalog))
        artifact = await ArtifactCache().live(session, store_id)
        rows = [PlacementRow(r["sku"], r["shelf"], r.get("position_m"), r.get("level"), r.get("stock"))
                for r in synthetic_planogram(catalog, artifact)]  # fmt: skip
        await replace_planogram(session, store_id, rows, artifact)
    await db.dispose()
    return catalog


async def _pg_transactions(url: str) -> int:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        query = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        return int(await connection.fetchval(query))
    finally:
        await connection.close()


def pg_transactions(url: str) -> int:
    """Transactions PostgreSQL has counted in ``url``'s database (after a pause: backends report
    their counts when idle, at most once a second)."""
    time.sleep(2.0)
    return asyncio.run(_pg_transactions(url))
