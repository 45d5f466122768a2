"""Resource limits (OWASP API4): sizes, lengths, page caps, the compile budget and rate limits."""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import orjson
from litestar.testing import TestClient

from api.app import create_app
from stores.floorplan.synthetic import synthetic_store
from stores.infra.settings import Settings
from tests.conftest import ADMIN
from tests.support.limits import inside_one_minute


def put_plan(client: TestClient, store: str, plan: dict) -> object:
    headers = {"content-type": "application/json", **ADMIN}
    return client.put(f"/v1/stores/{store}/floorplan?publish=true", content=orjson.dumps(plan), headers=headers)


def test_a_compile_past_its_budget_is_stopped_and_changes_nothing(settings: Settings) -> None:
    plan = synthetic_store(6000, seed=3)
    with TestClient(app=create_app(dataclasses.replace(settings, compile_timeout_s=0.2))) as client:
        client.post("/v1/stores", json={"id": "big", "name": "Big", "lat": 1, "lon": 1}, headers=ADMIN)
        response = put_plan(client, "big", plan)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["code"] == "too_complex"
        assert client.get("/v1/stores/big").json()["floorplan_version"] is None
        # The worker is fine, and the next compile (a fresh process) obeys the budget again.
        client.app.state.wiring.compiler.timeout_s = 120
        assert put_plan(client, "big", plan).status_code == 201
        assert client.get("/v1/stores/big").json()["floorplan_version"] == 1


def test_shoppers_are_served_while_a_big_plan_compiles(settings: Settings) -> None:
    plan = synthetic_store(8000, seed=4)
    with TestClient(app=create_app(settings)) as client:
        client.post("/v1/stores", json={"id": "big", "name": "Big", "lat": 1, "lon": 1}, headers=ADMIN)
        put_plan(client, "big", synthetic_store(500, seed=1))  # warm the compile process
        done = threading.Event()
        slowest = 0.0

        def shopper() -> None:
            nonlocal slowest
            while not done.is_set():
                started = time.perf_counter()
                assert client.get("/v1/stores/big").status_code == 200
                slowest = max(slowest, time.perf_counter() - started)

        thread = threading.Thread(target=shopper)
        thread.start()
        try:
            started = time.perf_counter()
            assert put_plan(client, "big", plan).status_code == 201
            compile_s = time.perf_counter() - started
        finally:
            done.set()
            thread.join()
        # Not a timing assert on the server's speed: a request must not wait for the compile.
        assert slowest < compile_s / 2, (slowest, compile_s)


def test_lengths_and_page_sizes_are_capped(client: TestClient) -> None:
    client.post("/v1/stores", json={"id": "s1", "name": "S", "lat": 1, "lon": 1}, headers=ADMIN)
    cases = [
        ("GET", "/v1/stores/s1/products", {"q": "x" * 201}, None),
        ("GET", "/v1/stores/s1/products", {"q": "milk", "limit": 51}, None),
        ("GET", "/v1/stores", {"lat": 1, "lon": 1, "limit": 101}, None),
        ("GET", "/v1/stores/s1/changes", {"since": "2026-01-01T00:00:00Z", "limit": 5001}, None),
        ("POST", "/v1/stores/s1/locate", None, {"items": [{"sku": "a"}] * 201}),
        ("POST", "/v1/stores/s1/route", None, {"items": [{"query": "q" * 201}]}),
        ("POST", "/v1/stores/s1/feedback", None, {"kind": "route_rating", "rating": 3, "comment": "c" * 501}),
    ]
    for method, path, params, body in cases:
        response = client.request(method, path, params=params, json=body)
        assert response.status_code == 400, (path, params, response.status_code)
        assert response.json()["errors"], (path, params)


