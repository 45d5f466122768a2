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
        # The two-level store: a step-free route to every placed product it reaches takes the lift.
        plan = client.get("/v1/stores/hamburg-altona/floorplan").json()
        assert [level["id"] for level in plan["levels"]] == ["L0", "L1"]
        upstairs = next(f["properties"]["id"] for f in plan["features"]
                        if f["properties"]["kind"] == "shelf" and f["properties"]["level_id"] == "L1")  # fmt: skip
        found = client.get("/v1/stores/hamburg-altona/products", params={"q": "milk", "limit": 50}).json()["results"]
        sku = next((r["sku"] for r in found for loc in r["locations"] if loc.get("level_id") == "L1"), None)
        assert upstairs and sku, "the demo places products on the upper level too"
        route = client.post("/v1/stores/hamburg-altona/route",
                            json={"items": [{"sku": sku}], "mobility": "step_free"}).json()  # fmt: skip
        assert [d["connector"] for d in route["directions"] if d["action"] == "connector"] == ["lift", "lift"]
