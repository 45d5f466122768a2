"""Every floor plan rule has a plan that breaks it, and the answer names the feature."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stores.floorplan.compile import compile_plan
from stores.floorplan.parse import PlanInvalid, PlanLimits, parse_plan
from stores.floorplan.synthetic import synthetic_store
from tests.support.ascii_plan import ascii_plan

GOOD = """
..........
.##..##...
.==..==...
..........
E........C
"""


def problems_of(document: Any, limits: PlanLimits | None = None, compile_too: bool = False) -> list[dict]:
    with pytest.raises(PlanInvalid) as caught:
        plan = parse_plan(document, limits)
        if compile_too:
            compile_plan(plan)
    return [p.as_dict() for p in caught.value.problems]


def feature(doc: dict, kind: str, fid: str | None = None) -> dict:
    return next(
        f
        for f in doc["features"]
        if f["properties"]["kind"] == kind and (fid is None or f["properties"].get("id") == fid)
    )


def test_the_good_plan_is_good() -> None:
    compile_plan(parse_plan(ascii_plan(GOOD)))
    compile_plan(parse_plan(synthetic_store(300)))


def test_self_intersecting_fixture() -> None:
    doc = ascii_plan(GOOD)
    feature(doc, "fixture", "f1")["geometry"]["coordinates"] = [[[1, 1], [3, 3], [3, 1], [1, 3], [1, 1]]]
    [p] = problems_of(doc)
    assert p["feature_id"] == "f1" and p["code"] == "invalid_geometry" and "intersection" in p["message"].lower()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1e9])
def test_non_finite_or_absurd_coordinates(bad: float) -> None:
    doc = ascii_plan(GOOD)
    feature(doc, "shelf", "s2")["geometry"]["coordinates"][1] = [bad, 3.0]
    [p] = problems_of(doc)
    assert p["feature_id"] == "s2" and p["code"] == "bad_coordinates"


def test_fixture_outside_the_outline() -> None:
    doc = ascii_plan(GOOD)
    feature(doc, "fixture", "f3")["geometry"]["coordinates"] = [[[8, 3], [12, 3], [12, 4], [8, 4], [8, 3]]]
    assert {(p["feature_id"], p["code"]) for p in problems_of(doc)} == {("f3", "fixture_outside_outline")}


def test_entrance_or_checkout_not_walkable() -> None:
    doc = ascii_plan(GOOD)
    feature(doc, "entrance", "e1")["geometry"]["coordinates"] = [1.5, 2.5]  # inside fixture f1
    feature(doc, "checkout", "c1")["geometry"]["coordinates"] = [20.0, 1.0]  # outside the outline
    found = {(p["feature_id"], p["code"]) for p in problems_of(doc)}
    assert found == {("e1", "not_walkable"), ("c1", "not_walkable")}


def test_shelf_without_walkable_side() -> None:
    doc = ascii_plan("""
..........
.####.....
.#=##.....
.####.....
E........C
""")
    found = {(p["feature_id"], p["code"]) for p in problems_of(doc)}
    assert found == {("s1", "no_walkable_side")}


def test_shelf_and_checkout_unreachable_from_the_entrance() -> None:
    doc = ascii_plan("""
