"""Stores on several levels: routes across levels are shortest for each mobility (against a
brute-force oracle), take only the connectors the mobility may use, stay on each level's walkable
space, and avoid closed connectors at once."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from typing import Any

import networkx as nx
import numpy as np
import orjson
import pytest
import shapely
import shapely.affinity
from litestar.testing import TestClient
from shapely.geometry import LineString, Point

from routing.visibility import grown, snap_into
from stores.floorplan.compile import navigable_space
from stores.floorplan.levels import DEFAULT_SECONDS, MOBILITIES
from stores.floorplan.parse import parse_plan
from stores.floorplan.plan import FloorPlan
from stores.infra.settings import Settings
from tests.catalog.conftest import PRODUCTS, put_json
from tests.conftest import ADMIN
from tests.support.levels import WIDE_AISLES, WIDE_CONNECTORS, stacked

PLAN = stacked([WIDE_AISLES, WIDE_AISLES], WIDE_CONNECTORS)
# s1-s4 / s5-s8: the north gondolas' south faces (y 7), x 1-4 and 9-12; s9-s16 the south ones (y 3).
PLANOGRAM = [
    {"sku": "bread-1", "shelf": "s2", "position_m": 0.5},
    {"sku": "rice-1", "shelf": "L1-s6", "position_m": 0.5},
    {"sku": "milk-1", "shelf": "L1-s11", "position_m": 0.5},
    {"sku": "peas-1", "shelf": "s14", "position_m": 0.5},
]
#: Who may take which connector type (the issue's rule, written out independently of the code).
ALLOWED = {
    "walking": {"stairs", "lift", "escalator"},
    "trolley": {"lift"},  # escalators only where marked trolley-safe: none here
    "step_free": {"lift"},
}


def new_store(client: TestClient, store: str = "s1") -> None:
    response = client.post("/v1/stores", json={"id": store, "name": "S", "lat": 1, "lon": 1}, headers=ADMIN)
    assert response.status_code == 201


def stocked(
    client: TestClient, store: str = "s1", plan: dict[str, Any] = PLAN, placements: list[dict[str, Any]] = PLANOGRAM
) -> None:
    """A new store with ``plan`` published, the products and ``placements``."""
    new_store(client, store)
    response = put_json(client, f"/v1/stores/{store}/floorplan?publish=true", plan)
    assert response.status_code == 201, response.text
    assert put_json(client, "/v1/products", PRODUCTS).status_code == 200
    assert put_json(client, f"/v1/stores/{store}/placements", placements).status_code == 200


@pytest.fixture
def levelled(client: TestClient) -> TestClient:
    stocked(client)
    return client


def route(client: TestClient, items: list[str], **options: Any) -> dict[str, Any]:
    response = client.post("/v1/stores/s1/route", json={"items": [{"sku": s} for s in items], **options})
    assert response.status_code == 200, response.text
    return response.json()


def oracle_graph(plan: FloorPlan, mobility: str) -> tuple[nx.DiGraph, Any]:
    """Every vertex of the mobility's walkable space joined to every other it sees (no pruning),
    and every connector ride the mobility may take, by the issue's rule (:data:`ALLOWED`)."""
    nav = navigable_space(plan, MOBILITIES[mobility].clearance_m)
    free = grown(nav)
    graph = nx.DiGraph()
    vertices = [
        c for p in getattr(nav, "geoms", [nav]) for r in [p.exterior, *p.interiors] for c in list(r.coords)[:-1]
    ]
    landings = {}
    for landing in plan.landings:
        if landing.type in ALLOWED[mobility]:
            at = snap_into(nav, (landing.point.x, landing.point.y), 1.2)
            if at is not None:
                landings[landing.id] = at
    nodes = [tuple(v) for v in vertices] + list(landings.values())
    for a, b in itertools.combinations(nodes, 2):
        if free.covers(LineString([a, b])):
            graph.add_edge(a, b, weight=math.dist(a, b))
            graph.add_edge(b, a, weight=math.dist(a, b))
    by_connector: dict[str, list[Any]] = {}
    for landing in plan.landings:
        if landing.id in landings:
            by_connector.setdefault(landing.connector, []).append(landing)
    for group in by_connector.values():
        group.sort(key=lambda c: plan.levels[c.on_level].ordinal)
        for low, high in itertools.pairwise(group):
            cost = DEFAULT_SECONDS[low.type]
            if low.direction in ("up", "both"):
                graph.add_edge(landings[low.id], landings[high.id], weight=cost)
            if low.direction in ("down", "both"):
                graph.add_edge(landings[high.id], landings[low.id], weight=cost)
    return graph, free


