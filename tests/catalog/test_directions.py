"""Directions: the walk as steps, each with its part of the path, in the shopper's language.

Expected turns and sides come from the drawing (TWO_AISLES, y grows north): walking east with a
shelf to the north, the shelf is on the left; walking south then turning east is a left turn.
"""

from __future__ import annotations

import asyncio
import math
import random

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from catalog.directions import (
    AISLE_ANGLE_DEG,
    AISLE_END_M,
    AISLE_MIN_M,
    AISLE_REACH_M,
    AISLE_SHARE,
    PHRASES,
    _Aisles,
    _turn,
    _Walk,
    _walks,
    directions_language,
)
from catalog.locate import Item
from catalog.locations import Carried, Location, StoreIndex
from catalog.route import Route, RouteOptions, plan_route
from catalog.search import SearchIndex
from stores.floorplan.artifact import NavArtifact, dump_artifact, load_artifact
from stores.floorplan.compile import compile_plan
from stores.floorplan.parse import parse_plan
from stores.floorplan.synthetic import synthetic_store
from tests.catalog.test_route_steps import carried, open_table
from tests.support.ascii_plan import TWO_AISLES, ascii_plan


def _compiled(plan_json: dict) -> NavArtifact:  # type: ignore[type-arg]
    plan = parse_plan(plan_json)
    return load_artifact(dump_artifact("s1", 1, plan, compile_plan(plan)), "s1", 1)


@pytest.fixture(scope="module")
def artifact() -> NavArtifact:
    return _compiled(ascii_plan(TWO_AISLES))


@pytest.fixture(scope="module")
def index(artifact: NavArtifact) -> StoreIndex:
    # s3: aisle 2's shelf at y = 5, x 3-4, facing south; s12: aisle 5's at y = 2, x 4-5.
    products = [carried(artifact, "jam", ["s3"]), carried(artifact, "rice", ["s12"])]
    return StoreIndex("s1", 1, 1, artifact, {p.sku: p for p in products})


@pytest.fixture(scope="module")
def search() -> SearchIndex:
    names = {"jam": {"de": "Marmelade"}, "rice": {}}
    return SearchIndex(1, [(sku, sku.title(), None, n, []) for sku, n in names.items()], 0)


def _route(index: StoreIndex, search: SearchIndex, skus: list[str], language: str | None = None) -> Route:
    options = RouteOptions(accept_language=language)
    return asyncio.run(plan_route(index, search, open_table(index.artifact), [Item(sku=s) for s in skus], options))


def _check_adds_up(route: Route) -> None:
    """The steps' paths joined are the route's path; their lengths add up to its length; every
    stop has its step, in order, at its point."""
    steps = route.directions
    assert steps is not None
    joined: list[list[float]] = []
    for step in steps:
        assert not joined or step.path[0] == joined[-1]  # each step starts where the last ended
        joined.extend(step.path if not joined else step.path[1:])
        length = sum(math.dist(a, b) for a, b in zip(step.path, step.path[1:], strict=False))
        assert step.distance_m == pytest.approx(length, abs=0.006)
    assert joined == route.path
    assert sum(s.distance_m for s in steps) == pytest.approx(route.distance_m, abs=0.02 + 0.005 * len(steps))
    at_stops = [s for s in steps if s.action != "walk"]
    assert [s.stop for s in at_stops] == list(range(len(route.stops)))
    assert [s.action for s in at_stops] == ["start"] + ["pick"] * (len(route.stops) - 2) + ["end"]
    for step in at_stops:
        stop = route.stops[step.stop]  # type: ignore[index]
        assert step.path == [[stop.x, stop.y]] and step.distance_m == 0


def test_a_walk_told_turn_by_turn(index: StoreIndex, search: SearchIndex) -> None:
    route = _route(index, search, ["jam", "rice"])
    _check_adds_up(route)
    assert route.directions is not None
    walks = [s for s in route.directions if s.action == "walk"]
    # North up the west side, right (east) along aisle 2 to the jam on the left (north) ...
    assert walks[0].turn is msgspec.UNSET and walks[0].path[-1][1] > 4
    assert (walks[1].turn, walks[1].aisle) == ("right", "2")
    picks = [s for s in route.directions if s.action == "pick"]
    assert picks[0].side == "left" and picks[0].text == "Jam is on your left: s3"
    # ... south through the gap, west into the rice on the right (north), left (east) along aisle 5.
    assert picks[1].side == "right"
    assert (walks[-1].turn, walks[-1].aisle) == ("left", "5")
    assert walks[-1].text == "Turn left and walk 9 m along aisle 5"
    assert route.directions[-1].text == "Finish at checkout c1"


