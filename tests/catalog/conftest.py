"""A store with a floor plan and a small catalog, on both databases."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from litestar.testing import TestClient

from tests.conftest import ADMIN
from tests.support.ascii_plan import TWO_AISLES, ascii_plan

PLAN = ascii_plan(TWO_AISLES)
# Shelves s1..s8 (row 2: s1-s4 at x=1..4, s5-s8 at x=7..10; row 5 likewise s9..s16), each 1 m long.

PRODUCTS: list[dict[str, Any]] = [
    {"sku": "bread-1", "name": "Sourdough Bread", "brand": "Miller", "department": "Bakery",
     "names": {"de": "Sauerteigbrot", "zh": "酸种面包", "ar": "خبز العجين المخمر"}, "keywords": ["loaf"]},
    {"sku": "milk-1", "name": "Whole Milk 1 L", "department": "Dairy", "storage": "chilled",
     "names": {"de": "Vollmilch", "fr": "Lait entier"}, "gtin": "4000000000426"},
    {"sku": "creme-1", "name": "Crème fraîche", "department": "Dairy", "storage": "chilled"},
    {"sku": "peas-1", "name": "Frozen Peas", "department": "Frozen", "storage": "frozen"},
    {"sku": "rice-1", "name": "Basmati Rice", "department": "Pantry", "names": {"ar": "أرز بسمتي"}, "heavy": True},
    {"sku": "bread-2", "name": "Sourdough Bread Rolls", "department": "Bakery"},
]  # fmt: skip


def put_json(client: TestClient, url: str, body: Any, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    auth = ADMIN if headers is None else headers
    return client.put(url, content=orjson.dumps(body), headers={"content-type": "application/json", **auth})


@pytest.fixture
def store(client: TestClient) -> TestClient:
    assert (
        client.post("/v1/stores", json={"id": "s1", "name": "S", "lat": 1, "lon": 1}, headers=ADMIN).status_code == 201
    )
    assert put_json(client, "/v1/stores/s1/floorplan?publish=true", PLAN).status_code == 201
    assert put_json(client, "/v1/products", PRODUCTS).json() == {"upserted": len(PRODUCTS)}
    return client