def oracle_length(graph: nx.DiGraph, free: Any, points: list[tuple[float, float]]) -> np.ndarray:
    """All walks between ``points`` (compile frame) on a copy of the oracle graph."""
    g = graph.copy()
    nodes = list(graph.nodes)
    for p in points:
        for q in [*nodes, *points]:
            if q != p and free.covers(LineString([p, q])):
                g.add_edge(p, q, weight=math.dist(p, q))
                g.add_edge(q, p, weight=math.dist(p, q))
    out = np.full((len(points), len(points)), np.inf)
    for i, p in enumerate(points):
        lengths = nx.single_source_dijkstra_path_length(g, p) if p in g else {p: 0.0}
        for j, q in enumerate(points):
            out[i, j] = 0.0 if i == j else lengths.get(q, np.inf)
    return out


def in_frame(plan: FloorPlan, stop: dict[str, Any]) -> tuple[float, float]:
    at = plan.frame.to_frame(stop["x"], stop["y"], stop["level_id"])
    assert at is not None
    return at


def rides(result: dict[str, Any]) -> list[str]:
    return [step["connector"] for step in result["directions"] if step["action"] == "connector"]


def cost_of(result: dict[str, Any], plan: FloorPlan) -> float:
    """What the route's walk costs by the oracle's measure: metres walked plus a metre a second on
    connectors (the seconds of the plan's connector types)."""
    kinds = {c.connector: c.type for c in plan.landings}
    return float(result["distance_m"]) + sum(DEFAULT_SECONDS[kinds[c]] for c in rides(result))


@pytest.mark.parametrize("mobility", ["walking", "trolley", "step_free"])
def test_routes_across_levels_are_shortest_for_each_mobility(levelled: TestClient, mobility: str) -> None:
    plan = parse_plan(PLAN)
    items = ["bread-1", "rice-1", "milk-1", "peas-1"]
    result = route(levelled, items, mobility=mobility, cold_last=False)
    assert result.get("mobility", "walking") == mobility and not result["unresolved"], result["unresolved"]
    assert {s["level_id"] for s in result["stops"]} == {"L0", "L1"}
    assert set(rides(result)) <= {c for c, kind, *_ in WIDE_CONNECTORS if kind in ALLOWED[mobility]}
    stops = result["stops"]
    points = [in_frame(plan, s) for s in stops]
    graph, free = oracle_graph(plan, mobility)
    walks = oracle_length(graph, free, points)
    # Every order of the items between the same start and end, on the oracle's walks.
    best = min(
        walks[0, order[0]] + sum(walks[a, b] for a, b in itertools.pairwise(order)) + walks[order[-1], len(points) - 1]
        for order in itertools.permutations(range(1, len(points) - 1))
    )
    ours = cost_of(result, plan)
    assert ours == pytest.approx(best, rel=1e-3, abs=0.05), (ours, best)
    assert result["optimal"]


@pytest.mark.parametrize("mobility", ["walking", "trolley", "step_free"])
def test_each_segment_stays_on_its_levels_walkable_space(levelled: TestClient, mobility: str) -> None:
    plan = parse_plan(PLAN)
    result = route(levelled, ["bread-1", "rice-1", "milk-1"], mobility=mobility)
    segments = result["segments"]
    assert [p for s in segments for p in s["path"]] == result["path"]
    assert len(segments) >= 3, "down the store, up to level 1 and back"
    assert sum(s["distance_m"] for s in segments) == pytest.approx(result["distance_m"], abs=0.05)
    for segment in segments:
        k = [v.id for v in plan.levels].index(segment["level_id"])
        nav = navigable_space(plan.on_level(k), MOBILITIES[mobility].clearance_m).buffer(0.02)
        line = LineString(segment["path"]) if len(segment["path"]) > 1 else Point(segment["path"][0])
        assert nav.covers(line), segment
    assert result["stops"][0]["level_id"] == "L0" == result["stops"][-1]["level_id"]
    # The path passes through every stop, on the stop's level.
    for stop in result["stops"]:
        on = [LineString(s["path"]) for s in segments if s["level_id"] == stop["level_id"] and len(s["path"]) > 1]
        assert min(line.distance(Point(stop["x"], stop["y"])) for line in on) < 0.02


