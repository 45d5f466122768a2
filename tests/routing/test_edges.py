"""Branching on edges (routing.edges): its bound never passes the shortest walk, a walk it finds
is a real walk in rank order, and where its bound meets a walk that walk is the shortest (brute
force; the full DP on store lists through the solver in test_prune.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.bound import Relaxed, proves
from routing.edges import Branched, branch_on_edges
from routing.solve import _held_karp, _local_search, _search_and_bound
from tests.routing.test_solve_path import brute, instances, store_like, walk_length


def check_branching(instance, branch: Callable[..., Branched]) -> None:  # type: ignore[no-untyped-def]
    """Branch from the local search's walk and its bound on a small instance: the bound never passes
    brute force, a walk found is a real walk (every stop once, at one of its places, in rank order,
    of the length said), and where the bound meets the walk the walk is the shortest."""
    dist, start, ends, groups, last = instance
    rank = [2 if g in last else 1 for g in range(len(groups))]
    found = _local_search(dist, start, ends, groups, rank, time.perf_counter() + 1.0, target=np.inf)
    root = Relaxed.of(dist, start, ends, groups, rank, found.length)
    root.bound(found.length)
    branched = branch(dist, start, ends, groups, rank, root, found.length, time.perf_counter() + 5, 5_000)
    best = brute(dist, start, ends, groups, last)
    assert branched.bound <= best + 1e-6
    length = found.length
    if branched.walk is not None:
        walk = branched.walk
        assert walk.length < found.length and walk.end in ends
        assert walk.length == pytest.approx(walk_length(dist, start, walk.order, walk.end))
        assert sorted(walk.served) == list(range(len(groups)))
        assert [rank[g] for g in walk.served] == sorted(rank[g] for g in walk.served)  # cold stops last
        assert all(place in groups[g] for place, g in zip(walk.order, walk.served, strict=True))
        length = walk.length
    assert length >= best - 1e-9
    if proves(length, branched.bound):
        assert length == pytest.approx(best, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(instances())
def test_edge_branching_bounds_every_walk_and_finds_only_real_walks(instance) -> None:  # type: ignore[no-untyped-def]
    dist, start, ends, groups, last = instance
    # One place each: products on several shelves branch on the shelves (test_shelves.py).
    check_branching((dist, start, ends, [g[:1] for g in groups], last), branch_on_edges)


@pytest.mark.parametrize(("middle", "cold"), [(30, 5), (40, 0)])
def test_store_lists_past_the_pruned_programme_are_proven_by_branching(middle: int, cold: int) -> None:
    """30 middle stops and a cold block of 5, or 40 stops, one shelf each: the bound and the
    pruned programme alone proved 1 of these 6 lists each (measured); branching on edges nearly all."""
    proven = 0
    for seed in range(6):
        dist, start, ends, groups, rank = store_like(seed, middle=middle, cold=cold)
        groups = [[g[0]] for g in groups]
        solution = _search_and_bound(dist, start, ends, groups, rank, time.perf_counter() + 2.0)
        proven += solution.optimal
    assert proven >= 5


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(7, 12), st.integers(0, 3))
def test_branching_from_a_poor_walk_and_a_rough_bound_stays_below_the_shortest_walk(
    seed: int, stops: int, cold: int
) -> None:
    """Branching does the work here: the walk given is the stops in list order, the root bound
    had five ascent steps. Its bound never passes the full DP's shortest walk, and where it meets
    the walk it returns (or was given), that walk is the shortest."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 100, size=(stops + 3, 2))
    dist = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    start, ends = 0, [stops + 1, stops + 2]
    groups = [[1 + g] for g in range(stops)]
    rank = [1] * (stops - cold) + [2] * cold
    shortest = _held_karp(dist, start, ends, groups, rank).length
    given_walk = [1 + g for g in range(stops)]
    upper = walk_length(dist, start, given_walk, min(ends, key=lambda e: dist[given_walk[-1], e]))
    root = Relaxed.of(dist, start, ends, groups, rank, upper)
    root.bound(upper, 5)
    branched = branch_on_edges(dist, start, ends, groups, rank, root, upper, time.perf_counter() + 10, 20_000)
    assert branched.bound <= shortest + 1e-6
    length = branched.walk.length if branched.walk is not None else upper
    if proves(length, branched.bound):
        assert length == pytest.approx(shortest, rel=1e-9)
