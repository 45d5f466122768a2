"""The demo command loads stores, floor plans and a placed catalog, and is idempotent."""

from __future__ import annotations

import asyncio

from litestar.testing import TestClient

from api.app import create_app
from api.cli import _load_demo
from stores.infra.settings import Settings


def test_demo_loads_everything_once(settings: Settings) -> None:
    assert asyncio.run(_load_demo(settings)) == 7
    assert asyncio.run(_load_demo(settings)) == 0
    with TestClient(app=create_app(settings)) as client:
        near = client.get("/v1/stores", params={"lat": 52.52, "lon": 13.40, "limit": 2}).json()["stores"]
        assert [s["id"] for s in near] == ["berlin-mitte", "berlin-kreuzberg"]
        assert near[0]["floorplan_version"] == 1
        assert client.get("/v1/products/SKU-000001").status_code == 200
        results = client.post("/v1/stores/berlin-mitte/locate", json={"items": [{"query": "whole milk"}]}).json()
        assert results["results"][0]["locations"], results
        assert client.get("/v1/stores/berlin-mitte/floorplan.svg").status_code == 200
