"""What an operator watches: the service's Prometheus metrics (``GET /metrics``).

Request latency per route template (``/v1/stores/{store_id}/route``, never a path: a sku in a
path would make a series per product), method and status is recorded around every request by
``api.http.platform_middleware`` (its ``_count`` is the request count). The other families are
the domain's, updated where the work happens:

- the solver: time per route and how many orders are proven shortest;
- every per-worker cache (``stores.infra.versioned.VersionedCache``): lookups answered from
  memory, built, or answered from the previous value while a build runs; builds and their time;
- the version watch (PostgreSQL's LISTEN connection, stores.infra.probe): up or down per worker;
- the database pool: connections in use and the pool's size;
- floor plan compiles: time and outcome;
- rate-limit rejections, per limit.

Several workers: ``aislepath serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a directory it empties
at start, so every worker writes its samples there and any worker's ``/metrics`` reports them
all (prometheus-client's multiprocess mode). Counters and histograms add up across workers;
gauges say per mode how (``livesum``: the sum over live workers, ``livemin``: the worst).
"""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import Counter, Gauge, Histogram, multiprocess

#: Seconds; from a cached lookup to a slow build.
_FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUEST_SECONDS = Histogram(
    "aislepath_request_duration_seconds",
    "Time from a request's arrival to its answer's last byte, per route template, method and status.",
    ["path", "method", "status_code"],
    buckets=_FAST,
)

SOLVE_SECONDS = Histogram(
    "aislepath_route_solve_seconds", "Time the solver took to order one route's stops.", buckets=_FAST
)
ROUTES = Counter("aislepath_routes", "Routes planned, by whether their order is proven shortest.", ["optimal"])
CACHE_LOOKUPS = Counter(
    "aislepath_cache_lookups",
    "Per-worker cache lookups: hit (held for the version asked), built (waited for a build), stale "
    "(answered from the previous version while the build runs).",
    ["cache", "result"],
)
CACHE_BUILDS = Counter(
    "aislepath_cache_builds", "Per-worker cache builds, by outcome (ok, failed).", ["cache", "outcome"]
)
CACHE_BUILD_SECONDS = Histogram(
    "aislepath_cache_build_seconds", "Time a per-worker cache build took.", ["cache"], buckets=_FAST
)
WATCH_UP = Gauge(
    "aislepath_version_watch_up",
    "1 while the worker's LISTEN connection for version changes is live (PostgreSQL), else 0: the "
    "smallest over live workers.",
    multiprocess_mode="livemin",
)
DB_POOL_IN_USE = Gauge(
    "aislepath_db_pool_in_use", "Database connections checked out, over live workers.", multiprocess_mode="livesum"
)
DB_POOL_SIZE = Gauge(
    "aislepath_db_pool_size",
    "Connections the pools may hold (size plus overflow), over live workers.",
    multiprocess_mode="livesum",
)
COMPILE_SECONDS = Histogram(
    "aislepath_compile_seconds",
    "Time a floor plan upload spent in its compile child (parse, validate, compile).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
COMPILES = Counter(
    "aislepath_compiles", "Floor plan compiles by outcome: ok, invalid (422), too_complex, failed.", ["outcome"]
)
RATE_LIMITED = Counter("aislepath_rate_limited", "Requests refused by a rate limit (429), per limit.", ["limit"])
RATE_LIMIT_STORE_ERRORS = Counter(
    "aislepath_rate_limit_store_errors", "Requests served uncounted because the rate limits' shared store failed."
)


def forget_dead_workers(directory: str) -> int:
    """In multiprocess mode (``directory``: the workers' metrics directory, empty otherwise), drop
    the live gauges of workers that are gone (a worker killed and respawned: its pool and watch
    gauges must not count); returns how many. Counters and histograms of dead workers stay: what
    they counted happened."""
    if not directory:
        return 0
    dead = set()
    for path in Path(directory).glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            dead.add(pid)
        except PermissionError:  # alive, another user's
            continue
    for pid in dead:
        multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]
    return len(dead)
