"""Hostile and odd input found by the adversarial review: each gets a clear 4xx, changes nothing,
and leaves the worker's memory where it was."""

from __future__ import annotations

from pathlib import Path

import orjson
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
        (
            "PUT",
            "/v1/stores/s1/floorplan?publish=true",
            lambda deep: b'{"type": "FeatureCollection", "features": ' + deep + b"}",
        ),
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


CSV = {"content-type": "text/csv", **ADMIN}


def catalog_version(client: TestClient) -> int:
    from catalog.models import CatalogState

    async def read() -> int:
        async with client.app.state.wiring.database.sessionmaker() as session:
            state = await session.get(CatalogState, 1)
            return 0 if state is None else state.version

    return int(client.blocking_portal.call(read))


@pytest.mark.parametrize(
    ("body", "code", "row"),
    [
        ("sku,name\nlat-1,Crème brûlée\n".encode("latin-1"), "not_utf8", 2),
        (b"sku,name\nbad-1,\xff\xfe broken\n", "not_utf8", 2),
        ("sku,name\nbig-1," + "x" * (200 * 1024) + "\n", "malformed_csv", 2),
        ('sku,name\nq-1,"Bread\nq-2,Milk\n', "malformed_csv", 2),  # an unbalanced quote would swallow the rest
        ('sku,name\nq-1,"Bread\nq-2,Milk"\n', "invalid_text", 2),  # ... or the next line, into one name
        ("sku,name,name\nd-1,Bread,Milk\n", "duplicate_header", 1),
        ("2\r\u00d1\u00b7", "malformed_csv", 1),  # a bare carriage return in the header (found by the fuzzer)
        ("sku,name\nx-1,Bread,extra\n", "field_count", 2),
        ("sku,name,names\nn-1,Bread,de;fr=Pain\n", "invalid", 2),
    ],
)
def test_csv_that_would_be_read_wrongly_is_a_4xx_naming_the_row(store: TestClient, body, code: str, row: int) -> None:  # type: ignore[no-untyped-def]
    version = catalog_version(store)
    response = store.put("/v1/products", content=body.encode() if isinstance(body, str) else body, headers=CSV)
    assert is_problem(response, 422, code), response.text[:400]
    assert row in {e.get("row") for e in response.json()["errors"]}
    assert catalog_version(store) == version


def test_utf16_csv_with_a_byte_order_mark_is_read(store: TestClient) -> None:
    body = "sku,name,names\nu-1,Crème brûlée,de=Crème Brûlée;fr=Crème brûlée\n".encode("utf-16")
    assert store.put("/v1/products", content=body, headers=CSV).json() == {"upserted": 1}
    assert store.get("/v1/products/u-1").json()["names"]["de"] == "Crème Brûlée"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'[{"sku": "s-1", "name": "\\udc00x"}]', "invalid_text"),  # a lone surrogate, stored as "?" before
        (b'[{"sku": "s-1", "name": "Bread", "names": {"de": "Brot\\ud800"}}]', "invalid_text"),
        (b'[{"sku": "s-1", "name": "Bread", "keywords": ["a\\u0000"]}]', "invalid_text"),
        (b'{"sku": "s-1", "name": "Bread"}', "invalid_type"),  # an object, not an array: upserted 0 before
    ],
)
def test_json_rows_that_would_be_stored_changed_are_a_422(store: TestClient, body: bytes, code: str) -> None:
    version = catalog_version(store)
    response = store.put("/v1/products", content=body, headers={**JSON, **ADMIN})
    assert is_problem(response, 422, code), response.text[:400]
    assert store.get("/v1/products/s-1").status_code == 404
    assert catalog_version(store) == version


def test_an_empty_import_changes_nothing(store: TestClient) -> None:
    version = catalog_version(store)
    assert store.put("/v1/products", content=b"[]", headers={**JSON, **ADMIN}).json() == {"upserted": 0}
    assert catalog_version(store) == version


def plan_with(**shelf_props: str) -> dict:  # type: ignore[type-arg]
    from tests.catalog.conftest import PLAN

    plan = orjson.loads(orjson.dumps(PLAN))
    shelf = next(f for f in plan["features"] if f["properties"]["kind"] == "shelf")
    shelf["properties"].update(shelf_props)
    return plan


@pytest.mark.parametrize(
    ("name", "escaped"), [("id", b"s\\u0000x"), ("id", b"s\\ud800"), ("label", b"A\\u0000"), ("aisle", b"7\\n8")]
)
def test_text_a_database_cannot_hold_in_a_plan_is_refused_at_the_first_upload(
    store: TestClient, name: str, escaped: bytes
) -> None:
    body = orjson.dumps(plan_with(**{name: "PLACEHOLDER"})).replace(b"PLACEHOLDER", escaped)
    response = store.put("/v1/stores/s1/floorplan?publish=true", content=body, headers={**JSON, **ADMIN})
    assert response.status_code == 422, response.text[:300]
    codes = {e["code"] for e in response.json()["errors"]}
    assert codes <= {"invalid_id", "invalid_text", "malformed_json"}, response.text[:300]  # orjson refuses surrogates
    # Nothing changed, and the next (good) upload is not blocked.
    assert store.get("/v1/stores/s1").json()["floorplan_version"] == 1
    assert put_json(store, "/v1/stores/s1/floorplan?publish=true", plan_with()).status_code == 201


