"""The compiled local search (routing.kernels.settle): moves keep a walk a walk, never lengthen
it, stay inside their rank blocks, and a walk it calls settled has no improving 2-opt, Or-opt or
shelf-switch move left (each neighbourhood checked here by brute force)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import edges, kernels, solve, solve_path
from routing.kernels import settle
from tests.benchmarks.bench_solver import tsplib_instances


def length(m: np.ndarray, s: np.ndarray) -> float:
    return float(m[s[:-1], s[1:]].sum())


@st.composite
def walks(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """An asymmetric table, a start and an end, 3-14 stops in 1-3 blocks, some with a second
    place, and a random walk through them."""
    stops = draw(st.integers(3, 14))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    alternatives = [int(rng.integers(1, 3)) if draw(st.booleans()) else 1 for _ in range(stops)]
    n = 2 + sum(alternatives)
    points = rng.uniform(0, 100, size=(n, 2))
    m = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    m = m * rng.uniform(1.0, 1.3, size=(n, n))  # one-way aisles, escalators: not symmetric
    np.fill_diagonal(m, 0.0)
    places, ptr = [], [0]
    node = 2
    for count in alternatives:
        places.extend(range(node, node + count))
        node += count
        ptr.append(len(places))
    cuts = sorted(draw(st.lists(st.integers(1, stops - 1), max_size=2, unique=True)))
    spans = [(lo + 1, hi) for lo, hi in zip([0, *cuts], [*cuts, stops], strict=True)]
    order = np.concatenate([rng.permutation(np.arange(lo - 1, hi)) for lo, hi in spans])
    owner = np.concatenate(([-1], order, [-1])).astype(np.int64)
    s = np.array([0] + [places[ptr[g] + int(rng.integers(ptr[g + 1] - ptr[g]))] for g in order] + [1], dtype=np.int64)
    return m, s, owner, np.array(spans, dtype=np.int64), np.array(ptr, dtype=np.int64), np.array(places, dtype=np.int64)


@settings(max_examples=150, deadline=None)
@given(walks(), st.booleans())
def test_settle_keeps_a_walk_never_lengthens_it_and_leaves_no_improving_move(walk, near) -> None:  # type: ignore[no-untyped-def]
    """Also with the near-neighbour moves of long blocks (here every block): their rounds end with
    one over every move, so a settled walk is a local optimum all the same."""
    m, s, owner, spans, ptr, places = walk
    before, blocks_before = length(m, s), [sorted(owner[lo : hi + 1]) for lo, hi in spans]
    settled = settle(m, s, owner, spans, ptr, places, 3, 10_000, solve._near(m), 1 if near else 1 << 30)
    assert settled
    assert length(m, s) <= before + 1e-9
    assert s[0] == 0 and s[-1] == 1 and owner[0] == owner[-1] == -1
    assert [sorted(owner[lo : hi + 1]) for lo, hi in spans] == blocks_before  # every stop once, in its block
    for t in range(1, len(s) - 1):  # each at one of its own places
        assert s[t] in places[ptr[owner[t]] : ptr[owner[t] + 1]]
    here = length(m, s)
    for lo, hi in spans:
        for a in range(lo, hi + 1):
            for b in range(a + 1, hi + 1):  # 2-opt: reverse s[a..b]
                moved = s.copy()
                moved[a : b + 1] = moved[a : b + 1][::-1]
                assert length(m, moved) >= here - 1e-6, ("2-opt", a, b)
            for b in range(a, min(a + 3, hi + 1)):  # Or-opt: s[a..b] elsewhere in the block, either way
                run, rest = s[a : b + 1], np.concatenate((s[:a], s[b + 1 :]))
                for at in range(lo, hi - (b - a) + 1):
                    for piece in (run, run[::-1]):
                        moved = np.concatenate((rest[:at], piece, rest[at:]))
                        assert length(m, moved) >= here - 1e-6, ("or-opt", a, b, at)
    for t in range(1, len(s) - 1):  # no other shelf of a stop is shorter where it stands
        for place in places[ptr[owner[t]] : ptr[owner[t] + 1]]:
            moved = s.copy()
            moved[t] = place
            assert length(m, moved) >= here - 1e-6, ("shelf", t, place)


def test_time_left_after_the_proofs_is_spent_exploring() -> None:
    """An answer the bound cannot prove keeps searching until its time is up, kicks wandering
    over local optima: TSPLIB's eil51 (kicked only from the best walk, the search settles at 427
    and stops) reaches its published optimum, 426, and the walk is a closed tour through every
    city. Two seconds, where one is the target, for a busy CI host."""
    name, dist, start, end, stops, optimum = next(i for i in tsplib_instances() if "eil51" in i[0])
    found = solve_path(dist, start, end, stops, time_limit_ms=2000)
    assert sorted(found.order) == sorted(stops) and found.end == start
    assert found.length == pytest.approx(float(dist[[start, *found.order], [*found.order, start]].sum()))
    assert found.length == optimum, name


def _eil51_searches(monkeypatch: pytest.MonkeyPatch) -> tuple[np.ndarray, int, int, list[int], list[bool]]:
    """TSPLIB eil51, with branching off (its time does not matter here), and the list that each
    local search of a solve appends to: whether it explored."""
    _, dist, start, end, stops, _ = next(i for i in tsplib_instances() if "eil51" in i[0])
    searches: list[bool] = []
    search = solve._local_search

    def recorded(*args: object, **kwargs: object) -> solve.PathSolution:
        searches.append(bool(kwargs.get("explore", False)))
        return search(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(solve, "_local_search", recorded)
    monkeypatch.setattr(edges, "MAX_BRANCH_PLACES", 0)
    return dist, start, end, stops, searches


def test_a_walk_next_to_its_bound_is_not_explored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exploring runs only while a shorter walk could be worth finding: not for lists of at most
    ``_EXPLORE_FROM_STOPS`` stops, nor for a walk within ``_WORTH_EXPLORING`` of its bound (here set
    to 5%, eil51's walk lies within 1%), which is answered unproven at once, with its gap."""
    dist, start, end, stops, searches = _eil51_searches(monkeypatch)
    solve_path(dist, start, end, stops, time_limit_ms=1000)
    assert searches == [False, True]  # the default: a gap of ~0.5% is worth exploring
    searches.clear()
    monkeypatch.setattr(solve, "_EXPLORE_FROM_STOPS", 50)  # eil51's 50 stops: too few to explore
    solve_path(dist, start, end, stops, time_limit_ms=1000)
    assert searches == [False]
    searches.clear()
    monkeypatch.setattr(solve, "_EXPLORE_FROM_STOPS", 25)
    monkeypatch.setattr(solve, "_WORTH_EXPLORING", 0.05)
    found = solve_path(dist, start, end, stops, time_limit_ms=1000)
    assert searches == [False] and not found.optimal and 0 < (found.gap_bound or 0) <= 0.05


