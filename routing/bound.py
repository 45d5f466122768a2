"""A certified lower bound on the shortest walk, for answers the local search found.

A walk goes start -> every stop of rank block 1 -> ... -> every stop of the last block -> an end.
The bound is the Held-Karp bound (Held & Karp, "The traveling-salesman problem and minimum
spanning trees", Operations Research 18, 1970; part II, Mathematical Programming 1, 1971) of that
walk as one Hamiltonian path over the stops and a virtual end:

- a walk is the edge from the start to its first stop plus a spanning path over the stops and
  the end, so it costs at least the cheapest such edge plus a minimum spanning tree (the "1-tree"
  of a path); node penalties ``pi`` (degree 2 at a stop, 1 at the end) are improved by
  subgradient steps (Polyak's step toward the walk's own length, halved when the bound stalls;
  Held, Wolfe & Crowder, Mathematical Programming 6, 1974);
- the rank blocks: a walk crosses from each block to the next exactly once, a constraint relaxed
  the same way (a penalty ``lam`` per block boundary on the edges across it), and edges no walk
  may use (from a later block back, or skipping one) cost more than the walk;
- distances are made symmetric by taking the smaller direction, and a stop with several places by
  the nearest of its places to each other stop: both only lower the bound, which stays valid.

When every degree meets its target the tree is itself a walk and the bound is exact: an answer
whose length meets the bound is proven shortest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

#: Subgradient iterations at most per bound, and the default time the bound may take (seconds).
MAX_ITERATIONS = 400
TIME_LIMIT_S = 0.03
#: Halve the step after this many iterations without a better bound.
PATIENCE = 12


def _spanning_tree(w: NDArray[np.float64]) -> tuple[float, NDArray[np.int64]]:
    """Prim's minimum spanning tree of the complete graph ``w`` (symmetric, dense): its weight
    and each node's parent (node 0 is the root)."""
    n = len(w)
    outside = np.ones(n, dtype=bool)
    outside[0] = False
    best = w[0].copy()
    best[0] = np.inf
    parent = np.zeros(n, dtype=np.int64)
    total = 0.0
    for _ in range(n - 1):
        v = int(np.argmin(best))
        total += float(best[v])
        outside[v] = False
        best[v] = np.inf
        closer = (w[v] < best) & outside
        best[closer] = w[v, closer]
        parent[closer] = v
    return total, parent


@dataclass(slots=True)
class Relaxed:
    """The walk as a path problem over stops: nodes ``0..k-1`` the stops, ``k`` the end.

    ``w`` symmetric edge costs, ``enter`` the edge from the start to each stop, ``block`` each
    node's rank block (0, 1, ...), ``across[r]`` the edges between block ``r`` and ``r + 1``."""

    w: NDArray[np.float64]
    enter: NDArray[np.float64]
    block: NDArray[np.int64]
    across: list[NDArray[np.bool_]]
    #: The best penalties so far (warm start for a later call) and the bound they gave.
    pi: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    lam: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    value: float = -np.inf

    @classmethod
    def of(
        cls, m: NDArray[np.float64], start: int, ends: list[int], groups: list[list[int]], rank: list[int], upper: float
    ) -> Relaxed:
        k = len(groups)
        places = np.asarray([p for g in groups for p in g], dtype=np.int64)
        firsts = np.concatenate(([0], np.cumsum([len(g) for g in groups])[:-1]))
        sub = m[np.ix_(places, places)]
        sub = np.minimum(sub, sub.T)
        w = np.minimum.reduceat(np.minimum.reduceat(sub, firsts, axis=0), firsts, axis=1)
        enter = np.minimum.reduceat(m[start, places], firsts)
        leave = np.minimum.reduceat(m[np.ix_(places, np.asarray(ends, dtype=np.int64))].min(axis=1), firsts)
        levels = sorted(set(rank))
        block = np.asarray([levels.index(r) for r in rank], dtype=np.int64)
        last = len(levels) - 1
        # No walk uses these: they may cost anything a walk cannot undercut (and inf is no cost).
        banned = float(upper) + 1.0 if np.isfinite(upper) else 1e12
        w = np.where(np.abs(block[:, None] - block[None, :]) > 1, banned, w)
        enter = np.where(block > 0, banned, enter)
        leave = np.where(block < last, banned, leave)
        full = np.empty((k + 1, k + 1))
        full[:k, :k], full[:k, k], full[k, :k], full[k, k] = w, leave, leave, 0.0
        full = np.where(np.isfinite(full), full, banned)
        enter = np.where(np.isfinite(enter), enter, banned)
        np.fill_diagonal(full, np.inf)
        node_block = np.concatenate((block, [last]))
        low, high = np.minimum.outer(node_block, node_block), np.maximum.outer(node_block, node_block)
        across = [(low == r) & (high == r + 1) for r in range(last)]
        return cls(full, enter, node_block, across, np.zeros(k + 1), np.zeros(last))

    def bound(self, upper: float, deadline: float, max_iterations: int = MAX_ITERATIONS) -> float:
        """Improve the penalties until the bound meets ``upper`` (a walk's length), stalls, or
        the deadline passes; return the best bound found (kept in ``value``)."""
        n = len(self.w)
        target = np.full(n, 2)
        target[-1] = 1
        pi, lam = self.pi.copy(), self.lam.copy()
        scale, stalled = 2.0, 0
        for _ in range(max_iterations):
            w = self.w + pi[:, None] + pi[None, :]
            for r, edges in enumerate(self.across):
                w = w + lam[r] * edges
            tree, parent = _spanning_tree(w)
            entered = self.enter + pi[:-1]
            first = int(np.argmin(entered))
            value = tree + float(entered[first]) - float(pi @ target) - float(lam.sum())
            degree = np.bincount(parent[1:], minlength=n) + 1
            degree[0] -= 1  # the root has no parent
            degree[first] += 1
            crossings = np.asarray([int(edges[np.arange(1, n), parent[1:]].sum()) for edges in self.across])
            if value > self.value + 1e-9 * max(1.0, abs(value)):
                self.value, self.pi, self.lam, stalled = value, pi.copy(), lam.copy(), 0
            else:
                stalled += 1
                if stalled >= PATIENCE:
                    scale, stalled = scale / 2, 0
            g, h = degree - target, crossings - 1
            norm = float(g @ g + h @ h)
            if norm == 0 or self.value >= upper * (1 - 1e-12) or scale < 1e-3 or time.perf_counter() > deadline:
                break  # a walk (the bound is exact), or the bound meets the walk, or out of steps or time
            step = scale * max(upper - value, 1e-9 * max(1.0, upper)) / norm
            pi += step * g
            lam += step * h
        return self.value


def walk_bound(
    m: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    upper: float,
    time_limit_s: float = TIME_LIMIT_S,
) -> float:
    """A lower bound on every walk start -> one place of each group (lower ranks first) -> an end.
    ``upper``: the length of a walk found (the target of the subgradient steps)."""
    if not groups:
        return float(m[start, ends].min())
    relaxed = Relaxed.of(m, start, ends, groups, rank, upper)
    return relaxed.bound(upper, time.perf_counter() + time_limit_s)


def proves(length: float, bound: float) -> bool:
    """A walk this long is the shortest if the bound meets it (up to rounding)."""
    return bool(np.isfinite(length)) and length <= bound + 1e-9 * max(1.0, abs(length))