def test_straight_along_an_aisle(index: StoreIndex, search: SearchIndex) -> None:
    route = _route(index, search, ["rice"])
    _check_adds_up(route)
    assert route.directions is not None
    assert [(s.action, s.turn, s.aisle, s.side) for s in route.directions if s.action in ("walk", "pick")] == [
        ("walk", msgspec.UNSET, "5", msgspec.UNSET),
        ("pick", msgspec.UNSET, msgspec.UNSET, "left"),  # walking east, the shelf is to the north
        ("walk", "straight", "5", msgspec.UNSET),
    ]


def test_directions_in_the_shoppers_language(index: StoreIndex, search: SearchIndex) -> None:
    german = _route(index, search, ["jam", "rice"], "de-AT, en;q=0.5")
    assert german.language == "de" and german.directions is not None
    assert german.stops[1].name == "Marmelade"
    texts = [s.text for s in german.directions]
    assert texts[0] == "Start am Eingang e1" and "Marmelade finden Sie links: s3" in texts
    assert "Links abbiegen und 9 m durch Gang 5 gehen" in texts
    assert _route(index, search, ["jam"], "ja").language == "en"  # no templates: English
    assert directions_language("fr-CA;q=0.9, es") == "es" and directions_language(None) == "en"


def test_every_language_has_every_phrase() -> None:
    english = PHRASES["en"]
    for language, words in PHRASES.items():
        assert set(words.turns) == set(english.turns) and set(words.sides) == set(english.sides), language


@pytest.mark.parametrize(
    ("delta", "turn"),
    [(0, "straight"), (19, "straight"), (-30, "slight_right"), (45, "slight_left"), (90, "left"), (-90, "right"),
     (150, "sharp_left"), (-150, "sharp_right"), (175, "uturn"), (-179, "uturn")],
)  # fmt: skip
def test_turn_names(delta: float, turn: str) -> None:
    assert _turn(delta) == turn


def test_round_a_gondola_end_is_one_turn() -> None:
    # 10 m north, round a gondola's end (two bends a few decimetres apart), 8 m south.
    path = [[0, 0], [0, 10], [0.3, 10.3], [2.5, 10.3], [2.8, 10], [2.8, 2]]
    walks = _walks(path)
    assert [round(w.length, 1) for w in walks] == [10.4, 2.6, 8.0]  # a short bend joins the walk it ends
    assert [round(w.heading) for w in walks] == [90, 0, -90]
    assert [p for w in walks for p in w.points[1:]] == path[1:]  # every point kept, in order


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), count=st.integers(1, 12), turned=st.floats(0, 360))
def test_directions_add_up_on_real_shaped_stores(seed: int, count: int, turned: float) -> None:
    """On a synthetic supermarket turned by any angle and moved far from its origin, every route's
    steps add up to its path and length, and every walk along an aisle runs beside its shelves."""
    artifact = _store(seed % 3, turned)
    rng = random.Random(seed)
    shelves = rng.sample(sorted(artifact.shelves), count)
    products = [carried(artifact, f"p{i}", [shelf]) for i, shelf in enumerate(shelves)]
    index = StoreIndex("s1", 1, 1, artifact, {p.sku: p for p in products})
    search = SearchIndex(1, [(p.sku, p.name, None, {}, []) for p in products], 0)
    route = _route(index, search, [p.sku for p in products])
    _check_adds_up(route)
    assert route.directions is not None
    for step in route.directions:
        if step.action == "walk" and isinstance(step.aisle, str):
            mine = [s for s in artifact.shelves.values() if s.aisle == step.aisle]
            middle = [(a + b) / 2 for a, b in zip(step.path[0], step.path[-1], strict=True)]
            assert min(_distance_to(middle, s.line) for s in mine) <= 2.5


_STORES: dict[tuple[int, float], NavArtifact] = {}


def _store(seed: int, turned: float) -> NavArtifact:
    key = (seed, round(turned / 45) * 45.0)
    if key not in _STORES:
        plan = synthetic_store(800, seed=seed)
        angle = math.radians(key[1])
        cos, sin = math.cos(angle), math.sin(angle)

        def move(c: list) -> list:  # type: ignore[type-arg]
            if c and isinstance(c[0], (int, float)):
                return [500_000 + c[0] * cos - c[1] * sin, 5_000_000 + c[0] * sin + c[1] * cos]
            return [move(x) for x in c]

        for feature in plan["features"]:
            feature["geometry"]["coordinates"] = move(feature["geometry"]["coordinates"])
        _STORES[key] = _compiled(plan)
    return _STORES[key]


