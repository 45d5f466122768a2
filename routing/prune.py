"""Exact walks for lists too long for the full dynamic programme: the bound rules out edges,
a dynamic programme over the edges left finds the shortest walk.

1. Edge elimination (Held & Karp 1971; Volgenant & Jonker, "A branch and bound algorithm for the
   symmetric traveling salesman problem based on the 1-tree relaxation", EJOR 9, 1982): with the
   bound's penalties, forcing an edge into the 1-tree costs its reduced cost less the heaviest
   edge it would replace; if that raises the bound above a known walk's length, no shorter walk
   uses the edge. With a bound within about 1% of the walk, 85-95% of the edges go.
2. A dynamic programme over (stops visited, where the walk is) states, layer by layer (Bellman;
   Held & Karp 1962), keeping only states reached by edges left and whose cost plus a lower bound
   on the rest (each unvisited stop must still be entered) stays within the known walk.

Every walk no longer than the known one survives both steps, so the best walk the programme
finds is the shortest. The work is capped (states per layer) and checked before each layer: past
the cap the caller keeps its unproven walk.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.typing import NDArray

from routing.bound import Relaxed
from routing.kernels import heaviest_on_tree_paths, spanning_tree

#: States the programme may hold in one layer, and candidate (state, place) pairs it may score.
MAX_STATES = 30_000
MAX_CANDIDATES = 600_000


def surviving_edges(relaxed: Relaxed, upper: float) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which edges between places (and to the end: the last column) and which first places a
    walk no longer than ``upper`` may use, by the bound's penalties."""
    w = relaxed.reduced()
    parent = np.empty(len(w), dtype=np.int64)
    spanning_tree(w, parent)
    slack = upper * (1 + 1e-9) + 1e-9 - relaxed.value
    heaviest = heaviest_on_tree_paths(w, parent)
    edges = w - heaviest <= slack
    entered = relaxed.enter + relaxed.pi[:-1]
    firsts = entered - entered.min() <= slack
    return edges, firsts


def shortest_walk(
    m: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    relaxed: Relaxed,
    upper: float,
    deadline: float = math.inf,
) -> tuple[list[int], list[int], int, float] | None:
    """The shortest walk (its places, the group each serves, its end and length), given a walk of
    length ``upper`` and the bound ``relaxed`` (already ascended); None past the work cap or the
    deadline (``time.perf_counter()``), or when no walk within ``upper`` exists (rounding)."""
    k = len(groups)
    if k > 62:  # stop sets are bit masks in 64-bit integers
        return None
    edges, firsts = surviving_edges(relaxed, upper)
    nodes = np.asarray([p for g in groups for p in g], dtype=np.int64)
    owner = np.asarray([i for i, g in enumerate(groups) for _ in g], dtype=np.int64)
    ends_ = np.asarray(ends, dtype=np.int64)
    sub = m[np.ix_(nodes, nodes)]
    places = len(nodes)
    sub = np.where(edges[:places, :places] & (owner[:, None] != owner[None, :]), sub, np.inf)
    enter = np.where(firsts, m[start, nodes], np.inf)
    to_end = m[np.ix_(nodes, ends_)]
    leave = np.where(edges[:places, places], to_end.min(axis=1), np.inf)
    # Each unvisited stop is still to be entered: at least its cheapest surviving way in.
    entry = np.minimum(sub.min(axis=0), enter)
    cheapest_in = np.full(k, np.inf)
    np.minimum.at(cheapest_in, owner, entry)
    if not np.isfinite(cheapest_in).all():
        return None
    remaining = float(cheapest_in.sum())
    last_leg = float(leave.min())
    levels = sorted(set(rank))
    level_of = np.asarray([levels.index(r) for r in rank], dtype=np.int64)
    level_masks = [sum(1 << g for g in range(k) if level_of[g] == i) for i in range(len(levels))]
    place_level = level_of[owner]
    bit = np.left_shift(np.int64(1), owner)
    limit = upper * (1 + 1e-9) + 1e-9

    ok = (place_level == 0) & np.isfinite(enter)
    node = np.flatnonzero(ok)
    cost = enter[node]
    mask = bit[node]
    seen = cheapest_in[owner[node]]
    keep = cost + (remaining - seen) + last_leg <= limit
    node, cost, mask, seen = node[keep], cost[keep], mask[keep], seen[keep]
    layers: list[tuple[NDArray[np.int64], NDArray[np.int64]]] = [(node, np.full(len(node), -1, dtype=np.int64))]
    for _ in range(1, k):
        if not len(node) or len(node) > MAX_STATES or len(node) * len(nodes) > MAX_CANDIDATES:
            return None
        if time.perf_counter() > deadline:
            return None
        level = np.full(len(mask), len(levels) - 1, dtype=np.int64)
        for i in range(len(levels) - 1, -1, -1):
            level = np.where((level_masks[i] & ~mask) != 0, i, level)
        reach = cost[:, None] + sub[node]
        grown = seen[:, None] + cheapest_in[owner][None, :]
        valid = ((mask[:, None] & bit[None, :]) == 0) & (place_level[None, :] == level[:, None])
        valid &= reach + (remaining - grown) + last_leg <= limit
        came, to = np.nonzero(valid)
        if not len(came):
            return None
        new_cost, new_mask = reach[came, to], mask[came] | bit[to]
        key = new_mask * len(nodes) + to
        order = np.lexsort((new_cost, key))
        first = np.ones(len(order), dtype=bool)
        first[1:] = key[order][1:] != key[order][:-1]
        chosen = order[first]
        node, cost, mask, seen = to[chosen], new_cost[chosen], new_mask[chosen], grown[came[chosen], to[chosen]]
        layers.append((node, came[chosen]))
    finish = cost + leave[node]
    if not len(finish) or not np.isfinite(finish.min()):
        return None
    at = int(np.argmin(finish))
    length = float(finish[at])
    end = ends[int(np.argmin(to_end[node[at]]))]
    walk: list[int] = []
    for reached, came_from in reversed(layers):
        walk.append(int(reached[at]))
        at = int(came_from[at])
    walk.reverse()
    return [int(nodes[p]) for p in walk], [int(owner[p]) for p in walk], end, length
