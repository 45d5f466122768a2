"""IMDF archives shaped like real venue exports import to routable stores, and say what they did."""

from __future__ import annotations

import io
import zipfile

import pytest
from litestar.testing import TestClient
from shapely.geometry import LineString, Point

from stores.floorplan.compile import compile_plan
from stores.floorplan.imdf import imdf_to_v1
from stores.floorplan.parse import PlanInvalid, parse_plan
from stores.floorplan.plan import FloorPlan
from tests.conftest import ADMIN
from tests.support.imdf_venue import BASE, ROOM_DOORS, TOILETS, Venue, local, uid, venue_imdf

VENUES = [
    Venue(),
    Venue(rotate_deg=33.0, offset_m=(2500.0, -1800.0), folder="Venue export", shelving=False),
    Venue(rotate_deg=-121.0, offset_m=(-4000.0, 3000.0), empty_building_first=False),
    Venue(rotate_deg=7.5, folder="export", upper_level=False),
]


def imported(venue: Venue) -> tuple[FloorPlan, dict]:  # type: ignore[type-arg]
    document = imdf_to_v1(venue_imdf(venue))
    report = document.pop("import")
    return parse_plan(document), report


@pytest.mark.parametrize("venue", VENUES, ids=lambda v: f"{v.rotate_deg:g}deg-{v.folder or 'flat'}")
def test_a_venue_export_imports_to_a_routable_store(venue: Venue) -> None:
    plan, report = imported(venue)
    compile_plan(plan)  # every shelf and checkout reachable from the entrance
    [toilets] = plan.pois  # a point of interest, named in every language given
    assert (toilets.id, toilets.category, dict(toilets.names)) == (uid("toilets"), "restroom", TOILETS)
    sales = next(f for f in plan.fixtures if f.name == "Storeroom")
    assert sales.names == (("en", "Storeroom"),)
    assert (len(plan.entrances), len(plan.checkouts), len(plan.shelves)) == (1, 3, 10)
    walkable = plan.walkable
    # Walls where the units meet, doors through them; the stairs and the storeroom are closed.
    for x in (6.0, 17.0, 26.0):
        assert not walkable.covers(Point(local(venue, (x, 6.0))))
    for x0, x1 in ROOM_DOORS:
        assert walkable.covers(Point(local(venue, ((x0 + x1) / 2, 6.0))))
    assert not walkable.covers(Point(local(venue, (31.0, 20.0))))  # stairs
    assert not walkable.covers(Point(local(venue, (34.0, 10.0))))  # storeroom
    # No walk through a wall: from the corridor straight into the room is blocked.
    across = LineString([local(venue, (6.0, 3.0)), local(venue, (6.0, 8.0))])
    assert not walkable.covers(across)
    # The till drawn inside its counter was moved beside it.
    assert any(c.id == uid("till-3") for c in plan.checkouts)
    assert report["folder"] == (f"{venue.folder}/" if venue.folder else None)


def test_the_report_says_per_level_what_was_imported_and_why_the_rest_was_not() -> None:
    _, report = imported(Venue())
    results = {level["name"]: level["result"] for level in report["levels"]}
    assert results["Ground floor"] == "imported"
    assert results["Car park"].startswith("skipped: no unit")
    assert uid("level-b1-1") in results["First floor"]  # how to choose it
    why = {item["id"]: item["why"] for item in report["skipped"]}
    assert "stairs" in why[uid("stairs-door")] and "nonpublic" in why[uid("store-door")]
    assert "emergencyexit" in why[uid("emergency")]
    assert report["made"]["entrance (pedestrian opening in the outer wall)"] == 1
    assert report["made"]["point of interest (restroom)"] == 1


def test_units_meeting_without_a_door_are_one_space() -> None:
    """The front is a walkway and an 'unspecified' hall with no opening between them: the tills in
    the hall are reached along the front, not through a wall that is not there."""
    plan, _ = imported(Venue())
    assert plan.walkable.covers(Point(local(Venue(), (20.0, 3.0))))
    compile_plan(plan)


def test_the_mapping_names_an_entrance_an_export_did_not_draw() -> None:
    plan, report = imported(Venue(mapping={"entrance_opening_ids": [uid("room-door-1")]}))
    assert {e.id for e in plan.entrances} == {uid("entrance"), uid("room-door-1")}
    assert report["made"]["entrance (named in aislepath.json)"] == 1
    compile_plan(plan)


def test_without_shelving_categories_gondola_shaped_fixtures_hold_products() -> None:
    plan, report = imported(Venue(shelving=False))
    assert {s.id.rsplit("-", 1)[0] for s in plan.shelves} == {uid(f"gondola-{i}") for i in range(1, 6)}
    assert any("shelving category" in note for note in report["notes"])


def test_the_mapping_file_names_the_level_and_the_shelves() -> None:
    chosen = Venue(mapping={"shelf_fixture_ids": [uid("gondola-2")], "level": uid("level-b1-0")})
    plan, report = imported(chosen)
    assert {s.id for s in plan.shelves} == {f"{uid('gondola-2')}-a", f"{uid('gondola-2')}-b"}
    assert "named in aislepath.json" in next(
        lv["result"] for lv in report["levels"] if lv["ordinal"] == 0 and lv["units"]
    )
    with pytest.raises(PlanInvalid) as caught:
        imdf_to_v1(venue_imdf(Venue(mapping={"level": "nope"})))
    assert caught.value.problems[0].pointer == "/aislepath.json/level" and uid("level-b1-0") in str(caught.value)
    with pytest.raises(PlanInvalid) as caught:
        imdf_to_v1(venue_imdf(Venue(mapping={"shelves": ["x"]})))
    assert caught.value.problems[0].code == "bad_mapping" and "shelves" in caught.value.problems[0].message