def test_directions_take_the_connectors_in_the_answers_language(levelled: TestClient) -> None:
    response = levelled.post("/v1/stores/s1/route", json={"items": [{"sku": "rice-1"}]},
                             headers={"accept-language": "de"})  # fmt: skip
    result = response.json()
    connectors = [s for s in result["directions"] if s["action"] == "connector"]
    assert len(connectors) == 2
    up, down = connectors
    assert "nach oben" in up["text"].lower() and "Ebene 1" in up["text"] and up["level_id"] == "L1"
    assert "nach unten" in down["text"].lower() and "Ebene 0" in down["text"] and down["level_id"] == "L0"

    # The steps' paths joined are the path (a lift's two landings share x, y: compared without repeats).
    def once(points: list[list[float]]) -> list[list[float]]:
        return [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]

    assert once([p for step in result["directions"] for p in step["path"]]) == once(result["path"])
    assert [s["level_id"] for s in result["segments"]] == ["L0", "L1", "L0"]


def test_escalators_run_one_way(client: TestClient, settings: Settings) -> None:
    # Stairs and lift made slow: the walk must go up the up escalator and down the down one.
    plan = stacked([WIDE_AISLES, WIDE_AISLES], WIDE_CONNECTORS, seconds={"stairs": 500, "lift": 500})
    new_store(client)
    assert put_json(client, "/v1/stores/s1/floorplan?publish=true", plan).status_code == 201
    assert put_json(client, "/v1/products", PRODUCTS).status_code == 200
    assert put_json(client, "/v1/stores/s1/placements", PLANOGRAM).status_code == 200
    result = route(client, ["rice-1"])
    assert rides(result) == ["up", "down"]
    walked = result["distance_m"]
    eta = walked / settings.walk_speed_mps + 2 * DEFAULT_SECONDS["escalator"] + settings.pick_seconds
    assert result["eta_s"] == round(eta)


def test_a_closed_lift_cuts_off_the_upper_level_for_step_free_routes(levelled: TestClient) -> None:
    assert rides(route(levelled, ["rice-1"], mobility="step_free")) == ["lift", "lift"]
    response = levelled.post("/v1/stores/s1/closures", json={"connector": "lift"}, headers=ADMIN)
    assert response.status_code == 201, response.text
    closure = response.json()
    assert closure["connector"] == "lift"
    result = route(levelled, ["rice-1", "bread-1"], mobility="step_free")
    assert [u["reason"] for u in result["unresolved"]] == ["unreachable_with_mobility"]
    assert [s.get("sku") for s in result["stops"][1:-1]] == ["bread-1"]
    walking = route(levelled, ["rice-1"])
    assert "lift" not in rides(walking) and rides(walking)
    assert levelled.delete(f"/v1/stores/s1/closures/{closure['id']}", headers=ADMIN).status_code == 204
    assert rides(route(levelled, ["rice-1"], mobility="step_free")) == ["lift", "lift"]


def test_a_closed_area_on_an_upper_level_is_walked_around(levelled: TestClient) -> None:
    before = route(levelled, ["rice-1"])
    upper = [s for s in before["segments"] if s["level_id"] == "L1"]
    # Close the strip east of the gondolas on level 1 south of the lift's landing: not the
    # way up to the lift, but where the first walk ran.
    area = shapely.box(13.2, 0.0, 16.0, 8.0)
    crossed = any(LineString(s["path"]).intersects(area) for s in upper if len(s["path"]) > 1)
    polygon = shapely.geometry.mapping(area)
    body = {"polygon": {"type": "Polygon", "coordinates": [list(map(list, polygon["coordinates"][0]))]}}
    response = levelled.post("/v1/stores/s1/closures", json=body, headers=ADMIN)
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "/level_id"
    response = levelled.post("/v1/stores/s1/closures", json=body | {"level_id": "L1"}, headers=ADMIN)
    assert response.status_code == 201, response.text
    after = route(levelled, ["rice-1"])
    for segment in after["segments"]:
        if segment["level_id"] == "L1" and len(segment["path"]) > 1:
            assert not LineString(segment["path"]).intersects(area.buffer(-0.05))
    assert crossed or after["distance_m"] == before["distance_m"]


def test_a_replan_names_its_level(levelled: TestClient) -> None:
    response = levelled.post("/v1/stores/s1/route", json={"items": [{"sku": "bread-1"}], "start": {"x": 8, "y": 5}})
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "/start/level_id"
    result = route(levelled, ["bread-1"], start={"x": 8, "y": 5, "level_id": "L1"})
    assert result["stops"][0] | {"x": 8.0, "y": 5.0} == result["stops"][0] and result["stops"][0]["level_id"] == "L1"
    assert len(rides(result)) == 1