..........
.#####....
.#.=.#....
.#...#..C.
.#####....
E.........
""")
    doc["features"].append(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [2.5, 2.5]},
            "properties": {"kind": "checkout", "id": "inside"},
        }
    )
    found = {(p["feature_id"], p["code"]) for p in problems_of(doc, compile_too=True)}
    assert found == {("s1", "unreachable"), ("inside", "unreachable")}


def test_duplicate_ids_missing_ids_unknown_kinds_wrong_geometry() -> None:
    doc = ascii_plan(GOOD)
    feature(doc, "fixture", "f2")["properties"]["id"] = "f1"
    del feature(doc, "shelf", "s1")["properties"]["id"]
    feature(doc, "checkout")["properties"]["kind"] = "cashier"
    feature(doc, "entrance")["geometry"] = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    found = {(p.get("feature_id"), p["code"]) for p in problems_of(doc)}
    assert ("f1", "duplicate_id") in found
    assert (None, "missing_id") in found
    assert ("c1", "unknown_kind") in found
    assert ("e1", "wrong_geometry") in found


def test_missing_outline_and_two_outlines() -> None:
    doc = ascii_plan(GOOD)
    no_outline = copy.deepcopy(doc)
    no_outline["features"] = [f for f in doc["features"] if f["properties"]["kind"] != "outline"]
    assert [p["code"] for p in problems_of(no_outline)] == ["missing_outline"]
    two = copy.deepcopy(doc)
    two["features"].append(copy.deepcopy(doc["features"][0]))
    assert "duplicate_outline" in [p["code"] for p in problems_of(two)]


def test_every_problem_is_reported_at_once() -> None:
    doc = ascii_plan(GOOD)
    feature(doc, "fixture", "f1")["geometry"]["coordinates"] = [[[1, 1], [3, 3], [3, 1], [1, 3], [1, 1]]]
    feature(doc, "checkout", "c1")["geometry"]["coordinates"] = [20.0, 1.0]
    feature(doc, "fixture", "f4")["geometry"]["coordinates"] = [[[8, 3], [12, 3], [12, 4], [8, 4], [8, 3]]]
    found = {(p["feature_id"], p["code"]) for p in problems_of(doc)}
    assert found == {("f1", "invalid_geometry"), ("c1", "not_walkable"), ("f4", "fixture_outside_outline")}


def test_size_limits() -> None:
    doc = synthetic_store(1200)
    [p] = problems_of(doc, PlanLimits(max_features=50))
    assert p["code"] == "too_many_features"
    [p] = problems_of(doc, PlanLimits(max_vertices=100))
    assert p["code"] == "too_many_vertices"
    [p] = problems_of(doc, PlanLimits(max_area_m2=1000))
    assert p["code"] == "bad_area"


def test_not_a_feature_collection() -> None:
    assert problems_of([1, 2])[0]["code"] == "not_feature_collection"
    assert problems_of({"type": "FeatureCollection"})[0]["code"] == "no_features"


def test_missing_entrance_or_checkout() -> None:
    doc = ascii_plan(GOOD)
    doc["features"] = [f for f in doc["features"] if f["properties"]["kind"] not in ("entrance", "checkout")]
    assert {p["code"] for p in problems_of(doc)} == {"missing_entrance", "missing_checkout"}


def test_canonical_geojson_round_trips() -> None:
    plan = parse_plan(synthetic_store(1200))
    again = parse_plan(plan.to_geojson())
    assert again.to_geojson() == plan.to_geojson()
    assert len(again.shelves) == len(plan.shelves) and again.walkable.area == pytest.approx(plan.walkable.area)


def test_points_of_interest_and_names_in_every_language_round_trip() -> None:
    doc = ascii_plan(GOOD)
    names = {"en": "Service desk", "de": "Kundendienst", "ar": "خدمة العملاء", "zh-Hant": "服務台"}
    props = {"kind": "poi", "id": "desk", "category": "information", "names": names}
    doc["features"].append(
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.5, 0.5]}, "properties": props}
    )
    feature(doc, "fixture", "f1")["properties"]["names"] = {"fr": "Gondole", "ja": "ゴンドラ"}
    plan = parse_plan(doc)
    [poi] = plan.pois
    assert (poi.category, dict(poi.names)) == ("information", names)
    again = parse_plan(plan.to_geojson())  # the canonical form keeps them
    assert dict(again.pois[0].names) == names and dict(next(f for f in again.fixtures if f.id == "f1").names)["ja"]


@pytest.mark.parametrize(
    ("names", "code"),
    [
        ({"not a tag!": "x"}, "bad_names"),
        ({"de": ""}, "bad_names"),
        ({"de": "a\x00b"}, "bad_names"),
        ("de", "bad_names"),
    ],
)
def test_bad_names_are_named(names: object, code: str) -> None:
    doc = ascii_plan(GOOD)
    feature(doc, "fixture", "f1")["properties"]["names"] = names
    [p] = problems_of(doc)
    assert p["feature_id"] == "f1" and p["code"] == code


def test_a_point_of_interest_off_the_floor() -> None:
    doc = ascii_plan(GOOD)
    doc["features"].append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [500.0, 500.0]},
                            "properties": {"kind": "poi", "id": "far", "category": "restroom"}})  # fmt: skip
    [p] = problems_of(doc)
    assert p["feature_id"] == "far" and p["code"] == "poi_outside_outline"
