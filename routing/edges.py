"""Branch and bound on a walk's edges, for lists the bound alone does not prove.

The 1-tree bound (routing.bound) is exact when its tree is a walk; where it is not, some stop has
more than two tree edges. Branching there (Volgenant & Jonker, "A branch and bound algorithm for
the symmetric traveling salesman problem based on the 1-tree relaxation", EJOR 9, 1982; Held &
Karp 1971): with the stop's tree edges e1, e2, ... the walks split into those without e1, those
with e1 but without e2, and those with both (and no other edge at that stop); an edge forced in
costs a large constant less (it is then always in the tree, and the constant is added back), an
edge kept out costs more than the known walk. Each child's ascent starts from its parent's
penalties, and its bound is never below its parent's. Best first, capped by nodes and the
deadline; a node whose tree is a walk in rank order is that walk (shorter walks found so are
kept), and the lowest bound among the open nodes bounds every walk.

One shelf per product only (products on several shelves branch on their shelves first:
routing.shelves).
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

from routing.bound import Relaxed, iterations_for, proves
from routing.kernels import spanning_tree
from routing.prune import Exact

#: Bounds computed at most per list (and always the solver's deadline). A walk left unproven
#: explores until the deadline anyway, so the time branching takes is not extra CPU: 256 proved
#: more lists than 128 and, unlike 1,024, left the exploring enough time (docs/benchmarks.md).
MAX_NODES = 256
#: Lists of more places are not branched on: each bound costs about n^2 steps, and the few a
#: list of 200 stops could afford in its time left prove nothing.
MAX_BRANCH_PLACES = 140
#: What an edge forced into the walk costs less (added back to the bound).
FORCED = 1e6

#: A child's ascent starts from its parent's penalties: this share of a fresh ascent's steps.
CHILD_STEPS = 0.1


@dataclass(frozen=True, slots=True)
class Branched:
    """What branching found: a lower bound on every walk, and a walk shorter than the one it was
    given (or None)."""

    bound: float
    walk: Exact | None


Edge = tuple[int, int]
S = TypeVar("S")
#: An excluded edge (START, a): the start's edge to place a.
START = -1


@dataclass(slots=True)
class _Node:
    forced: frozenset[Edge]
    excluded: frozenset[Edge]
    first: int  # the place fixed as the first, or -1
    relaxed: Relaxed


@dataclass(frozen=True, slots=True)
class Expanded(Generic[S]):
    """What expanding one node gave: its children (bound, state), a walk found (shorter or not),
    the node's own bound if it stays open without children, and how many bounds it cost."""

    children: list[tuple[float, S]]
    walk: Exact | None = None
    left_open: float | None = None
    cost: int = 0


def best_first(
    root: S, bound: float, upper: float, deadline: float, cap: int, expand: Callable[[S, float, float], Expanded[S]]
) -> Branched:
    """Best-first branch and bound from ``root`` (its bound ``bound``) against a walk of length
    ``upper``: the open node with the lowest bound is expanded next (``expand(state, bound,
    upper)``); a node whose bound meets the best walk closes. Stops at ``deadline`` or once
    ``cap`` bounds are spent; the lowest bound still open bounds every walk."""
    best: Exact | None = None
    counter = itertools.count()
    heap = [(bound, next(counter), root)]
    left: list[float] = []
    spent = 0
    while heap and spent < cap and time.perf_counter() < deadline:
        if proves(upper, heap[0][0]):
            heap.clear()  # every open node's bound meets the walk
            break
        low, _, state = heapq.heappop(heap)
        step = expand(state, low, upper)
        spent += step.cost
        if step.walk is not None and step.walk.length < upper:
            best, upper = step.walk, step.walk.length
        if step.left_open is not None:
            left.append(step.left_open)
        for child_bound, child in step.children:
            if not proves(upper, child_bound):
                heapq.heappush(heap, (child_bound, next(counter), child))
    lowest = min([b for b, _, _ in heap] + left, default=upper)
    return Branched(min(lowest, upper), best)


def ascend_from(
    relaxed: Relaxed, pi: NDArray[np.float64], lam: NDArray[np.float64], upper: float, steps: int | None = None
) -> Relaxed:
    """A child's bound: its ascent started from its parent's penalties ``pi`` (those of the places
    it keeps) and ``lam``, with ``steps`` steps (default :data:`CHILD_STEPS` of a fresh ascent's)."""
    relaxed.pi[:] = pi
    relaxed.lam[:] = lam
    relaxed.bound(upper, max(50, int(iterations_for(len(relaxed.w)) * CHILD_STEPS)) if steps is None else steps)
    return relaxed


def node_cap(places: int, cap: int | None = None) -> int:
    """How many bounds branching may compute for a list of this many places (0: do not branch):
    ``cap`` (default :data:`MAX_NODES`) up to :data:`MAX_BRANCH_PLACES` places."""
    return (MAX_NODES if cap is None else cap) if places <= MAX_BRANCH_PLACES else 0


