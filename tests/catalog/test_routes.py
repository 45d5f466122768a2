"""Routes through the real compiler, index and solver: optimal order, rules, closures, re-planning."""

from __future__ import annotations

import asyncio
import itertools
import math
from typing import Any

import hypothesis
import numpy as np
import orjson
import pytest
import shapely
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from litestar.testing import TestClient
from shapely.geometry import LineString, Point

from api.cli import _load_demo
from catalog.route import START_SNAP_M
from routing.visibility import grown
from stores.floorplan.compile import navigable_space
from stores.floorplan.parse import parse_plan
from stores.infra.settings import Settings
from tests.catalog.conftest import PLAN, put_json
from tests.conftest import ADMIN
from tests.routing.test_shortest_walks import brute_force
from tests.support.ascii_plan import TWO_AISLES, ascii_plan

# Shelves (ASCII plan, 1 m each): s1-s4 and s5-s8 face the aisle at y 4..5 (x 1-5, 7-11);
# s9-s16 face the aisle at y 1..2. Entrance e1 at (0.5, 0.5), checkout c1 at (13.5, 0.5).
PLANOGRAM = [
    {"sku": "bread-1", "shelf": "s8", "position_m": 0.5},
    {"sku": "bread-1", "shelf": "s1", "position_m": 0.5},  # a second place: the route picks one
    {"sku": "milk-1", "shelf": "s2", "position_m": 0.5},
    {"sku": "peas-1", "shelf": "s16", "position_m": 0.5},
    {"sku": "rice-1", "shelf": "s12", "position_m": 0.5},
    {"sku": "bread-2", "shelf": "s14", "position_m": 0.5, "stock": "out"},
]
NAV = navigable_space(parse_plan(PLAN))


def route(client: TestClient, items: list[dict], **options) -> dict:  # type: ignore[no-untyped-def]
    response = client.post("/v1/stores/s1/route", json={"items": items, **options})
    assert response.status_code == 200, response.text
    return response.json()


def check_walk(result: dict) -> None:
    path = result["path"]
    assert path[0] == [result["stops"][0]["x"], result["stops"][0]["y"]]
    assert path[-1] == [result["stops"][-1]["x"], result["stops"][-1]["y"]]
    line = LineString(path)
    assert NAV.buffer(0.02).covers(line), "the path leaves walkable space"
    assert line.length == pytest.approx(result["distance_m"], abs=0.05)
    assert sum(s["leg_m"] for s in result["stops"]) == pytest.approx(result["distance_m"], abs=0.05)
    for stop in result["stops"][1:-1]:  # the walk passes through every stand point, in order
        assert line.distance(Point(stop["x"], stop["y"])) < 0.02


@pytest.fixture
def planned(store: TestClient) -> TestClient:
    assert put_json(store, "/v1/stores/s1/placements", PLANOGRAM).status_code == 200
    return store


def test_route_is_optimal_and_inside_walkable_space(planned: TestClient) -> None:
    items = [{"sku": "bread-1"}, {"sku": "rice-1"}, {"sku": "milk-1"}]
    result = route(planned, items, cold_last=False)
    assert result["optimal"] and result["floorplan_version"] == 1 and not result["unresolved"]
    kinds = [s["kind"] for s in result["stops"]]
    assert kinds == ["start", "item", "item", "item", "end"]
    check_walk(result)
    # Oracle: every order and every choice of bread's shelf, with legs from the same API.
    best = math.inf
    choices = [["s8", "s1"], ["s12"], ["s2"]]
    for picks in itertools.product(*choices):
        for order in itertools.permutations(range(3)):
            shelves = [picks[i] for i in order]
            best = min(best, walk_length(planned, shelves))
    assert result["distance_m"] == pytest.approx(best, abs=0.05)
    assert result["eta_s"] > result["distance_m"]


def walk_length(client: TestClient, shelves: list[str]) -> float:
    """Length of entrance -> these shelves in this order -> checkout, from one-item routes."""
    sku_at = {"s8": "bread-1", "s1": "bread-1", "s12": "rice-1", "s2": "milk-1"}
    points = [(0.5, 0.5)]
    for shelf in shelves:
        loc = next(loc for loc in client.get(f"/v1/stores/s1/products/{sku_at[shelf]}/locations").json()["locations"]
                   if loc["shelf"] == shelf)  # fmt: skip
        points.append((loc["x"], loc["y"]))
    total = 0.0
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        total += _leg(client, (ax, ay), (bx, by))
    return total + _leg(client, points[-1], (13.5, 0.5), to_checkout=True)


