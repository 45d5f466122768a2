"""Distances and shortest paths between arbitrary stand points, from a corner table.

A compiled store has all-pairs shortest distances ``D`` between the reflex corners of its
walkable space, and for every stand point the corners it sees (``links``). The walk between
two stand points either goes straight (when they see each other) or leaves ``a`` to a corner
it sees, follows the corner table, and arrives at ``b`` from a corner ``b`` sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from routing import kernels

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BlockedGrid:
    """A regular grid over the walkable space, marking the cells that hold no walkable point.

    A segment with any point in a marked cell is certainly not walkable, so most of the straight
    legs a route asks about (across aisles) are ruled out by array lookups; only the rest need
    an exact geometric test. Derived from the walkable space when a table is loaded.
    """

    x0: float
    y0: float
    cell: float
    blocked: NDArray[np.bool_]  # (rows, cols); True: no point of the cell is walkable

    @classmethod
    def of(cls, free: BaseGeometry, cell: float = 0.5) -> BlockedGrid:
        minx, miny, maxx, maxy = free.bounds if not free.is_empty else (0.0, 0.0, 0.0, 0.0)
        cols, rows = int((maxx - minx) // cell) + 1, int((maxy - miny) // cell) + 1
        blocked = np.ones((rows, cols), dtype=bool)
        # A cell whose centre is farther than its half-diagonal from the walkable space holds no
        # walkable point. 0.75 > sqrt(2) / 2 leaves room for the buffer's polygonal arcs.
        near = shapely.buffer(free, 0.75 * cell)
        # Part by part, over each part's own box: the levels of a store lie side by side with
        # open ground between them, which needs no test.
        for part in getattr(near, "geoms", [near]):
            x0, y0, x1, y1 = part.bounds
            c0, c1 = max(0, int((x0 - minx) // cell)), min(cols, int((x1 - minx) // cell) + 1)
            r0, r1 = max(0, int((y0 - miny) // cell)), min(rows, int((y1 - miny) // cell) + 1)
            shapely.prepare(part)
            gx, gy = np.meshgrid(minx + (np.arange(c0, c1) + 0.5) * cell, miny + (np.arange(r0, r1) + 0.5) * cell)
            blocked[r0:r1, c0:c1] &= ~np.asarray(shapely.contains_xy(part, gx, gy), dtype=bool)
        return cls(minx, miny, cell, blocked)

    def crossed(self, a: FloatArray, b: FloatArray) -> NDArray[np.bool_]:
        """Per segment ``a[i]``-``b[i]``: True if a point sampled along it lies in a blocked cell
        (certainly not walkable); False says nothing.

        Samples every 1.6 cells: a shelf is several cells across, so a leg crossing one almost
        always has a sample in it; one that slips through gets the exact test.
        """
        if not len(a):
            return np.zeros(0, dtype=bool)
        return kernels.crosses_blocked(
            self.blocked, self.x0, self.y0, self.cell, np.ascontiguousarray(a, dtype=float),
            np.ascontiguousarray(b, dtype=float),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class CornerTable:
    """The compiled part of a store that queries need (no graph building, no geometry ops)."""

    corners: FloatArray  # (n, 2)
    dist: NDArray[np.float32]  # (n, n) shortest distances between corners
    pred: NDArray[np.int32]  # (n, n) predecessor on the shortest path, -1 if none
    points: FloatArray  # (m, 2) stand points, entrances, checkouts
    link_ptr: NDArray[np.int64]  # (m + 1,) CSR into link_corner / link_dist
    link_corner: NDArray[np.int64]
    link_dist: FloatArray
    free_grown: BaseGeometry  # walkable space for the centre of a shopper, prepared
    #: Cells of ``free_grown``'s grid with no walkable point (a quick "certainly blocked" for legs).
    grid: BlockedGrid | None = None
    #: Some walks run one way only (an escalator): ``dist`` is not symmetric.
    directed: bool = False

    @property
    def array_bytes(self) -> int:
        """Bytes its arrays hold (the corner tables dominate: 8 per pair of corners)."""
        arrays = (self.corners, self.dist, self.pred, self.points, self.link_ptr, self.link_corner, self.link_dist)
        return sum(a.nbytes for a in arrays)


@dataclass(frozen=True, slots=True)
class Legs:
    """Distances between chosen stand points, and how to draw each shortest walk."""

    dist: FloatArray  # (k, k)
    direct: NDArray[np.bool_]  # (k, k) the walk is a straight segment
    rows: FloatArray  # (k, n) distance from each point to every corner


def corner_rows(table: CornerTable, point_ids: NDArray[np.int64]) -> FloatArray:
    """Distance from each given point to every corner (inf where unreachable)."""
    ids = np.ascontiguousarray(point_ids, dtype=np.int64)
    return kernels.corner_rows(table.dist, table.link_ptr, table.link_corner, table.link_dist, ids)


def legs(table: CornerTable, point_ids: NDArray[np.int64]) -> Legs:
    """All pairwise walking distances between ``point_ids`` (``dist[a, b]`` from a to b; symmetric
    unless the table is directed; O(k^2 * links))."""
    k = len(point_ids)
    rows = corner_rows(table, point_ids)
    ids = np.ascontiguousarray(point_ids, dtype=np.int64)
    via = kernels.arrivals(rows, table.link_ptr, table.link_corner, table.link_dist, ids)
    xy = table.points[point_ids]
    straight = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    direct = np.zeros((k, k), dtype=bool)
    ia, ib = np.nonzero(np.triu(straight < np.minimum(via, via.T) - 1e-9, k=1))
    if len(ia) and table.grid is not None:  # rule out what certainly crosses a shelf: no geometry
        open_ = ~table.grid.crossed(xy[ia], xy[ib])
        ia, ib = ia[open_], ib[open_]
    if len(ia):
        segments = shapely.linestrings(np.stack([xy[ia], xy[ib]], axis=1))
        seen = np.asarray(shapely.covers(table.free_grown, segments), dtype=bool)
        direct[ia[seen], ib[seen]] = True
        direct[ib[seen], ia[seen]] = True
    dist = np.where(direct, straight, via if table.directed else np.minimum(via, via.T))
    np.fill_diagonal(dist, 0.0)
    np.fill_diagonal(direct, True)
    return Legs(dist, direct, rows)


def leg_path(
    table: CornerTable, legs_: Legs, point_ids: NDArray[np.int64], a: int, b: int
) -> list[tuple[float, float]]:
    """The polyline of the shortest walk from ``point_ids[a]`` to ``point_ids[b]`` (one leg of
    :func:`leg_paths`)."""
    return [(float(x), float(y)) for x, y in leg_paths(table, legs_, point_ids, [a, b])[0]]


def leg_paths(
    table: CornerTable, legs_: Legs, point_ids: NDArray[np.int64], walk: list[int]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The polylines of the shortest walks between consecutive positions of ``walk`` (into
    ``point_ids``), one after another as one ``(n, 2)`` array, and how many points each has (a
    leg from a point to itself has one; every other leg its two ends and the corners between)."""
    nodes = np.asarray(walk, dtype=np.int64)
    a, b = nodes[:-1], nodes[1:]
    straight = legs_.direct[a, b] | ~np.isfinite(legs_.dist[a, b])
    ids = np.ascontiguousarray(point_ids, dtype=np.int64)
    corners, offsets = kernels.leg_corners(table.pred, table.dist, legs_.rows, table.link_ptr, table.link_corner,
                                           table.link_dist, ids, nodes, straight)  # fmt: skip
    ends = table.points[ids[nodes]]
    inside = np.diff(offsets)
    alone = straight & (ids[a] == ids[b])
    sizes = np.where(alone, 1, inside + 2)
    first = np.cumsum(sizes) - sizes
    out = np.empty((int(sizes.sum()), 2))
    out[first] = ends[:-1]
    out[(first + sizes - 1)[~alone]] = ends[1:][~alone]
    out[np.repeat(first + 1 - offsets[:-1], inside) + np.arange(offsets[-1])] = table.corners[corners[: offsets[-1]]]
    return out, sizes