def branch_on_edges(
    m: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    root: Relaxed,
    upper: float,
    deadline: float,
    max_nodes: int | None = None,
) -> Branched:
    """Branch and bound over the edges of walks through ``groups`` (one place each), from the
    bound ``root`` ascended toward a walk of length ``upper``; stops at ``deadline`` or after
    ``max_nodes`` bounds."""
    if any(len(places) != 1 for places in groups):
        return Branched(root.value, None)
    places = [g[0] for g in groups]

    def expand(node: _Node, bound: float, upper: float) -> Expanded[_Node]:
        children, walk = _branch(node)
        if walk is not None:
            visits = [places[g] for g in walk]
            end = ends[int(np.argmin(m[visits[-1], ends]))]
            length = float(m[start, visits[0]] + sum(m[a, b] for a, b in itertools.pairwise([*visits, end])))
            # A table that is not symmetric: the walk may cost more than its tree, which stays open.
            still = bound if length > bound * (1 + 1e-9) + 1e-9 else None
            return Expanded([], Exact(visits, walk, end, length), still)
        if not children:
            return Expanded([], left_open=bound)  # a path, but not in rank order
        out = []
        for forced, excluded, first in children:
            relaxed = _relaxed(root, node, forced, excluded, first, upper)
            child_bound = max(relaxed.value + FORCED * len(forced), bound)
            out.append((child_bound, _Node(forced, excluded, first, relaxed)))
        return Expanded(out, cost=len(out))

    cap = node_cap(len(root.w), max_nodes)
    return best_first(_Node(frozenset(), frozenset(), -1, root), root.value, upper, deadline, cap, expand)


def _relaxed(
    root: Relaxed, parent: _Node, forced: frozenset[Edge], excluded: frozenset[Edge], first: int, upper: float
) -> Relaxed:
    w, enter = root.w.copy(), root.enter.copy()
    banned = float(upper) + 1.0
    for a, b in forced:
        w[a, b] = w[b, a] = root.w[a, b] - FORCED
    for a, b in excluded:
        if a == START:
            enter[b] = max(enter[b], banned)
        else:
            w[a, b] = w[b, a] = max(root.w[a, b], banned)
    if first >= 0:
        keep = enter[first]
        enter[:] = np.maximum(enter, banned)
        enter[first] = keep
    relaxed = Relaxed(w, enter, root.group, root.block, root.boundary, np.empty(len(w)), np.empty(len(root.lam)))
    return ascend_from(relaxed, parent.relaxed.pi, parent.relaxed.lam, upper - FORCED * len(forced))


def _branch(node: _Node) -> tuple[list[tuple[frozenset[Edge], frozenset[Edge], int]], list[int] | None]:
    """The node's children (forced, excluded, first), or, when its tree is a walk in rank order,
    that walk (the stops in order); neither when its tree is a path out of rank order."""
    relaxed = node.relaxed
    n = len(relaxed.w)
    parent = np.empty(n, dtype=np.int64)
    spanning_tree(relaxed.reduced(), parent)
    first = int(np.argmin(relaxed.enter + relaxed.pi[:-1])) if node.first < 0 else node.first
    incident: list[list[int]] = [[] for _ in range(n)]
    for a in range(1, n):
        incident[a].append(int(parent[a]))
        incident[int(parent[a])].append(a)

    # Tree edges a stop may have: two (one if it is the first: the start's edge is its other);
    # the end one.
    def room(v: int) -> int:
        return 1 if v == n - 1 or v == node.first else 2

    over = [v for v in range(n) if len(incident[v]) > room(v)]
    if not over:
        if len(incident[first]) == 2 and node.first < 0:
            # The path passes through the first stop: either it is not first (the start's edge to
            # it goes: (START, first) excluded) or it is (every other start edge goes).
            return [(node.forced, node.excluded | {(START, first)}, -1), (node.forced, node.excluded, first)], None
        return [], _as_walk(relaxed, incident, first)
    v = max(over, key=lambda v: len(incident[v]))
    forced_here = [e for e in node.forced if v in e]
    free = sorted((u for u in incident[v] if _edge(u, v) not in node.forced), key=lambda u: -relaxed.w[u, v])
    slots = room(v) - len(forced_here)
    children = []
    forced, excluded = node.forced, node.excluded
    for i in range(min(slots, len(free))):
        children.append((forced, excluded | {_edge(v, free[i])}, node.first))
        forced = forced | {_edge(v, free[i])}
    others = {_edge(v, u) for u in range(n) if u != v and _edge(v, u) not in forced}
    children.append((forced, excluded | others, node.first))
    return children, None


def _edge(a: int, b: int) -> Edge:
    return (a, b) if a < b else (b, a)


def _as_walk(relaxed: Relaxed, incident: list[list[int]], first: int) -> list[int] | None:
    """The tree as a walk from ``first`` to the end (the stops in order), if it is one in rank order."""
    n = len(relaxed.w)
    order, previous, here = [first], -1, first
    while here != n - 1:
        onward = [u for u in incident[here] if u != previous]
        if len(onward) != 1:
            return None
        previous, here = here, onward[0]
        order.append(here)
    if len(order) != n:
        return None
    stops = order[:-1]
    blocks = relaxed.block[stops]
    if (np.diff(blocks) < 0).any():
        return None
    return [int(relaxed.group[a]) for a in stops]
