"""The one shape of the worker's caches of things derived from versioned data.

A compiled floor plan, a store's location index, the route table for today's closures, the
search index: each is built from rows that carry version numbers, and is good exactly while
those numbers stand. :class:`VersionedCache` holds the latest value per *scope* (a store, or the
whole catalog) with the version it was built for, and builds a new one when asked for another.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Hashable
from functools import partial
from typing import Any, Generic, TypeVar

from stores.infra.lru import Lru
from stores.infra.metrics import CACHE_BUILD_SECONDS, CACHE_BUILDS, CACHE_LOOKUPS

S = TypeVar("S", bound=Hashable)
V = TypeVar("V")

log = logging.getLogger(__name__)


class VersionedCache(Generic[S, V]):
    """The latest value per scope, keyed by the version it was built for.

    ``get(scope, version, build)`` answers the held value when it was built for ``version``,
    otherwise ``await build(previous)`` (``previous``: the scope's held value of another
    version, or None). One build at a time per scope and version: requests that arrive during a
    build wait for the same one. A scope holds one version: a new one replaces the old (requests
    in flight keep the objects they hold; an older version asked for again is built again).

    ``fresh_wait_s``: the build runs as a task of its own, which a request that gives up (a
    client gone) does not cancel; when the scope holds an older value, a request waits at most
    this long and is then answered from the older one (a big search index takes seconds to build,
    and shoppers do not wait). Without it the build runs in the asking request, which may then
    lend it its database session.

    Bounded like :class:`~stores.infra.lru.Lru`: ``max_entries`` scopes, ``max_bytes`` with
    ``weigh``; ``settle`` freezes long-lived values out of the collector's sight.
    """

    def __init__(
        self,
        max_entries: int = 64,
        *,
        max_bytes: int | None = None,
        weigh: Callable[[V], int] | None = None,
        settle: bool = True,
        fresh_wait_s: float | None = None,
        name: str = "other",
    ) -> None:
        weigh_value = weigh or (lambda _: 0)
        #: Its metrics (stores.infra.metrics), labelled ``name``.
        self._hit, self._waited, self._stale = (CACHE_LOOKUPS.labels(name, r) for r in ("hit", "built", "stale"))
        self._ok, self._failed = CACHE_BUILDS.labels(name, "ok"), CACHE_BUILDS.labels(name, "failed")
        self._build_seconds = CACHE_BUILD_SECONDS.labels(name)
        self._held: Lru[S, tuple[Hashable, V]] = Lru(
            max_entries, settle=settle, max_bytes=max_bytes, weigh=lambda held: weigh_value(held[1])
        )
        self._fresh_wait_s = fresh_wait_s
        self._locks: dict[S, asyncio.Lock] = {}
        self._builds: dict[tuple[S, Hashable], asyncio.Task[V]] = {}
        # Builds aside are numbered per scope as they start: a slow build of an older version
        # that ends after a newer one does not replace it.
        self._started = 0
        self._placed: dict[S, int] = {}

    def peek(self, scope: S) -> tuple[Hashable, V] | None:
        """The scope's held version and value, whatever the version."""
        return self._held.get(scope)

    def __len__(self) -> int:
        return len(self._held)

    @property
    def bytes(self) -> int:
        """What the held values weigh (0 without ``weigh``)."""
        return self._held.bytes

    async def get(self, scope: S, version: Hashable, build: Callable[[V | None], Coroutine[Any, Any, V]]) -> V:
        held = self._held.get(scope)
        if held is not None and held[0] == version:
            self._hit.inc()
            return held[1]
        if self._fresh_wait_s is None:
            return await self._build_here(scope, version, build)
        return await self._build_aside(scope, version, build, None if held is None else held[1])

    async def _build_here(self, scope: S, version: Hashable, build: Callable[[V | None], Coroutine[Any, Any, V]]) -> V:
        async with self._locks.setdefault(scope, asyncio.Lock()):
            held = self._held.get(scope)
            if held is not None and held[0] == version:
                self._hit.inc()
                return held[1]
            self._waited.inc()
            started = time.perf_counter()
            try:
                value = await build(None if held is None else held[1])
            except BaseException:
                self._failed.inc()
                raise
            self._ok.inc()
            self._build_seconds.observe(time.perf_counter() - started)
            self._held.put(scope, (version, value))
            return value

    async def _build_aside(
        self, scope: S, version: Hashable, build: Callable[[V | None], Coroutine[Any, Any, V]], previous: V | None
    ) -> V:
        key = (scope, version)
        task = self._builds.get(key)
        if task is None:
            task = asyncio.create_task(build(previous))
            self._builds[key] = task
            self._started += 1
            task.add_done_callback(partial(self._built, key, self._started, time.perf_counter()))
        waiting = asyncio.shield(task)
        if previous is None:  # nothing to answer from meanwhile
            self._waited.inc()
            return await waiting
        try:
            value = await asyncio.wait_for(waiting, self._fresh_wait_s)
        except TimeoutError:
            self._stale.inc()
            return previous
        self._waited.inc()
        return value

    def _built(self, key: tuple[S, Hashable], started: int, since: float, task: asyncio.Task[V]) -> None:
        # Done or failed, the build is forgotten: a failed one is tried again by the next request.
        # Its outcome is read even when no request waits for it any more (no "never retrieved").
        self._builds.pop(key, None)
        if task.cancelled():
            return
        if (exc := task.exception()) is not None:
            self._failed.inc()
            log.warning("cache build failed: %s", type(exc).__name__)
            return
        self._ok.inc()
        self._build_seconds.observe(time.perf_counter() - since)
        scope = key[0]
        if started > self._placed.get(scope, 0):
            self._placed[scope] = started
            self._held.put(scope, (key[1], task.result()))

    async def close(self) -> None:
        """Cancel the builds under way (at shutdown)."""
        tasks = list(self._builds.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
