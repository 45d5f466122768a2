"""Property tests (hypothesis): the floor plan parser and compiler on random valid and broken
plans, and the route endpoint on random shopping lists. Nothing may crash; every refusal is a
PlanInvalid naming its problems; every route keeps its invariants."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from shapely.geometry import LineString

from stores.floorplan.compile import compile_plan, navigable_space
from stores.floorplan.parse import PlanInvalid, parse_plan
from tests.catalog.conftest import PLAN, put_json
from tests.support.ascii_plan import ascii_plan

PROPERTY = settings(
    max_examples=int(os.environ.get("AISLEPATH_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every (key or index) path into a JSON document."""
    out = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            out += _paths(value, (*prefix, i))
    return out


PLAN_PATHS = _paths(PLAN)[1:]


@st.composite
def broken_plans(draw: st.DrawFn) -> dict[str, Any]:
    """The test plan with a few values replaced by random JSON, or deleted."""
    document = copy.deepcopy(PLAN)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PLAN_PATHS))
        parent: Any = document
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()):
                parent[path[-1]] = draw(json_values)
            elif isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent.pop(path[-1])
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # an earlier change removed this path (or made its parent a scalar)
    return document


def parse_and_compile(document: Any) -> bool:
    """True if valid; False if refused as it must be (PlanInvalid naming each problem)."""
    try:
        compile_plan(parse_plan(document))
    except PlanInvalid as refusal:
        assert refusal.problems, "a refusal must say what is wrong"
        for problem in refusal.problems:
            assert problem.code and problem.message
            assert problem.feature_id is not None or problem.pointer is not None
        return False
    return True


@PROPERTY
@given(broken_plans())
def test_broken_plans_are_refused_with_reasons_never_a_crash(document: dict[str, Any]) -> None:
    parse_and_compile(document)


@PROPERTY
@given(json_values)
def test_any_json_at_all_is_refused_with_reasons(document: Any) -> None:
    assert parse_and_compile(document) is False


@st.composite
def ascii_stores(draw: st.DrawFn) -> str:
    """Random little stores: floor, fixtures, shelves, an entrance and a checkout."""
    width, height = draw(st.integers(6, 14)), draw(st.integers(5, 10))
    cells = draw(st.lists(st.sampled_from("....#="), min_size=width * height, max_size=width * height))
    rows = ["".join(cells[r * width : (r + 1) * width]) for r in range(height)]
    rows[-1] = "E" + rows[-1][1:-1] + "C"
    return "\n".join(rows)


@PROPERTY
@given(ascii_stores())
def test_random_stores_compile_or_are_refused_and_compiled_ones_route_inside(art: str) -> None:
    document = ascii_plan(art)
    if not parse_and_compile(document):
        return
    plan = parse_plan(document)
    compiled = compile_plan(plan)
    nav = navigable_space(plan)
    # Every stand point is in walkable space and every shelf has at least one.
    assert len(compiled.slot_place) == int(compiled.shelf_slot_count.sum())
    for x, y in compiled.points:
        assert nav.buffer(0.05).contains(LineString([(x, y), (x, y)]).centroid)


# -- random shopping lists through the route endpoint --------------------------------------------

SKUS = ["bread-1", "milk-1", "creme-1", "peas-1", "rice-1", "bread-2", "ghost", ""]
items = st.one_of(
    st.builds(lambda s, q: {"sku": s, **({"quantity": q} if q else {})}, st.sampled_from(SKUS[:-1]),
              st.none() | st.integers(1, 5)),
    st.builds(lambda t: {"query": t}, st.text(min_size=1, max_size=30)),
)  # fmt: skip


@pytest.fixture
def routed(store: TestClient) -> TestClient:
    placements = [
        {"sku": "bread-1", "shelf": "s8"}, {"sku": "bread-1", "shelf": "s1"}, {"sku": "milk-1", "shelf": "s2"},
        {"sku": "peas-1", "shelf": "s16"}, {"sku": "rice-1", "shelf": "s12"},
        {"sku": "bread-2", "shelf": "s14", "stock": "out"},
    ]  # fmt: skip
    assert put_json(store, "/v1/stores/s1/placements", placements).status_code == 200
    return store


def test_random_lists_always_give_a_whole_route(routed: TestClient) -> None:
    nav = navigable_space(parse_plan(PLAN))

    @settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.lists(items, min_size=1, max_size=12), st.booleans(), st.sampled_from([None, "any"]))
    def check(shopping: list[dict[str, Any]], cold_last: bool, end: str | None) -> None:
        body: dict[str, Any] = {"items": shopping, "cold_last": cold_last, **({"end": end} if end else {})}
        response = routed.post("/v1/stores/s1/route", json=body, headers={"X-Client-Id": "property"})
        assert response.status_code == 200, response.text
        result = response.json()
        stops = result["stops"]
        assert stops[0]["kind"] == "start" and stops[-1]["kind"] == "end"
        routed_skus = [s["sku"] for s in stops if s["kind"] == "item"]
        assert len(routed_skus) == len(set(routed_skus))  # duplicates merged
        # Every item is either routed or reported, never both, never lost.
        for item in shopping:
            sku = item.get("sku")
            if sku is not None:
                reported = any(u["item"].get("sku") == sku for u in result["unresolved"])
                assert (sku in routed_skus) != reported, (sku, result)
        line = LineString(result["path"]) if len(result["path"]) > 1 else None
        if line is not None:
            assert nav.buffer(0.02).covers(line)
            assert line.length == pytest.approx(result["distance_m"], abs=0.05)
        if cold_last:
            storage = {"milk-1": "chilled", "peas-1": "frozen", "creme-1": "chilled"}
            kinds = [storage.get(s, "ambient") for s in routed_skus]
            assert kinds == sorted(kinds, key=lambda k: k != "ambient")

    check()
