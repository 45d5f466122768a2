"""How fast this host is at the moment: a fixed workload with nothing of aislepath's in it, timed
just before and just after the load stage, so its limits can follow the host rather than chase it.

The machines CI runs on share their cores: the same build measured a route p50 of 30 and 48 ms
twenty minutes apart (docs/benchmarks.md, "Load stage and the host"). Limits fixed in
milliseconds either fail a healthy build on a slow stretch or let a slow build through on a quick
one. The load stage multiplies its limits by ``slowdown()``: this workload's time now over its
time on the quiet host the limits were set on (never below 1: a quick host does not tighten them
past what was measured).
"""

from __future__ import annotations

import time

import numpy as np

#: The workload's best time (s) on the quiet 2-core host the load limits were measured on
#: (2026-12-01; ``python -m tests.load.host`` prints it).
QUIET_S = 0.028


def workload() -> float:
    """A request's kind of work, fixed: dictionaries, strings and small numpy arrays. Returns a
    number that depends on all of it (so nothing is optimised away)."""
    rng = np.random.default_rng(0)
    total = 0.0
    table: dict[str, int] = {}
    for i in range(80_000):
        key = f"sku-{i % 997}"
        table[key] = table.get(key, 0) + len(key)
    for _ in range(800):
        a = rng.random((24, 24))
        total += float((a @ a).min()) + float(np.sort(a, axis=None)[100])
    return total + sum(table.values())


def seconds(repeats: int = 7) -> float:
    """The workload's best time of ``repeats`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        workload()
        best = min(best, time.perf_counter() - started)
    return best


def slowdown(measured: float | None = None) -> float:
    """How many times slower this host is now than the quiet one (at least 1)."""
    return max(1.0, (seconds() if measured is None else measured) / QUIET_S)


if __name__ == "__main__":
    runs = [seconds() for _ in range(5)]
    print(
        f"workload best of 7, five times: {', '.join(f'{r * 1000:.1f}' for r in runs)} ms; "
        f"slowdown against QUIET_S: {slowdown(min(runs)):.2f}"
    )
