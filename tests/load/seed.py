"""Several synthetic stores of realistic sizes, a catalog and planograms, loaded over HTTP.

Writes a manifest (JSON) the locustfile reads: store ids and places, skus, search words.
"""

from __future__ import annotations

import random
from typing import Any

import httpx
import orjson

from catalog.synthetic import synthetic_catalog
from stores.floorplan.synthetic import synthetic_store

#: (store id, sales floor m², lat, lon): a convenience store, a supermarket, a hypermarket.
STORES = [("load-small", 1200, 48.137, 11.575), ("load-super", 4000, 48.140, 11.560),
          ("load-hyper", 9000, 48.150, 11.590)]  # fmt: skip
JSON = {"content-type": "application/json"}


def planogram(plan: dict[str, Any], products: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """Each product on one or two shelves of its department (else any shelf); ~5% not placed."""
    rng = random.Random(seed)
    shelves = [f["properties"] for f in plan["features"] if f["properties"]["kind"] == "shelf"]
    by_department: dict[str, list[str]] = {}
    for shelf in shelves:
        by_department.setdefault(str(shelf.get("department", "")).casefold(), []).append(shelf["id"])
    every = [s["id"] for s in shelves]
    rows: list[dict[str, Any]] = []
    for product in products:
        roll = rng.random()
        if roll < 0.05:
            rows.append({"sku": product["sku"], "shelf": None})
            continue
        candidates = by_department.get(product["department"].casefold()) or every
        picks = {rng.choice(candidates)} | ({rng.choice(every)} if roll > 0.95 else set())
        rows += [{"sku": product["sku"], "shelf": s, "position_m": round(rng.uniform(0.1, 1.9), 2)} for s in picks]
    return rows


def seed(base_url: str, admin_token: str, products: int = 5000) -> dict[str, Any]:
    catalog = synthetic_catalog(products, seed=11)
    manifest: dict[str, Any] = {"stores": [], "skus": [p["sku"] for p in catalog]}
    words = sorted({w for p in catalog for w in p["name"].split() if w.isalpha() and len(w) > 3})
    manifest["words"] = words
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=300) as http:
        response = http.put("/v1/products", content=orjson.dumps(catalog), headers=JSON)
        response.raise_for_status()
        for i, (store_id, area, lat, lon) in enumerate(STORES):
            response = http.post("/v1/stores", json={"id": store_id, "name": store_id, "lat": lat, "lon": lon})
            response.raise_for_status()
            plan = synthetic_store(area, seed=20 + i)
            http.put(
                f"/v1/stores/{store_id}/floorplan?publish=true", content=orjson.dumps(plan), headers=JSON
            ).raise_for_status()
            rows = planogram(plan, catalog, seed=30 + i)
            http.put(f"/v1/stores/{store_id}/placements", json=rows).raise_for_status()
            placed = sorted({r["sku"] for r in rows if r["shelf"]})
            shelves = sorted({r["shelf"] for r in rows if r["shelf"]})
            manifest["stores"].append(
                {"id": store_id, "lat": lat, "lon": lon, "area_m2": area, "placed": placed, "shelves": shelves,
                 "placements": [r for r in rows if r["shelf"]][:2000]}
            )  # fmt: skip
        manifest["upload_plan"] = synthetic_store(STORES[1][1], seed=21)  # load-super's plan again
    return manifest
