"""Stores on several levels: compile cost, and the server time of a route across levels against a
one-level store of the same total size (issue 20's targets).

Run by hand: ``.venv/bin/python -m tests.benchmarks.bench_levels``. Compiles run each in a fresh
process (peak resident memory is the process's); routes call the ASGI app directly, as
``bench_route`` does, on SQLite, with the same random lists of 20 skus for every store and mobility.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from api.app import create_app
from stores.floorplan.synthetic import synthetic_levels, synthetic_store
from stores.infra.settings import Settings
from tests.benchmarks.bench_route import timed_routes
from tests.benchmarks.http import prepare
from tests.benchmarks.report import machine, percentile, table, write_section

REQUESTS = 60
STORES: dict[str, Any] = {
    "3 levels x 10,000 m²": lambda: synthetic_levels(10_000, 3),
    "1 level, 15,000 m² (hypermarket)": lambda: synthetic_store(15_000),
    "2 levels x 4,000 m²": lambda: synthetic_levels(4000, 2),
    "1 level, 8,000 m²": lambda: synthetic_store(8000),
}


def _compile(name: str, out: Any) -> None:
    from stores.floorplan.artifact import dump_artifact, load_artifact
    from stores.floorplan.build import build

    document = STORES[name]()
    started = time.perf_counter()
    plan, compiled, _ = build(document)
    data = dump_artifact("bench", 1, plan, compiled)
    seconds = time.perf_counter() - started
    loads = []
    for _ in range(5):
        t = time.perf_counter()
        load_artifact(data, "bench", 1)
        loads.append(time.perf_counter() - t)
    corners = "/".join(str(len(t.corners)) for t in compiled.tables.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put([name, len(plan.levels) or 1, len(plan.shelves), corners, round(seconds, 1), round(peak),
             round(len(data) / 2**20, 1), round(min(loads) * 1000)])  # fmt: skip


def compile_rows() -> list[list[object]]:
    rows = []
    context = multiprocessing.get_context("spawn")
    for name in STORES:
        out = context.Queue()
        process = context.Process(target=_compile, args=(name, out))
        process.start()
        rows.append(out.get())
        process.join()
        print(rows[-1], file=sys.stderr)
    return rows


async def route_rows(url_of: Any) -> list[list[object]]:
    rows: list[list[object]] = []
    for name in ("2 levels x 4,000 m²", "1 level, 8,000 m²"):
        url = url_of(name)
        catalog = await prepare(url, 3000, plan=STORES[name]())
        settings = Settings(database_url=url, auto_migrate=False, access_log=False, log_level="WARNING",
                            rate_limit_expensive="", rate_limit_per_address="")  # fmt: skip
        app = create_app(settings)
        for hook in app.on_startup:
            await hook(app)
        rng = random.Random(7)
        skus = [p["sku"] for p in catalog]
        lists = [[{"sku": s} for s in rng.sample(skus, 20)] for _ in range(REQUESTS + 5)]
        for mobility in ("walking", "step_free"):
            times, answers = await timed_routes(app, [orjson.dumps({"items": i, "mobility": mobility}) for i in lists])
            levels = [len({s.get("level_id") for s in a["stops"]}) for a in answers]
            rides = [sum(1 for d in a["directions"] if d["action"] == "connector") for a in answers]
            rows.append([name, mobility, statistics.median(times), percentile(times, 95),
                         statistics.mean(levels), statistics.mean(rides)])  # fmt: skip
            print(rows[-1], file=sys.stderr)
        for hook in app.on_shutdown:
            await hook(app)
    return rows


def main() -> None:
    compiled = compile_rows()
    with tempfile.TemporaryDirectory() as tmp:
        routes = asyncio.run(route_rows(lambda name: f"sqlite+aiosqlite:///{Path(tmp) / (str(hash(name)) + '.db')}"))
    head = ["store", "levels", "shelves", "corners (walking/trolley/step-free)", "compile s", "peak RSS MB",
            "artifact MB", "load ms"]  # fmt: skip
    body = (
        f"Machine: {machine()}. Synthetic stores (`stores/floorplan/synthetic.py`; `synthetic_levels`: every "
        "level like `synthetic_store`, entrances and checkouts on the ground floor, a lift, an escalator up, "
        "one down and stairs between each level and the next). Compile: parse, validate, compile (three "
        "mobilities), serialise, each in a fresh process; load: best of 5. Targets (issue 20): a 3-level "
        "30,000 m² store in at most 30 s and 1.5 GB. Script: `tests/benchmarks/bench_levels.py`.\n\n"
        + table(head, compiled)
        + f"\n\nRoute server time, SQLite, {REQUESTS} lists of 20 random skus (the same lists for each store and "
        "mobility; some are not carried, as in real lists), 3,000 products placed: the 2-level store against a "
        "one-level store of the same total size.\n\n"
        + table(["store", "mobility", "median ms", "p95 ms", "levels visited (mean)", "connector steps (mean)"], routes)
    )
    print(body)
    write_section("levels", "## Stores on several levels (issue 20)\n\n" + body)


if __name__ == "__main__":
    main()
