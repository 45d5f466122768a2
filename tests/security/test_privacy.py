"""Privacy (OWASP API3 and the issue's rules): shopping lists are not stored, and no token,
secret or shopper's words reach the logs."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from api.app import create_app
from stores.infra.db import Base
from stores.infra.settings import Settings
from tests.catalog.conftest import PLAN, PRODUCTS, put_json
from tests.conftest import ADMIN, ADMIN_TOKEN


def row_counts(client: TestClient) -> dict[str, int]:
    async def count() -> dict[str, int]:
        async with client.app.state.wiring.database.sessionmaker() as session:
            return {
                table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
            }

    return client.blocking_portal.call(count)


def test_shopping_lists_are_not_stored(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", [{"sku": "bread-1", "shelf": "s1"}, {"sku": "milk-1", "shelf": "s5"}])
    before = row_counts(store)
    shopping = {"items": [{"sku": "bread-1"}, {"query": "whole milk"}, {"sku": "milk-1", "quantity": 2}]}
    assert store.post("/v1/stores/s1/route", json=shopping).status_code == 200
    assert store.post("/v1/stores/s1/locate", json=shopping).status_code == 200
    store.blocking_portal.call(store.app.state.wiring.search_misses.flush)
    assert row_counts(store) == before  # every item was found: nothing at all was written


def test_no_token_secret_or_search_words_in_the_logs(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with TestClient(app=create_app(dataclasses.replace(settings, access_log=True))) as client:
        client.post("/v1/stores", json={"id": "s1", "name": "S", "lat": 1, "lon": 1}, headers=ADMIN)
        put_json(client, "/v1/stores/s1/floorplan?publish=true", PLAN)
        put_json(client, "/v1/products", PRODUCTS)
        secret = client.post("/v1/tokens", json={"role": "manager", "stores": ["s1"]}, headers=ADMIN).json()["token"]
        manager = {"Authorization": f"Bearer {secret}"}
        client.get("/v1/stores/s1/insights", headers=manager)
        client.get("/v1/tokens", headers={"Authorization": "Bearer wrong-secret-value"})
        client.get("/v1/stores/s1/products", params={"q": "pregnancy test"})
        client.post("/v1/stores/s1/locate", json={"items": [{"query": "insulin pens"}]})
        client.post("/v1/stores/s1/feedback", json={"kind": "route_rating", "rating": 1, "comment": "call me 555-0100"})
        client.post("/v1/stores/s1/feedback", json={"kind": "nonsense"})  # a 400, logged
        client.blocking_portal.call(client.app.state.wiring.search_misses.flush)
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the test client
    logged = "\n".join(record.getMessage() + str(record.exc_info or "") for record in server_side)
    assert '"path": "/v1/stores/s1/insights"' in logged.replace('":"', '": "')  # the access log did run
    for needle in (secret, ADMIN_TOKEN, "wrong-secret-value", "pregnancy", "insulin", "555-0100"):
        assert needle not in logged, needle
