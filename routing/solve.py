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

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Seconds per unit of DP work (subsets x alternatives x alternatives per stop), measured on the
#: 2-core benchmark machine (16 stops: 1e6 units in 40 ms); used to decide whether exact fits.
_SECONDS_PER_WORK = 4e-8
#: Exact only while the DP is expected to take at most this long (13 stops or fewer always are):
#: beyond it the local search finds the same walk in a fraction of the time, almost always.
_EXACT_SECONDS = 0.03
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
    first: Sequence[int] | None = None,
) -> PathSolution:
    """Shortest walk ``start`` -> one index of each entry of ``stops`` -> the best of ``end``.

    Parameters: ``dist`` square matrix (may be asymmetric, ``inf`` = no walk); ``end`` an index
    or a list of indices; ``stops`` entries are an index or a list of alternative indices;
    ``last`` positions in ``stops`` that must come after every other entry (cold chain);
    ``first`` (an extension of the contract) positions that must come before every other entry
    (heavy items). A position in both counts as ``last``.

    Exact for 13 stops or fewer (~8 ms), and beyond while the DP (2^k * A * a for k stops, A
    alternatives in all, a per stop) is expected to take under 30 ms and half the time limit.

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
        return PathSolution([], best, float(matrix[start, best]), True)
    deadline = time.perf_counter() + time_limit_ms / 1000
    alternatives = sum(len(g) for g in groups)
    cells = (2 ** len(groups)) * alternatives
    work = cells * max(len(g) for g in groups)
    budget = min(_EXACT_SECONDS, 0.5 * time_limit_ms / 1000)
    if cells <= _MAX_TABLE_CELLS and (len(groups) <= 13 or work * _SECONDS_PER_WORK <= budget):
        return _held_karp(matrix, start, ends, groups, rank)
    return _local_search(matrix, start, ends, groups, rank, deadline)


def _held_karp(
    m: NDArray[np.float64], start: int, ends: list[int], groups: list[list[int]], rank: list[int]
) -> PathSolution:
    """Held-Karp over subsets of stops; each layer (subset size) is one numpy step per stop.

    Ordering ranks (0 first, 1 middle, 2 last): a stop may join a subset only if the subset holds
    no stop of a higher rank, and may start the walk only if no stop has a lower rank.
    """
    k = len(groups)
    nodes = np.array([n for g in groups for n in g], dtype=np.int64)
    owner = np.array([gi for gi, g in enumerate(groups) for _ in g], dtype=np.int64)
    slots = [np.flatnonzero(owner == gi) for gi in range(k)]
    sub = m[np.ix_(nodes, nodes)]
    higher = [sum(1 << h for h in range(k) if rank[h] > rank[g]) for g in range(k)]
    lowest = min(rank)
    full = (1 << k) - 1
    cost = np.full((1 << k, len(nodes)), np.inf)
    parent = np.full((1 << k, len(nodes)), -1, dtype=np.int32)
    for g in range(k):
        if rank[g] == lowest:
            cost[1 << g, slots[g]] = m[start, nodes[slots[g]]]
    masks = np.arange(1 << k, dtype=np.int64)
    popcount = np.zeros(1 << k, dtype=np.int64)
    for g in range(k):
        popcount += (masks >> g) & 1
    for size in range(1, k):
        layer = masks[popcount == size]
        for g in range(k):
            allowed = ((layer >> g) & 1 == 0) & ((layer & higher[g]) == 0)
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


def _walk(m: NDArray[np.float64], start: int, nodes: NDArray[np.int64], ends: list[int]) -> tuple[float, int]:
    """Length of start -> nodes -> best end, and that end."""
    path = np.concatenate(([start], nodes))
    tail = m[nodes[-1], ends]
    best = int(np.argmin(tail))
    return float(m[path[:-1], path[1:]].sum() + tail[best]), ends[best]


Move = tuple[float, NDArray[np.int64] | None]  # (gain, new order of positions) or (0, None)


def _two_opt(m: NDArray[np.float64], s: NDArray[np.int64], lo: int, hi: int) -> Move:
    """Best reversal of a segment s[i..j], lo <= i < j <= hi (O(1) per candidate via prefix sums,
    all candidates as one block of the tour's submatrix)."""
    if hi - lo < 1:
        return 0.0, None
    t = m[np.ix_(s, s)]
    edge = np.diagonal(t, offset=1)
    fwd = np.concatenate(([0.0], np.cumsum(edge)))
    bwd = np.concatenate(([0.0], np.cumsum(np.diagonal(t, offset=-1))))
    i = np.arange(lo, hi + 1)
    delta = (t[lo - 1 : hi, lo : hi + 1] + t[lo : hi + 1, lo + 1 : hi + 2]  # t[i-1, j] + t[i, j+1]
             - edge[lo - 1 : hi][:, None] - edge[lo : hi + 1][None, :]
             + (bwd[i][None, :] - bwd[i][:, None]) - (fwd[i][None, :] - fwd[i][:, None]))  # fmt: skip
    delta[np.tril_indices(len(i))] = np.inf  # only i < j
    best = int(np.argmin(delta))
    if delta.flat[best] < -1e-9:
        r, c = divmod(best, len(i))
        a, b = lo + r, lo + c
        perm = np.arange(len(s))
        perm[a : b + 1] = perm[a : b + 1][::-1].copy()
        return float(-delta.flat[best]), perm
    return 0.0, None


def _or_opt(m: NDArray[np.float64], s: NDArray[np.int64], lo: int, hi: int) -> Move:
    """Best move of a run of 1-3 stops (maybe reversed) to another place within s[lo..hi].

    Every (run, insertion edge) pair is scored at once on the tour's own submatrix; runs and
    insertion edges are contiguous positions, so every term is a slice or a diagonal (no gathers).
    """
    best_gain, best_move = 1e-9, None
    t = m[np.ix_(s, s)]  # t[a, b]: distance from the stop at position a to the one at position b
    idx = np.arange(len(s))
    edge = np.diagonal(t, offset=1)  # edge[a] = t[a, a + 1]
    fwd = np.concatenate(([0.0], np.cumsum(edge)))
    bwd = np.concatenate(([0.0], np.cumsum(np.diagonal(t, offset=-1))))
    p = np.arange(lo - 1, hi + 1)  # insert between positions p and p + 1
    base = edge[lo - 1 : hi + 1]
    for run in (1, 2, 3):
        i = np.arange(lo, hi - run + 2)
        if not len(i):
            continue
        j = i + run - 1
        i0, i1, j0, j1 = int(i[0]), int(i[-1]) + 1, int(j[0]), int(j[-1]) + 1
        removed = edge[i0 - 1 : i1 - 1] + edge[j0:j1] - np.diagonal(t, offset=run + 1)[i0 - 1 : i1 - 1]
        invalid = (p[None, :] >= i[:, None] - 1) & (p[None, :] <= j[:, None])
        into = t[lo - 1 : hi + 1, i0:i1].T  # [r, c] = t[p_c, i_r]
        out_of = t[j0:j1, lo : hi + 2]  # [r, c] = t[j_r, p_c + 1]
        variants = [(into + out_of - base, False)]
        if run > 1:  # a single stop reversed is the same stop
            internal = (bwd[j] - bwd[i]) - (fwd[j] - fwd[i])
            flipped = t[lo - 1 : hi + 1, j0:j1].T + t[i0:i1, lo : hi + 2] - base + internal[:, None]
            variants.append((flipped, True))
        for added, reverse in variants:
            gain = removed[:, None] - added
            gain[invalid] = -np.inf
            k = int(np.argmax(gain))
            if gain.flat[k] > best_gain:
                r, c = divmod(k, len(p))
                best_gain, best_move = float(gain.flat[k]), (int(i[r]), int(j[r]), int(p[c]), reverse)
    if best_move is None:
        return 0.0, None
    a, b, at, reverse = best_move
    segment = idx[a : b + 1][::-1] if reverse else idx[a : b + 1]
    rest = np.concatenate((idx[:a], idx[b + 1 :]))
    at = at if at < a else at - (b - a + 1)
    return best_gain, np.concatenate((rest[: at + 1], segment, rest[at + 1 :]))


def _local_search(
    m: NDArray[np.float64], start: int, ends: list[int], groups: list[list[int]], rank: list[int], deadline: float
) -> PathSolution:
    """Greedy start, then 2-opt, Or-opt and best-alternative moves inside each rank block, with
    double-bridge kicks until the deadline; the best walk found wins."""
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
    rng = np.random.default_rng(0)

    def settle(
        group_at: NDArray[np.int64], nodes: NDArray[np.int64]
    ) -> tuple[float, NDArray[np.int64], NDArray[np.int64]]:
        """Apply improving moves until none is left (or time is up)."""
        while True:
            _, end = _walk(m, start, nodes, ends)
            s = np.concatenate(([start], nodes, [end]))
            owner = np.concatenate(([-1], group_at, [-1]))
            gain = 0.0
            for lo, hi in bounds:
                for move in (_two_opt, _or_opt):
                    step, perm = move(m, s, lo, hi)
                    if perm is not None:
                        s, owner = s[perm], owner[perm]
                        gain += step
            for t in range(1, len(s) - 1):  # best alternative for each stop, given its neighbours
                options = np.array(groups[int(owner[t])], dtype=np.int64)
                if len(options) > 1:
                    cost = m[s[t - 1], options] + m[options, s[t + 1]]
                    if cost.min() < m[s[t - 1], s[t]] + m[s[t], s[t + 1]] - 1e-9:
                        s[t] = int(options[np.argmin(cost)])
                        gain += float(m[s[t - 1], s[t]])  # any positive amount: keep going
            group_at, nodes = owner[1:-1], s[1:-1]
            if gain <= 1e-9 or time.perf_counter() > deadline:
                return _walk(m, start, nodes, ends)[0], group_at, nodes

    best_len, best_groups, best_nodes = settle(group_at.copy(), nodes.copy())
    # Kick until the deadline, or until many kicks in a row found nothing better (a small list
    # settles fast; a long one uses its budget).
    n = len(nodes)
    patience, idle = (max(8, n // 2) if n <= 30 else n if n <= 100 else 4 * n), 0
    while time.perf_counter() < deadline and len(nodes) >= 8 and idle < patience:
        idle += 1
        lo, hi = max(bounds, key=lambda b: b[1] - b[0])
        if hi - lo < 7:
            break
        cut = np.sort(rng.choice(np.arange(lo, hi + 1), size=3, replace=False)) - 1  # double bridge
        a, b, c = (int(x) for x in cut)
        idx = np.arange(len(best_nodes))
        kicked = np.concatenate((idx[:a], idx[b:c], idx[a:b], idx[c:]))
        length, g2, n2 = settle(best_groups[kicked].copy(), best_nodes[kicked].copy())
        if length < best_len - 1e-9:
            best_len, best_groups, best_nodes, idle = length, g2, n2, 0
    length, end = _walk(m, start, best_nodes, ends)
    return PathSolution([int(n) for n in best_nodes], end, length, False)
