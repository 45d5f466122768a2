"""Server CPU per route, as the load stage asks for them: a 20-item route, then a re-plan from
the middle stop for the rest (directions on, the default), against ``GET /health`` on the same
app. Process CPU time (every thread: the solver runs in one) over many requests, in-process (the
ASGI app called directly: no network, no client), so the numbers are the server's own work.

Run by hand: ``.venv/bin/python -m tests.benchmarks.bench_route_cpu [rounds]``. To compare two
builds in one session, run it with ``PYTHONPATH`` set to each build's checkout in turn, several
rounds alternately (a copy of this script outside the checkouts, so that each build's modules
are imported; an older build needs ``started_app`` in its ``bench_route``, or this file's first
version); ``--label`` names the row.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

from tests.benchmarks.bench_route import call, started_app

ROUTES = 150
HEALTH = 2000


async def measure(url: str, rounds: int) -> list[tuple[float, float, float]]:
    """Per round: CPU ms per route 20, per re-plan, per /health."""
    app, skus = await started_app(url)
    rng = random.Random(11)
    lists = [[{"sku": s} for s in rng.sample(skus, 20)] for _ in range(ROUTES)]
    # The re-plans: from each route's middle stop, the items after it (the load stage's rule).
    replans = []
    for items in lists[:10] + lists:
        status, body = await call(app, "/v1/stores/bench/route", orjson.dumps({"items": items}))
        assert status == 200, body[:200]
        stops = orjson.loads(body)["stops"]
        here = stops[len(stops) // 2]
        rest = [{"sku": s["sku"]} for s in stops[len(stops) // 2 + 1 : -1] if s.get("sku")]
        replans.append(orjson.dumps({"items": rest, "start": {"x": here["x"], "y": here["y"]}}))
    replans = replans[10:]
    out = []
    for _ in range(rounds):
        cpu = []
        for bodies, path, method in (([orjson.dumps({"items": i}) for i in lists], "/v1/stores/bench/route", "POST"),
                                     (replans, "/v1/stores/bench/route", "POST"),
                                     ([b""] * HEALTH, "/health", "GET")):  # fmt: skip
            started = time.process_time()
            for body in bodies:
                status, answer = await call(app, path, body, method=method)
                assert status == 200, answer[:200]
            cpu.append(1000 * (time.process_time() - started) / len(bodies))
        out.append((cpu[0], cpu[1], cpu[2]))
        print(f"route {cpu[0]:.2f} ms, re-plan {cpu[1]:.2f} ms, /health {cpu[2]:.3f} ms (CPU)", file=sys.stderr)
    for hook in app.on_shutdown:
        await hook(app)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rounds", type=int, nargs="?", default=3)
    parser.add_argument("--label", default="this build")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = asyncio.run(measure(f"sqlite+aiosqlite:///{Path(tmp) / 'cpu.sqlite3'}", args.rounds))
    route = statistics.median(r[0] for r in rows)
    replan = statistics.median(r[1] for r in rows)
    health = statistics.median(r[2] for r in rows)
    pair = route + replan
    print(f"| {args.label} | {route:.2f} | {replan:.2f} | {pair:.2f} | {1000 / pair:.0f} | {health:.3f} | "
          f"{1000 / health:.0f} | {pair / health:.0f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
