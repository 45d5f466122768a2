"""Planograms, product locations, re-linking on a new floor plan, and consistency across workers."""

from __future__ import annotations

import asyncio
import copy
import time

import pytest
from litestar.testing import TestClient
from sqlalchemy import delete

from api.app import create_app
from catalog import locations as location_index
from catalog.models import PlanogramChange
from stores.floorplan.service import KEEP_DRAFTS
from stores.infra.settings import Settings
from tests.catalog.conftest import PLAN, PRODUCTS, put_json
from tests.conftest import ADMIN

PLANOGRAM = [
    {"sku": "bread-1", "shelf": "s1", "position_m": 0.5, "level": 2},
    {"sku": "bread-1", "shelf": "s9", "position_m": 0.2, "level": 1},  # a second place
    {"sku": "milk-1", "shelf": "s5", "stock": "low"},
    {"sku": "peas-1", "shelf": "s16", "stock": "out"},
    {"sku": "rice-1"},  # carried, not placed yet
]


def locations(client: TestClient, sku: str, store: str = "s1") -> dict:
    response = client.get(f"/v1/stores/{store}/products/{sku}/locations")
    assert response.status_code == 200, response.text
    return response.json()


def test_replace_and_read_locations(store: TestClient) -> None:
    result = put_json(store, "/v1/stores/s1/placements", PLANOGRAM).json()
    assert result["planogram_version"] == 1 and result["rows"] == 5
    bread = locations(store, "bread-1")
    assert bread["carried"] and bread["stock"] == "in_stock"
    assert [loc["shelf"] for loc in bread["locations"]] == ["s1", "s9"]
    first = bread["locations"][0]
    assert first["approximate"] is False and first["level"] == 2 and first["aisle"] == "2"
    # Shelf s1 runs from (1, 5) to (2, 5); the shopper stands in the aisle south of it.
    assert 1.0 <= first["x"] <= 2.0 and 4.0 < first["y"] < 5.0
    assert locations(store, "milk-1")["stock"] == "low"
    assert locations(store, "creme-1") == {
        "sku": "creme-1",
        "name": "Crème fraîche",
        "brand": None,
        "size": None,
        "image_url": None,
        "carried": False,
        "stock": None,
        "locations": [],
    }
    assert store.get("/v1/stores/s1/products/ghost/locations").status_code == 404


def test_carried_but_unplaced_is_located_by_department(store: TestClient) -> None:
    plan = copy.deepcopy(PLAN)
    zone = {"type": "Polygon", "coordinates": [[[6, 0], [14, 0], [14, 4], [6, 4], [6, 0]]]}
    plan["features"].append(
        {"type": "Feature", "properties": {"kind": "zone", "id": "z1", "department": "Pantry"}, "geometry": zone}
    )
    assert put_json(store, "/v1/stores/s1/floorplan?publish=true", plan).status_code == 201
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    rice = locations(store, "rice-1")
    assert rice["carried"] and len(rice["locations"]) == 1
    loc = rice["locations"][0]
    assert loc["approximate"] is True and loc["department"] == "Pantry"
    assert 6 <= loc["x"] <= 14 and 0 <= loc["y"] <= 4