def test_an_upper_level_named_in_the_mapping_is_imported_and_validated() -> None:
    """The first floor has no entrance: the plan's own rules say so, with the level's features."""
    with pytest.raises(PlanInvalid) as caught:
        imported(Venue(mapping={"level": uid("level-b1-1")}))
    assert {p.code for p in caught.value.problems} >= {"missing_entrance", "missing_checkout"}


def test_an_archive_with_two_folders_says_where_it_looked() -> None:
    flat = venue_imdf(Venue())
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(flat)) as source, zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            for folder in ("a/", "b/"):
                out.writestr(folder + info.filename, source.read(info))
    with pytest.raises(PlanInvalid) as caught:
        imdf_to_v1(buffer.getvalue())
    problem = caught.value.problems[0]
    assert problem.pointer == "/manifest.json" and "a/" in problem.message and "b/" in problem.message


def test_a_folder_zipped_rotated_venue_over_http(client: TestClient) -> None:
    client.post("/v1/stores", json={"id": "venue", "name": "V", "lat": BASE[1], "lon": BASE[0]}, headers=ADMIN)
    body = venue_imdf(Venue(rotate_deg=33.0, offset_m=(800.0, 600.0), folder="My venue"))
    response = client.put(
        "/v1/stores/venue/floorplan?publish=true", content=body, headers={**ADMIN, "content-type": "application/zip"}
    )
    assert response.status_code == 201, response.text
    report = response.json()["report"]
    assert report["import"]["folder"] == "My venue/" and len(report["import"]["levels"]) == 3
    assert report["features"]["shelves"] == 10


def test_a_venue_with_two_levels_and_a_lift_imports_and_routes(client: TestClient) -> None:
    venue = Venue(connected=True, rotate_deg=20.0, offset_m=(300.0, -200.0))
    plan, report = imported(venue)
    results = {level["name"]: level["result"] for level in report["levels"]}
    assert results["Ground floor"] == results["First floor"] == "imported (joined by lift, stairs)"
    assert [v.name for v in plan.levels] == ["Ground floor", "First floor"]
    kinds = sorted({(c.connector.split("-")[0], c.type) for c in plan.landings})
    assert kinds == [("lift", "lift"), ("stairs", "stairs")] and len(plan.landings) == 4
    # The upper landings beside their units' doors (the lift's door at x 36-37.5 on y = 16).
    upper = plan.on_level(1)
    door = Point(local(venue, (36.75, 15.6)))
    assert min(c.point.distance(door) for c in upper.landings) < 0.6
    client.post("/v1/stores", json={"id": "venue", "name": "V", "lat": BASE[1], "lon": BASE[0]}, headers=ADMIN)
    response = client.put("/v1/stores/venue/floorplan?publish=true", content=venue_imdf(venue),
                          headers={**ADMIN, "content-type": "application/zip"})  # fmt: skip
    assert response.status_code == 201, response.text
    assert [v["unreachable_by"] for v in response.json()["report"]["levels"]] == [[], []]
    shelf = next(s.id for s in plan.shelves if s.on_level == 1)
    products = [{"sku": "tea", "name": "Tea"}]
    assert client.put("/v1/products", json=products, headers=ADMIN).status_code == 200
    placed = client.put("/v1/stores/venue/placements", json=[{"sku": "tea", "shelf": shelf}], headers=ADMIN)
    assert placed.status_code == 200, placed.text

    def connectors(mobility: str) -> list[str]:
        answer = client.post("/v1/stores/venue/route", json={"items": [{"sku": "tea"}], "mobility": mobility})
        assert answer.status_code == 200, answer.text
        route = answer.json()
        assert not route["unresolved"] and route["stops"][1]["level_id"] == plan.levels[1].id
        return [step["connector"].split("-")[0] for step in route["directions"] if step["action"] == "connector"]

    assert connectors("walking") == ["stairs", "stairs"]
    assert connectors("step_free") == ["lift", "lift"]


def test_a_mapping_may_name_the_levels_to_import() -> None:
    ground, upper = uid("level-b1-0"), uid("level-b1-1")
    plan, report = imported(Venue(connected=True, mapping={"levels": [ground]}))
    assert not plan.levels and not plan.landings  # one level: a v1 plan
    results = {level["id"]: level["result"] for level in report["levels"]}
    assert results[ground] == "imported (named in aislepath.json)" and results[upper].startswith("skipped: not")
    plan, report = imported(Venue(connected=True, mapping={"levels": [upper, ground]}))
    assert [v.id for v in plan.levels] == [ground, upper] and len(plan.landings) == 4
    with pytest.raises(PlanInvalid) as caught:
        imported(Venue(connected=True, mapping={"levels": [ground], "level": upper}))
    assert caught.value.problems[0].pointer == "/aislepath.json/levels"
