"""Issue 4's benchmark: hello-world vs the locations lookup, search and a 30-item locate, over HTTP.

Run by hand: ``.venv/bin/python -m tests.benchmarks.bench_catalog_http [--servers granian,uvicorn]``
(needs wrk and hey from Debian; starts its own PostgreSQL). One worker of ``aislepath serve`` per
database and server, the load generator beside it on the same 2 cores. ``/health`` is the
hello-world ceiling: a Litestar JSON endpoint through the same middleware, no database.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from tests.benchmarks.http import Server, hey, pg_transactions, post_script, prepare, wrk
from tests.benchmarks.report import machine, table, write_section
from tests.support.postgres import TempPostgres

PRODUCTS = 50_000
QUERIES = ["sourdogh bred", "whole milk", "vollmilch", "酸种面包", "creme fraiche", "frozen pizza", "olive oil",
           "laundry detergent", "basmati", "dark chocolate", "orange juice", "toothpaste"]  # fmt: skip


def lua_paths(path: Path, urls: list[str]) -> str:
    """A wrk script that requests a random path from ``urls`` each time."""
    items = ",".join('"' + u.replace('"', '\\"') + '"' for u in urls)
    path.write_text(
        f"local paths = {{{items}}}\nrequest = function()\n  return wrk.format(nil, paths[math.random(#paths)])\nend\n"
    )
    return str(path)


def run(url: str, tmp: Path, label: str, servers: list[str]) -> list[list[object]]:
    catalog = asyncio.run(prepare(url, PRODUCTS))
    rows: list[list[object]] = []
    for server in servers:
        rows += run_server(url, tmp, f"{label}, {server}", catalog, server)
    return rows


def run_server(url: str, tmp: Path, label: str, catalog: list[dict[str, object]], kind: str) -> list[list[object]]:
    postgres = url.startswith("postgresql")
    rng = random.Random(1)
    skus = [p["sku"] for p in rng.sample(catalog, 400)]
    # Search and locate rows measure matching itself: the server remembers no queries. A second
    # server, as deployed, answers repeated queries from memory.
    server = Server(url, extra_env={"AISLEPATH_SEARCH_CACHE_QUERIES": "0"}, server=kind)
    rows: list[list[object]] = []
    try:
        base = server.url
        locations = lua_paths(tmp / "loc.lua", [f"/v1/stores/bench/products/{s}/locations" for s in skus])
        searches = lua_paths(tmp / "q.lua", [f"/v1/stores/bench/products?q={quote(q)}&limit=10" for q in QUERIES])
        locate_body = {"items": [{"sku": s} for s in skus[:25]] + [{"query": q} for q in QUERIES[:5]]}
        locate = post_script(tmp / "locate.lua", locate_body)
        wrk(base + "/health", seconds=2)  # warm up
        wrk(base + "/v1/stores/bench/products/x/locations", seconds=2, script=locations)
        wrk(base + "/v1/stores/bench/products", seconds=2, script=searches)
        hello = wrk(base + "/health")
        before = pg_transactions(url) if postgres else 0
        loc = wrk(base + "/", script=locations)
        if postgres:
            loc["db"] = (pg_transactions(url) - before) / loc["requests"]
        srch = wrk(base + "/", script=searches)
        loct = wrk(base + "/v1/stores/bench/locate", script=locate)
        at80 = hey(f"{base}/v1/stores/bench/products/{skus[0]}/locations", rate=0.8 * loc["rps"])
        search_rate = min(100.0, 0.25 * srch["rps"])  # a busy store's worth of searches per worker
        # Two connections: hey's workers fire in step, so 16 would queue 16 searches per tick.
        at_search = hey(f"{base}/v1/stores/bench/products?q=sourdogh%20bred&limit=10", rate=search_rate, connections=2)
        for name, r in (("hello-world (/health)", hello), ("product locations", loc), ("search, 50k products", srch),
                        ("locate, 30 items", loct)):  # fmt: skip
            rows.append([label, name, round(r["rps"]), f"{100 * r['rps'] / hello['rps']:.0f}%", r.get("p50", 0.0),
                         r.get("p99", 0.0), int(r["errors"]), _per_request(r)])  # fmt: skip
        rows.append(
            [
                label,
                "locations at 80% of its max",
                round(at80["rps"]),
                "",
                at80["p50"],
                at80["p99"],
                int(at80["errors"]),
                "",
            ]
        )
        rows.append([label, "search at 100 req/s", round(at_search["rps"]), "", at_search["p50"], at_search["p99"],
                     int(at_search["errors"]), ""])  # fmt: skip
    finally:
        server.stop()
    server = Server(url, server=kind)
    try:
        wrk(server.url + "/", seconds=2, script=searches)
        remembered = wrk(server.url + "/", script=searches)
        rows.append([label, "search, 12 queries repeated (remembered)", round(remembered["rps"]),
                     f"{100 * remembered['rps'] / hello['rps']:.0f}%", remembered.get("p50", 0.0),
                     remembered.get("p99", 0.0), int(remembered["errors"]), ""])  # fmt: skip
    finally:
        server.stop()
    if postgres:
        # The same lookup with the version watch off: one (shared) read of the versions per request.
        server = Server(url, extra_env={"AISLEPATH_VERSION_WATCH": "0"}, server=kind)
        try:
            wrk(server.url + "/", seconds=2, script=locations)
            before = pg_transactions(url)
            off = wrk(server.url + "/", script=locations)
            off["db"] = (pg_transactions(url) - before) / off["requests"]
            at80 = hey(f"{server.url}/v1/stores/bench/products/{skus[0]}/locations", rate=0.8 * off["rps"])
            rows.append([label, "product locations, watch off", round(off["rps"]),
                         f"{100 * off['rps'] / hello['rps']:.0f}%", off.get("p50", 0.0), off.get("p99", 0.0),
                         int(off["errors"]), _per_request(off)])  # fmt: skip
            rows.append([label, "... at 80% of its max", round(at80["rps"]), "", at80["p50"], at80["p99"],
                         int(at80["errors"]), ""])  # fmt: skip
        finally:
            server.stop()
    return rows


def _per_request(result: dict[str, float]) -> str:
    db = result.get("db")
    return "" if db is None else f"{db:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default="granian,uvicorn", help="comma-separated: granian, uvicorn")
    servers = parser.parse_args().servers.split(",")
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}", Path(tmp), "SQLite", servers)
        print(rows, file=sys.stderr)
        pg = TempPostgres(fast=False).start()
        try:
            rows += run(pg.create_database("bench"), Path(tmp), "PostGIS", servers)
        finally:
            pg.stop()
    header = ["database, server", "endpoint", "req/s", "of hello", "p50 ms", "p99 ms", "errors",
              "DB transactions / request"]  # fmt: skip
    body = table(header, rows)
    print(body)
    write_section(
        "catalog-http",
        "## Product locations, search and locate over HTTP (issue 4)\n\n"
        f"Machine: {machine()}. One worker of `aislepath serve` per row's server (granian with uvloop; uvicorn "
        f"with uvloop and httptools), both measured in the same run, {PRODUCTS:,} products, a 4,000 m² store "
        "with ~37,000 placements; wrk (1 thread, 32 connections, 8 s) for the maximum rate, hey at a fixed "
        "rate for the latency rows; the load generator shares the 2 cores. Locations and search pick a random "
        "sku / query per request; search and locate rows with the worker's query memory off "
        "(`AISLEPATH_SEARCH_CACHE_QUERIES=0`: each request matches afresh), the 'remembered' row as deployed. "
        "On PostgreSQL the workers keep version numbers in memory, told of changes by "
        "LISTEN/NOTIFY (docs/deploy.md); the 'watch off' rows read them per request instead "
        "(`AISLEPATH_VERSION_WATCH=0`). 'DB transactions / request': PostgreSQL's own count "
        "(pg_stat_database) over the run, divided by the requests wrk made. "
        "Script: `tests/benchmarks/bench_catalog_http.py`.\n\n" + body,
    )


if __name__ == "__main__":
    main()