def test_bad_rows_are_listed_and_nothing_changes(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    bad = [
        {"sku": "bread-1", "shelf": "s2"},
        {"sku": "ghost", "shelf": "s2"},
        {"sku": "milk-1", "shelf": "nowhere"},
        {"sku": "peas-1", "shelf": "s3", "position_m": 1.5},
        {"sku": "bread-1", "shelf": "s2"},
    ]
    response = put_json(store, "/v1/stores/s1/placements", bad)
    assert response.status_code == 422
    found = {(e["row"], e["code"]) for e in response.json()["errors"]}
    assert found == {(1, "unknown_sku"), (2, "unknown_shelf"), (3, "off_shelf"), (4, "duplicate_row")}
    assert store.post("/v1/stores/s1/placements", json=bad, headers=ADMIN).status_code == 422
    assert store.get("/v1/stores/s1").json()["planogram_version"] == 1
    assert [loc["shelf"] for loc in locations(store, "bread-1")["locations"]] == ["s1", "s9"]


def test_post_upserts_and_updates_stock(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    rows = [{"sku": "milk-1", "shelf": "s5", "stock": "in_stock"}, {"sku": "creme-1", "shelf": "s6"}]
    response = store.post("/v1/stores/s1/placements", json=rows, headers=ADMIN)
    assert response.status_code == 200 and response.json()["planogram_version"] == 2
    assert locations(store, "milk-1")["stock"] == "in_stock"
    assert locations(store, "creme-1")["carried"] is True
    assert locations(store, "bread-1")["locations"][0]["level"] == 2  # untouched rows stay


def test_a_new_floor_plan_keeps_shelf_ids_and_reports_dropped_placements(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    smaller = copy.deepcopy(PLAN)
    smaller["features"] = [f for f in PLAN["features"] if f["properties"].get("id") != "s9"]
    refused = put_json(store, "/v1/stores/s1/floorplan?publish=true", smaller)
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "drops_placements"
    assert len(store.get("/v1/stores/s1/floorplan/versions", headers=ADMIN).json()["versions"]) == 1  # nothing stored
    report = put_json(store, "/v1/stores/s1/floorplan?publish=true&confirm_drops=true", smaller).json()["report"]
    assert report["dropped_shelves"] == ["s9"]
    assert report["dropped_placements"] == [{"sku": "bread-1", "shelf": "s9", "position_m": 0.2}]
    assert [loc["shelf"] for loc in locations(store, "bread-1")["locations"]] == ["s1"]
    assert store.post("/v1/stores/s1/floorplan/versions/1/activate", headers=ADMIN).status_code == 200
    assert [loc["shelf"] for loc in locations(store, "bread-1")["locations"]] == ["s1", "s9"]


def statuses(store: TestClient) -> dict[int, str]:
    versions = store.get("/v1/stores/s1/floorplan/versions", headers=ADMIN).json()["versions"]
    return {v["version"]: v["status"] for v in versions}


def test_an_upload_is_a_draft_until_published_with_its_diff_and_a_preview(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    draft_plan = copy.deepcopy(PLAN)  # its own features: the door is moved below
    draft_plan["features"] = [f for f in draft_plan["features"] if f["properties"].get("id") != "s9"]
    for feature in draft_plan["features"]:
        if feature["properties"].get("kind") == "entrance":
            feature["geometry"]["coordinates"][0] += 2.0  # the door moves 2 m along the wall
    uploaded = put_json(store, "/v1/stores/s1/floorplan", draft_plan)
    assert uploaded.status_code == 201 and uploaded.json()["status"] == "draft"
    diff = uploaded.json()["report"]["diff"]
    assert diff["shelves"] == {"added": [], "removed": ["s9"], "moved": []}
    assert diff["entrances"]["moved"] == ["e1"] and diff["placements_dropped"] == 1
    # Not live: shoppers still see version 1 and both places of the bread.
    assert store.get("/v1/stores/s1/floorplan").headers["x-floorplan-version"] == "1"
    before = [loc["shelf"] for loc in locations(store, "bread-1")["locations"]]
    assert before == ["s1", "s9"]
    # The manager previews the draft: its plan, its picture, a route on it.
    shown = store.get("/v1/stores/s1/floorplan/versions/2", headers=ADMIN).json()
    assert "s9" not in {f["properties"].get("id") for f in shown["features"]}
    picture = store.get("/v1/stores/s1/floorplan/versions/2/plan.svg", headers=ADMIN)
    assert picture.status_code == 200 and picture.text.startswith("<svg")
    route = store.post("/v1/stores/s1/floorplan/versions/2/route", json={"items": [{"sku": "bread-1"}]}, headers=ADMIN)
    assert route.status_code == 200 and [s.get("shelf") for s in route.json()["stops"][1:-1]] == ["s1"]
    assert route.json()["floorplan_version"] == 2
    assert store.get("/v1/stores/s1/floorplan/versions/2").status_code == 401  # drafts are the managers'
    versions = {
        v["version"]: v["status"]
        for v in store.get("/v1/stores/s1/floorplan/versions", headers=ADMIN).json()["versions"]
    }
    assert versions == {1: "live", 2: "draft"}
    # Publishing drops a placement: refused without confirmation, nothing changes.
    refused = store.post("/v1/stores/s1/floorplan/versions/2/activate", headers=ADMIN)
    assert refused.status_code == 409 and refused.json()["errors"][0]["placements"] == 1
    assert store.get("/v1/stores/s1/floorplan").headers["x-floorplan-version"] == "1"
    published = store.post("/v1/stores/s1/floorplan/versions/2/activate?confirm_drops=true", headers=ADMIN)
    assert published.status_code == 200
    after = [loc["shelf"] for loc in locations(store, "bread-1")["locations"]]
    assert len(before) - len(after) == diff["placements_dropped"]  # the diff said what would happen
    versions = {
        v["version"]: v["status"]
        for v in store.get("/v1/stores/s1/floorplan/versions", headers=ADMIN).json()["versions"]
    }
    assert versions == {1: "published", 2: "live"}
    # Rolling back drops nothing (version 1 has every shelf): no confirmation needed.
    assert store.post("/v1/stores/s1/floorplan/versions/1/activate", headers=ADMIN).status_code == 200


def test_old_drafts_are_purged(store: TestClient) -> None:
    for _ in range(KEEP_DRAFTS + 3):
        assert put_json(store, "/v1/stores/s1/floorplan", PLAN).status_code == 201
    versions = store.get("/v1/stores/s1/floorplan/versions", headers=ADMIN).json()["versions"]
    drafts = [v["version"] for v in versions if v["status"] == "draft"]
    assert len(drafts) == KEEP_DRAFTS and drafts == sorted(drafts)[-KEEP_DRAFTS:]
    assert drafts[-1] == KEEP_DRAFTS + 4  # the newest are kept (version 1 is the live plan)
    assert [v["version"] for v in versions if v["status"] == "live"] == [1]


def test_managers_write_only_their_store(store: TestClient) -> None:
    secret = store.post("/v1/tokens", json={"role": "manager", "stores": ["s1"]}, headers=ADMIN).json()["token"]
    manager = {"Authorization": f"Bearer {secret}"}
    assert put_json(store, "/v1/stores/s1/placements", PLANOGRAM, manager).status_code == 200
    store.post("/v1/stores", json={"id": "s2", "name": "T", "lat": 1, "lon": 1}, headers=ADMIN)
    assert put_json(store, "/v1/stores/s2/placements", PLANOGRAM, manager).status_code == 403
    assert put_json(store, "/v1/stores/s1/placements", PLANOGRAM, {}).status_code == 401
    assert put_json(store, "/v1/stores/s2/placements", PLANOGRAM).status_code == 409  # no floor plan yet


def test_every_worker_sees_a_change_at_once(store: TestClient, settings: Settings, backend: str) -> None:
    """On PostgreSQL the other worker holds the versions in memory and learns of each change by
    NOTIFY (stores.infra.probe), which arrives before the writer's answer does; on SQLite it reads them."""
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    with TestClient(app=create_app(settings)) as other_worker:
        if backend == "postgis":
            deadline = time.monotonic() + 5
            while not other_worker.app.state.wiring.probe.watching:
                assert time.monotonic() < deadline, "the version watch never went live"
                time.sleep(0.01)
        assert locations(other_worker, "milk-1")["stock"] == "low"  # builds its own index
        if backend == "postgis":
            assert "s:s1" in other_worker.app.state.wiring.probe._known  # from now on, from memory
        store.post("/v1/stores/s1/placements", json=[{"sku": "milk-1", "shelf": "s5", "stock": "out"}], headers=ADMIN)
        assert locations(other_worker, "milk-1")["stock"] == "out"
        put_json(store, "/v1/stores/s1/placements", [{"sku": "milk-1", "shelf": "s7"}])
        assert [loc["shelf"] for loc in locations(other_worker, "milk-1")["locations"]] == ["s7"]
        assert locations(other_worker, "bread-1")["carried"] is False


def index_of(client: TestClient, store: str = "s1"):  # type: ignore[no-untyped-def]
    return client.app.state.wiring.locations.peek(store)


def answers(client: TestClient) -> dict[str, bytes]:
    return {p["sku"]: client.get(f"/v1/stores/s1/products/{p['sku']}/locations").content for p in PRODUCTS}


def test_planogram_changes_patch_the_index_and_match_a_rebuild(store: TestClient, settings: Settings) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    answers(store)  # build the index, encode every answer
    before = index_of(store)

    changes = [
        lambda: store.post("/v1/stores/s1/placements", json=[{"sku": "milk-1", "shelf": "s5", "stock": "out"}],
                           headers=ADMIN),
        lambda: store.post("/v1/stores/s1/placements/bread-1/move", json={"from_shelf": "s9", "shelf": "s12"},
                           headers=ADMIN),
        lambda: store.post("/v1/stores/s1/placements", json=[{"sku": "rice-1", "shelf": "s3", "level": 1}],
                           headers=ADMIN),
        lambda: store.post("/v1/stores/s1/placements/bread-1/confirm", json={"shelf": "s1"}, headers=ADMIN),
    ]  # fmt: skip
    changed = [{"milk-1"}, {"bread-1"}, {"rice-1"}, {"bread-1"}]
    for change, skus in zip(changes, changed, strict=True):
        response = change()
        assert response.status_code == 200, response.text
        previous = index_of(store)
        now = answers(store)
        patched = index_of(store)
        assert patched.planogram_version == previous.planogram_version + 1
        for sku, entry in previous.products.items():  # untouched entries are shared, answers and all
            assert (patched.products[sku] is entry) == (sku not in skus), sku
        with TestClient(app=create_app(settings)) as fresh:  # a worker that builds from scratch
            assert answers(fresh) == now
    assert index_of(store).artifact is before.artifact

    def rebuilt_since(previous) -> bool:  # type: ignore[no-untyped-def]
        return not set(map(id, index_of(store).products.values())) & set(map(id, previous.products.values()))

    # A whole planogram replaced is rebuilt: nothing is shared.
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    previous = index_of(store)
    answers(store)
    assert rebuilt_since(previous)

    # A version whose record is gone (purged after a day) cannot be patched over: rebuilt, correct.
    previous = index_of(store)
    store.post("/v1/stores/s1/placements", json=[{"sku": "milk-1", "shelf": "s5", "stock": "low"}], headers=ADMIN)
    store.post("/v1/stores/s1/placements", json=[{"sku": "peas-1", "shelf": "s16", "stock": "in_stock"}], headers=ADMIN)

    async def forget_one() -> None:
        async with store.app.state.wiring.database.sessionmaker() as session:
            await session.execute(
                delete(PlanogramChange).where(PlanogramChange.version == previous.planogram_version + 1)
            )
            await session.commit()

    store.blocking_portal.call(forget_one)
    now = answers(store)
    assert rebuilt_since(previous) and index_of(store).planogram_version == previous.planogram_version + 2
    with TestClient(app=create_app(settings)) as fresh:
        assert answers(fresh) == now


def test_a_product_import_changes_location_answers(store: TestClient, settings: Settings) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    with TestClient(app=create_app(settings)) as other_worker:
        assert locations(other_worker, "milk-1")["name"] == "Whole Milk 1 L"
        assert locations(store, "milk-1")["name"] == "Whole Milk 1 L"
        renamed = [{**p, "name": "Organic Whole Milk 1 L"} if p["sku"] == "milk-1" else p for p in PRODUCTS]
        assert put_json(store, "/v1/products", renamed).status_code == 200
        assert locations(store, "milk-1")["name"] == "Organic Whole Milk 1 L"
        assert locations(other_worker, "milk-1")["name"] == "Organic Whole Milk 1 L"


def test_a_slow_index_build_runs_aside_and_the_previous_index_answers_meanwhile(
    store: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request waits for a new version's index at most FRESH_WAIT_S; then the index it replaces
    answers (with its own version as ETag) until the new one is ready."""
    put_json(store, "/v1/stores/s1/placements", [{"sku": "bread-1", "shelf": "s1"}])
    before = store.get("/v1/stores/s1/products/bread-1/locations")
    assert [loc["shelf"] for loc in before.json()["locations"]] == ["s1"]

    def slowed(build):  # type: ignore[no-untyped-def]
        async def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
            await asyncio.sleep(0.75)  # a patch, then (a replaced planogram) a rebuild: 1.5 s
            return await build(*args, **kwargs)

        return slow

    monkeypatch.setattr(location_index, "patch_index", slowed(location_index.patch_index))
    monkeypatch.setattr(location_index, "build_index", slowed(location_index.build_index))
    put_json(store, "/v1/stores/s1/placements", [{"sku": "bread-1", "shelf": "s5"}])
    started = time.perf_counter()
    meanwhile = store.get("/v1/stores/s1/products/bread-1/locations")
    assert time.perf_counter() - started < 0.7  # not the 1.5 s build
    assert [loc["shelf"] for loc in meanwhile.json()["locations"]] == ["s1"]
    assert meanwhile.headers["etag"] == before.headers["etag"]
    time.sleep(2.5)
    after = store.get("/v1/stores/s1/products/bread-1/locations")
    assert [loc["shelf"] for loc in after.json()["locations"]] == ["s5"] and after.headers["etag"] != before.headers[
        "etag"
    ]


def test_a_planogram_csv_names_each_bad_line_and_field(store: TestClient) -> None:
    headers = {**ADMIN, "content-type": "text/csv"}
    bad = "sku,shelf,position_m,stock\nbread-1,s1,0.5,in_stock\nmilk-1,nope,,\nrice-1,s2,abc,\npeas-1,s3,,plenty\n"
    answer = store.put("/v1/stores/s1/placements.csv", content=bad, headers=headers)
    assert answer.status_code == 422
    found = {(e["row"], e.get("field"), e["code"]) for e in answer.json()["errors"]}
    assert found == {(4, "position_m", "invalid"), (5, "stock", "invalid")}  # fields first, then the store's rules
    fixed = bad.replace("abc", "0.2").replace("plenty", "low")
    answer = store.put("/v1/stores/s1/placements.csv", content=fixed, headers=headers)
    assert answer.status_code == 422 and [(e["row"], e["code"]) for e in answer.json()["errors"]] == [
        (3, "unknown_shelf")
    ]
    assert not store.get("/v1/stores/s1/products/bread-1/locations").json()["carried"]  # nothing written
    good = fixed.replace("nope", "s4")
    answer = store.put("/v1/stores/s1/placements.csv", content=good, headers=headers)
    assert answer.status_code == 200 and answer.json()["rows"] == 4
    assert store.get("/v1/stores/s1/products/milk-1/locations").json()["locations"][0]["shelf"] == "s4"
    upsert = store.post("/v1/stores/s1/placements.csv", content="sku,shelf,stock\npeas-1,s3,out\n", headers=headers)
    assert upsert.status_code == 200
    assert store.get("/v1/stores/s1/products/peas-1/locations").json()["stock"] == "out"


def test_the_planogram_goes_out_as_the_csv_it_comes_in_as(store: TestClient) -> None:
    headers = {**ADMIN, "content-type": "text/csv"}
    sent = "sku,shelf,position_m,level,stock\nbread-1,s1,0.5,2,low\nmilk-1,s4,,,\n"
    assert store.put("/v1/stores/s1/placements.csv", content=sent, headers=headers).status_code == 200
    exported = store.get("/v1/stores/s1/placements.csv", headers=ADMIN)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0] == "sku,shelf,position_m,level,stock" and "bread-1,s1,0.5,2,low" in lines
    again = store.put("/v1/stores/s1/placements.csv", content=exported.text, headers=headers)
    assert again.status_code == 200 and again.json()["rows"] == 2
    assert store.get("/v1/stores/s1/placements.csv").status_code == 401  # managers' data