def test_rate_limits_per_client_per_token_and_per_address(settings: Settings) -> None:
    tight = dataclasses.replace(
        settings,
        rate_limit_expensive="3/minute",
        rate_limit_write="2/minute",
        rate_limit_per_address="12/minute",
    )
    with TestClient(app=create_app(tight)) as client:
        inside_one_minute()  # the counts below all in one of the limiter's minutes
        client.post("/v1/stores", json={"id": "s1", "name": "S", "lat": 1, "lon": 1}, headers=ADMIN)  # write 1

        def search(phone: str) -> int:
            return client.get(
                "/v1/stores/s1/products", params={"q": "milk"}, headers={"X-Client-Id": phone}
            ).status_code

        assert [search("a") for _ in range(4)][-1] == 429  # expensive reads: 3 a minute per client
        assert search("b") != 429  # another phone is not affected
        limited = client.get("/v1/stores/s1/products", params={"q": "milk"}, headers={"X-Client-Id": "a"})
        assert limited.json()["status"] == 429 and int(limited.headers["retry-after"]) >= 1
        # Writes count per token: the admin token has one write left.
        assert client.patch("/v1/stores/s1", json={"name": "T"}, headers=ADMIN).status_code == 200
        assert client.patch("/v1/stores/s1", json={"name": "U"}, headers=ADMIN).status_code == 429
        assert client.get("/v1/stores/s1").json()["name"] == "T"  # the refused write changed nothing
        # One address rotating client ids meets the per-address ceiling.
        statuses = [search(f"rotating-{i}") for i in range(12)]
        assert 429 in statuses


def test_failed_authentication_counts_against_the_address_ceiling(settings: Settings) -> None:
    """Token guesses were never limited (the classes count after authentication)."""
    with TestClient(app=create_app(dataclasses.replace(settings, rate_limit_per_address="5/minute"))) as client:
        guesses = [
            client.post("/v1/stores", json={"id": "x", "name": "X", "lat": 1, "lon": 1},
                        headers={"Authorization": f"Bearer guess-{i}"}).status_code
            for i in range(8)
        ]  # fmt: skip
        assert guesses[:5] == [401] * 5 and guesses[5:] == [429] * 3, guesses
        missing = client.delete("/v1/tokens/x")
        assert missing.status_code == 429 and int(missing.headers["retry-after"]) >= 1


def circle_plan(vertices: int, radius: float = 40.0) -> dict:  # type: ignore[type-arg]
    """A round sales floor drawn as ``vertices`` tiny segments (a curved CAD wall), with a door,
    a till and a few gondolas, far from the origin."""
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    ring = np.stack([1000 + radius * np.cos(angles), 2000 + radius * np.sin(angles)], axis=1).round(4).tolist()
    features = [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                 "properties": {"kind": "outline"}}]  # fmt: skip
    for i, x in enumerate((985, 995, 1005)):
        features.append({"type": "Feature", "properties": {"kind": "fixture", "id": f"g{i}"},
                         "geometry": {"type": "Polygon", "coordinates": [[[x, 1990], [x + 2, 1990], [x + 2, 2010],
                                                                           [x, 2010], [x, 1990]]]}})  # fmt: skip
        features.append({"type": "Feature", "properties": {"kind": "shelf", "id": f"s{i}"},
                         "geometry": {"type": "LineString", "coordinates": [[x, 1995], [x, 2005]]}})  # fmt: skip
    features.append({"type": "Feature", "properties": {"kind": "entrance", "id": "e1"},
                     "geometry": {"type": "Point", "coordinates": [1000, 1965]}})  # fmt: skip
    features.append({"type": "Feature", "properties": {"kind": "checkout", "id": "c1"},
                     "geometry": {"type": "Point", "coordinates": [1010, 1970]}})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def test_a_curved_wall_of_100k_segments_compiles_small(client: TestClient) -> None:
    """A 2 MB plan whose outline is a circle of 100,000 vertices made 22,912 corners and took the
    compile to 23.6 GB; simplified within 5 cm, it is a few dozen corners."""
    client.post("/v1/stores", json={"id": "round", "name": "Round", "lat": 1, "lon": 1}, headers=ADMIN)
    plan = circle_plan(100_000)
    assert len(orjson.dumps(plan)) > 2_000_000
    response = put_plan(client, "round", plan)
    assert response.status_code == 201, response.text[:500]
    assert response.json()["report"]["navigation"]["corners"] < 200