def _leg(client: TestClient, a: tuple[float, float], b: tuple[float, float], to_checkout: bool = False) -> float:
    """Shortest walk a -> b in the navigable space, by brute-force visibility (networkx oracle)."""
    snapped = shapely.ops.nearest_points(NAV, Point(b))[0] if to_checkout else Point(b)
    d = brute_force(NAV, grown(NAV), np.array([a, (snapped.x, snapped.y)]))
    return float(d[0, 1])


def test_cold_items_last_heavy_first_and_duplicates_merged(planned: TestClient) -> None:
    items = [{"sku": "milk-1"}, {"sku": "bread-1"}, {"sku": "bread-1", "quantity": 2}, {"sku": "rice-1"}]
    result = route(planned, items)
    skus = [s["sku"] for s in result["stops"] if s["kind"] == "item"]
    assert skus[-1] == "milk-1" and sorted(skus) == ["bread-1", "milk-1", "rice-1"]
    assert next(s for s in result["stops"] if s.get("sku") == "bread-1")["quantity"] == 3
    heavy = route(planned, items, heavy_first=True)
    assert next(s["sku"] for s in heavy["stops"] if s["kind"] == "item") == "rice-1"
    check_walk(heavy)


def test_unresolved_items_are_reported_and_the_rest_routed(planned: TestClient) -> None:
    items = [{"sku": "bread-1"}, {"sku": "ghost"}, {"query": "qqxzz"}, {"sku": "creme-1"}, {"sku": "bread-2"}]
    result = route(planned, items)
    reasons = {(u["item"].get("sku") or u["item"].get("query"), u["reason"]) for u in result["unresolved"]}
    expected = {
        ("ghost", "unknown_sku"),
        ("qqxzz", "no_match"),
        ("creme-1", "not_carried"),
        ("bread-2", "out_of_stock"),
    }
    assert reasons == expected
    assert [s["sku"] for s in result["stops"] if s["kind"] == "item"] == ["bread-1"]


def test_free_text_items_and_chosen_start_and_end(planned: TestClient) -> None:
    result = route(planned, [{"query": "sourdogh bred"}], start={"entrance": "e1"}, end={"checkout": "c1"})
    assert result["stops"][1]["sku"] == "bread-1" and result["stops"][0]["id"] == "e1"
    assert result["stops"][-1]["id"] == "c1"


def test_replanning_from_where_the_shopper_stands(planned: TestClient) -> None:
    result = route(planned, [{"sku": "peas-1"}], start={"x": 9.5, "y": 4.5})
    start = result["stops"][0]
    assert start["id"] is None and (start["x"], start["y"]) == (9.5, 4.5) and "snapped_m" not in result
    check_walk(result)
    outside = planned.post("/v1/stores/s1/route", json={"items": [{"sku": "peas-1"}], "start": {"x": 30, "y": 6.5}})
    assert outside.status_code == 422 and outside.json()["errors"][0]["pointer"] == "/start"


@pytest.mark.parametrize("where", [(2.5, 6.5), (2.5, 7.28), (9.5, 4.5 - 0.28 - 0.5), (-0.9, 3.0)])
def test_a_start_a_little_off_the_walkable_space_is_moved_into_it(
    planned: TestClient, where: tuple[float, float]
) -> None:
    """Indoor positioning is off by a metre, and a shopper at a shelf stands in the clearance the
    walkable space keeps from it: inside a gondola, 0.28 m from its face, just outside the wall."""
    assert not NAV.covers(Point(where))
    result = route(planned, [{"sku": "peas-1"}], start={"x": where[0], "y": where[1]})
    start = result["stops"][0]
    assert NAV.distance(Point(start["x"], start["y"])) < 0.02  # in the walkable space, to the answer's rounding
    assert math.dist((start["x"], start["y"]), where) <= START_SNAP_M
    assert result["snapped_m"] == pytest.approx(math.dist((start["x"], start["y"]), where), abs=0.02)
    check_walk(result)


