"""Closures: derive a corner table that avoids closed areas, from a compiled one.

Nothing is rebuilt from geometry: corners inside a closed area are dropped, graph edges and
stand-point links that cross it are removed, and all-pairs distances are recomputed over what
is left (C Dijkstra; tens of milliseconds for a hypermarket). The compiled table is never
mutated; the derived one is a new object that callers cache by (store, version, closures).
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from routing.table import BlockedGrid, CornerTable
from routing.visibility import shortest_paths, snap_into


def close_areas(
    table: CornerTable,
    edges: NDArray[np.int32],
    edge_lengths: NDArray[np.float32],
    areas: list[BaseGeometry],
    rides: NDArray[np.int64] | None = None,
    ride_lengths: NDArray[np.float32] | None = None,
) -> tuple[CornerTable, NDArray[np.bool_]]:
    """A table whose walks avoid ``areas``, and which of the table's points lie inside them.
    ``rides``: the one-way connector rides between graph nodes that are still open (a lift out
    of order is left out of them), kept unless an area covers one of their ends; None: the table
    has none.

    Complexity: one vectorised intersects test per edge and per link, plus all-pairs Dijkstra.
    """
    if not areas and rides is None:
        return table, np.zeros(len(table.points), dtype=bool)
    rides = np.zeros((0, 2), np.int64) if rides is None else np.asarray(rides, np.int64).reshape(-1, 2)
    costs = np.zeros(0) if ride_lengths is None else np.asarray(ride_lengths, float)
    blocked = shapely.union_all(areas) if areas else shapely.GeometryCollection()
    shapely.prepare(blocked)
    n = len(table.corners)
    corner_closed = np.asarray(shapely.intersects(blocked, shapely.points(table.corners)), dtype=bool)
    point_closed = np.asarray(shapely.intersects(blocked, shapely.points(np.nan_to_num(table.points, nan=1e12))),
                              dtype=bool)  # fmt: skip
    e = edges.astype(np.int64)
    if len(e):
        crossing = np.asarray(
            shapely.intersects(blocked, shapely.linestrings(table.corners[e].reshape(-1, 2, 2))), dtype=bool
        )
        keep = ~crossing & ~corner_closed[e[:, 0]] & ~corner_closed[e[:, 1]]
        e, lengths = e[keep], edge_lengths[keep].astype(float)
    else:
        lengths = np.zeros(0)
    open_rides = ~corner_closed[rides[:, 0]] & ~corner_closed[rides[:, 1]] if len(rides) else np.zeros(0, bool)
    dist, pred = shortest_paths(n, e, lengths, rides[open_rides], costs[open_rides])
    owners = np.repeat(np.arange(len(table.points)), np.diff(table.link_ptr))
    segments = shapely.linestrings(np.stack([table.points[owners], table.corners[table.link_corner]], axis=1))
    link_ok = ~np.asarray(shapely.intersects(blocked, segments), dtype=bool) if len(owners) else np.zeros(0, bool)
    link_ok &= ~corner_closed[table.link_corner] & ~point_closed[owners]
    kept_owner = owners[link_ok]
    link_ptr = np.searchsorted(kept_owner, np.arange(len(table.points) + 1)).astype(np.int64)
    free = table.free_grown.difference(blocked) if areas else table.free_grown
    shapely.prepare(free)
    closed = CornerTable(
        corners=table.corners,
        dist=np.asarray(dist, dtype=np.float32),
        pred=np.where(np.asarray(pred) < 0, -1, pred).astype(np.int32),
        points=table.points,
        link_ptr=link_ptr,
        link_corner=table.link_corner[link_ok],
        link_dist=table.link_dist[link_ok],
        free_grown=free,
        grid=BlockedGrid.of(free) if areas else table.grid,
        directed=bool(open_rides.any()),
    )
    return closed, point_closed


def with_point(
    table: CornerTable, xy: tuple[float, float], nearest: int = 64, snap_m: float = 0.0
) -> tuple[CornerTable, int] | None:
    """``table`` plus one more point (a shopper's position), linked to the corners it sees.

    A point outside the walkable space but within ``snap_m`` of it is moved to its nearest point
    (indoor positioning is never exact, and the walkable space keeps a clearance from shelves);
    farther away, None. Used for re-planning from where the shopper stands; costs one visibility
    test per nearby corner.
    """
    snapped = snap_into(table.free_grown, xy, snap_m)
    if snapped is None:
        return None
    xy = snapped
    n = len(table.corners)
    if n:
        order = np.argpartition(np.hypot(table.corners[:, 0] - xy[0], table.corners[:, 1] - xy[1]),
                                min(nearest, n) - 1)[:nearest]  # fmt: skip
        here = np.broadcast_to(np.asarray(xy, dtype=float), (len(order), 2))
        if table.grid is not None:  # most corners are behind a shelf: ruled out by the grid, no geometry
            order = order[~table.grid.crossed(here, table.corners[order])]
            here = here[: len(order)]
        segments = shapely.linestrings(np.stack([here, table.corners[order]], axis=1))
        seen = order[np.asarray(shapely.covers(table.free_grown, segments), dtype=bool)]
        seen.sort()
    else:
        seen = np.zeros(0, dtype=np.int64)
    points = np.vstack([table.points, np.asarray(xy, dtype=float)[None, :]])
    distances = np.hypot(table.corners[seen, 0] - xy[0], table.corners[seen, 1] - xy[1])
    extended = CornerTable(
        corners=table.corners,
        dist=table.dist,
        pred=table.pred,
        points=points,
        link_ptr=np.append(table.link_ptr, table.link_ptr[-1] + len(seen)),
        link_corner=np.concatenate([table.link_corner, seen.astype(np.int64)]),
        link_dist=np.concatenate([table.link_dist, distances]),
        free_grown=table.free_grown,
        grid=table.grid,
        directed=table.directed,
    )
    return extended, len(points) - 1