def jagged_plan(fixtures: int) -> dict:  # type: ignore[type-arg]
    """A store full of tiny pillars: four corners each, none simplifiable."""
    side = int(np.ceil(np.sqrt(fixtures)))
    plan: dict = {"type": "FeatureCollection"}  # type: ignore[type-arg]
    plan["features"] = [
        {"type": "Feature", "properties": {"kind": "outline"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [3 * side + 3, 0], [3 * side + 3, 3 * side + 3],
                                                          [0, 3 * side + 3], [0, 0]]]}},
        {"type": "Feature", "properties": {"kind": "entrance", "id": "e1"},
         "geometry": {"type": "Point", "coordinates": [1, 1]}},
        {"type": "Feature", "properties": {"kind": "checkout", "id": "c1"},
         "geometry": {"type": "Point", "coordinates": [2, 1]}},
    ]  # fmt: skip
    for k in range(fixtures):
        x, y = 3 + 3 * (k % side), 3 + 3 * (k // side)
        plan["features"].append({"type": "Feature", "properties": {"kind": "fixture", "id": f"p{k}"},
                                 "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1],
                                                                                   [x, y + 1], [x, y]]]}})  # fmt: skip
    return plan


def test_too_many_corners_is_refused_before_the_corner_pairs_are_built(client: TestClient) -> None:
    client.post("/v1/stores", json={"id": "pillars", "name": "P", "lat": 1, "lon": 1}, headers=ADMIN)
    started = time.perf_counter()
    response = put_plan(client, "pillars", jagged_plan(1_000))  # 4,000 corners
    assert response.status_code == 422, response.text[:300]
    problem = response.json()["errors"][0]
    assert problem["code"] == "too_complex" and "at most 3000" in problem["message"], problem
    assert time.perf_counter() - started < 30  # not a timing target: the 60 s budget did not stop it
    assert client.get("/v1/stores/pillars").json()["floorplan_version"] is None


def test_a_compile_past_its_memory_budget_is_a_422_and_the_worker_lives(settings: Settings) -> None:
    plan = synthetic_store(4000, seed=3)
    with TestClient(app=create_app(dataclasses.replace(settings, compile_memory_mb=8))) as client:
        client.post("/v1/stores", json={"id": "big", "name": "Big", "lat": 1, "lon": 1}, headers=ADMIN)
        response = put_plan(client, "big", plan)
        assert response.status_code == 422, response.text[:300]
        assert response.json()["errors"][0]["code"] == "too_complex" and "MiB" in response.json()["detail"]
        client.app.state.wiring.compiler.memory_mb = 2048
        assert put_plan(client, "big", plan).status_code == 201


def test_imdf_conversion_runs_inside_the_compile_budget(settings: Settings) -> None:
    """An archive is unzipped and converted in the compile process: a budget too small for it
    stops it there (it used to run on the event loop, outside any budget)."""
    from tests.support.imdf_archive import grocery_imdf

    with TestClient(app=create_app(dataclasses.replace(settings, compile_timeout_s=0.001))) as client:
        client.post("/v1/stores", json={"id": "venue", "name": "V", "lat": 1, "lon": 1}, headers=ADMIN)
        response = client.put("/v1/stores/venue/floorplan?publish=true", content=grocery_imdf(),
                              headers={"content-type": "application/zip", **ADMIN})  # fmt: skip
        assert response.status_code == 422 and response.json()["errors"][0]["code"] == "too_complex"


def test_a_worker_keeps_one_version_per_store_and_its_budget_in_bytes(settings: Settings) -> None:
    """Each worker kept every version it had loaded (2.8 GB after three big uploads)."""
    with TestClient(app=create_app(dataclasses.replace(settings, artifact_cache_mb=2))) as client:
        cache = client.app.state.wiring.artifacts
        for store in ("a", "b"):
            client.post("/v1/stores", json={"id": store, "name": store, "lat": 1, "lon": 1}, headers=ADMIN)
        for seed in (1, 2, 3):
            assert put_plan(client, "a", synthetic_store(4000, seed=seed)).status_code == 201
            assert client.post("/v1/stores/a/closures", json={"shelf": "nope"}, headers=ADMIN).status_code == 422
            assert len(cache) == 1  # the store's older versions are gone
        one = cache.held_bytes
        assert 1024 * 1024 < one < 2 * 1024 * 1024  # a 4,000 m² store (three mobilities): two do not fit in 2 MiB
        assert put_plan(client, "b", synthetic_store(4000, seed=4)).status_code == 201
        client.post("/v1/stores/b/closures", json={"shelf": "nope"}, headers=ADMIN)
        assert len(cache) == 1 and cache.held_bytes <= 2 * 1024 * 1024
