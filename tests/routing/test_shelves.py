"""Branching on shelves (routing.shelves): its bound never passes the shortest walk (brute force on
small instances, the full DP on store lists), a walk it finds is a real walk, and where the
solver then says optimal it is."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings

from routing import edges, shelves, solve
from routing.bound import Relaxed
from routing.shelves import _split, branch_on_shelves
from routing.solve import _held_karp, _search_and_bound
from tests.routing.test_edges import check_branching
from tests.routing.test_solve_path import instances, store_like


@settings(max_examples=120, deadline=None)
@given(instances())
def test_branching_bounds_every_walk_and_finds_only_real_walks(instance) -> None:  # type: ignore[no-untyped-def]
    if any(len(g) > 1 for g in instance[3]):
        check_branching(instance, branch_on_shelves)


def test_store_lists_with_products_on_two_shelves_are_proven_and_equal_to_the_full_dp() -> None:
    """16 middle stops and a cold block of 4, some products on two shelves far apart: the bound
    alone sits 7-10% under such walks (docs/benchmarks.md); branching proves most of them, and
    where it does the full DP (run here regardless of time) agrees."""
    proven = 0
    for seed in range(6):
        dist, start, ends, groups, rank = store_like(seed, middle=16, cold=4)
        assert any(len(g) > 1 for g in groups)
        solution = _search_and_bound(dist, start, ends, groups, rank, time.perf_counter() + 1.0)
        exact = _held_karp(dist, start, ends, groups, rank)
        assert solution.length >= exact.length - 1e-9
        assert solution.bound is not None and solution.bound <= exact.length + 1e-6
        if solution.optimal:
            assert solution.length == pytest.approx(exact.length, rel=1e-9)
        proven += solution.optimal
    assert proven >= 4


def test_a_product_the_tree_enters_at_one_shelf_and_leaves_at_another_is_split() -> None:
    """On a line: the start at 0, product 0 on shelves at 1 and 9, product 1 at 5, the end at 10.
    The bound joins a product's shelves at no cost, so its tree walks in at shelf 1 and out at
    shelf 9 (no walk does): branching fixes that product first."""
    x = np.array([0.0, 10.0, 1.0, 9.0, 5.0])  # start, end, product 0's shelves, product 1
    m = np.abs(x[:, None] - x[None, :])
    relaxed = Relaxed.of(m, 0, [1], [[2, 3], [4]], [1, 1], 20.0)
    assert list(_split(relaxed)) == [2, 1, 1]  # product 0, product 1, the end
    relaxed = Relaxed.of(m, 0, [1], [[2], [4]], [1, 1], 20.0)  # one shelf each: none split
    assert list(_split(relaxed)) == [1, 1, 1]


@pytest.mark.parametrize(("middle", "cap"), [(20, edges.MAX_NODES), (40, solve._SHELF_NODES)])
def test_a_list_that_would_explore_gives_branching_on_shelves_more_bounds(monkeypatch, middle, cap) -> None:  # type: ignore[no-untyped-def]
    """A list of more than 25 stops left unproven spends its time limit exploring anyway: branching
    on its shelves may compute up to 1,024 bounds; a shorter list's, 256 (routing.edges)."""
    asked = []

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(edges.node_cap(len(args[5].w), args[8]))
        return branch_on_shelves(*args, **kwargs)

    monkeypatch.setattr(solve, "branch_on_shelves", spy)
    dist, start, ends, groups, rank = store_like(2, middle=middle, cold=5)  # the bound alone does not prove
    solve._search_and_bound(dist, start, ends, groups, rank, time.perf_counter() + 0.3)
    assert asked == [cap]


def test_a_node_left_open_with_every_shelf_fixed_comes_back_to_branch_twice_as_far(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """30 + 6 cold stops, some on two shelves: a node with every shelf fixed that 16 bounds of edge
    branching leave open goes back in the queue, and when it is the lowest again branches with 32;
    the list ends proven."""
    budgets = []
    branch = shelves.branch_on_edges

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        budgets.append(args[8])
        return branch(*args, **kwargs)

    monkeypatch.setattr(shelves, "branch_on_edges", spy)
    dist, start, ends, groups, rank = store_like(0, middle=30, cold=6)
    solution = solve._search_and_bound(dist, start, ends, groups, rank, time.perf_counter() + 2.0)
    assert budgets[0] == shelves.LEAF_NODES and 2 * shelves.LEAF_NODES in budgets
    assert solution.optimal
