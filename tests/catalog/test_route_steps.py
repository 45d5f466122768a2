"""The route use case's steps, without HTTP or a database: a compiled ASCII store, an index of
products placed on its shelves, and the real solver."""

from __future__ import annotations

import asyncio
import itertools

import msgspec
import numpy as np
import pytest
from shapely.geometry import LineString

from catalog.locate import Item, Resolved
from catalog.locations import Carried, Location, StoreIndex
from catalog.route import (
    Route,
    RouteOptions,
    choose_ends,
    gather_stops,
    measure_legs,
    plan_route,
    solve_order,
    stitch_walk,
)
from catalog.search import SearchIndex
from stores.closures import RouteTable
from stores.floorplan.artifact import NavArtifact, dump_artifact, load_artifact
from stores.floorplan.compile import compile_plan
from stores.floorplan.parse import parse_plan
from stores.infra.errors import Invalid
from tests.support.ascii_plan import TWO_AISLES, ascii_plan


@pytest.fixture(scope="module")
def artifact() -> NavArtifact:
    plan = parse_plan(ascii_plan(TWO_AISLES))
    return load_artifact(dump_artifact("s1", 1, plan, compile_plan(plan)), "s1", 1)


def carried(artifact: NavArtifact, sku: str, shelves: list[str], storage: str = "ambient") -> Carried:
    locations = []
    for shelf in shelves:
        point = artifact.slot_for(shelf, None)
        x, y = artifact.table.points[point]
        locations.append(Location(shelf, "2", shelf, None, None, float(x), float(y), False, "in_stock", point))
    return Carried(sku, sku.title(), storage, False, False, "in_stock", locations)


@pytest.fixture(scope="module")
def index(artifact: NavArtifact) -> StoreIndex:
    products = [carried(artifact, "bread", ["s8", "s1"]), carried(artifact, "milk", ["s2"], "chilled"),
                carried(artifact, "rice", ["s12"]), carried(artifact, "jam", ["s1"])]  # fmt: skip
    return StoreIndex("s1", 1, 1, artifact, {p.sku: p for p in products})


@pytest.fixture(scope="module")
def search() -> SearchIndex:
    names = [("bread", "Bread"), ("milk", "Milk"), ("rice", "Rice"), ("jam", "Jam"), ("tea", "Tea")]
    return SearchIndex(1, [(sku, name, None, {}, []) for sku, name in names], 0)


def open_table(artifact: NavArtifact) -> RouteTable:
    return RouteTable(artifact.table, np.zeros(len(artifact.table.points), bool), frozenset(), ())


def test_gather_stops_merges_duplicates_and_keeps_the_reasons(index: StoreIndex) -> None:
    bread = index.products["bread"]
    resolved = [Resolved(Item(sku="bread"), "bread", bread, None), Resolved(Item(sku="bread", quantity=2), "bread",
                bread, None), Resolved(Item(sku="tea"), "tea", None, "not_carried"),
                Resolved(Item(query="qq"), None, None, "no_match")]  # fmt: skip
    stops, unresolved = gather_stops(resolved)
    assert [(s.carried.sku, s.quantity, len(s.items)) for s in stops] == [("bread", 3, 2)]
    assert [(u.reason, u.sku) for u in unresolved] == [("not_carried", "tea"), ("no_match", msgspec.UNSET)]


def test_choose_ends_names_what_is_unknown(index: StoreIndex) -> None:
    table = index.artifact.table
    ends = choose_ends(index.artifact, table, RouteOptions())
    assert [s for s, _ in ends.starts] == ["e1"] and [c for c, _ in ends.ends] == ["c1"]
    with pytest.raises(Invalid) as unknown:
        choose_ends(index.artifact, table, RouteOptions(end_checkout="nope"))
    assert unknown.value.problems[0].pointer == "/end/checkout"
    mine = choose_ends(index.artifact, table, RouteOptions(start_xy=(6.5, 1.5)))
    assert mine.starts[0][0] is None and len(mine.table.points) == len(table.points) + 1


