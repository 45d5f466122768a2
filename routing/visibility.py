"""Visibility graphs: true shortest walks in a polygonal free space.

In a polygon with holes, every shortest path between two points is a polyline whose inner
vertices are reflex vertices of the free space (corners that stick into it). So the graph whose
nodes are those corners and whose edges join every pair that sees each other has, between any
two nodes, exactly the geometric shortest path. Edges are further restricted to *bitangents*
(the segment does not cut into the obstacle at either end), which keeps every shortest path and
drops most pairs before the expensive visibility test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Visibility is tested against the free space grown by this much (metres), so that segments
#: running exactly along a boundary edge are not rejected for floating-point noise.
_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Corners:
    """Reflex corners of a free space and their ring neighbours (for the tangent test)."""

    xy: FloatArray  # (n, 2)
    prev: FloatArray  # (n, 2)
    next: FloatArray  # (n, 2)


def _cross(ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray) -> FloatArray:
    return ax * by - ay * bx


def reflex_corners(free: BaseGeometry) -> Corners:
    """The corners of ``free`` (a Polygon or MultiPolygon) at which a shortest path can bend.

    Rings are oriented so that free space is on the left of every edge; a corner is reflex
    (an obstacle corner poking into free space) where the boundary turns right.
    """
    oriented = shapely.orient_polygons(free, exterior_cw=False)
    rings = []
    for polygon in getattr(oriented, "geoms", [oriented]):
        rings.append(np.asarray(polygon.exterior.coords)[:-1])
        rings.extend(np.asarray(r.coords)[:-1] for r in polygon.interiors)
    xy, prev, nxt = [], [], []
    for ring in rings:
        if len(ring) < 3:
            continue
        p, n = np.roll(ring, 1, axis=0), np.roll(ring, -1, axis=0)
        turn = _cross(ring[:, 0] - p[:, 0], ring[:, 1] - p[:, 1], n[:, 0] - ring[:, 0], n[:, 1] - ring[:, 1])
        keep = turn < -1e-12
        xy.append(ring[keep])
        prev.append(p[keep])
        nxt.append(n[keep])
    if not xy:
        empty = np.zeros((0, 2))
        return Corners(empty, empty, empty)
    return Corners(np.concatenate(xy), np.concatenate(prev), np.concatenate(nxt))


def _tangent_at(corners: Corners, idx: IntArray, towards: FloatArray) -> NDArray[np.bool_]:
    """Whether the ray from corner ``idx`` towards ``towards`` leaves it without entering the obstacle."""
    origin = corners.xy[idx]
    dx, dy = towards[:, 0] - origin[:, 0], towards[:, 1] - origin[:, 1]
    a = _cross(dx, dy, corners.prev[idx, 0] - origin[:, 0], corners.prev[idx, 1] - origin[:, 1])
    b = _cross(dx, dy, corners.next[idx, 0] - origin[:, 0], corners.next[idx, 1] - origin[:, 1])
    return (a >= -1e-9) & (b >= -1e-9) | (a <= 1e-9) & (b <= 1e-9)


def _visible(free_grown: BaseGeometry, a: FloatArray, b: FloatArray) -> NDArray[np.bool_]:
    if len(a) == 0:
        return np.zeros(0, dtype=bool)
    segments = shapely.linestrings(np.stack([a, b], axis=1))
    return np.asarray(shapely.covers(free_grown, segments), dtype=bool)


def grown(free: BaseGeometry) -> BaseGeometry:
    """``free`` grown by a hair and prepared: the geometry visibility tests run against."""
    g = free.buffer(_TOLERANCE, join_style="mitre")
    shapely.prepare(g)
    return g


#: How far inside the free space a point moved into it lands (metres): well past floating-point
#: noise, so every later test of the point against the space agrees that it is inside.
SNAP_INSET_M = 0.01


def snap_into(
    free: BaseGeometry, xy: tuple[float, float], max_distance: float = math.inf
) -> tuple[float, float] | None:
    """``xy`` if ``free`` covers it; else the nearest point of ``free`` moved :data:`SNAP_INSET_M`
    inside, if ``xy`` is within ``max_distance`` of it; else None.

    A door drawn on a wall, a checkout on the edge of the space left beside a counter, a phone's
    position a little off: each is a point that lies on the boundary or a hair outside, and an
    exact point-in-polygon test on it answers by floating-point noise.

    >>> from shapely.geometry import box
    >>> snap_into(box(0, 0, 10, 10), (5.0, -0.5))
    (5.0, 0.01)
    >>> snap_into(box(0, 0, 10, 10), (5.0, -3.0), max_distance=1.0) is None
    True
    """
    point = shapely.Point(xy)
    if free.covers(point):
        return (float(xy[0]), float(xy[1]))
    if free.is_empty or free.distance(point) > max_distance:
        return None
    near = shapely.ops.nearest_points(free, point)[0]
    dx, dy = near.x - float(xy[0]), near.y - float(xy[1])
    length = math.hypot(dx, dy)
    if length > 0:
        for inset in (SNAP_INSET_M, SNAP_INSET_M / 10):
            moved = (near.x + dx / length * inset, near.y + dy / length * inset)
            if free.covers(shapely.Point(moved)):
                return moved
    # A sharp corner of the space: the nearest point of the space shrunk by the inset.
    inner = free.buffer(-SNAP_INSET_M)
    if not inner.is_empty:
        near = shapely.ops.nearest_points(inner, point)[0]
        return (near.x, near.y)
    return (near.x, near.y) if free.covers(near) else None


@dataclass(frozen=True, slots=True)
class VisibilityGraph:
    corners: Corners
    edges: IntArray  # (m, 2) corner indices, i < j
    lengths: FloatArray  # (m,)


def with_nodes(corners: Corners, xy: FloatArray) -> Corners:
    """``corners`` and more graph nodes at ``xy`` that are not corners (a lift's door, a stair's
    foot): every ray leaves such a node freely, so it passes every tangent test."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return Corners(np.concatenate([corners.xy, xy]), np.concatenate([corners.prev, xy]),
                   np.concatenate([corners.next, xy]))  # fmt: skip


