"""Several hosts share one Redis for rate limits: a client's limit is the limit, however many
hosts answer it; without a shared store each host counts alone; with the store away, requests
are served (uncounted) rather than refused."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from api.app import create_app
from stores.infra.settings import Settings
from tests.support.redis import TempRedis

LIMIT = 6


@pytest.fixture(scope="module")
def redis() -> Iterator[TempRedis]:
    server = TempRedis().start()
    try:
        yield server
    finally:
        server.stop()


def _answers(settings: Settings, storage: str, requests: int) -> list[bool]:
    """Whether each of ``requests`` searches by one client, alternating between two hosts' apps,
    was let through (not 429; the store has no plan, so what passes is a 404 problem)."""
    shared = dataclasses.replace(settings, rate_limit_expensive=f"{LIMIT}/minute", rate_limit_storage=storage)
    with TestClient(app=create_app(shared)) as one, TestClient(app=create_app(shared)) as two:
        headers = {"X-Client-Id": f"phone-{uuid.uuid4().hex[:12]}"}  # the shared store outlives a test
        hosts = [one, two]
        return [hosts[i % 2].get("/v1/stores/s1/products", params={"q": "milk"}, headers=headers).status_code != 429
                for i in range(requests)]  # fmt: skip


def test_hosts_sharing_redis_do_not_multiply_a_clients_limit(settings: Settings, redis: TempRedis) -> None:
    passed = _answers(settings, "async+" + redis.url, 2 * LIMIT)
    assert passed == [True] * LIMIT + [False] * LIMIT, passed


def test_without_a_shared_store_each_host_counts_alone(settings: Settings) -> None:
    passed = _answers(settings, "async+memory://", 2 * LIMIT)
    assert passed == [True] * (2 * LIMIT), passed  # what a shared store is for


def test_with_the_store_away_requests_are_served(settings: Settings) -> None:
    nobody = TempRedis()  # a port nothing listens on
    passed = _answers(settings, "async+" + nobody.url, 2 * LIMIT)
    assert passed == [True] * (2 * LIMIT), passed
