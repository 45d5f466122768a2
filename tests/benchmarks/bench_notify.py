"""How soon another worker learns of a commit (issue 4's version watch, PostgreSQL).

Run by hand: ``.venv/bin/python -m tests.benchmarks.bench_notify`` (starts its own PostgreSQL).
A child process runs a :class:`stores.infra.probe.VersionProbe` watch, as a worker does, and notes the
moment each announcement reaches it; the parent commits version changes through SQLAlchemy, as a
writing worker does, and notes the moment each commit returns. The delay is the first minus the
second (system-wide monotonic clock); negative means the other worker knew before the writer's
commit had even returned.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import time
from typing import Any

from sqlalchemy import update

from stores.infra.db import Database
from stores.infra.migrate import upgrade
from stores.infra.probe import VersionProbe
from stores.infra.settings import Settings
from stores.models import Store
from stores.service import create_store
from tests.benchmarks.report import machine, percentile, table, write_section
from tests.support.postgres import TempPostgres

COMMITS = 1000


def watcher(url: str, ready: Any, stop: Any, out: Any) -> None:
    async def run() -> None:
        probe = VersionProbe(url)
        seen: list[float] = []
        announced = probe._announced

        def noting(*args: Any) -> None:
            seen.append(time.monotonic())
            announced(*args)

        probe._announced = noting  # type: ignore[method-assign]
        task = asyncio.create_task(probe.watch())
        while not probe.watching:
            await asyncio.sleep(0.01)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await probe.close()
        out.put(seen)

    asyncio.run(run())


async def commit_changes(settings: Settings, pause_s: float) -> list[float]:
    db = Database.connect(settings)
    async with db.sessionmaker() as session:
        await create_store(session, name="S", lat=1, lon=1, store_id="s1")
    committed: list[float] = []
    for _ in range(COMMITS):
        async with db.sessionmaker() as session:
            bump = update(Store).where(Store.id == "s1").values(planogram_version=Store.planogram_version + 1)
            await session.execute(bump)
            await session.commit()
        committed.append(time.monotonic())
        await asyncio.sleep(pause_s)
    await db.dispose()
    return committed


def measure(url: str, pause_s: float) -> list[object]:
    settings = Settings(database_url=url, access_log=False)
    context = multiprocessing.get_context("spawn")
    ready, stop, out = context.Event(), context.Event(), context.Queue()
    child = context.Process(target=watcher, args=(url, ready, stop, out))
    child.start()
    assert ready.wait(30), "the watch did not go live"
    committed = asyncio.run(commit_changes(settings, pause_s))
    time.sleep(0.5)
    stop.set()
    seen = out.get(timeout=30)
    child.join(30)
    seen = seen[-COMMITS:]  # the store's creation is announced too
    assert len(seen) == COMMITS, f"{len(seen)} announcements for {COMMITS} commits"
    delays = [1000 * (s - c) for s, c in zip(seen, committed, strict=True)]
    early = sum(d <= 0 for d in delays)
    return [f"{1000 * pause_s:.0f} ms", COMMITS, round(percentile(delays, 50), 3), round(percentile(delays, 99), 3),
            round(max(delays), 3), f"{100 * early / COMMITS:.0f}%"]  # fmt: skip


def main() -> None:
    pg = TempPostgres(fast=False).start()
    rows = []
    try:
        for pause_s in (0.002, 0.0):
            url = pg.create_database(f"notify{len(rows)}")
            upgrade(Settings(database_url=url, access_log=False))
            rows.append(measure(url, pause_s))
            print(rows[-1], file=sys.stderr)
    finally:
        pg.stop()
    header = ["pause between commits", "commits", "p50 ms", "p99 ms", "max ms", "known before commit returned"]
    body = table(header, rows)
    print(body)
    write_section(
        "notify",
        "## How soon another worker learns of a commit (version watch, issue 4)\n\n"
        f"Machine: {machine()}. PostgreSQL 15 with production defaults on loopback. One process commits "
        "version changes through SQLAlchemy; another runs the worker's LISTEN watch. Delay = the moment the "
        "announcement reaches the watcher minus the moment the writer's commit returned (negative: before). "
        "Script: `tests/benchmarks/bench_notify.py`.\n\n" + body,
    )


if __name__ == "__main__":
    main()
