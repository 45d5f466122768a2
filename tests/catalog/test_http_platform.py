"""HTTP as clients expect it, on both databases: validators and 304s on versioned reads,
compression, HEAD on every GET, CORS, request ids and problem instances."""

from __future__ import annotations

import dataclasses
import gzip
from typing import Any

import brotli
from litestar.testing import TestClient

from api.app import create_app
from stores.infra.settings import Settings
from tests.catalog.conftest import put_json
from tests.conftest import ADMIN

PLACED = [{"sku": "bread-1", "shelf": "s1", "position_m": 0.2}, {"sku": "milk-1", "shelf": "s5"}]

VERSIONED = [
    "/v1/stores/s1",
    "/v1/stores/s1/floorplan",
    "/v1/stores/s1/floorplan.svg",
    "/v1/stores/s1/products/bread-1/locations",
    "/v1/stores/s1/products/rice-1/locations",  # not carried: versioned all the same
]


def test_versioned_reads_answer_304_until_they_change(store: TestClient) -> None:
    assert put_json(store, "/v1/stores/s1/placements", PLACED).status_code == 200
    etags = {}
    for path in VERSIONED:
        first = store.get(path)
        assert first.status_code == 200 and first.headers["etag"].startswith('"'), path
        assert "must-revalidate" in first.headers["cache-control"]
        etags[path] = first.headers["etag"]
        again = store.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etags[path], path
        assert store.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    # A stock change is a new planogram version: the product's answer changes, and so its ETag.
    stock = store.post(
        "/v1/stores/s1/placements", json=[{"sku": "bread-1", "shelf": "s1", "stock": "low"}], headers=ADMIN
    )
    assert stock.status_code == 200
    path = "/v1/stores/s1/products/bread-1/locations"
    changed = store.get(path, headers={"If-None-Match": etags[path]})
    assert changed.status_code == 200 and changed.headers["etag"] != etags[path]
    assert changed.json()["locations"][0]["stock"] == "low"
    # A new live plan changes the plan's validators, not the store row's.
    assert (
        put_json(store, "/v1/stores/s1/floorplan?publish=true", store.get("/v1/stores/s1/floorplan").json()).status_code
        == 201
    )
    assert (
        store.get("/v1/stores/s1/floorplan", headers={"If-None-Match": etags["/v1/stores/s1/floorplan"]}).status_code
        == 200
    )
    assert (
        store.get("/v1/stores/s1", headers={"If-None-Match": etags["/v1/stores/s1"]}).status_code == 200
    )  # its version


def test_big_answers_are_compressed_small_ones_are_not(store: TestClient) -> None:
    plain = store.get("/v1/stores/s1/floorplan", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = store.get("/v1/stores/s1/floorplan.svg", headers={"Accept-Encoding": "br"}, follow_redirects=False)
    assert raw.headers["content-encoding"] == "br"
    zipped = store.get("/v1/stores/s1/floorplan.svg", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert (
        zipped.text
        == raw.text
        == store.get("/v1/stores/s1/floorplan.svg", headers={"Accept-Encoding": "identity"}).text
    )
    small = store.get("/health", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in small.headers  # under the floor: not worth it
    assert brotli and gzip  # the decoders the client used above


def test_every_get_has_head(store: TestClient) -> None:
    for path in [*VERSIONED, "/health", "/v1/stores?lat=1&lon=1"]:
        got, head = store.get(path), store.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["content-length"] == got.headers["content-length"], path
        assert head.headers.get("etag") == got.headers.get("etag")
    assert store.head("/v1/stores/nope").status_code == 404


def test_cors_for_the_configured_origins(settings: Settings) -> None:
    allowed = dataclasses.replace(settings, cors_origins="https://console.example.com")
    with TestClient(app=create_app(allowed)) as client:
        preflight = client.options(
            "/v1/stores/s1/route",
            headers={"Origin": "https://console.example.com", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type, idempotency-key"},
        )  # fmt: skip
        assert preflight.status_code in (200, 204)
        assert preflight.headers["access-control-allow-origin"] == "https://console.example.com"
        simple = client.get("/health", headers={"Origin": "https://console.example.com"})
        assert simple.headers["access-control-allow-origin"] == "https://console.example.com"
        assert "etag" in simple.headers.get("access-control-expose-headers", "").lower()
        other = client.get("/health", headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in other.headers
    with TestClient(app=create_app(settings)) as client:  # none configured: no CORS at all
        assert "access-control-allow-origin" not in client.get("/health", headers={"Origin": "https://x.org"}).headers


def test_request_ids_are_honoured_echoed_and_named_in_problems(store: TestClient) -> None:
    mine = store.get("/health", headers={"X-Request-Id": "phone-42.retry:1"})
    assert mine.headers["x-request-id"] == "phone-42.retry:1"
    trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert (
        store.get("/health", headers={"traceparent": trace}).headers["x-request-id"]
        == "4bf92f3577b34da6a3ce929d0e0e4736"
    )
    made = store.get("/health", headers={"X-Request-Id": "no spaces or <tags> please"}).headers["x-request-id"]
    assert made and " " not in made and "<" not in made  # a new one, not the client's
    missing = store.get("/v1/stores/nope", headers={"X-Request-Id": "abc-123"})
    assert missing.status_code == 404 and missing.json()["instance"] == "urn:aislepath:request:abc-123"


def test_rate_limit_headers_say_what_is_left(settings: Settings) -> None:
    tight = dataclasses.replace(settings, rate_limit_expensive="3/minute")
    with TestClient(app=create_app(tight)) as client:
        client.post("/v1/stores", json={"id": "s1", "name": "S", "lat": 1, "lon": 1}, headers=ADMIN)

        def search() -> Any:
            return client.get("/v1/stores/s1/products", params={"q": "milk"}, headers={"X-Client-Id": "phone-1"})

        answers = [search() for _ in range(4)]
        assert [a.headers["ratelimit-policy"] for a in answers[:3]] == ['"expensive";q=3;w=60'] * 3
        left = [int(a.headers["ratelimit"].split(";r=")[1].split(";")[0]) for a in answers]
        assert left == [2, 1, 0, 0] and answers[3].status_code == 429
        assert 0 < int(answers[3].headers["ratelimit"].rsplit(";t=", 1)[1]) <= 60
        assert "ratelimit" not in client.get("/health").headers  # unlimited endpoints announce nothing
