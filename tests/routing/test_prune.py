"""Proofs beyond the full DP (routing.prune, routing.solve._search_and_bound): a walk said to be
optimal is the shortest (brute force on small instances, the full Held-Karp DP on store lists
of 16 to 18 stops), and the pruned programme's walk is a real walk of the length it says."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings

from routing.bound import Relaxed
from routing.prune import shortest_walk, surviving_edges
from routing.solve import _held_karp, _local_search, _search_and_bound
from tests.routing.test_solve_path import brute, check, instances, store_like, walk_length


@settings(max_examples=120, deadline=None)
@given(instances())
def test_a_walk_said_to_be_optimal_is_the_shortest(instance) -> None:  # type: ignore[no-untyped-def]
    """Small instances (asymmetric, alternatives, shared places, cold entries, several ends)
    through the search-bound-prune path that long lists take."""
    dist, start, ends, groups, last = instance
    rank = [2 if g in last else 1 for g in range(len(groups))]
    solution = _search_and_bound(dist, start, ends, groups, rank, time.perf_counter() + 1.0)
    check(dist, start, ends, groups, last, solution)
    best = brute(dist, start, ends, groups, last)
    assert solution.length >= best - 1e-9
    if solution.optimal:
        assert solution.length == pytest.approx(best, rel=1e-9)
    else:
        assert solution.bound is not None and solution.bound <= best + 1e-6


@settings(max_examples=80, deadline=None)
@given(instances())
def test_the_pruned_programme_finds_the_shortest_walk_from_any_longer_one(instance) -> None:  # type: ignore[no-untyped-def]
    """Given any walk (the greedy local optimum) and the bound toward it, no edge of a shortest
    walk is ruled out: the programme returns the shortest walk, or gives up (None)."""
    dist, start, ends, groups, last = instance
    rank = [2 if g in last else 1 for g in range(len(groups))]
    found = _local_search(dist, start, ends, groups, rank, time.perf_counter() + 1.0, target=np.inf)
    relaxed = Relaxed.of(dist, start, ends, groups, rank, found.length)
    relaxed.bound(found.length)
    exact, complete = shortest_walk(dist, start, ends, groups, rank, relaxed, found.length)
    best = brute(dist, start, ends, groups, last)
    assert exact is not None and complete  # small instances are within the work cap
    order, served, end, length = exact
    assert length == pytest.approx(best, rel=1e-9)
    assert length == pytest.approx(walk_length(dist, start, order, end))
    assert sorted(served) == list(range(len(groups)))
    assert all(place in groups[g] for place, g in zip(order, served, strict=True))


@pytest.mark.parametrize("seed", range(6))
def test_store_lists_past_the_full_dp_are_proven_and_equal_to_it(seed: int) -> None:
    """18 middle stops and a cold block of 5, one shelf each: more than the full DP takes within
    the budget, so the search, bound and pruned programme answer; where they say optimal, the
    full DP (run here regardless of time) agrees."""
    dist, start, ends, groups, rank = store_like(seed, middle=18, cold=5)
    groups = [[g[0]] for g in groups]
    solution = _search_and_bound(dist, start, ends, groups, rank, time.perf_counter() + 1.0)
    exact = _held_karp(dist, start, ends, groups, rank)
    assert solution.length >= exact.length - 1e-9
    if solution.optimal:
        assert solution.length == pytest.approx(exact.length, rel=1e-9)
    else:
        assert solution.bound is not None and solution.bound <= exact.length + 1e-6


def test_most_store_lists_of_25_stops_are_proven() -> None:
    """One shelf each, 25 stops and a cold block of 5: the bound is within about 1% and rules
    out most edges; most lists are proven (measured 5 of 6 in docs/benchmarks.md)."""
    proven = 0
    kept = []
    for seed in range(6):
        dist, start, ends, groups, rank = store_like(seed, middle=25, cold=5)
        groups = [[g[0]] for g in groups]
        solution = _search_and_bound(dist, start, ends, groups, rank, time.perf_counter() + 1.0)
        proven += solution.optimal
        relaxed = Relaxed.of(dist, start, ends, groups, rank, solution.length)
        relaxed.bound(solution.length)
        edges, _ = surviving_edges(relaxed, solution.length)
        kept.append(edges.mean())
    assert proven >= 4
    assert float(np.median(kept)) < 0.3, kept
