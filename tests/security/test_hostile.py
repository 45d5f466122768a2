"""Hostile and odd input found by the adversarial review: each gets a clear 4xx, changes nothing,
and leaves the worker's memory where it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.catalog.conftest import put_json
from tests.conftest import ADMIN

JSON = {"content-type": "application/json"}


def rss_mb() -> float:
    """This process's resident memory (the TestClient serves in-process: the worker is us)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def is_problem(response, status: int, code: str) -> bool:  # type: ignore[no-untyped-def]
    body = response.json()
    return (
        response.status_code == status
        and response.headers["content-type"].startswith("application/problem+json")
        and code in {e["code"] for e in body.get("errors", [])}
    )


@pytest.mark.parametrize(
    ("method", "path", "wrap"),
    [
        ("POST", "/v1/stores/s1/route", lambda deep: b'{"items": [{"sku": ' + deep + b"}]}"),
        ("POST", "/v1/stores/s1/locate", lambda deep: b'{"items": ' + deep + b"}"),
        ("POST", "/v1/stores/s1/feedback", lambda deep: b'{"kind": "route_rating", "comment": ' + deep + b"}"),
        ("PUT", "/v1/stores/s1/placements", lambda deep: deep),
        ("POST", "/v1/stores/s1/placements", lambda deep: deep),
        ("POST", "/v1/stores/s1/closures", lambda deep: b'{"polygon": {"coordinates": ' + deep + b"}}"),
        ("PUT", "/v1/stores/s1/floorplan", lambda deep: b'{"type": "FeatureCollection", "features": ' + deep + b"}"),
        ("PUT", "/v1/products", lambda deep: deep),
    ],
)
def test_json_nested_too_deep_is_a_400_before_parsing(store: TestClient, method: str, path: str, wrap) -> None:  # type: ignore[no-untyped-def]
    for depth in (1_000, 30_000):
        response = store.request(method, path, content=wrap(nested(depth)), headers={**JSON, **ADMIN})
        assert is_problem(response, 400, "too_deep"), (path, depth, response.status_code, response.text[:300])
    assert store.get("/v1/stores/s1").json()["floorplan_version"] == 1


def test_deep_json_does_not_grow_the_worker(store: TestClient) -> None:
    before = rss_mb()
    for _ in range(5):
        response = store.put("/v1/products", content=nested(30_000), headers={**JSON, **ADMIN})
        assert response.status_code == 400
        response = store.put("/v1/products", content=b"[" * 100_000, headers={**JSON, **ADMIN})
        assert response.status_code == 400
    assert rss_mb() - before < 50, (before, rss_mb())


def test_strings_and_ordinary_nesting_do_not_count_as_depth(store: TestClient) -> None:
    brackets = "[[[[{{{{" * 50  # inside a string: text, not nesting
    response = store.post("/v1/stores/s1/feedback", json={"kind": "route_rating", "rating": 4, "comment": brackets})
    assert response.status_code == 202, response.text
    escaped = '{"kind": "route_rating", "rating": 4, "comment": "a \\" [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ b"}'
    assert store.post("/v1/stores/s1/feedback", content=escaped, headers=JSON).status_code == 202
    assert put_json(store, "/v1/products", [{"sku": "x-1", "name": "X", "names": {"de": "[{"}}]).status_code == 200