def visibility_graph(
    free: BaseGeometry,
    free_grown: BaseGeometry | None = None,
    corners: Corners | None = None,
    groups: IntArray | None = None,
) -> VisibilityGraph:
    """Bitangent visibility graph over the reflex corners of ``free``; with ``groups`` (per
    corner), only corners of one group (a level of a store) are paired.

    Cost: O(n^2) pairs filtered with numpy, then one vectorised shapely ``covers`` call on the
    survivors (each O(log e) against the prepared polygon with e edges).
    """
    corners = corners if corners is not None else reflex_corners(free)
    free_grown = free_grown if free_grown is not None else grown(free)
    n = len(corners.xy)
    i, j = np.triu_indices(n, k=1)
    i, j = i.astype(np.int64), j.astype(np.int64)
    if groups is not None:
        same = groups[i] == groups[j]
        i, j = i[same], j[same]
    keep = _tangent_at(corners, i, corners.xy[j]) & _tangent_at(corners, j, corners.xy[i])
    i, j = i[keep], j[keep]
    seen = _visible(free_grown, corners.xy[i], corners.xy[j])
    i, j = i[seen], j[seen]
    lengths = np.hypot(*(corners.xy[i] - corners.xy[j]).T)
    return VisibilityGraph(corners, np.stack([i, j], axis=1), lengths)


def all_pairs(
    graph: VisibilityGraph, rides: IntArray | None = None, ride_lengths: FloatArray | None = None
) -> tuple[NDArray[np.float32], NDArray[np.int32]]:
    """All-pairs shortest distances and predecessors (-1 = none) over the graph and the one-way
    ``rides`` between its nodes (a connector between levels; C Dijkstra)."""
    return shortest_paths(len(graph.corners.xy), graph.edges, graph.lengths, rides, ride_lengths)


def shortest_paths(
    n: int, edges: IntArray, lengths: FloatArray, rides: IntArray | None = None, ride_lengths: FloatArray | None = None
) -> tuple[NDArray[np.float32], NDArray[np.int32]]:
    """All-pairs shortest distances and predecessors over ``n`` nodes joined both ways by
    ``edges`` and one way by ``rides`` (directed only when there are rides)."""
    if n == 0:
        return np.zeros((0, 0), np.float32), np.zeros((0, 0), np.int32)
    e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if rides is None or not len(rides):
        matrix = coo_matrix((lengths, (e[:, 0], e[:, 1])), shape=(n, n)).tocsr()
        dist, pred = dijkstra(matrix, directed=False, return_predecessors=True)
    else:
        r = np.asarray(rides, dtype=np.int64).reshape(-1, 2)
        rows = np.concatenate([e[:, 0], e[:, 1], r[:, 0]])
        cols = np.concatenate([e[:, 1], e[:, 0], r[:, 1]])
        weights = np.concatenate([lengths, lengths, np.asarray(ride_lengths, dtype=float)])
        # Two rides (or a ride and an edge) between the same nodes: the cheaper counts (coo sums them).
        order = np.lexsort((weights, cols, rows))
        rows, cols, weights = rows[order], cols[order], weights[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        matrix = coo_matrix((weights[first], (rows[first], cols[first])), shape=(n, n)).tocsr()
        dist, pred = dijkstra(matrix, directed=True, return_predecessors=True)
    pred[pred < 0] = -1
    return dist.astype(np.float32), pred.astype(np.int32)


def point_links(
    free_grown: BaseGeometry, corners: Corners, points: FloatArray, nearest: int = 64
) -> tuple[IntArray, IntArray, FloatArray]:
    """For each point, the corners it sees among its ``nearest`` closest (tangent ones only).

    Returns CSR arrays ``(indptr, corner, distance)``. The nearest-k cut keeps compile time
    linear in the number of points; in a store a stand point's way out of its aisle is through
    nearby aisle-end corners, far inside that cut.
    """
    m, n = len(points), len(corners.xy)
    if m == 0 or n == 0:
        return np.zeros(m + 1, np.int64), np.zeros(0, np.int64), np.zeros(0)
    k = min(nearest, n)
    usable = np.flatnonzero(np.isfinite(points).all(axis=1))  # NaN: a point this table cannot use
    _, near = cKDTree(corners.xy).query(points[usable], k=k)
    near = np.asarray(near).reshape(len(usable), k)
    p = np.repeat(usable, k)
    c = near.reshape(-1).astype(np.int64)
    keep = _tangent_at(corners, c, points[p])
    p, c = p[keep], c[keep]
    seen = _visible(free_grown, points[p], corners.xy[c])
    p, c = p[seen], c[seen]
    order = np.lexsort((c, p))
    p, c = p[order], c[order]
    indptr = np.searchsorted(p, np.arange(m + 1)).astype(np.int64)
    return indptr, c, np.hypot(*(points[p] - corners.xy[c]).T)