def test_locations_and_the_plan_come_in_each_levels_frame(levelled: TestClient) -> None:
    found = levelled.get("/v1/stores/s1/products/rice-1/locations").json()["locations"][0]
    assert found["level_id"] == "L1" and found["x"] == 10.5 and 6 <= found["y"] <= 7  # s6: x 10-11, y 7
    document = levelled.get("/v1/stores/s1/floorplan").json()
    assert [v["id"] for v in document["levels"]] == ["L0", "L1"]
    assert parse_plan(document).to_geojson() == parse_plan(PLAN).to_geojson()
    v1 = levelled.get("/v1/stores/s1/products/bread-1/locations").json()["locations"][0]
    assert v1["level_id"] == "L0"


def test_the_upload_report_names_levels_a_mobility_cannot_reach(client: TestClient) -> None:
    connectors = (WIDE_CONNECTORS[0], ("lift", "lift", "both", 14.5, 8.5))
    stairs_only = stacked([WIDE_AISLES, WIDE_AISLES, WIDE_AISLES], connectors)
    # The lift stops at levels 0 and 1 only: drop its landing on level 2.
    stairs_only["features"] = [f for f in stairs_only["features"] if f["properties"].get("id") != "lift-L2"]
    new_store(client)
    response = put_json(client, "/v1/stores/s1/floorplan?publish=true", stairs_only)
    assert response.status_code == 201, response.text
    levels = response.json()["report"]["levels"]
    assert [(v["id"], v["unreachable_by"]) for v in levels] == [
        ("L0", []),
        ("L1", []),
        ("L2", ["trolley", "step_free"]),
    ]
    assert levels[2]["connectors"] == ["stairs"] and levels[0]["entrances"] == 1
    # Items there: a step-free route says so instead of failing.
    assert put_json(client, "/v1/products", PRODUCTS).status_code == 200
    assert put_json(client, "/v1/stores/s1/placements", [{"sku": "rice-1", "shelf": "L2-s6"}]).status_code == 200
    result = route(client, ["rice-1"], mobility="step_free")
    assert [u["reason"] for u in result["unresolved"]] == ["unreachable_with_mobility"]
    assert rides(route(client, ["rice-1"])) == ["stairs"] * 4


def test_bad_levels_and_connectors_are_named(client: TestClient) -> None:
    new_store(client)
    plan = stacked([WIDE_AISLES, WIDE_AISLES], WIDE_CONNECTORS)
    for feature in plan["features"]:
        props = feature["properties"]
        if props.get("id") == "lift-L1":
            props["level_id"] = "L9"
        if props.get("id") == "up-L0":
            props["direction"] = "both"
        if props.get("id") == "stairs-L1":
            feature["geometry"]["coordinates"] = [2.0, 8.5]  # inside a gondola
    response = put_json(client, "/v1/stores/s1/floorplan", plan)
    assert response.status_code == 422
    found = {(e.get("feature_id"), e["code"]) for e in response.json()["errors"]}
    assert {("lift-L1", "unknown_level"), ("up-L0", "bad_connector"), ("stairs-L1", "not_walkable"),
            ("lift-L0", "lonely_connector")} <= found, found  # fmt: skip
    assert client.get("/v1/stores/s1").json()["floorplan_version"] is None


def test_pictures_are_drawn_one_level_at_a_time(levelled: TestClient) -> None:
    ground = ET.fromstring(levelled.get("/v1/stores/s1/floorplan.svg").text)
    upper = ET.fromstring(levelled.get("/v1/stores/s1/floorplan.svg?level_id=L1").text)

    def ids(root: ET.Element) -> set[str]:
        return {e.get("id", "") for e in root.iter() if e.get("id")}

    assert "shelf-s1" in ids(ground) and "shelf-L1-s1" not in ids(ground)
    assert "shelf-L1-s1" in ids(upper) and "shelf-s1" not in ids(upper) and "connector-lift-L1" in ids(upper)
    assert ground.get("viewBox") == upper.get("viewBox"), "each level in its own frame"
    assert levelled.get("/v1/stores/s1/floorplan.svg?level_id=L7").status_code == 422
    picture = ET.fromstring(levelled.get("/v1/stores/s1/route.svg?skus=rice-1,bread-1&level_id=L1").text)
    numbered = [e.get("id") for e in picture.iter() if (e.get("id") or "").startswith("stop-")]
    assert len(numbered) == 1 and "route" in ids(picture)  # rice on level 1; bread on the ground floor
    ground_route = ET.fromstring(levelled.get("/v1/stores/s1/route.svg?skus=rice-1,bread-1").text)
    assert sorted(numbered + [e.get("id") for e in ground_route.iter() if (e.get("id") or "").startswith("stop-")]) == [
        "stop-1",
        "stop-2",
    ]


