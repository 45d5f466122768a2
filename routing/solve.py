"""The visiting order: shortest path from a start through one index of every stop to an end.

``solve_path`` is exact (Held-Karp dynamic programming over subsets of stops, vectorised per
subset size with numpy) while its work fits the budget, and then says ``optimal=True``. Beyond
that it builds a greedy order and improves it with Or-opt moves and best-alternative choice
until no move helps or the time limit is reached (``optimal=False``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Seconds per unit of DP work (subsets x alternatives x alternatives per stop), measured on the
#: 2-core benchmark machine (16 stops: 1e6 units in 40 ms); used to decide whether exact fits.
_SECONDS_PER_WORK = 4e-8
#: The DP keeps two (subsets x alternatives) tables: cap them at about 200 MB.
_MAX_TABLE_CELLS = 16_000_000


@dataclass(frozen=True, slots=True)
class PathSolution:
    """The chosen visiting order (indices, without start and end), the end, the length."""

    order: list[int]
    end: int
    length: float
    optimal: bool


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
) -> PathSolution:
    """Shortest walk ``start`` -> one index of each entry of ``stops`` -> the best of ``end``.

    Parameters: ``dist`` square matrix (may be asymmetric, ``inf`` = no walk); ``end`` an index
    or a list of indices; ``stops`` entries are an index or a list of alternative indices;
    ``last`` positions in ``stops`` that must come after every other entry (cold chain).

    Exact while the DP (2^k * A * a for k stops, A alternatives in all, a per stop) fits half the
    time limit: 18 single-location stops within the default second; 13 stops take ~6 ms.

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
    if any(not 0 <= i < len(groups) for i in late):
        raise ValueError("last refers to positions outside stops")
    if not groups:
        best = min(ends, key=lambda e: matrix[start, e])
        return PathSolution([], best, float(matrix[start, best]), True)
    deadline = time.perf_counter() + time_limit_ms / 1000
    alternatives = sum(len(g) for g in groups)
    cells = (2 ** len(groups)) * alternatives
    work = cells * max(len(g) for g in groups)
    if cells <= _MAX_TABLE_CELLS and work * _SECONDS_PER_WORK <= 0.5 * time_limit_ms / 1000:
        return _held_karp(matrix, start, ends, groups, late)
    return _local_search(matrix, start, ends, groups, late, deadline)


def _held_karp(
    m: NDArray[np.float64], start: int, ends: list[int], groups: list[list[int]], late: set[int]
) -> PathSolution:
    """Held-Karp over subsets of stops; each layer (subset size) is one numpy step per stop."""
    k = len(groups)
    nodes = np.array([n for g in groups for n in g], dtype=np.int64)
    owner = np.array([gi for gi, g in enumerate(groups) for _ in g], dtype=np.int64)
    slots = [np.flatnonzero(owner == gi) for gi in range(k)]
    sub = m[np.ix_(nodes, nodes)]
    late_mask = sum(1 << g for g in late)
    full = (1 << k) - 1
    cost = np.full((1 << k, len(nodes)), np.inf)
    parent = np.full((1 << k, len(nodes)), -1, dtype=np.int32)
    for g in range(k):
        if g in late and late_mask != full:
            continue  # a cold item cannot come first while ambient ones remain
        cost[1 << g, slots[g]] = m[start, nodes[slots[g]]]
    masks = np.arange(1 << k, dtype=np.int64)
    popcount = np.zeros(1 << k, dtype=np.int64)
    for g in range(k):
        popcount += (masks >> g) & 1
    for size in range(1, k):
        layer = masks[popcount == size]
        for g in range(k):
            allowed = (layer >> g) & 1 == 0
            if g not in late:
                allowed &= (layer & late_mask) == 0  # ambient after cold is not allowed
            source = layer[allowed]
            if not len(source):
                continue
            # via[s, v, a]: reach alternative a of stop g from node v, having visited subset s.
            via = cost[source][:, :, None] + sub[:, slots[g]][None, :, :]
            best = via.argmin(axis=1)
            value = np.take_along_axis(via, best[:, None, :], axis=1)[:, 0, :]
            target = source | (1 << g)
            current = cost[target[:, None], slots[g][None, :]]
            better = value < current
            rows, cols = np.nonzero(better)
            cost[target[rows], slots[g][cols]] = value[rows, cols]
            parent[target[rows], slots[g][cols]] = best[rows, cols]
    finish = cost[full][:, None] + m[np.ix_(nodes, np.asarray(ends, dtype=np.int64))]
    flat = int(np.argmin(finish))
    if not np.isfinite(finish.flat[flat]):
        return PathSolution([int(nodes[s[0]]) for s in slots], ends[0], float("inf"), True)
    last_slot, end_pos = divmod(flat, len(ends))
    length = float(finish[last_slot, end_pos])
    order, mask, slot = [], full, last_slot
    while slot >= 0 and mask:
        order.append(int(nodes[slot]))
        previous = int(parent[mask, slot])
        mask &= ~(1 << int(owner[slot]))
        slot = previous
    order.reverse()
    return PathSolution(order, ends[end_pos], length, True)


def _route_length(m: NDArray[np.float64], start: int, seq: list[int], ends: list[int]) -> tuple[float, int]:
    total = float(m[start, seq[0]]) + float(sum(m[a, b] for a, b in pairwise(seq)))
    tail = m[seq[-1], ends]
    i = int(np.argmin(tail))
    return total + float(tail[i]), ends[i]


def _local_search(
    m: NDArray[np.float64], start: int, ends: list[int], groups: list[list[int]], late: set[int], deadline: float
) -> PathSolution:
    # Greedy: nearest next stop (any alternative), ambient stops before cold ones.
    blocks = [[g for g in range(len(groups)) if g not in late], [g for g in range(len(groups)) if g in late]]
    order_groups: list[int] = []
    choice: dict[int, int] = {}
    here = start
    for block in blocks:
        left = set(block)
        while left:
            g, node = min(((g, n) for g in left for n in groups[g]), key=lambda gn: m[here, gn[1]])
            order_groups.append(g)
            choice[g] = node
            here = node
            left.remove(g)
    boundary = len(blocks[0])

    def seq() -> list[int]:
        return [choice[g] for g in order_groups]

    best, best_end = _route_length(m, start, seq(), ends)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        # Best alternative for each stop given its neighbours.
        for g in order_groups:
            if len(groups[g]) == 1:
                continue
            for node in groups[g]:
                old = choice[g]
                choice[g] = node
                length, end = _route_length(m, start, seq(), ends)
                if length < best - 1e-9:
                    best, best_end, improved = length, end, True
                else:
                    choice[g] = old
        # Or-opt: move a run of 1-3 stops elsewhere within its block.
        n = len(order_groups)
        for run in (1, 2, 3):
            for i in range(n - run + 1):
                if time.perf_counter() > deadline:
                    break
                lo, hi = (0, boundary) if i < boundary else (boundary, n)
                if i + run > hi:
                    continue
                segment = order_groups[i : i + run]
                rest = order_groups[:i] + order_groups[i + run :]
                for j in range(lo, hi - run + 1):
                    if j == i:
                        continue
                    candidate = rest[:j] + segment + rest[j:]
                    length, end = _route_length(m, start, [choice[g] for g in candidate], ends)
                    if length < best - 1e-9:
                        order_groups, best, best_end, improved = candidate, length, end, True
                        break
    return PathSolution(seq(), best_end, best, False)
