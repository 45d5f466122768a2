"""Exact walks for lists too long for the full dynamic programme: the bound rules out edges,
a dynamic programme over the edges left finds the shortest walk.

1. Edge elimination (Held & Karp 1971; Volgenant & Jonker, "A branch and bound algorithm for the
   symmetric traveling salesman problem based on the 1-tree relaxation", EJOR 9, 1982): with the
   bound's penalties, forcing an edge into the 1-tree costs its reduced cost less the heaviest
   edge it would replace; if that raises the bound above a known walk's length, no shorter walk
   uses the edge. On store lists of 25 stops (bound 0.3-2.5% under the walk) 65-93% go.
2. A dynamic programme over (stops visited, where the walk is) states, layer by layer (Bellman;
   Held & Karp 1962), keeping only states reached by edges left and whose cost plus a lower bound
   on the rest (each unvisited stop must still be entered) stays within the known walk.

Every walk no longer than the known one survives both steps, so the best walk the programme
finds is the shortest. The work is capped (states per layer, and the ways on scored in all, by the
time left) and checked before each layer: past the cap the caller keeps its unproven walk.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from routing.bound import Relaxed
from routing.kernels import heaviest_on_tree_paths, pruned_walk, spanning_tree


class Exact(NamedTuple):
    """A walk the programme found: its places, the stop each serves, its end and its length."""

    order: list[int]
    served: list[int]
    end: int
    length: float


#: Lists up to this many stops are tried: beyond it the programme rarely fits its cap (1 list of
#: 20 with 60 stops, bench:gap) and trying costs a few hundred milliseconds ...
MAX_STOPS = 32
#: ... and only while the walk is at most this far above the bound (beyond it too few edges go).
MAX_GAP = 0.04
#: States the programme may hold in one layer.
MAX_STATES = 100_000
#: Ways on it may score in all (~10 ns each, compiled), and how many a second of time left buys.
MAX_WORK = 50_000_000
WORK_PER_SECOND = 50_000_000


def worth_trying(stops: int, upper: float, bound: float) -> bool:
    """Whether the programme is likely to fit its cap for ``stops`` stops, a walk of length
    ``upper`` and a bound ``bound`` on it."""
    return stops <= MAX_STOPS and upper <= bound * (1 + MAX_GAP)


def surviving_edges(
    relaxed: Relaxed, upper: float, reduced: NDArray[np.float64] | None = None
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which edges between places (and to the end: the last column) and which first places a
    walk no longer than ``upper`` may use, by the bound's penalties (``reduced``: the bound's
    reduced costs, if the caller has them)."""
    w = relaxed.reduced() if reduced is None else reduced
    parent = np.empty(len(w), dtype=np.int64)
    spanning_tree(w, parent)
    slack = upper * (1 + 1e-9) + 1e-9 - relaxed.value
    heaviest = heaviest_on_tree_paths(w, parent)
    edges = w - heaviest <= slack
    entered = relaxed.enter + relaxed.pi[:-1]
    firsts = entered - entered.min() <= slack
    return edges, firsts


def _two_edge_charges(
    relaxed: Relaxed, reduced: NDArray[np.float64], edges: NDArray[np.bool_], owner: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A second lower bound on the rest of a walk, from the bound's penalties: per stop, what it
    must still cost (``charge``); per place, what the rest costs beyond the stops it enters
    (``last``: leaving the place, entering the end, the block boundaries still to cross).

    The rest of a walk from place l through the unvisited stops U to the end T, in reduced costs
    c' = w + pi_a + pi_b (+ lam on block crossings), costs sum c' - pi_l - 2 sum_U pi - pi_T - the
    lam of the boundaries ahead, and each node's edges on it cost at least its cheapest surviving
    ones: half the two cheapest at a stop, half the cheapest at l and at T.
    """
    places = len(owner)
    group = relaxed.group
    usable = edges & (group[:, None] != group[None, :])
    cheapest = np.sort(np.where(usable, reduced, np.inf), axis=1)
    pi = relaxed.pi
    two = 0.5 * (cheapest[:places, 0] + cheapest[:places, 1]) - 2 * pi[:places]
    charge = np.full(int(owner.max()) + 1, np.inf)
    np.minimum.at(charge, owner, two)
    ahead = np.concatenate((np.cumsum(relaxed.lam[::-1])[::-1], [0.0]))  # ahead[b]: boundaries b, b+1, ...
    end = 0.5 * cheapest[places, 0] - pi[places]
    last = 0.5 * cheapest[:places, 0] - pi[:places] + end - ahead[relaxed.block[:places]]
    return charge, last


def shortest_walk(
    m: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    relaxed: Relaxed,
    upper: float,
    deadline: float = math.inf,
) -> tuple[Exact | None, bool]:
    """The shortest walk no longer than ``upper`` (a known walk's length), given the bound
    ``relaxed`` (already ascended), and whether the programme ran to its end: (walk, True); (None,
    True) when no walk is that short; (None, False) past the work cap or the deadline
    (``time.perf_counter()``)."""
    k = len(groups)
    if k > 62:  # stop sets are bit masks in 64-bit integers
        return None, False
    reduced = relaxed.reduced()
    edges, firsts = surviving_edges(relaxed, upper, reduced)
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
        return None, True  # a stop no walk that short can enter
    last_leg = float(leave.min())
    # A stop or place with no way on (inf) rules out every state that still needs it: any finite
    # number past the limit does that, and keeps the sums finite.
    beyond = 2 * upper + 1
    charge, last_charge = (np.minimum(c, beyond) for c in _two_edge_charges(relaxed, reduced, edges, owner))
    levels = sorted(set(rank))
    level_of = np.asarray([levels.index(r) for r in rank], dtype=np.int64)
    level_masks = np.asarray([sum(1 << g for g in range(k) if level_of[g] == i) for i in range(len(levels))])
    limit = upper * (1 + 1e-9) + 1e-9
    work = int(min(MAX_WORK, max(0.0, deadline - time.perf_counter()) * WORK_PER_SECOND))
    if work <= 0 or (1 << k) * len(nodes) >= 2**62:
        return None, False
    length, walk, complete = pruned_walk(
        np.ascontiguousarray(sub), enter, leave, owner, level_of[owner], level_masks.astype(np.int64), cheapest_in,
        last_leg, charge, last_charge, limit, MAX_STATES, work,
    )  # fmt: skip
    if not np.isfinite(length):
        return None, complete
    end = ends[int(np.argmin(to_end[walk[-1]]))]
    return Exact([int(nodes[p]) for p in walk], [int(owner[p]) for p in walk], end, float(length)), True