def test_bad_route_requests(planned: TestClient) -> None:
    post = planned.post
    assert post("/v1/stores/s1/route", json={"items": []}).status_code == 422
    assert post("/v1/stores/s1/route", json={"items": [{"sku": "bread-1"}] * 201}).status_code == 422
    assert post("/v1/stores/s1/route", json={"items": [{"sku": "bread-1"}] * 1001}).status_code == 400
    assert post("/v1/stores/s1/route", json={"items": [{"sku": "x"}], "start": {"entrance": "nope"}}).status_code == 422
    assert post("/v1/stores/s1/route", json={"items": [{"sku": "x"}], "end": {"checkout": "nope"}}).status_code == 422
    assert post("/v1/stores/s1/route", json={"items": [{"sku": "x"}], "start": {"x": 1}}).status_code == 422
    planned.post("/v1/stores", json={"id": "bare", "name": "B", "lat": 1, "lon": 1}, headers=ADMIN)
    assert post("/v1/stores/bare/route", json={"items": [{"sku": "bread-1"}]}).status_code == 409
    assert post("/v1/stores/ghost/route", json={"items": [{"sku": "bread-1"}]}).status_code == 404


def test_closures_reroute_at_once_and_lift(planned: TestClient) -> None:
    before = route(planned, [{"sku": "bread-1"}, {"sku": "rice-1"}], cold_last=False)
    used = next(s["shelf"] for s in before["stops"] if s.get("sku") == "bread-1")
    shelf = planned.post("/v1/stores/s1/closures", json={"shelf": used}, headers=ADMIN)
    assert shelf.status_code == 201
    after = route(planned, [{"sku": "bread-1"}, {"sku": "rice-1"}], cold_last=False)
    assert next(s["shelf"] for s in after["stops"] if s.get("sku") == "bread-1") != used
    assert after["closures"] == [shelf.json()["id"]]
    # Close the lower aisle's middle: the walk to s12 must go round, through the upper aisle.
    area = {"type": "Polygon", "coordinates": [[[5.2, 0.0], [6.8, 0.0], [6.8, 2.0], [5.2, 2.0], [5.2, 0.0]]]}
    closed = planned.post("/v1/stores/s1/closures", json={"polygon": area}, headers=ADMIN)
    assert closed.status_code == 201
    detour = route(planned, [{"sku": "rice-1"}], cold_last=False)
    assert not LineString(detour["path"]).intersects(shapely.geometry.shape(area))
    check_walk(detour)
    assert len(planned.get("/v1/stores/s1/closures").json()["closures"]) == 2
    for closure_id in (shelf.json()["id"], closed.json()["id"]):
        assert planned.delete(f"/v1/stores/s1/closures/{closure_id}", headers=ADMIN).status_code == 204
    assert (
        route(planned, [{"sku": "bread-1"}, {"sku": "rice-1"}], cold_last=False)["distance_m"] == before["distance_m"]
    )
    assert planned.delete("/v1/stores/s1/closures/nope", headers=ADMIN).status_code == 404


def test_bad_closures_and_who_may_close(planned: TestClient) -> None:
    post = planned.post
    assert post("/v1/stores/s1/closures", json={}, headers=ADMIN).status_code == 422
    assert post("/v1/stores/s1/closures", json={"shelf": "nope"}, headers=ADMIN).status_code == 422
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    assert (
        post("/v1/stores/s1/closures", json={"polygon": bowtie}, headers=ADMIN).json()["errors"][0]["pointer"]
        == "/polygon"
    )
    assert (
        post("/v1/stores/s1/closures", json={"shelf": "s1", "until": "2001-01-01T00:00:00Z"}, headers=ADMIN).status_code
        == 422
    )
    assert post("/v1/stores/s1/closures", json={"shelf": "s1"}).status_code == 401
    planned.post("/v1/stores", json={"id": "other", "name": "O", "lat": 1, "lon": 1}, headers=ADMIN)
    secret = post("/v1/tokens", json={"role": "manager", "stores": ["other"]}, headers=ADMIN).json()["token"]
    assert (
        post("/v1/stores/s1/closures", json={"shelf": "s1"}, headers={"Authorization": f"Bearer {secret}"}).status_code
        == 403
    )