def test_near_neighbour_moves_put_back_a_stop_or_a_run_out_of_place() -> None:
    """Stops on a line, 0 the start and 41 the end: one stop moved far from its neighbours is put
    back by an Or-opt move joining it to them, a reversed run by a 2-opt move (each found among
    the nearest 12 nodes, not by scanning every pair)."""
    x = np.arange(42, dtype=float)
    m = np.abs(x[:, None] - x[None, :]) * 1.1 + 1.0  # no ties between moves: one best
    np.fill_diagonal(m, 0.0)
    near = solve._near(m)
    fwd, bwd = np.empty(42), np.empty(42)
    order = [*range(1, 10), *range(11, 35), 10, *range(35, 41)]  # stop 10 among 34 and 35
    s, owner = np.array([0, *order, 41]), np.array([-1, *order, -1])
    assert kernels._or_opt_near(m, s, owner, 1, 40, 3, fwd, bwd, near) > 0
    assert list(s) == list(range(42)) and list(owner[1:-1]) == list(range(1, 41))
    s = np.array([0, *range(1, 15), *range(25, 14, -1), *range(26, 41), 41])  # 15..25 reversed
    owner = s.copy()
    owner[0] = owner[-1] = -1
    assert kernels._two_opt_near(m, s, owner, 1, 40, fwd, bwd, near) > 0
    assert list(s) == list(range(42))


def test_no_more_solves_explore_at_once_than_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exploring is optional work: while the process's exploring slots are taken, a solve that would
    explore answers with the walk and certificate it has (then explores again once one is free)."""
    dist, start, end, stops, searches = _eil51_searches(monkeypatch)
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(solve, "_EXPLORING", slots)
    slots.acquire()  # another solve explores
    found = solve_path(dist, start, end, stops, time_limit_ms=300)
    assert searches == [False] and not found.optimal and found.gap_bound is not None
    slots.release()
    searches.clear()
    solve_path(dist, start, end, stops, time_limit_ms=300)
    assert searches == [False, True]
    assert slots.acquire(blocking=False)  # given back