def _distance_to(point: list[float], line: tuple[tuple[float, float], ...]) -> float:
    return float(LineString(line).distance(Point(point)))


def test_a_product_known_only_by_its_department_and_a_replan_start() -> None:
    """An unplaced product is found in its department's zone: no shelf, no side; a walk from where
    the shopper stands starts there."""
    artifact = _store(0, 0.0)
    zone = artifact.zones[0]
    x, y = (float(v) for v in artifact.table.points[zone.point])
    place = Location(None, None, zone.department, zone.department, None, x, y, True, "in_stock", zone.point)
    product = Carried("z1", "Fresh Basil", "ambient", False, False, "in_stock", [place])
    index = StoreIndex("s1", 1, 1, artifact, {"z1": product})
    search = SearchIndex(1, [("z1", "Fresh Basil", None, {}, [])], 0)
    entrance = artifact.table.points[next(iter(artifact.entrances.values()))]
    options = RouteOptions(start_xy=(float(entrance[0]) + 0.2, float(entrance[1]) + 0.2))
    route = asyncio.run(plan_route(index, search, open_table(artifact), [Item(sku="z1")], options))
    _check_adds_up(route)
    assert route.directions is not None
    assert route.directions[0].text == "Start where you stand"
    pick = next(s for s in route.directions if s.action == "pick")
    assert pick.text == f"Fresh Basil: in the {zone.department} department" and pick.side is msgspec.UNSET


def _aisles_by_numpy(aisles: _Aisles, p: np.ndarray, q: np.ndarray) -> tuple[list[int | None], list[bool]]:
    """The aisle reading's meaning in array terms (the compiled loop must agree with it)."""
    length = np.hypot(*(q - p).T)
    u = (q - p) / np.maximum(length, 1e-9)[:, None]
    parallel = np.abs(u @ aisles.unit.T) >= math.cos(math.radians(AISLE_ANGLE_DEG))
    middle = (p + q) / 2
    across = middle[:, 1:2] * aisles.unit[None, :, 0] - middle[:, 0:1] * aisles.unit[None, :, 1] - aisles.offset
    along = (u * p).sum(axis=1)[:, None]
    ta, tb = u @ aisles.starts.T - along, u @ aisles.ends.T - along
    low, high = np.minimum(ta, tb), np.maximum(ta, tb)
    overlap = np.clip(np.minimum(high, length[:, None]) - np.maximum(low, 0.0), 0.0, None)
    beside = parallel & (np.abs(across) <= AISLE_REACH_M)
    share = np.where(beside, overlap, 0.0) @ np.eye(len(aisles.names))[aisles.which]
    best = share.argmax(axis=1)
    found = (share[np.arange(len(p)), best] >= AISLE_SHARE * length) & (length >= AISLE_MIN_M)
    reach = np.where(aisles.which[None, :] == best[:, None], high, -np.inf).max(axis=1)
    at_end = found & (length >= reach - AISLE_END_M)
    return [int(a) if ok else None for a, ok in zip(best, found, strict=True)], [bool(e) for e in at_end]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), faces=st.integers(1, 30), count=st.integers(1, 40))
def test_the_compiled_aisle_reading_means_the_array_one(seed: int, faces: int, count: int) -> None:
    """Faces and walks at any angle far from the origin, many of them along a face (some by a
    whisker inside or outside each threshold): the same aisle and aisle end as the array form."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(-1e5, 1e5, 2)
    angle = rng.uniform(0, math.pi, faces)
    unit = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    starts = base + rng.uniform(0, 60, (faces, 2))
    ends = starts + unit * rng.uniform(1, 20, faces)[:, None]
    offset = unit[:, 0] * starts[:, 1] - unit[:, 1] * starts[:, 0]
    which = rng.integers(0, max(1, faces // 3), faces).astype(np.int64)
    aisles = _Aisles(starts, ends, which, [f"A{i}" for i in range(int(which.max()) + 1)], unit, offset)
    face = rng.integers(0, faces, count)
    turn = rng.normal(0, 0.3, count)
    side = rng.uniform(-2.5, 2.5, count)[:, None] * np.stack([-unit[face, 1], unit[face, 0]], axis=1)
    p = starts[face] + side + rng.uniform(-3, 3, count)[:, None] * unit[face]
    heading = angle[face] + turn + np.where(rng.random(count) < 0.5, 0, math.pi)
    q = p + np.stack([np.cos(heading), np.sin(heading)], axis=1) * rng.uniform(0, 25, count)[:, None]
    walks = [_Walk([list(a), list(b)], 0.0, 0.0) for a, b in zip(p, q, strict=True)]
    assert aisles.read(walks) == _aisles_by_numpy(aisles, p, q)
