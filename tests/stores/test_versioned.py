"""The one shape of the per-worker caches: the latest value per scope, built once per version."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from stores.infra.versioned import VersionedCache


class Builds:
    """A build that records what it was handed, and can be held until released."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str | None]] = []
        self.gates: dict[int, asyncio.Event] = {}

    def of(self, version: int, fail: bool = False) -> Callable[[str | None], Coroutine[Any, Any, str]]:
        async def build(previous: str | None) -> str:
            self.seen.append((version, previous))
            gate = self.gates.get(version)
            if gate is not None:
                await gate.wait()
            await asyncio.sleep(0)
            if fail:
                raise RuntimeError("the build failed")
            return f"v{version}"

        return build


def test_one_build_per_version_and_the_previous_value_handed_to_the_next() -> None:
    async def run() -> None:
        cache: VersionedCache[str, str] = VersionedCache()
        builds = Builds()
        answers = await asyncio.gather(*(cache.get("s1", 1, builds.of(1)) for _ in range(5)))
        assert answers == ["v1"] * 5 and builds.seen == [(1, None)]
        assert await cache.get("s1", 1, builds.of(1)) == "v1" and len(builds.seen) == 1
        assert await cache.get("s1", 2, builds.of(2)) == "v2"
        assert builds.seen[-1] == (2, "v1")  # the older value, to patch
        assert await cache.get("s2", 7, builds.of(7)) == "v7"
        assert len(cache) == 2 and cache.peek("s1") == (2, "v2")  # one version per scope

    asyncio.run(run())


def test_a_failed_build_is_raised_and_tried_again() -> None:
    async def run() -> None:
        cache: VersionedCache[str, str] = VersionedCache()
        builds = Builds()
        with pytest.raises(RuntimeError):
            await cache.get("s", 1, builds.of(1, fail=True))
        assert cache.peek("s") is None
        assert await cache.get("s", 1, builds.of(1)) == "v1" and len(builds.seen) == 2

    asyncio.run(run())


def test_bounded_in_scopes_and_bytes() -> None:
    async def run() -> None:
        builds = Builds()
        by_count: VersionedCache[str, str] = VersionedCache(2)
        for scope in "abc":
            await by_count.get(scope, 1, builds.of(1))
        assert len(by_count) == 2 and by_count.peek("a") is None
        by_bytes: VersionedCache[str, str] = VersionedCache(10, max_bytes=100, weigh=lambda _: 60)
        for scope in "abc":
            await by_bytes.get(scope, 1, builds.of(1))
        assert len(by_bytes) == 1 and by_bytes.bytes == 60 and by_bytes.peek("c") is not None

    asyncio.run(run())


def test_built_aside_the_older_value_answers_until_the_new_one_is_ready() -> None:
    async def run() -> None:
        cache: VersionedCache[str, str] = VersionedCache(fresh_wait_s=0.01)
        builds = Builds()
        assert await cache.get("c", 1, builds.of(1)) == "v1"  # nothing held: waits for it
        builds.gates[2] = gate = asyncio.Event()
        assert await cache.get("c", 2, builds.of(2)) == "v1"  # not ready in time
        assert await cache.get("c", 2, builds.of(2)) == "v1" and builds.seen.count((2, "v1")) == 1
        # A request that gives up does not cancel the build others wait for.
        waiting = asyncio.create_task(cache.get("c", 2, builds.of(2)))
        await asyncio.sleep(0)
        waiting.cancel()
        gate.set()
        for _ in range(10):
            await asyncio.sleep(0)
        assert cache.peek("c") == (2, "v2") and await cache.get("c", 2, builds.of(2)) == "v2"

    asyncio.run(run())


def test_an_older_build_that_ends_last_does_not_replace_a_newer_one() -> None:
    async def run() -> None:
        cache: VersionedCache[str, str] = VersionedCache(fresh_wait_s=0.0)
        builds = Builds()
        await cache.get("c", 1, builds.of(1))
        builds.gates[2] = slow = asyncio.Event()
        await cache.get("c", 2, builds.of(2))  # started, answered from v1
        assert await cache.get("c", 3, builds.of(3)) in {"v1", "v3"}
        for _ in range(10):
            await asyncio.sleep(0)
        assert cache.peek("c") == (3, "v3")
        slow.set()
        for _ in range(10):
            await asyncio.sleep(0)
        assert cache.peek("c") == (3, "v3")
        await cache.close()

    asyncio.run(run())
