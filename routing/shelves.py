"""Products on several shelves: branching on the shelf a walk takes each from.

The bound (routing.bound) joins a product's shelves at no cost, so its tree may use the nearest
shelf from every side; with a fifth of the products on two shelves far apart it sat 7-10% under
the shortest walk, and its penalties cannot close that (raising an unused shelf's penalty only
raises the tree). Branch and bound does (Land & Doig, Econometrica 28, 1960; on 1-tree bounds
Held & Karp 1971, Volgenant & Jonker 1982):

- a node fixes the shelves of some products; its children fix one more product's, one child per
  shelf: a product the node's tree enters at one shelf and leaves at another (no walk does; the
  one with most shelves so used, then the farthest apart), else the product with shelves
  farthest apart; a child has fewer walks than its parent, so the parent's bound holds for it,
  and its own ascent (from the parent's penalties) usually lifts it;
- best first: the open node with the lowest bound is branched next, so the lowest bound among
  the open nodes, a lower bound on every walk, rises as nodes close;
- a node closes when its bound meets the known walk; a node with every shelf fixed is one shelf
  per product, closed by branching on its edges (routing.edges) or else the pruned programme
  (routing.prune), either of which may find a shorter walk; left open, it goes back in the queue
  with the bound its branching reached, to branch twice as far when it is the lowest again (held
  open for good, such a node kept the lowest bound down: bench_gap lists with a fifth of the
  products on two shelves, 40-60 stops, proven 4-8 -> 8-15 of 20 on seeds 500).

The work is capped by nodes and by the solver's deadline; what is still open bounds the answer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routing.bound import Relaxed, proves
from routing.edges import Branched, Expanded, ascend_from, best_first, branch_on_edges, node_cap
from routing.kernels import spanning_tree
from routing.prune import Exact, shortest_walk, worth_trying

#: Bounds spent branching on the edges of a node with every shelf fixed, the first time (twice as
#: many each time it comes back as the lowest open node).
LEAF_NODES = 16
#: Subgradient steps of a child's ascent (from its parent's penalties).
CHILD_STEPS = 50


@dataclass(slots=True)
class _Node:
    choice: tuple[int, ...]  # per stop: the place fixed, or -1
    relaxed: Relaxed
    bound: float  # at least the parent's
    leaf_nodes: int = LEAF_NODES  # with every shelf fixed: bounds its edge branching may spend


def branch_on_shelves(
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
    """Branch and bound over the shelves of the stops with several places (``groups``), from the
    bound ``root`` already ascended toward a walk of length ``upper``; stops at ``deadline``
    (``time.perf_counter()``) or after ``max_nodes`` bounds."""
    spread = {g: max(min(m[a, b], m[b, a]) for a, b in itertools.combinations(places, 2))
              for g, places in enumerate(groups) if len(places) > 1}  # fmt: skip
    order = sorted(spread, key=lambda g: -spread[g])

    def expand(node: _Node, bound: float, upper: float) -> Expanded[_Node]:
        free = [g for g in order if node.choice[g] < 0]
        if not free:
            closed, walk, leaf_bound = _close_leaf(m, start, ends, groups, rank, node, upper, deadline)
            if closed:
                return Expanded([], walk, None, node.leaf_nodes)
            # Still open: back in the queue with its bound, to branch on its edges twice as far
            # when it is the lowest again (rather than holding the lowest bound down for good).
            again = _Node(node.choice, node.relaxed, leaf_bound, 2 * node.leaf_nodes)
            return Expanded([(leaf_bound, again)], walk, None, node.leaf_nodes)
        split = _split(node.relaxed)
        g = max(free, key=lambda g: split[g]) if split[free].max() > 1 else free[0]
        out = []
        for place in groups[g]:
            choice = (*node.choice[:g], place, *node.choice[g + 1 :])
            relaxed = _child(m, start, ends, groups, rank, node, choice, upper)
            out.append((max(relaxed.value, bound), _Node(choice, relaxed, max(relaxed.value, bound))))
        return Expanded(out, cost=len(out))

    cap = node_cap(len(root.w), max_nodes)
    return best_first(_Node((-1,) * len(groups), root, root.value), root.value, upper, deadline, cap, expand)


def _split(relaxed: Relaxed) -> NDArray[np.int64]:
    """Per stop: how many of its places the bound's tree walks to or from (more than one: the
    tree enters the product at one shelf and leaves it at another, which no walk does)."""
    n = len(relaxed.w)
    parent = np.empty(n, dtype=np.int64)
    spanning_tree(relaxed.reduced(), parent)
    child = np.arange(1, n)
    across = relaxed.group[child] != relaxed.group[parent[1:]]
    used = np.zeros(n, dtype=bool)
    used[child[across]] = used[parent[1:][across]] = True
    used[int(np.argmin(relaxed.enter + relaxed.pi[:-1]))] = True
    return np.bincount(relaxed.group[used], minlength=relaxed.group[-1] + 1)


def _fixed(groups: list[list[int]], choice: tuple[int, ...]) -> list[list[int]]:
    return [[c] if c >= 0 else places for places, c in zip(groups, choice, strict=True)]


def _child(
    m: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    parent: _Node,
    choice: tuple[int, ...],
    upper: float,
) -> Relaxed:
    """The child's bound, its ascent started from the parent's penalties (the places it keeps)."""
    before = _fixed(groups, parent.choice)
    after = _fixed(groups, choice)
    where = {(g, p): i for i, (g, p) in enumerate((g, p) for g, places in enumerate(before) for p in places)}
    keep = [where[(g, p)] for g, places in enumerate(after) for p in places] + [len(where)]
    return ascend_from(_slice(parent.relaxed, keep), parent.relaxed.pi[keep], parent.relaxed.lam, upper, CHILD_STEPS)


def _slice(relaxed: Relaxed, keep: list[int]) -> Relaxed:
    """The relaxed problem over the nodes ``keep`` (the end last) of ``relaxed``: its edges as they
    were (an edge banned for a longer walk stays banned: it costs more than any shorter walk too)."""
    at = np.asarray(keep, dtype=np.int64)
    cross = np.ix_(at, at)
    return Relaxed(relaxed.w[cross], relaxed.enter[at[:-1]], relaxed.group[at], relaxed.block[at],
                   relaxed.boundary[cross], np.empty(len(at)), np.empty(len(relaxed.lam)))  # fmt: skip


def _close_leaf(
    m: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    node: _Node,
    upper: float,
    deadline: float,
) -> tuple[bool, Exact | None, float]:
    """A node with every shelf fixed (one place per stop): whether branching on its edges, or else
    the pruned programme, settled it (no walk through those shelves is shorter than ``upper``, or
    the shortest such walk is known), a shorter walk if one was found, and the node's bound."""
    fixed = _fixed(groups, node.choice)
    branched = branch_on_edges(m, start, ends, fixed, rank, node.relaxed, upper, deadline, node.leaf_nodes)
    found, bound = branched.walk, max(node.bound, branched.bound)
    if proves(found.length if found is not None else upper, bound):
        return True, found, bound
    if found is not None:
        upper = found.length
    if node.leaf_nodes > LEAF_NODES or not worth_trying(len(groups), upper, node.relaxed.value):  # tried once
        return False, found, bound
    walk, complete = shortest_walk(m, start, ends, fixed, rank, node.relaxed, upper, deadline)
    return complete, walk if walk is not None else found, bound
