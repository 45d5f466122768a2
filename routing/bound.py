"""A certified lower bound on the shortest walk, for answers the local search found.

A walk goes start -> every stop of rank block 1 -> ... -> every stop of the last block -> an end.
The bound is the Held-Karp bound (Held & Karp, "The traveling-salesman problem and minimum
spanning trees", Operations Research 18, 1970; part II, Mathematical Programming 1, 1971) of that
walk as one Hamiltonian path over the stops and a virtual end:

- a walk is the edge from the start to its first stop plus a spanning path over the stops and
  the end, so it costs at least the cheapest such edge plus a minimum spanning tree (the "1-tree"
  of a path); node penalties ``pi`` (degree 2 at a stop, 1 at the end) are improved by
  subgradient steps (Polyak's step toward the walk's own length, halved when the bound stalls;
  Held, Wolfe & Crowder, Mathematical Programming 6, 1974), compiled in routing.kernels;
- the rank blocks: a walk crosses from each block to the next exactly once, a constraint relaxed
  the same way (a penalty ``lam`` per block boundary on the edges across it), and edges no walk
  may use (from a later block back, or skipping one) cost more than the walk;
- distances are made symmetric by taking the smaller direction, and a stop with several places by
  the nearest of its places to each other stop: both only lower the bound, which stays valid.

When every degree meets its target the tree is itself a walk and the bound is exact: an answer
whose length meets the bound is proven shortest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from routing.kernels import ascent

#: Subgradient iterations at most per bound (fewer for big instances: each costs ~3 n^2 steps).
MAX_ITERATIONS = 1000
#: Halve the step after this many iterations without a better bound.
PATIENCE = 12


def iterations_for(n: int) -> int:
    """How many subgradient steps a bound over ``n`` nodes takes at most (~10 ms of work)."""
    return min(MAX_ITERATIONS, max(100, int(1e7 / max(n, 1) ** 2)))


@dataclass(slots=True)
class Relaxed:
    """The walk as a path problem over places: nodes ``0..n-2`` the places of the stops
    (``group``: the stop each serves), ``n-1`` the end.

    ``w`` symmetric edge costs, ``enter`` the edge from the start to each place, ``block`` each
    node's rank block (0, 1, ...), ``boundary[a, b]`` the boundary ``r`` (between block ``r``
    and ``r + 1``) that edge ``a-b`` crosses, or -1."""

    w: NDArray[np.float64]
    enter: NDArray[np.float64]
    group: NDArray[np.int64]
    block: NDArray[np.int64]
    boundary: NDArray[np.int64]
    #: The best penalties so far (a later call starts from them) and the bound they gave.
    pi: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    lam: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    value: float = -np.inf

    @classmethod
    def of(
        cls, m: NDArray[np.float64], start: int, ends: list[int], groups: list[list[int]], rank: list[int], upper: float
    ) -> Relaxed:
        places = np.asarray([p for g in groups for p in g], dtype=np.int64)
        group = np.asarray([i for i, g in enumerate(groups) for _ in g] + [len(groups)], dtype=np.int64)
        n = len(places) + 1
        levels = sorted(set(rank))
        last = len(levels) - 1
        block = np.asarray([levels.index(rank[g]) for g in group[:-1]] + [last], dtype=np.int64)
        # No walk uses these: they may cost anything a walk cannot undercut (and inf is no cost).
        banned = float(upper) + 1.0 if np.isfinite(upper) else 1e12
        w = np.empty((n, n))
        sub = m[np.ix_(places, places)]
        w[:-1, :-1] = np.minimum(sub, sub.T)
        w[:-1, -1] = w[-1, :-1] = np.where(block[:-1] < last, banned, m[np.ix_(places, np.asarray(ends))].min(axis=1))
        w = np.where((np.abs(block[:, None] - block[None, :]) > 1) | ~np.isfinite(w), banned, w)
        w[group[:, None] == group[None, :]] = 0.0  # between places of one stop: free
        np.fill_diagonal(w, np.inf)
        enter = np.where((block[:-1] > 0) | ~np.isfinite(m[start, places]), banned, m[start, places])
        low, high = np.minimum.outer(block, block), np.maximum.outer(block, block)
        boundary = np.where(high == low + 1, low, -1).astype(np.int64)
        return cls(w, enter, group, block, boundary, np.zeros(n), np.zeros(last))

    def bound(self, upper: float, iterations: int | None = None) -> float:
        """Improve the penalties (from where the last call left them) until the bound meets
        ``upper`` (a walk's length) or stalls; return the best bound found (kept in ``value``)."""
        steps = iterations_for(len(self.w)) if iterations is None else iterations
        value = ascent(self.w, self.enter, self.boundary, self.group, float(upper), steps, PATIENCE, self.pi, self.lam)
        self.value = max(self.value, float(value))
        return self.value

    def reduced(self) -> NDArray[np.float64]:
        """Edge costs with the best penalties added (the bound is their spanning tree and the
        cheapest first edge, less the penalties)."""
        lam = np.concatenate((self.lam, [0.0]))
        reduced = self.w + self.pi[:, None] + self.pi[None, :] + lam[self.boundary]
        return np.where(self.group[:, None] == self.group[None, :], self.w, reduced)


def walk_bound(
    m: NDArray[np.float64],
    start: int,
    ends: list[int],
    groups: list[list[int]],
    rank: list[int],
    upper: float,
    iterations: int | None = None,
) -> float:
    """A lower bound on every walk start -> one place of each group (lower ranks first) -> an end.
    ``upper``: the length of a walk found (the target of the subgradient steps)."""
    if not groups:
        return float(m[start, ends].min())
    relaxed = Relaxed.of(m, start, ends, groups, rank, upper)
    return relaxed.bound(upper, iterations)


def proves(length: float, bound: float) -> bool:
    """A walk this long is the shortest if the bound meets it (up to rounding)."""
    return bool(np.isfinite(length)) and length <= bound + 1e-9 * max(1.0, abs(length))
