"""The visiting order: shortest path from a start through one index of every stop to an end.

``solve_path`` is exact while it can prove it, and then says ``optimal=True``:

- Held-Karp dynamic programming over subsets of stops, one rank block after another (compiled:
  routing.kernels), while its work fits the budget (13 stops a block always, 16 usually);
- beyond that, a greedy order improved by 2-opt, Or-opt, best-alternative and block-reversal
  moves (compiled: routing.kernels.settle) with double-bridge kicks (a small first or last block,
  heavy items or the cold chain, folded in exactly), certified by the Held-Karp bound
  (routing.bound): a walk that meets the bound is the shortest, and the search stops kicking as
  soon as it does; otherwise branch and bound on the bound's tree edges (routing.edges) or on the
  shelves of products on several (routing.shelves), and, within a few percent of the bound, a
  dynamic programme over the edges the bound does not rule out (routing.prune).

An answer still unproven carries the bound, so ``gap_bound`` says how far from the shortest it
may be.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routing.bound import Relaxed, proves
from routing.edges import branch_on_edges
from routing.kernels import held_karp, settle
from routing.prune import shortest_walk, worth_trying
from routing.shelves import branch_on_shelves

#: Seconds per unit of DP work (subsets x alternatives x alternatives per stop), measured on the
#: 2-core benchmark machine (16 stops, one place each: 1e6 units in 11 ms, the compiled DP);
#: used to decide whether the full DP fits.
_SECONDS_PER_WORK = 1.5e-8
#: Exact only while the DP is expected to take at most this long (13 stops or fewer always are):
#: beyond it the local search finds the same walk in a fraction of the time, almost always.
_EXACT_SECONDS = 0.03
#: The share of the time left that a search which runs to its deadline leaves for the bound.
_BOUND_SHARE = 0.06
#: Or-opt moves runs of up to this many stops.
_OR_OPT_LONGEST = 3
#: A walk unproven but within this share of the bound is not explored further: a shorter one
#: would save at most that much (3 cm of a 300 m walk), not worth the rest of the time limit.
_WORTH_EXPLORING = 1e-4
#: Lists of at most this many stops are not explored: there the proofs decide (a list left
#: unproven has a weak bound, not a poor walk: on bench_gap's lists of 25-30 stops exploring found a
#: shorter walk once in five), and a 20-item route exploring for its 500 ms would cost a mix of
#: routes more CPU than all the rest (the load stage: one such route in about 500).
_EXPLORE_FROM_STOPS = 25
#: Branching on shelves computes up to this many bounds for a list of more than
#: _EXPLORE_FROM_STOPS stops (routing.edges.MAX_NODES for shorter ones): such a list left unproven
#: spends its time limit exploring anyway, and on bench_gap's lists with a fifth of the products
#: on two shelves bounds did more for gap_bound than exploring (docs/benchmarks.md).
_SHELF_NODES = 1024
#: At most this many solves of one process explore at once; another that would explore answers
#: with the walk and certificate it has: exploring is optional work, and a burst of long unproven
#: lists must not hold every thread of a worker for its whole time limit.
_EXPLORING = threading.BoundedSemaphore(2)
#: Exploring, kicks wander from the last local optimum in blocks of at most this many stops
#: (TSPLIB instances of 51-130 cities reach their optima so; 200-stop store lists end 0.5-1% longer
#: than when kicked from the best).
_WANDER_MAX_STOPS = 150
#: In a block of at least this many stops 2-opt and Or-opt try only moves that join a stop to one
#: of its _NEAR nearest (candidate lists: Lin & Kernighan 1973; Johnson & McGeoch 1997), then one
#: round of every move confirms the local optimum: a kick's repair at 200 stops 6.3 -> 2.6 ms, the
#: same walks on average, and the 200-stop lists and TSPLIB ch130 gain from the kicks (docs/benchmarks.md).
_NEAR_FROM = 120
_NEAR = 12
#: The DP keeps two (subsets x alternatives) tables: cap them at about 200 MB.
_MAX_TABLE_CELLS = 16_000_000


@dataclass(frozen=True, slots=True)
class PathSolution:
    """The chosen visiting order (indices, without start and end), the end, the length, and
    ``stops``: for each visit in ``order``, the position in the caller's ``stops`` that it serves.

    Two entries may share an index (two products on one shelf spot, or a product on several
    shelves sharing one with another product): ``order`` then holds that index twice, and only
    ``stops`` says which visit is which entry.
    """

    order: list[int]
    end: int
    length: float
    optimal: bool
    stops: list[int]
    #: A certified lower bound on the shortest walk (routing.bound), when not proven optimal.
    bound: float | None = None

    @property
    def gap_bound(self) -> float | None:
        """At most this much longer than the shortest walk, as a fraction (None: proven optimal,
        or no bound)."""
        if self.optimal or self.bound is None or self.bound <= 0 or not np.isfinite(self.length):
            return None
        return max(0.0, self.length / self.bound - 1.0)


def _groups(stops: Sequence[int | Sequence[int]]) -> list[list[int]]:
    groups = []
    for entry in stops:
        alternatives = [int(entry)] if isinstance(entry, int | np.integer) else [int(i) for i in entry]
        if not alternatives:
            raise ValueError("a stop needs at least one index")
        groups.append(sorted(set(alternatives)))
    return groups


def solve_path(
    dist: ArrayLike,
    start: int,
    end: int | Sequence[int],
    stops: Sequence[int | Sequence[int]],
    last: Sequence[int] | None = None,
    time_limit_ms: float = 1000,
    first: Sequence[int] | None = None,
) -> PathSolution:
    """Shortest walk ``start`` -> one index of each entry of ``stops`` -> the best of ``end``.

    Parameters: ``dist`` square matrix (may be asymmetric, ``inf`` = no walk); ``end`` an index
    or a list of indices; ``stops`` entries are an index or a list of alternative indices;
    ``last`` positions in ``stops`` that must come after every other entry (cold chain);
    ``first`` (an extension of the contract) positions that must come before every other entry
    (heavy items). A position in both counts as ``last``.

    Exact while every rank block (``first``, the rest, ``last``) has 13 stops or fewer (~8 ms),
    and beyond while the DP (per block 2^k * A * a for k stops, A alternatives in all, a per stop)
    is expected to take under 30 ms and half the time limit.

    >>> d = [[0, 1, 5, 9], [1, 0, 2, 9], [5, 2, 0, 1], [9, 9, 1, 0]]
    >>> solve_path(d, 0, 3, [2, 1]).order
    [1, 2]
    """
    matrix = np.asarray(dist, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError("dist must be a square matrix")
    ends = [int(end)] if isinstance(end, int | np.integer) else [int(e) for e in end]
    if not ends:
        raise ValueError("end needs at least one index")
    groups = _groups(stops)
    late = set(last or [])
    early = set(first or []) - late
    if any(not 0 <= i < len(groups) for i in late | early):
        raise ValueError("first/last refer to positions outside stops")
    rank = [2 if g in late else 0 if g in early else 1 for g in range(len(groups))]
    return solve_ranked(matrix, start, ends, groups, rank, time_limit_ms)


def _dp_size(groups: Sequence[Sequence[int]], rank: Sequence[int]) -> tuple[int, int, int]:
    """The full DP's size, block by block (one block per rank): its largest table (cells), its
    work (subsets x alternatives x alternatives per stop, summed) and its largest block (stops)."""
    blocks = [[groups[g] for g in range(len(groups)) if rank[g] == r] for r in set(rank)]
    cells = max((2 ** len(b)) * sum(len(g) for g in b) for b in blocks)
    work = sum((2 ** len(b)) * sum(len(g) for g in b) * max(len(g) for g in b) for b in blocks)
    return cells, work, max(len(b) for b in blocks)


def is_quick(groups: Sequence[Sequence[int]], rank: Sequence[int], seconds: float = 0.001) -> bool:
    """Whether the exact DP over these stops is expected to take at most ``seconds``: a caller
    may then solve on its own thread rather than pay for handing the work to another."""
    return not groups or _dp_size(groups, rank)[1] * _SECONDS_PER_WORK <= seconds


def solve_ranked(
    matrix: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    time_limit_ms: float = 1000,
) -> PathSolution:
    """:func:`solve_path` with ordering as ranks: every stop of a lower rank comes before every
    stop of a higher one (any integers; ``solve_path`` uses 0 first, 1 middle, 2 last).

    A rank below all others can pin what is visited first, e.g. "one of these entrances" after
    a virtual start. Distances on the way may be large but must be finite.
    """
    if not groups:
        best = min(ends, key=lambda e: matrix[start, e])
        return PathSolution([], best, float(matrix[start, best]), True, [])
    deadline = time.perf_counter() + time_limit_ms / 1000
    cells, work, largest = _dp_size(groups, rank)
    budget = min(_EXACT_SECONDS, 0.5 * time_limit_ms / 1000)
    if cells <= _MAX_TABLE_CELLS and (largest <= 13 or work * _SECONDS_PER_WORK <= budget):
        return _held_karp(matrix, start, ends, groups, rank)
    return _search_and_bound(matrix, start, ends, groups, rank, deadline)


def _search_and_bound(
    m: NDArray[np.float64], start: int, ends: list[int], groups: list[list[int]], rank: list[int], deadline: float
) -> PathSolution:
    """Local search, then proof (routing.bound, routing.edges, routing.prune, routing.shelves),
    else a certified gap.

    The search's first local optimum sets the bound's target; the search then kicks until its
    walk meets the bound (the shortest: it stops at once) or it stops improving or its time is up,
    and the bound is taken further toward the better walk. If they are still apart, branching
    (on edges with one shelf per product; on the shelves otherwise) and the pruned DP try to
    close the gap, each within its cap and the deadline. Failing that, the search explores
    (kicks wander over local optima) for the time left, and the answer carries the best bound.
    """
    made: list[Relaxed] = []

    def bound_for(length: float) -> float:
        made.append(Relaxed.of(m, start, ends, groups, rank, length))
        return made[0].bound(length)

    # The search leaves the last part of the time for taking the bound further (the bound's
    # ascent after it: 20-45 ms at 200 stops of a 1 s budget).
    searching = deadline - _BOUND_SHARE * max(0.0, deadline - time.perf_counter())
    found = _local_search(m, start, ends, groups, rank, searching, target=bound_for)
    relaxed = made[0] if made else Relaxed.of(m, start, ends, groups, rank, found.length)
    bound = relaxed.bound(found.length)  # from where the first ascent left its penalties
    if proves(found.length, bound):
        return dataclasses.replace(found, optimal=True, bound=bound)
    # One shelf per product: branching on edges first (it proves most lists in a few
    # milliseconds); products on several shelves: the pruned DP over every shelf, then branching
    # on the shelves. Whatever is left unproven within reach of the bound: the pruned DP.
    single = all(len(places) == 1 for places in groups)
    for step in ("edges", "prune") if single else ("prune", "shelves"):
        if time.perf_counter() >= deadline:
            break
        if step == "prune":
            if worth_trying(len(groups), found.length, relaxed.value):
                exact, _ = shortest_walk(m, start, ends, groups, rank, relaxed, found.length, deadline)
                if exact is not None and exact.length <= found.length:
                    return PathSolution(exact.order, exact.end, exact.length, True, exact.served, bound=bound)
            continue
        branch = branch_on_edges if step == "edges" else branch_on_shelves
        # A list that would explore spends its time limit anyway: shelves may take more of it.
        cap = _SHELF_NODES if step == "shelves" and len(groups) > _EXPLORE_FROM_STOPS else None
        branched = branch(m, start, ends, groups, rank, relaxed, found.length, deadline, cap)
        if branched.walk is not None:
            walk = branched.walk
            found = PathSolution(walk.order, walk.end, walk.length, False, walk.served)
        bound = max(bound, branched.bound)
        if proves(found.length, bound):
            return dataclasses.replace(found, optimal=True, bound=bound)
    # Still unproven with time left, and a shorter walk could be worth finding: the search
    # explores until the deadline, or until a walk meets the bound.
    worth = len(groups) > _EXPLORE_FROM_STOPS and found.length > bound * (1 + _WORTH_EXPLORING)
    if worth and time.perf_counter() < deadline and _EXPLORING.acquire(blocking=False):
        try:
            explored = _local_search(m, start, ends, groups, rank, deadline, target=bound, explore=True)
        finally:
            _EXPLORING.release()
        if explored.length < found.length - 1e-9:
            found = explored
        if proves(found.length, bound):
            return dataclasses.replace(found, optimal=True, bound=bound)
    return dataclasses.replace(found, bound=min(bound, found.length))


def _held_karp(
    m: NDArray[np.float64], start: int, ends: list[int], groups: list[list[int]], rank: list[int]
) -> PathSolution:
    """Held-Karp over subsets of stops, one rank block after another (lower ranks first).

    Every stop of a lower rank comes before every stop of a higher one, so a walk is the best
    walk through each block in turn, each block entered from where the previous one ended: the
    subsets are those of one block at a time (2^a + 2^b + ... rather than 2^(a+b+...)).
    """
    entry_nodes = np.array([start], dtype=np.int64)
    entry_cost = np.zeros(1)
    blocks: list[tuple[_Block, list[int]]] = []
    for level in sorted(set(rank)):
        members = [g for g in range(len(groups)) if rank[g] == level]
        block = _block_held_karp(m, entry_nodes, entry_cost, [groups[g] for g in members])
        blocks.append((block, members))
        entry_nodes, entry_cost = block.nodes, block.final
    finish = entry_cost[:, None] + m[np.ix_(entry_nodes, np.asarray(ends, dtype=np.int64))]
    flat = int(np.argmin(finish))
    if not np.isfinite(finish.flat[flat]):
        return PathSolution([g[0] for g in groups], ends[0], float("inf"), True, list(range(len(groups))))
    slot, end_pos = divmod(flat, len(ends))
    order: list[int] = []
    served: list[int] = []
    for block, members in reversed(blocks):
        walk, owners, slot = block.walk_to(slot)
        order[:0] = walk
        served[:0] = [members[o] for o in owners]
    return PathSolution(order, ends[end_pos], float(finish.flat[flat]), True, served)


@dataclass(frozen=True, slots=True)
class _Block:
    """One rank block's DP: the best cost of visiting all its stops and ending at each of its
    nodes (``final``), and how to walk back from there."""

    nodes: NDArray[np.int64]
    owner: NDArray[np.int64]
    final: NDArray[np.float64]
    parent: NDArray[np.int32]
    entered_from: NDArray[np.int64]  # per node: index into the previous block's nodes (or start)

    def walk_to(self, slot: int) -> tuple[list[int], list[int], int]:
        """The block's nodes in walking order ending at ``slot``, the block's stop that each
        serves (positions in the block's groups), and where the previous block ended."""
        order: list[int] = []
        owners: list[int] = []
        mask = (1 << (int(self.owner.max()) + 1)) - 1
        while True:
            order.append(int(self.nodes[slot]))
            owners.append(int(self.owner[slot]))
            previous = int(self.parent[mask, slot])
            mask &= ~(1 << int(self.owner[slot]))
            if previous < 0:
                order.reverse()
                owners.reverse()
                return order, owners, int(self.entered_from[slot])
            slot = previous


def _block_held_karp(
    m: NDArray[np.float64], entry_nodes: NDArray[np.int64], entry_cost: NDArray[np.float64], groups: list[list[int]]
) -> _Block:
    """Held-Karp over the subsets of ``groups``, entered from any of ``entry_nodes`` at
    ``entry_cost`` (the compiled loop: routing.kernels.held_karp)."""
    k = len(groups)
    nodes = np.array([n for g in groups for n in g], dtype=np.int64)
    owner = np.array([gi for gi, g in enumerate(groups) for _ in g], dtype=np.int64)
    entering = entry_cost[:, None] + m[np.ix_(entry_nodes, nodes)]
    entered_from = entering.argmin(axis=0)
    final, parent = held_karp(np.ascontiguousarray(m[np.ix_(nodes, nodes)]), entering.min(axis=0), owner, k)
    return _Block(nodes, owner, final, parent, entered_from)


def _walk(m: NDArray[np.float64], start: int, nodes: NDArray[np.int64], ends: list[int]) -> tuple[float, int]:
    """Length of start -> nodes -> best end, and that end."""
    path = np.concatenate(([start], nodes))
    tail = m[nodes[-1], ends]
    best = int(np.argmin(tail))
    return float(m[path[:-1], path[1:]].sum() + tail[best]), ends[best]


def with_start(m: NDArray[np.float64], from_start: NDArray[np.float64]) -> NDArray[np.float64]:
    """``m`` with one more node (index ``len(m)``), a virtual start at ``from_start[x]`` from
    each node ``x``: e.g. the best of several entrances. Nothing walks back to it (zeros: a
    finite value keeps the local search's prefix sums finite)."""
    extended = _with_node(m)
    extended[len(m), : len(m)] = from_start
    return extended


def _with_end(m: NDArray[np.float64], to_end: NDArray[np.float64]) -> NDArray[np.float64]:
    """``m`` with one more node, a virtual end at ``to_end[x]`` from each node ``x`` (nothing
    leaves it)."""
    extended = _with_node(m)
    extended[: len(m), len(m)] = to_end
    return extended


def _with_node(m: NDArray[np.float64]) -> NDArray[np.float64]:
    k = len(m)
    extended = np.zeros((k + 1, k + 1))
    extended[:k, :k] = m
    return extended


#: A first or last rank block (heavy items, the cold chain) this small is solved exactly for
#: every way into or out of it.
_FOLD_MAX_STOPS = 10


def _fold_last_block(
    m: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    tail: list[int],
    deadline: float,
    target: float | Callable[[float], float] = 0.0,
    explore: bool = False,
) -> PathSolution:
    """Local search over the earlier blocks with the last one folded into a virtual end.

    A backwards Held-Karp over the last block gives, for each of its nodes, the shortest walk
    from there through the whole block to the best end; so the cost of leaving the earlier
    blocks from any node is known exactly, and every move is scored with the best way through
    the last block (which a move inside one block cannot otherwise see).
    """
    k = len(m)
    backwards = _block_held_karp(
        np.ascontiguousarray(m.T), np.asarray(ends, dtype=np.int64), np.zeros(len(ends)), [groups[g] for g in tail]
    )
    onwards = m[:, backwards.nodes] + backwards.final[None, :]  # [x, a]: x, then the block from a
    into, to_go = onwards.argmin(axis=1), onwards.min(axis=1)
    rest = _without(groups, tail)
    found = _local_search(_with_end(m, to_go), start, [k], [groups[g] for g in rest], [rank[g] for g in rest],
                          deadline, target, explore)  # fmt: skip
    last = found.order[-1] if found.order else start
    walked, owners, end_at = backwards.walk_to(int(into[last]))  # from the end back to the block's first node
    served = [rest[s] for s in found.stops] + [tail[o] for o in owners[::-1]]
    return PathSolution(found.order + walked[::-1], ends[end_at], found.length, False, served)


def _fold_first_block(
    m: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    head: list[int],
    deadline: float,
    target: float | Callable[[float], float] = 0.0,
    explore: bool = False,
) -> PathSolution:
    """Local search over the later blocks from a virtual start that stands for the first block
    (heavy items) walked exactly: a Held-Karp over it gives the shortest walk from the start
    through all of it to each of its nodes, hence the cost of reaching any later node."""
    k = len(m)
    forward = _block_held_karp(m, np.asarray([start], dtype=np.int64), np.zeros(1), [groups[g] for g in head])
    onward = forward.final[:, None] + m[forward.nodes, :]  # [a, x]: the block ending at a, then x
    via, reach = onward.argmin(axis=0), onward.min(axis=0)
    rest = _without(groups, head)
    found = _local_search(with_start(m, reach), k, ends, [groups[g] for g in rest], [rank[g] for g in rest],
                          deadline, target, explore)  # fmt: skip
    first = found.order[0] if found.order else found.end
    walked, owners, _ = forward.walk_to(int(via[first]))
    served = [head[o] for o in owners] + [rest[s] for s in found.stops]
    return PathSolution(walked + found.order, found.end, found.length, False, served)


def _without(groups: list[list[int]], folded: list[int]) -> list[int]:
    """The positions of the stops that are not in ``folded``."""
    skipped = set(folded)
    return [g for g in range(len(groups)) if g not in skipped]


def _local_search(
    m: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    deadline: float,
    target: float | Callable[[float], float] = 0.0,
    explore: bool = False,
) -> PathSolution:
    """Greedy start, then 2-opt, Or-opt and best-alternative moves inside each rank block
    (routing.kernels.settle), with double-bridge kicks until the deadline; the best walk found wins.

    Kicks stop once the walk is no longer than ``target``, a lower bound (the walk is then the
    shortest; ``inf`` returns the first local optimum); a callable ``target`` is asked for it with
    the first local optimum's length (the walk's length whether or not blocks are folded).

    Kicked from the best walk, until many kicks in a row find nothing better; or, ``explore``,
    until the deadline, each kick from the last local optimum whether or not it was better (a
    random walk over local optima, Lourenco, Martin & Stuetzle 2003; better-only for blocks of
    more than :data:`_WANDER_MAX_STOPS` stops, where wandering leaves the best too far behind).

    Several ends become one virtual end at the best end's distance from every node, so each move
    is scored with the end it would really lead to (scoring it with the current end misses
    moves that pay off only with another end, such as reversing the last block).
    """
    last_rank = max(rank)
    tail = [g for g in range(len(groups)) if rank[g] == last_rank]
    if len(tail) < len(groups) and len(tail) <= _FOLD_MAX_STOPS:
        return _fold_last_block(m, start, ends, groups, rank, tail, deadline, target, explore)
    head = [g for g in range(len(groups)) if rank[g] == min(rank)]
    if len(head) < len(groups) and len(head) <= _FOLD_MAX_STOPS:
        return _fold_first_block(m, start, ends, groups, rank, head, deadline, target, explore)
    if len(ends) > 1:
        k = len(m)
        found = _local_search(_with_end(m, m[:, ends].min(axis=1)), start, [k], groups, rank, deadline, target, explore)
        last = found.order[-1] if found.order else start
        return PathSolution(found.order, ends[int(np.argmin(m[last, ends]))], found.length, False, found.stops)
    order_groups: list[int] = []
    here = start
    levels = sorted(set(rank))
    for r in levels:
        left = {g for g in range(len(groups)) if rank[g] == r}
        while left:
            g = min(left, key=lambda g: (min(m[here, n] for n in groups[g]), g))
            order_groups.append(g)
            here = min(groups[g], key=lambda n: m[here, n])
            left.remove(g)
    blocks = [sum(1 for g in order_groups if rank[g] == r) for r in levels]
    bounds = [(1 + sum(blocks[:r]), sum(blocks[: r + 1])) for r in range(len(levels))]
    choice = {g: min(groups[g], key=lambda n: float(m[start, n])) for g in order_groups}
    group_at = np.array(order_groups, dtype=np.int64)
    nodes = np.array([choice[g] for g in order_groups], dtype=np.int64)
    rng = np.random.default_rng(1 if explore else 0)
    spans = np.array(bounds, dtype=np.int64)
    ptr = np.cumsum([0] + [len(g) for g in groups], dtype=np.int64)
    places = np.array([n for g in groups for n in g], dtype=np.int64)
    walked = np.ascontiguousarray(m, dtype=np.float64)
    near = _near(walked) if max(hi - lo + 1 for lo, hi in bounds) >= _NEAR_FROM else np.zeros((len(m), 1), np.int64)

    def improve(
        group_at: NDArray[np.int64], nodes: NDArray[np.int64]
    ) -> tuple[float, NDArray[np.int64], NDArray[np.int64]]:
        """Apply improving moves until none is left (routing.kernels.settle), checking the time
        between short runs of rounds. Bounded: a move's gain is computed in floating point, and
        gains at the rounding limit must not go round in circles."""
        s = np.concatenate(([start], nodes, ends)).astype(np.int64)  # one end here (several: folded above)
        owner = np.concatenate(([-1], group_at, [-1])).astype(np.int64)
        rounds = 20 * len(nodes) + 20
        while rounds > 0 and time.perf_counter() <= deadline:
            if settle(walked, s, owner, spans, ptr, places, _OR_OPT_LONGEST, min(rounds, 8), near, _NEAR_FROM):
                break
            rounds -= 8
        return _walk(m, start, s[1:-1], ends)[0], owner[1:-1], s[1:-1]

    best_len, best_groups, best_nodes = improve(group_at.copy(), nodes.copy())
    # Kick until the deadline, or until many kicks in a row found nothing better (a small list
    # settles fast; a long one uses its budget).
    n = len(nodes)
    patience, idle = (max(8, n // 2) if n <= 30 else n if n <= 100 else 4 * n), 0
    if explore:
        patience = 1 << 62
    wander = explore and max(hi - lo + 1 for lo, hi in bounds) <= _WANDER_MAX_STOPS
    here_groups, here_nodes = best_groups, best_nodes  # where the next kick starts
    goal = target(best_len) if callable(target) else target
    while time.perf_counter() < deadline and len(nodes) >= 8 and idle < patience and not proves(best_len, goal):
        idle += 1
        idx = np.arange(len(best_nodes))
        if len(bounds) > 1 and rng.random() < 0.5:
            # Reverse a whole rank block: where one block ends and the next begins is coupled
            # (the cold block walked the other way ends at another checkout), and no single
            # move inside a block sees that.
            lo, hi = bounds[int(rng.integers(len(bounds)))]
            kicked = idx.copy()
            kicked[lo - 1 : hi] = kicked[lo - 1 : hi][::-1]
        else:
            lo, hi = max(bounds, key=lambda b: b[1] - b[0])
            if hi - lo < 7:
                break
            cut = np.sort(rng.choice(np.arange(lo, hi + 1), size=3, replace=False)) - 1  # double bridge
            a, b, c = (int(x) for x in cut)
            kicked = np.concatenate((idx[:a], idx[b:c], idx[a:b], idx[c:]))
        length, g2, n2 = improve(here_groups[kicked].copy(), here_nodes[kicked].copy())
        if length < best_len - 1e-9:
            best_len, best_groups, best_nodes, idle = length, g2, n2, 0
        here_groups, here_nodes = (g2, n2) if wander else (best_groups, best_nodes)
    length, end = _walk(m, start, best_nodes, ends)
    return PathSolution([int(n) for n in best_nodes], end, length, False, [int(g) for g in best_groups])


def _near(m: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each node's :data:`_NEAR` nearest other nodes (either way), in no order."""
    both = np.minimum(m, m.T)
    np.fill_diagonal(both, np.inf)
    k = min(_NEAR, len(m) - 1)
    return np.ascontiguousarray(np.argpartition(both, k - 1, axis=1)[:, :k], dtype=np.int64)
