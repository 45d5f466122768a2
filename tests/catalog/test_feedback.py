"""Shopper feedback, insights (JSON and CSV), the low-confidence flag, accepting a move,
search-miss logging, "what moved", retention and the per-client flood limit."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta

from litestar.testing import TestClient
from sqlalchemy import func, select

from api.app import create_app
from catalog.models import Feedback, SearchMiss
from catalog.search_log import purge_expired
from stores.infra.settings import Settings
from tests.catalog.conftest import put_json
from tests.conftest import ADMIN
from tests.support.ascii_plan import ascii_plan

PLANOGRAM = [
    {"sku": "bread-1", "shelf": "s1", "position_m": 0.5},
    {"sku": "bread-1", "shelf": "s9", "position_m": 0.5},
    {"sku": "milk-1", "shelf": "s5"},
    {"sku": "peas-1", "shelf": "s16"},
    {"sku": "rice-1"},
]
_phones = itertools.count()


def report(client: TestClient, body: dict, store: str = "s1", phone: str | None = None):  # type: ignore[no-untyped-def]
    """One report from one phone (each its own X-Client-Id, as the app sends)."""
    headers = {"X-Client-Id": phone or f"phone-{next(_phones)}"}
    return client.post(f"/v1/stores/{store}/feedback", json=body, headers=headers)


def insights(client: TestClient, **params: str) -> dict:
    response = client.get("/v1/stores/s1/insights", params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


def confidence(client: TestClient, sku: str) -> dict[str, str]:
    body = client.get(f"/v1/stores/s1/products/{sku}/locations").json()
    return {loc["shelf"]: loc["confidence"] for loc in body["locations"]}


def other_manager(client: TestClient) -> dict[str, str]:
    """A manager of another store (s2)."""
    client.post("/v1/stores", json={"id": "s2", "name": "Other", "lat": 2, "lon": 2}, headers=ADMIN)
    token = client.post("/v1/tokens", json={"role": "manager", "stores": ["s2"]}, headers=ADMIN).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def flush_misses(client: TestClient) -> None:
    client.blocking_portal.call(client.app.state.wiring.search_misses.flush)


def in_db(client: TestClient, query):  # type: ignore[no-untyped-def]
    async def run():  # type: ignore[no-untyped-def]
        async with client.app.state.wiring.database.sessionmaker() as session:
            return await session.scalar(query)

    return client.blocking_portal.call(run)


def test_each_report_kind_is_accepted_and_counted(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    assert report(store, {"kind": "not_at_location", "sku": "milk-1"}).status_code == 202
    assert report(store, {"kind": "out_of_stock", "sku": "milk-1", "shelf": "s5"}).status_code == 202
    assert report(store, {"kind": "out_of_stock", "sku": "milk-1"}).status_code == 202
    assert (
        report(store, {"kind": "found_elsewhere", "sku": "milk-1", "shelf": "s7", "position_m": 0.4}).status_code == 202
    )
    for rating, comment in ((5, "quick"), (4, None), (2, "=cmd|' /C calc'!A0")):
        assert report(store, {"kind": "route_rating", "rating": rating, "comment": comment}).status_code == 202

    data = insights(store)
    milk = next(p for p in data["products"] if p["sku"] == "milk-1" and p["shelf"] == "s5")
    # The single placement (s5) is what every report is about, found-elsewhere included.
    assert (milk["not_at_location"], milk["out_of_stock"], milk["found_elsewhere"]) == (1, 2, 1)
    assert milk["reports"] == 4 and milk["name"] == "Whole Milk 1 L"
    assert datetime.fromisoformat(milk["last_report_at"]) > datetime.now(UTC) - timedelta(minutes=5)
    ratings = data["ratings"]
    assert ratings["count"] == 3 and ratings["mean"] == round(11 / 3, 2)
    assert ratings["histogram"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert {c["comment"] for c in ratings["recent_comments"]} == {"quick", "=cmd|' /C calc'!A0"}

    # CSV for BI tools: a header row, one line per row, formulas defused.
    csv_response = store.get("/v1/stores/s1/insights.csv", params={"section": "products"}, headers=ADMIN)
    assert csv_response.status_code == 200 and csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.text)))
    assert {(r["sku"], r["shelf"], r["reports"]) for r in rows} == {("milk-1", "s5", "4")}
    ratings_csv = store.get("/v1/stores/s1/insights.csv", params={"section": "ratings"}, headers=ADMIN).text
    assert next(csv.reader(io.StringIO(ratings_csv))) == ["rating", "count"]


def test_bad_reports_name_the_field_and_write_nothing(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    cases = [
        ({"kind": "not_at_location"}, "/sku", "required"),
        ({"kind": "out_of_stock", "sku": "ghost"}, "/sku", "unknown_sku"),
        ({"kind": "not_at_location", "sku": "milk-1", "shelf": "s99"}, "/shelf", "unknown_shelf"),
        ({"kind": "found_elsewhere", "sku": "milk-1"}, "/shelf", "required"),
        ({"kind": "found_elsewhere", "sku": "milk-1", "x": 500, "y": 500}, "/x", "outside"),
        ({"kind": "found_elsewhere", "sku": "milk-1", "x": 3}, "/x", "invalid_point"),
        ({"kind": "found_elsewhere", "sku": "milk-1", "shelf": "s7", "position_m": 9}, "/position_m", "off_shelf"),
        ({"kind": "route_rating"}, "/rating", "required"),
    ]
    for body, pointer, code in cases:
        response = report(store, body)
        assert response.status_code == 422, (body, response.text)
        assert {(e["pointer"], e["code"]) for e in response.json()["errors"]} == {(pointer, code)}, body
    for body in (
        {"kind": "praise"},
        {"kind": "route_rating", "rating": 6},
        {"kind": "route_rating", "rating": 3, "comment": "x" * 501},
    ):
        assert report(store, body).status_code == 400, body
    assert in_db(store, select(func.count()).select_from(Feedback)) == 0
    assert report(store, {"kind": "route_rating", "rating": 3}, store="nowhere").status_code == 404


def test_repeated_wrong_location_reports_flag_the_placement_until_confirmed(
    store: TestClient, settings: Settings
) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    assert confidence(store, "bread-1") == {"s1": "high", "s9": "high"}
    with TestClient(app=create_app(settings)) as other_worker:
        assert other_worker.get("/v1/stores/s1/products/bread-1/locations").status_code == 200  # warm its index
        for _ in range(2):
            report(store, {"kind": "not_at_location", "sku": "bread-1", "shelf": "s1"})
        assert confidence(store, "bread-1") == {"s1": "high", "s9": "high"}  # two reports are not enough
        report(store, {"kind": "not_at_location", "sku": "bread-1", "shelf": "s1"})
        assert confidence(store, "bread-1") == {"s1": "low", "s9": "high"}
        assert confidence(other_worker, "bread-1") == {"s1": "low", "s9": "high"}  # every worker, at once

        suspect = next(s for s in insights(store)["suspects"] if s["sku"] == "bread-1")
        assert (
            suspect["flagged"] and suspect["listed"][0]["shelf"] == "s1" and suspect["listed"][0]["wrong_reports"] == 3
        )

        other = other_manager(store)
        assert (
            store.post("/v1/stores/s1/placements/bread-1/confirm", json={"shelf": "s1"}, headers=other).status_code
            == 403
        )
        confirmed = store.post("/v1/stores/s1/placements/bread-1/confirm", json={"shelf": "s1"}, headers=ADMIN)
        assert confirmed.status_code == 200, confirmed.text
        assert confidence(store, "bread-1") == {"s1": "high", "s9": "high"}
        assert confidence(other_worker, "bread-1") == {"s1": "high", "s9": "high"}
        # Reports from before the confirmation no longer count; new ones start again from zero.
        report(store, {"kind": "not_at_location", "sku": "bread-1", "shelf": "s1"})
        assert confidence(store, "bread-1")["s1"] == "high"
    assert (
        store.post("/v1/stores/s1/placements/bread-1/confirm", json={"shelf": "s5"}, headers=ADMIN).status_code == 404
    )


def test_found_elsewhere_suggests_a_move_that_a_manager_accepts_in_one_call(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    before = datetime.now(UTC)
    # Two shoppers find the milk on shelf s7, one by shelf, one by where they stood (x, y).
    s7 = store.get("/v1/stores/s1/floorplan").json()
    line = next(f for f in s7["features"] if f["properties"].get("id") == "s7")["geometry"]["coordinates"]
    mid_x, shelf_y = (line[0][0] + line[1][0]) / 2, line[0][1]
    assert (
        report(store, {"kind": "found_elsewhere", "sku": "milk-1", "shelf": "s7", "position_m": 0.5}).status_code == 202
    )
    assert (
        report(store, {"kind": "found_elsewhere", "sku": "milk-1", "x": mid_x, "y": shelf_y - 0.6}).status_code == 202
    )
    report(store, {"kind": "not_at_location", "sku": "milk-1"})

    suspect = next(s for s in insights(store)["suspects"] if s["sku"] == "milk-1")
    assert suspect["suggested"]["shelf"] == "s7" and suspect["suggested"]["found_reports"] == 2
    assert 0.0 <= suspect["suggested"]["position_m"] <= 1.0
    assert suspect["listed"][0]["shelf"] == "s5" and suspect["listed"][0]["wrong_reports"] == 3
    assert suspect["flagged"] and confidence(store, "milk-1") == {"s5": "low"}
    accept = suspect["accept"]
    assert accept["body"]["from_shelf"] == "s5"

    moved = store.post(accept["path"], json=accept["body"], headers=ADMIN)
    assert moved.status_code == 200, moved.text
    assert confidence(store, "milk-1") == {"s7": "high"}  # moved: the doubt went with the old place
    milk = store.get("/v1/stores/s1/products/milk-1/locations").json()
    assert milk["stock"] == "in_stock" and milk["locations"][0]["position_m"] == accept["body"]["position_m"]
    assert not any(s["sku"] == "milk-1" and s["flagged"] for s in insights(store)["suspects"])

    changes = store.get("/v1/stores/s1/changes", params={"since": before.isoformat()}).json()["changes"]
    assert [(c["sku"], [p["shelf"] for p in c["before"]], [p["shelf"] for p in c["after"]]) for c in changes] == [
        ("milk-1", ["s5"], ["s7"])
    ]
    # A move needs a real shelf and, for a product on several shelves, which one it leaves.
    bad = store.post("/v1/stores/s1/placements/bread-1/move", json={"shelf": "s3"}, headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/from_shelf"
    bad = store.post("/v1/stores/s1/placements/milk-1/move", json={"shelf": "s99"}, headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "unknown_shelf"


def test_what_moved_across_a_floor_plan_change_and_planogram_edits(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    start = datetime.now(UTC)
    assert store.get("/v1/stores/s1/changes", params={"since": start.isoformat()}).json()["changes"] == []
    # A store reset: the north gondolas move 3 m and 2 m east; the south ones stay.
    reset = ascii_plan(
        """