def test_feedback_positions_name_their_level(levelled: TestClient) -> None:
    from sqlalchemy import select

    from catalog.models import Feedback
    from tests.catalog.test_feedback import in_db, insights

    def report(body: dict[str, Any]) -> Any:
        return levelled.post("/v1/stores/s1/feedback", json=body)

    found = {"kind": "found_elsewhere", "sku": "bread-1", "x": 12.5, "y": 6.2}  # beside s8 (x 12-13, y 7)
    response = report(found)
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "/level_id"
    for _ in range(2):
        assert report(found | {"level_id": "L1"}).status_code == 202
    row = in_db(levelled, select(Feedback).order_by(Feedback.id.desc()).limit(1))
    assert (row.found_shelf, row.level_id, row.x, row.y) == ("L1-s8", "L1", 12.5, 6.2)
    suggested = next(p for p in insights(levelled)["suspects"] if p["sku"] == "bread-1")["suggested"]
    assert suggested["shelf"] == "L1-s8" and suggested["level_id"] == "L1" and 12 <= suggested["x"] <= 13


def test_a_plan_with_one_level_routes_as_its_v1_plan(client: TestClient) -> None:
    """The same floor as v1 and as a v2 plan of one level: the same walks, the v2 answer only adds
    where each part is (level_id, segments)."""
    from tests.catalog.conftest import PLAN as V1
    from tests.support.ascii_plan import TWO_AISLES

    v2 = stacked([TWO_AISLES], ())
    answers = []
    rows = [{"sku": "bread-1", "shelf": "s8"}, {"sku": "rice-1", "shelf": "s12"}, {"sku": "milk-1", "shelf": "s2"}]
    for store, plan in (("s1", V1), ("s2", v2)):
        stocked(client, store, plan, rows)
        body = {"items": [{"sku": "bread-1"}, {"sku": "rice-1"}, {"sku": "milk-1"}], "start": {"x": 6.0, "y": 3.2}}
        if store == "s2":
            body["start"]["level_id"] = "L0"
        answer = client.post(f"/v1/stores/{store}/route", json=body)
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
    one, other = answers
    assert other.pop("segments") == [{"level_id": "L0", "path": one["path"], "distance_m": one["distance_m"]}]
    for stop in other["stops"]:
        assert stop.pop("level_id") == "L0"
    for step in other["directions"]:
        assert step.pop("level_id") == "L0"
    assert one == other | {"store_id": "s1"}


def test_one_level_of_the_plan_as_v1(levelled: TestClient) -> None:
    whole = levelled.get("/v1/stores/s1/floorplan")
    one = levelled.get("/v1/stores/s1/floorplan?level_id=L1")
    assert one.status_code == 200 and one.headers["etag"] != whole.headers["etag"]
    document = one.json()
    assert "levels" not in document
    assert document == parse_plan(PLAN).on_level(1).to_geojson()
    assert (
        levelled.get("/v1/stores/s1/floorplan?level_id=L1", headers={"if-none-match": one.headers["etag"]}).status_code
        == 304
    )
    assert levelled.get("/v1/stores/s1/floorplan?level_id=nope").status_code == 422


def test_a_levelled_plan_far_from_the_origin_and_turned_routes_the_same(client: TestClient) -> None:
    """The same two floors on a national grid (5,600 km north) and turned by 33°: the same walk."""
    import copy

    turned = copy.deepcopy(PLAN)
    for feature in turned["features"]:
        moved = shapely.affinity.rotate(shapely.geometry.shape(feature["geometry"]), 33, origin=(0, 0))
        moved = shapely.affinity.translate(moved, 412_000.0, 5_600_000.0)
        feature["geometry"] = orjson.loads(orjson.dumps(shapely.geometry.mapping(moved)))
    walks = []
    for store, plan in (("s1", PLAN), ("s2", turned)):
        stocked(client, store, plan)
        answer = client.post(f"/v1/stores/{store}/route", json={"items": [{"sku": "rice-1"}, {"sku": "bread-1"}],
                                                                 "mobility": "step_free"})  # fmt: skip
        assert answer.status_code == 200, answer.text
        walks.append(answer.json())
    plain, far = walks
    assert far["distance_m"] == pytest.approx(plain["distance_m"], abs=0.05)
    assert far["eta_s"] == plain["eta_s"] and rides(far) == rides(plain) == ["lift", "lift"]
    assert [s["level_id"] for s in far["stops"]] == [s["level_id"] for s in plain["stops"]]
    assert all(p[1] > 5_590_000 for segment in far["segments"] for p in segment["path"])