def test_route_drawn_over_the_plan(planned: TestClient) -> None:
    svg = planned.get("/v1/stores/s1/route.svg", params={"skus": "bread-1,rice-1,ghost-9"})
    assert svg.status_code == 200 and svg.text.startswith("<svg") and "#e67e22" in svg.text
    import xml.etree.ElementTree as ET

    drawn = ET.fromstring(svg.text)
    ns = {"s": "http://www.w3.org/2000/svg"}
    answer = route(planned, [{"sku": "bread-1"}, {"sku": "rice-1"}, {"sku": "ghost-9"}])
    items = [stop for stop in answer["stops"] if stop["kind"] == "item"]
    numbered = drawn.findall(".//s:g[@class='stop']", ns)
    assert [g.find("s:text", ns).text for g in numbered] == [str(i + 1) for i in range(len(items))]  # type: ignore[union-attr]
    for g, stop in zip(numbered, items, strict=True):  # each number where the shopper stands for that item, in order
        assert g.find("s:title", ns).text.startswith(f"{numbered.index(g) + 1}. {stop['name']}")  # type: ignore[union-attr]
        circle = g.find("s:circle", ns)
        assert float(circle.get("cx")) == pytest.approx(stop["x"], abs=0.01)  # type: ignore[union-attr, arg-type]
    unrouted = [t.text for t in drawn.findall(".//s:g[@id='unrouted']/s:text", ns)]
    assert unrouted == ["Not routed:", "ghost-9: unknown sku"]


def test_with_several_entrances_the_walk_starts_at_the_best_one(store: TestClient) -> None:
    plan = ascii_plan(TWO_AISLES.replace("E............C", "E.....C......E"))
    assert put_json(store, "/v1/stores/s1/floorplan?publish=true", plan).status_code == 201
    assert put_json(store, "/v1/stores/s1/placements", PLANOGRAM).status_code == 200
    chose = set()
    for items in ([{"sku": "bread-1"}], [{"sku": "rice-1"}, {"sku": "milk-1"}], [{"sku": "peas-1"}],
                  [{"sku": s} for s in ("bread-1", "milk-1", "peas-1", "rice-1")]):  # fmt: skip
        best = route(store, items)
        by_entrance = {e: route(store, items, start={"entrance": e})["distance_m"] for e in ("e1", "e2")}
        assert best["distance_m"] == pytest.approx(min(by_entrance.values()), abs=0.01), items
        assert by_entrance[best["stops"][0]["id"]] == pytest.approx(best["distance_m"], abs=0.01)
        if abs(by_entrance["e1"] - by_entrance["e2"]) > 1:
            chose.add(best["stops"][0]["id"])
    assert chose == {"e1", "e2"}  # each entrance is the better one for some list


#: Products for the property test below: some chilled (their own rank block), some heavy.
MANY = [
    {"sku": f"p-{i}", "name": f"Product {i}", "department": "Pantry",
     "storage": "chilled" if i % 4 == 3 else "ambient", "heavy": i % 5 == 0}
    for i in range(10)
]  # fmt: skip
#: Few shelves and two positions on each: products on several shelves share spots all the time.
SHARED_SHELVES = ["s1", "s2", "s3", "s9", "s10", "s12"]


@st.composite
def shared_spot_lists(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    placements = []
    for product in MANY:
        for shelf in draw(st.lists(st.sampled_from(SHARED_SHELVES), min_size=1, max_size=3, unique=True)):
            placements.append({"sku": product["sku"], "shelf": shelf, "position_m": draw(st.sampled_from([0.25, 0.5]))})
    skus = draw(st.lists(st.sampled_from([p["sku"] for p in MANY]), min_size=1, max_size=12))
    options = {"cold_last": draw(st.booleans()), "heavy_first": draw(st.booleans())}
    return placements, [{"sku": s} for s in skus], options


@hypothesis.settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=shared_spot_lists())
def test_every_item_is_routed_or_unresolved_exactly_once(store: TestClient, case) -> None:  # type: ignore[no-untyped-def]
    """Products on one to three shelves that share spots with each other: every item on the list is
    a stop or unresolved, exactly once, and the path through them is as long as the route says
    (a later item sharing a point with a multi-shelf one used to vanish, with optimal=true)."""
    placements, items, options = case
    if not getattr(store, "_many_products", False):
        assert put_json(store, "/v1/products", MANY).status_code == 200
        store._many_products = True  # type: ignore[attr-defined]
    assert put_json(store, "/v1/stores/s1/placements", placements).status_code == 200
    result = route(store, items, **options)
    stopped = [s["sku"] for s in result["stops"] if s["kind"] == "item"]
    assert sorted(stopped) == sorted({i["sku"] for i in items}) and not result["unresolved"]
    check_walk(result)
    if options["cold_last"]:
        chilled = [s in {p["sku"] for p in MANY if p["storage"] == "chilled"} for s in stopped]
        assert chilled == sorted(chilled)


