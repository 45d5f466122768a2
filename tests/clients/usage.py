"""What an app developer writes against the Python client generated from the running app's
OpenAPI document (openapi-python-client). tests/clients/test_clients.py generates the package,
checks this file with ``mypy --strict``, then runs it against a live server: a response shape that
changes under it fails one or the other.

``python usage.py <base url> <admin token> <store id> <plan.json>``
"""

from __future__ import annotations

import json
import sys
from typing import TypeVar

from aislepath_client import AuthenticatedClient, Client
from aislepath_client.api.catalog import (
    get_product_locations,
    get_store_bundle,
    import_products,
    locate_items,
    search_products,
    upsert_placements,
)
from aislepath_client.api.feedback_and_insights import get_insights, send_feedback
from aislepath_client.api.floor_plans import activate_floor_plan_version, list_floor_plan_versions, upload_floor_plan
from aislepath_client.api.routes import plan_route
from aislepath_client.api.stores import get_store, list_stores
from aislepath_client.models import (
    Accepted,
    Activated,
    BundleOut,
    Confidence,
    FeedbackIn,
    FeedbackKind,
    FloorPlan,
    InsightsOut,
    ItemIn,
    LocateIn,
    LocateOut,
    LocationsOut,
    PlacementIn,
    PlanogramResult,
    Problem,
    ProductIn,
    Route,
    RouteIn,
    SearchOut,
    StartIn,
    Stock,
    StopKind,
    StoreList,
    StoreOut,
    Temperature,
    UploadResult,
    Upserted,
    VersionList,
    VersionStatus,
)

T = TypeVar("T")


def must(answer: T | Problem | None, expected: type[T]) -> T:
    """The answer, or a failure naming the problem the server sent."""
    if not isinstance(answer, expected):
        detail = answer.to_dict() if isinstance(answer, Problem) else answer
        raise SystemExit(f"expected {expected.__name__}, got {detail!r}")
    return answer


def shopper(base_url: str) -> list[str]:
    """Store, search, locations, locate, route, re-plan, feedback, bundle."""
    api = Client(base_url=base_url, raise_on_unexpected_status=True)
    seen = []
    stores = must(list_stores.sync(client=api, lat=52.52, lon=13.41, limit=5), StoreList)
    store = stores.stores[0]
    seen.append(f"store {store.id} at {store.distance_m} m")
    named = must(list_stores.sync(client=api, q=store.name), StoreList)
    open_now: bool | None = named.stores[0].open_now
    seen.append(f"by name {' '.join(s.id for s in named.stores)} open {open_now}")
    one = must(get_store.sync(store.id, client=api), StoreOut)
    version: int | None = one.floorplan_version
    seen.append(f"plan v{version}")

    found = must(search_products.sync(store.id, client=api, q="milk"), SearchOut)
    hit = found.results[0]
    seen.append(f"search {hit.sku} {hit.score}")
    where = must(get_product_locations.sync(store.id, hit.sku, client=api), LocationsOut)
    for place in where.locations:
        stock: Stock = place.stock
        confidence: Confidence = place.confidence
        seen.append(f"at {place.shelf} aisle {place.aisle} {stock} {confidence} ({place.x}, {place.y})")

    items = [ItemIn(sku=hit.sku), ItemIn(query="bread", quantity=2)]
    located = must(locate_items.sync(store.id, client=api, body=LocateIn(items=items)), LocateOut)
    for result in located.results:
        seen.append(f"located {result.sku} {result.reason or 'ok'}")

    route = must(plan_route.sync(store.id, client=api, body=RouteIn(items=items)), Route)
    for stop in route.stops:
        kind: StopKind = stop.kind
        seen.append(f"{kind} {stop.sku or stop.id or ''} +{stop.leg_m} m")
    optimal: bool = route.optimal
    seen.append(f"route {route.distance_m} m, {route.eta_s} s, optimal {optimal}")

    x, y = route.path[1][0], route.path[1][1]
    replan = must(plan_route.sync(store.id, client=api, body=RouteIn(items=items, start=StartIn(x=x, y=y))), Route)
    seen.append(f"re-plan {replan.distance_m} m snapped {replan.snapped_m or 0}")

    rating = FeedbackIn(kind=FeedbackKind.ROUTE_RATING, rating=5)
    accepted = must(send_feedback.sync(store.id, client=api, body=rating), Accepted)
    seen.append(f"feedback {accepted.status}")

    bundle = must(get_store_bundle.sync(store.id, client=api), BundleOut)
    seen.append(f"bundle {bundle.version} complete {bundle.complete} {len(bundle.products)} products")
    return seen


def manager(base_url: str, token: str, store_id: str, plan: FloorPlan) -> list[str]:
    """Upload a draft plan, publish it, import products, place them, read versions and insights."""
    api = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)
    seen = []
    draft = must(upload_floor_plan.sync(store_id, client=api, body=plan), UploadResult)
    status: VersionStatus = draft.status
    seen.append(f"draft v{draft.version} {status}, {draft.report.features.shelves} shelves")
    live = must(activate_floor_plan_version.sync(store_id, draft.version, client=api), Activated)
    seen.append(f"live v{live.floorplan_version}")

    products = [
        ProductIn(sku="py-milk", name="Whole Milk", storage=Temperature.CHILLED),
        ProductIn(sku="py-bread", name="Sourdough Bread", keywords=["loaf"]),
    ]
    upserted = must(import_products.sync(client=api, body=products), Upserted)
    seen.append(f"upserted {upserted.upserted}")

    shelf = next(f.properties.id for f in plan.features if f.properties.kind == "shelf")
    assert isinstance(shelf, str)
    rows = [PlacementIn(sku=p.sku, shelf=shelf, stock=Stock.IN_STOCK) for p in products]
    placed = must(upsert_placements.sync(store_id, client=api, body=rows), PlanogramResult)
    seen.append(f"planogram v{placed.planogram_version} ({placed.rows} rows)")

    versions = must(list_floor_plan_versions.sync(store_id, client=api), VersionList)
    seen.append("versions " + " ".join(f"{v.version}:{v.status}" for v in versions.versions))
    insights = must(get_insights.sync(store_id, client=api), InsightsOut)
    mean = insights.ratings.mean
    seen.append(f"insights: {len(insights.searches)} searches in vain, rating {mean}")
    return seen


if __name__ == "__main__":
    base, admin, store, plan_file = sys.argv[1:5]
    with open(plan_file, encoding="utf-8") as f:
        floor_plan = FloorPlan.from_dict(json.load(f))
    for line in manager(base, admin, store, floor_plan) + shopper(base):
        print(line)
