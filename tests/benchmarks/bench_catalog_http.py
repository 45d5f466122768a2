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
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from tests.benchmarks.http import Server, hey, pg_transactions, post_script, prepare, wrk
from tests.benchmarks.report import machine, table, write_section
from tests.support.postgres import TempPostgres

PRODUCTS = 50_000
#: As a deployment runs: the JSON access log on (one line per request, to the server's output).
AS_DEPLOYED = {"AISLEPATH_ACCESS_LOG": "1", "AISLEPATH_LOG_LEVEL": "INFO"}
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
    """Every server is started on the same database and each measurement is taken on all of
    them in turn, the order reversed from one measurement to the next: none is always first (or
    second) on a freshly prepared database, which skewed one whole run towards the second."""
    catalog = asyncio.run(prepare(url, PRODUCTS))
    postgres = url.startswith("postgresql")
    rng = random.Random(1)
    skus = [p["sku"] for p in rng.sample(catalog, 400)]
    locations = lua_paths(tmp / "loc.lua", [f"/v1/stores/bench/products/{s}/locations" for s in skus])
    searches = lua_paths(tmp / "q.lua", [f"/v1/stores/bench/products?q={quote(q)}&limit=10" for q in QUERIES])
    locate_body = {"items": [{"sku": s} for s in skus[:25]] + [{"query": q} for q in QUERIES[:5]]}
    locate = post_script(tmp / "locate.lua", locate_body)
    results: dict[str, dict[str, dict[str, float]]] = {kind: {} for kind in servers}
    turn = [0]

    def each(name: str, measure: Callable[[str, dict[str, dict[str, float]]], dict[str, float]]) -> None:
        order = servers if turn[0] % 2 == 0 else servers[::-1]
        turn[0] += 1
        for kind in order:
            results[kind][name] = measure(started[kind].url, results[kind])

    def counted(measure: Callable[[], dict[str, float]]) -> dict[str, float]:
        before = pg_transactions(url) if postgres else 0
        result = measure()
        if postgres:
            result["db"] = (pg_transactions(url) - before) / result["requests"]
        return result

    # Search and locate rows measure matching itself: the servers remember no queries. Second
    # servers, as deployed, answer repeated queries from memory.
    started = {kind: Server(url, extra_env={**AS_DEPLOYED, "AISLEPATH_SEARCH_CACHE_QUERIES": "0"}, server=kind)
               for kind in servers}  # fmt: skip
    try:
        for kind in servers:  # warm up
            base = started[kind].url
            wrk(base + "/health", seconds=2)
            wrk(base + "/", seconds=2, script=locations)
            wrk(base + "/", seconds=2, script=searches)
        each("hello", lambda base, _: wrk(base + "/health"))
        each("loc", lambda base, _: counted(lambda: wrk(base + "/", script=locations)))
        each("srch", lambda base, _: wrk(base + "/", script=searches))
        each("loct", lambda base, _: wrk(base + "/v1/stores/bench/locate", script=locate))
        each(
            "at80",
            lambda base, r: hey(f"{base}/v1/stores/bench/products/{skus[0]}/locations", rate=0.8 * r["loc"]["rps"]),
        )
        # A busy store's worth of searches per worker. Two connections: hey's workers fire in
        # step, so 16 would queue 16 searches per tick.
        each("at_search", lambda base, r: hey(f"{base}/v1/stores/bench/products?q=sourdogh%20bred&limit=10",
                                               rate=min(100.0, 0.25 * r["srch"]["rps"]), connections=2))  # fmt: skip
    finally:
        for server in started.values():
            server.stop()
    started = {kind: Server(url, extra_env=AS_DEPLOYED, server=kind) for kind in servers}
    try:
        for kind in servers:
            wrk(started[kind].url + "/", seconds=2, script=searches)
        each("remembered", lambda base, _: wrk(base + "/", script=searches))
    finally:
        for server in started.values():
            server.stop()
    if postgres:
        # The same lookup with the version watch off: one (shared) read of the versions per request.
        started = {kind: Server(url, extra_env={"AISLEPATH_VERSION_WATCH": "0"}, server=kind) for kind in servers}
        try:
            for kind in servers:
                wrk(started[kind].url + "/", seconds=2, script=locations)
            each("off", lambda base, _: counted(lambda: wrk(base + "/", script=locations)))
            each("off80", lambda base, r: hey(f"{base}/v1/stores/bench/products/{skus[0]}/locations",
                                              rate=0.8 * r["off"]["rps"]))  # fmt: skip
        finally:
            for server in started.values():
                server.stop()
    rows: list[list[object]] = []
    for kind in servers:
        rows += _rows(f"{label}, {kind}", results[kind])
    return rows


def _rows(label: str, r: dict[str, dict[str, float]]) -> list[list[object]]:
    hello = r["hello"]["rps"]

    def rate(name: str, what: str) -> list[object]:
        m = r[name]
        return [label, what, round(m["rps"]), f"{100 * m['rps'] / hello:.0f}%", m.get("p50", 0.0), m.get("p99", 0.0),
                int(m["errors"]), _per_request(m)]  # fmt: skip

    def latency(name: str, what: str) -> list[object]:
        m = r[name]
        return [label, what, round(m["rps"]), "", m["p50"], m["p99"], int(m["errors"]), ""]

    rows = [rate("hello", "hello-world (/health)"), rate("loc", "product locations"),
            rate("srch", "search, 50k products"), rate("loct", "locate, 30 items"),
            latency("at80", "locations at 80% of its max"), latency("at_search", "search at 100 req/s"),
            rate("remembered", "search, 12 queries repeated (remembered)")]  # fmt: skip
    if "off" in r:
        rows += [rate("off", "product locations, watch off"), latency("off80", "... at 80% of its max")]
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
        "## Product locations, search and locate over HTTP (issues 4 and 15)\n\n"
        f"Machine: {machine()}. One worker of `aislepath serve` per row's server, as deployed: the JSON access log "
        f"on, compression and the HTTP headers of issue 18, rate limits off (one load generator would hit them) "
        f"(granian with uvloop; uvicorn "
        f"with uvloop and httptools), both started on the same database and each measurement taken on one, then the "
        f"other, the order alternating, {PRODUCTS:,} products, a 4,000 m² store "
        "with ~37,000 placements; wrk (1 thread, 32 connections, 8 s) for the maximum rate, hey at a fixed "
        "rate for the latency rows; the load generator shares the 2 cores. Locations and search pick a random "
        "sku / query per request; search and locate rows with the worker's query memory off "
        "(`AISLEPATH_SEARCH_CACHE_QUERIES=0`: each request matches afresh), the 'remembered' row as deployed. "
        "On PostgreSQL the workers keep version numbers in memory, told of changes by "
        "LISTEN/NOTIFY (docs/deploy.md); the 'watch off' rows read them per request instead "
        "(`AISLEPATH_VERSION_WATCH=0`). 'DB transactions / request': PostgreSQL's own count "
        "(pg_stat_database) over the run, divided by the requests wrk made. "
        "Without the access log (`AISLEPATH_ACCESS_LOG=0`; runs on this machine, 2026-12-01, granian) hello-world "
        "is ~25,000 req/s and the locations lookup 60% of it on SQLite (14,838 req/s) and 71% on PostgreSQL "
        "(18,500): the log line costs a request about 50 µs, as much as the rest of a hello-world answer. "
        "Script: `tests/benchmarks/bench_catalog_http.py`.\n\n" + body,
    )


if __name__ == "__main__":
    main()