@pytest.mark.parametrize(
    "polygon",
    [
        {"type": "Circle", "coordinates": [5, 5], "radius": 2},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, "a"], [1, 1], [0, 0]]]},
        {"type": "Polygon", "coordinates": "nope"},
        {"type": "MultiPolygon", "coordinates": []},
    ],
)
def test_a_closure_that_is_not_a_polygon_is_a_400(store: TestClient, polygon: dict) -> None:  # type: ignore[type-arg]
    # Ill-typed for the declared GeoJSON Polygon: the decoder names the bad member.
    response = store.post("/v1/stores/s1/closures", json={"polygon": polygon}, headers=ADMIN)
    assert response.status_code == 400, response.text[:300]
    assert response.json()["errors"][0]["pointer"].startswith("/polygon")
    assert store.get("/v1/stores/s1/closures").json()["closures"] == []


@pytest.mark.parametrize(
    "rings",
    [
        [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]],  # a bow tie: crosses itself
        [[[0, 0], [1, 1], [0, 0]]],  # no area
        [[[0, 0], [1e9, 0], [1e9, 1], [0, 0]]],  # far outside any store
        [[[900, 900], [901, 900], [901, 901], [900, 900]]],  # touches no walkable space
    ],
)
def test_a_polygon_that_is_no_closable_area_is_a_422(store: TestClient, rings: list) -> None:  # type: ignore[type-arg]
    response = store.post(
        "/v1/stores/s1/closures", json={"polygon": {"type": "Polygon", "coordinates": rings}}, headers=ADMIN
    )
    assert is_problem(response, 422, "invalid_polygon"), response.text[:300]
    assert store.get("/v1/stores/s1/closures").json()["closures"] == []


def test_free_text_past_the_work_budget_is_a_422_before_matching(store: TestClient) -> None:
    from catalog.locate import MAX_QUERY_CHARACTERS

    long_query = "sourdough bread with seeds and a crust " * 5  # under the 200-character field limit
    items = [{"query": long_query}] * (MAX_QUERY_CHARACTERS // len(long_query) + 1)
    for path in ("/v1/stores/s1/route", "/v1/stores/s1/locate"):
        response = store.post(path, json={"items": items})
        assert is_problem(response, 422, "too_much_work"), (path, response.status_code, response.text[:300])
    within = items[: MAX_QUERY_CHARACTERS // len(long_query)]
    assert store.post("/v1/stores/s1/locate", json={"items": within}).status_code == 200


def test_route_pictures_are_cached_by_versions_and_list(store: TestClient) -> None:
    planogram = [{"sku": "bread-1", "shelf": "s8"}, {"sku": "rice-1", "shelf": "s12"}]
    assert put_json(store, "/v1/stores/s1/placements", planogram).status_code == 200
    cache = store.app.state.wiring.pictures
    first = store.get("/v1/stores/s1/route.svg", params={"skus": "bread-1,rice-1"})
    size = len(cache)
    again = store.get("/v1/stores/s1/route.svg", params={"skus": "bread-1,rice-1"})
    assert again.text == first.text and len(cache) == size  # served from memory
    store.post("/v1/stores/s1/closures", json={"shelf": "s8"}, headers=ADMIN)
    closed = store.get("/v1/stores/s1/route.svg", params={"skus": "bread-1,rice-1"})
    assert closed.status_code == 200 and len(cache) == size + 1  # a closure is a new picture


def test_a_catalog_change_is_indexed_in_the_background_and_the_old_index_serves_meanwhile(
    store: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import catalog.search as search

    assert store.get("/v1/stores/s1/products", params={"q": "sourdough"}).status_code == 200  # index v1 built
    release = threading.Event()
    built = search.SearchIndex

    def slow_index(*args):  # type: ignore[no-untyped-def]
        release.wait(10)
        return built(*args)

    monkeypatch.setattr(search, "SearchIndex", slow_index)
    assert put_json(store, "/v1/products", [{"sku": "kimchi-1", "name": "Kimchi"}]).status_code == 200
    meanwhile = store.get("/v1/stores/s1/products", params={"q": "kimchi"})
    assert meanwhile.status_code == 200 and meanwhile.json()["results"] == []  # the previous catalog, at once
    assert store.get("/v1/stores/s1/products", params={"q": "sourdough"}).json()["results"]
    release.set()
    for _ in range(100):
        hits = store.get("/v1/stores/s1/products", params={"q": "kimchi"}).json()["results"]
        if hits:
            break
        release.wait(0.05)
    assert [h["sku"] for h in hits] == ["kimchi-1"]