..............
....####.####.
....====.====.
..............
.####..####...
.====..====...
..............
E............C
"""
    )
    assert put_json(store, "/v1/stores/s1/floorplan?publish=true", reset).status_code == 201
    changes = store.get("/v1/stores/s1/changes", params={"since": start.isoformat()}).json()
    moved = {c["sku"]: c for c in changes["changes"]}
    assert set(moved) == {"bread-1", "milk-1"}  # peas (s16) stayed; rice is not placed
    assert moved["milk-1"]["after"][0]["x"] - moved["milk-1"]["before"][0]["x"] > 1.5
    assert [p["shelf"] for p in moved["bread-1"]["after"]] == ["s1", "s9"]

    # Back to the old plan (roll back): nothing moved overall since `start`.
    versions = store.get("/v1/stores/s1/floorplan/versions", headers=ADMIN).json()["versions"]
    first = min(v["version"] for v in versions)
    assert store.post(f"/v1/stores/s1/floorplan/versions/{first}/activate", headers=ADMIN).status_code == 200
    assert store.get("/v1/stores/s1/changes", params={"since": start.isoformat()}).json()["changes"] == []

    # Planogram edits: peas move shelf; a stock-only update moves nothing; pages of one.
    mid = datetime.now(UTC)
    store.post("/v1/stores/s1/placements", json=[{"sku": "peas-1", "shelf": "s16", "stock": "low"}], headers=ADMIN)
    assert store.get("/v1/stores/s1/changes", params={"since": mid.isoformat()}).json()["changes"] == []
    put_json(store, "/v1/stores/s1/placements", [*PLANOGRAM[:3], {"sku": "peas-1", "shelf": "s12"}, PLANOGRAM[4]])
    store.post("/v1/stores/s1/placements", json=[{"sku": "bread-2", "shelf": "s2"}], headers=ADMIN)
    page = store.get("/v1/stores/s1/changes", params={"since": mid.isoformat(), "limit": 1}).json()
    assert [c["sku"] for c in page["changes"]] == ["bread-2"] and page["next"] == "bread-2"
    assert page["changes"][0]["before"] == [] and page["changes"][0]["after"][0]["shelf"] == "s2"
    page = store.get("/v1/stores/s1/changes", params={"since": mid.isoformat(), "limit": 1, "after": "bread-2"}).json()
    assert [c["sku"] for c in page["changes"]] == ["peas-1"] and page["next"] is None
    naive = store.get("/v1/stores/s1/changes", params={"since": "2026-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["parameter"] == "since"


def test_searches_in_vain_are_logged_without_personal_data(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    for _ in range(3):
        assert store.get("/v1/stores/s1/products", params={"q": "Caviar"}).json()["results"] == []
    store.get("/v1/stores/s1/products", params={"q": "creme fraiche"})  # found, but not carried here
    store.get("/v1/stores/s1/products", params={"q": "sourdough"})  # carried: not a miss
    located = store.post("/v1/stores/s1/locate", json={"items": [{"query": "caviar"}, {"sku": "creme-1"}]})
    assert located.status_code == 200
    route = store.post("/v1/stores/s1/route", json={"items": [{"query": "  CAVIAR "}, {"sku": "bread-1"}]})
    assert route.status_code == 200
    store.get("/v1/stores/s1/products", params={"q": '=HYPERLINK("http://x")'})
    flush_misses(store)

    searches = insights(store)["searches"]
    assert searches[0] == {**searches[0], "query": "caviar", "reason": "no_match", "count": 5, "sku": None}
    not_carried = {(s["query"], s["sku"]) for s in searches if s["reason"] == "not_carried"}
    assert not_carried == {("creme fraiche", "creme-1"), ("creme-1", "creme-1")}
    assert "sourdough" not in {s["query"] for s in searches}
    latest = datetime.fromisoformat(searches[0]["latest"])
    assert latest.minute == 0 and latest.second == 0  # kept to the hour only
    # The table has nothing that could identify a shopper or link the items of one list.
    assert set(SearchMiss.__table__.columns.keys()) == {
        "id",
        "store_id",
        "query",
        "sku",
        "reason",
        "source",
        "created_at",
    }
    exported = store.get("/v1/stores/s1/insights.csv", params={"section": "searches"}, headers=ADMIN).text
    assert "'=hyperlink" in exported  # a spreadsheet will not run it


def test_retention_deletes_old_feedback_and_search_misses(store: TestClient) -> None:
    report(store, {"kind": "route_rating", "rating": 4})
    store.get("/v1/stores/s1/products", params={"q": "caviar"})
    flush_misses(store)
    old = datetime.now(UTC) - timedelta(days=400)

    async def age_and_purge() -> tuple[int, int]:
        async with store.app.state.wiring.database.sessionmaker() as session:
            session.add(Feedback(store_id="s1", kind="route_rating", rating=1, planogram_version=0, created_at=old))
            session.add(SearchMiss(store_id="s1", query="old", reason="no_match", source="search", created_at=old))
            await session.commit()
            return await purge_expired(session, feedback_days=365, search_log_days=90)

    assert store.blocking_portal.call(age_and_purge) == (1, 1)
    assert in_db(store, select(func.count()).select_from(Feedback)) == 1
    assert in_db(store, select(func.count()).select_from(SearchMiss)) == 1


def test_a_flood_of_reports_from_one_client_is_limited(store: TestClient) -> None:
    body = {"kind": "route_rating", "rating": 5}
    statuses = [report(store, body, phone="flooder").status_code for _ in range(12)]
    assert statuses[:10] == [202] * 10 and statuses[10:] == [429, 429]
    limited = report(store, body, phone="flooder")
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert report(store, body, phone="someone-else").status_code == 202  # others are not affected
    assert in_db(store, select(func.count()).select_from(Feedback)) == 11


def test_insights_are_for_the_store_s_managers_only(store: TestClient) -> None:
    assert store.get("/v1/stores/s1/insights").status_code == 401
    other = other_manager(store)
    own = store.post("/v1/tokens", json={"role": "manager", "stores": ["s1"]}, headers=ADMIN).json()["token"]
    for path in ("/v1/stores/s1/insights", "/v1/stores/s1/insights.csv"):
        assert store.get(path, headers=other).status_code == 403
        assert store.get(path, headers={"Authorization": f"Bearer {own}"}).status_code == 200
    assert store.get("/v1/stores/s1/insights", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_miss_of_a_deleted_store_does_not_block_the_others(store: TestClient) -> None:
    misses = store.app.state.wiring.search_misses
    misses.record("s1", "truffles", "no_match", "search")
    misses.record("no-such-store", "x", "no_match", "search")  # breaks the batch insert (foreign key)
    assert store.blocking_portal.call(misses.flush) == 1 and misses.pending == 0
    assert in_db(store, select(SearchMiss.query)) == "truffles"


def test_a_reported_position_is_moved_into_walkable_space_and_says_by_how_much(store: TestClient) -> None:
    """Beside a shelf a shopper stands in the clearance the walkable space keeps from it, and a
    phone's position is off by a metre: both are kept moved into the space; 3 m off is refused."""
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    # The aisle under s5-s8 runs at y 4..5 (TWO_AISLES); the shelves' faces are at y = 5.
    beside = report(store, {"kind": "out_of_stock", "sku": "milk-1", "x": 7.5, "y": 4.9})
    assert beside.status_code == 202 and 0.15 < beside.json()["snapped_m"] < 0.25  # to y = 4.69, 0.3 m off the face
    inside = report(store, {"kind": "out_of_stock", "sku": "milk-1", "x": 7.5, "y": 4.5})
    assert inside.status_code == 202 and "snapped_m" not in inside.json()
    outside = report(store, {"kind": "out_of_stock", "sku": "milk-1", "x": 7.5, "y": -2.0})  # 2 m off the wall
    assert outside.status_code == 202 and 2.2 < outside.json()["snapped_m"] < 2.4
    far = report(store, {"kind": "out_of_stock", "sku": "milk-1", "x": 7.5, "y": -3.5})
    assert far.status_code == 422 and far.json()["errors"][0]["code"] == "outside"
    kept = in_db(store, select(func.max(Feedback.y)).where(Feedback.x == 7.5))
    assert kept == 4.69  # the position stored is the moved one