def test_measure_legs_drops_what_no_start_reaches(index: StoreIndex) -> None:
    ends = choose_ends(index.artifact, index.artifact.table, RouteOptions())
    stops, _ = gather_stops([Resolved(Item(sku=s), s, index.products[s], None) for s in ("bread", "rice")])
    closed = np.zeros(len(index.artifact.table.points), bool)
    closed[index.products["rice"].locations[0].point] = True  # rice's only shelf is closed
    measured, unreachable = measure_legs(ends, stops, closed)
    assert [s.carried.sku for s in measured.routable] == ["bread"] and len(measured.routable[0].points) == 2
    assert [(u.reason, u.item) for u in unreachable] == [("unreachable", {"sku": "rice"})]


def test_solve_and_stitch_walk_every_stop_in_order_at_the_stated_length(index: StoreIndex) -> None:
    options = RouteOptions(cold_last=True)
    ends = choose_ends(index.artifact, index.artifact.table, options)
    skus = ("milk", "bread", "jam", "rice")
    stops, _ = gather_stops([Resolved(Item(sku=s), s, index.products[s], None) for s in skus])
    measured, _ = measure_legs(ends, stops, np.zeros(len(index.artifact.table.points), bool))
    solution, start = asyncio.run(solve_order(ends, measured, options))
    walk = stitch_walk(ends, measured, solution, start)
    served = [measured.routable[k].carried.sku for _, k in walk.visits]
    assert sorted(served) == sorted(skus) and served[-1] == "milk"  # cold last
    assert LineString(walk.path).length == pytest.approx(sum(walk.leg_lengths), abs=0.05)
    # Brute force over the orders and bread's two shelves: nothing shorter.
    dist, local = measured.walks.dist, measured.local
    best = np.inf
    for order in itertools.permutations(range(3)):
        ambient = [
            measured.routable[i] for i in range(len(measured.routable)) if measured.routable[i].carried.sku != "milk"
        ]
        cold = next(s for s in measured.routable if s.carried.sku == "milk")
        for picks in itertools.product(*[s.points for s in [ambient[i] for i in order] + [cold]]):
            nodes = [local[start[1]], *(local[p] for p in picks), measured.end_locals[0]]
            best = min(best, sum(dist[a, b] for a, b in itertools.pairwise(nodes)))
    assert sum(walk.leg_lengths) == pytest.approx(best) and walk.optimal


def test_plan_route_returns_the_typed_answer(index: StoreIndex, search: SearchIndex, artifact: NavArtifact) -> None:
    items = [Item(sku="jam"), Item(query="bread"), Item(sku="tea"), Item(sku="ghost")]
    route = asyncio.run(plan_route(index, search, open_table(artifact), items, RouteOptions()))
    assert isinstance(route, Route) and route.optimal
    assert [s.kind for s in route.stops] == ["start", "item", "item", "end"]
    assert {u.reason for u in route.unresolved} == {"not_carried", "unknown_sku"}
    encoded = msgspec.json.decode(msgspec.json.encode(route))
    assert "sku" not in encoded["stops"][0] and encoded["stops"][0]["id"] == "e1"  # start: no item fields
    assert encoded["stops"][1]["level"] is None  # an item's fields are all there, null or not


def test_a_long_list_the_solver_cannot_prove_says_how_far_from_the_best_it_may_be() -> None:
    from tests.catalog.test_directions import _store

    artifact = _store(1, 0.0)
    shelves = sorted(artifact.shelves)[::3][:40]
    # Each product on two shelves far apart: the bound cannot tell which one a walk takes.
    products = [carried(artifact, f"p{i}", [shelf, shelves[-1 - i]]) for i, shelf in enumerate(shelves)]
    index = StoreIndex("s1", 1, 1, artifact, {p.sku: p for p in products})
    search = SearchIndex(1, [(p.sku, p.name, None, {}, []) for p in products], 0)
    items = [Item(sku=p.sku) for p in products]
    route = asyncio.run(plan_route(index, search, open_table(artifact), items, RouteOptions(time_limit_ms=200)))
    assert not route.optimal and route.gap_bound is not None and 0 <= route.gap_bound < 0.5
    encoded = msgspec.json.decode(msgspec.json.encode(route))
    assert encoded["gap_bound"] == route.gap_bound
    short = asyncio.run(plan_route(index, search, open_table(artifact), items[:5], RouteOptions()))
    assert short.optimal and "gap_bound" not in msgspec.json.decode(msgspec.json.encode(short))