def test_the_demo_list_that_dropped_an_item(client: TestClient, settings: Settings) -> None:
    """Found on `serve --demo`: SKU-001853 shares a stand point with a product on several shelves."""
    asyncio.run(_load_demo(settings))
    items = [{"sku": "SKU-001870"}, {"sku": "SKU-001853"}, {"sku": "SKU-000312"}]
    result = client.post("/v1/stores/berlin-mitte/route", json={"items": items}).json()
    stopped = sorted(s["sku"] for s in result["stops"] if s["kind"] == "item")
    assert stopped == sorted(i["sku"] for i in items) and not result["unresolved"]
    path = LineString(result["path"])
    assert path.length == pytest.approx(result["distance_m"], abs=0.05)
    for stop in result["stops"]:
        assert path.distance(Point(stop["x"], stop["y"])) < 0.02


def test_names_labels_departments_and_directions_follow_accept_language(planned: TestClient) -> None:
    """Shelf labels and department names come from the plan's `names`, product names from the
    catalog's; a language either lacks keeps the text as it is."""
    plan = orjson.loads(orjson.dumps(PLAN))
    for feature in plan["features"]:
        if feature["properties"].get("id") == "s2":
            feature["properties"].update(label="Milk shelf", names={"de": "Milchregal", "fr": "Rayon lait"})
    plan["features"].append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
        [[0, 0], [14, 0], [14, 8], [0, 8], [0, 0]]]}, "properties": {"kind": "zone", "id": "z1",
        "department": "Dairy", "names": {"de": "Molkerei"}}})  # fmt: skip
    assert put_json(planned, "/v1/stores/s1/floorplan?publish=true", plan).status_code == 201
    german = planned.post("/v1/stores/s1/route", json={"items": [{"sku": "milk-1"}]},
                          headers={"accept-language": "de-AT, en;q=0.3"})  # fmt: skip
    assert german.headers["content-language"] == "de" and "accept-language" in german.headers["vary"].lower()
    body = german.json()
    milk = body["stops"][1]
    assert (milk["name"], milk["label"], milk["department"]) == ("Vollmilch", "Milchregal", "Molkerei")
    assert body["language"] == "de"
    assert "Vollmilch finden Sie links: Milchregal" in [d["text"] for d in body["directions"]]
    located = planned.get("/v1/stores/s1/products/milk-1/locations", headers={"accept-language": "de"}).json()
    assert (located["name"], located["locations"][0]["label"], located["locations"][0]["department"]) == (
        "Vollmilch", "Milchregal", "Molkerei")  # fmt: skip
    bundle = planned.get("/v1/stores/s1/bundle", headers={"accept-language": "de"}).json()
    assert {"name": "Molkerei", "products": 1} in bundle["departments"]
    french = planned.post("/v1/stores/s1/locate", json={"items": [{"sku": "milk-1"}]},
                          headers={"accept-language": "fr"})  # fmt: skip
    assert french.headers["content-language"] == "fr"
    place = french.json()["results"][0]
    assert (place["name"], place["locations"][0]["label"], place["locations"][0]["department"]) == (
        "Lait entier", "Rayon lait", "Dairy")  # the plan has no French for the department  # fmt: skip
    plain = planned.get("/v1/stores/s1/products/milk-1/locations").json()
    assert (plain["name"], plain["locations"][0]["label"], plain["locations"][0]["department"]) == (
        "Whole Milk 1 L", "Milk shelf", "Dairy")  # fmt: skip
    english = route(planned, [{"sku": "milk-1"}])
    assert english["language"] == "en" and english["directions"][0]["text"] == "Start at entrance e1"
    assert "directions" not in route(planned, [{"sku": "milk-1"}], directions=False)
