"""Compile a validated floor plan into a navigation artifact.

Walkable space is shrunk by a shopper's half-width (``CLEARANCE_M``), so walks keep off shelves
and never hug fixture corners; passages narrower than twice that are not walkable. The artifact
holds the corner table (all-pairs shortest walks between the reflex corners of that space),
every shelf's stand points every ``SLOT_SPACING_M`` metres, entrances and checkouts snapped
into it, and the corners each of those points sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from routing.visibility import all_pairs, grown, point_links, reflex_corners, snap_into, visibility_graph
from stores.floorplan.parse import PlanInvalid
from stores.floorplan.plan import FloorPlan
from stores.infra.errors import Problem

CLEARANCE_M = 0.3
SLOT_SPACING_M = 1.0
STAND_OFFSETS_M = (0.6, 0.45, 0.75, 0.35, 0.9, 1.05)
REACH_M = 1.2
#: Walls are simplified within this many metres before the clearance is taken: a curved wall
#: drawn in CAD as thousands of tiny segments would otherwise make thousands of corners (the
#: clearance from a curved wall is CLEARANCE_M give or take this much).
SIMPLIFY_M = 0.05
#: Most reflex corners a plan may have. The compile keeps two corners x corners tables (6 bytes
#: a pair stored, 8 loaded) and tests about corners²/2 pairs: 3,000 corners is ~54 MB stored
#: and about a gigabyte at the compile's peak. A 15,000 m² hypermarket has ~700.
MAX_CORNERS = 3_000
#: Most stand points (one per metre of shelf): each keeps its links to up to 64 corners. A
#: hypermarket has ~7,000.
MAX_STAND_POINTS = 60_000


@dataclass
class Compiled:
    """Everything an artifact stores, as plain arrays and lists."""

    nav: BaseGeometry
    corners: np.ndarray
    edges: np.ndarray
    edge_lengths: np.ndarray
    dist: np.ndarray
    pred: np.ndarray
    points: np.ndarray  # entrances, then checkouts, then zones, then shelf slots
    link_ptr: np.ndarray
    link_corner: np.ndarray
    link_dist: np.ndarray
    entrance_ids: list[str]
    checkout_ids: list[str]
    zone_ids: list[str]
    shelf_slot_start: np.ndarray  # index into points of each shelf's first slot
    shelf_slot_count: np.ndarray
    shelf_length: np.ndarray
    slot_place: np.ndarray  # (s, 2) the product's place on the shelf line, per slot


def slot_count(length: float) -> int:
    """Slots of a shelf this long: one per started SLOT_SPACING_M, a micrometre of floating-point
    noise aside (a 1 m shelf turned by 90° measures 1.0000000000000002 m: still one slot).

    >>> slot_count(1.0000000000000002), slot_count(1.01), slot_count(0.2)
    (1, 2, 1)
    """
    return max(1, math.ceil(length / SLOT_SPACING_M - 1e-6))


def navigable_space(plan: FloorPlan) -> BaseGeometry:
    walkable = plan.walkable.simplify(SIMPLIFY_M, preserve_topology=True)
    nav = walkable.buffer(-CLEARANCE_M, join_style="mitre", mitre_limit=3.0)
    parts = [p for p in getattr(nav, "geoms", [nav]) if isinstance(p, Polygon) and p.area > 0.05]
    return MultiPolygon(parts) if len(parts) != 1 else parts[0]


def _snap(nav: BaseGeometry, point: Point) -> tuple[float, float]:
    """The point, or the nearest point of the navigable space, a centimetre inside it (a door on
    a wall lies outside the space shrunk by the clearance; on its edge, by floating-point noise)."""
    snapped = snap_into(nav, (point.x, point.y))
    return (point.x, point.y) if snapped is None else snapped  # None: no navigable space at all


def _zone_point(nav: BaseGeometry, zone: Polygon) -> tuple[float, float]:
    """Where to send a shopper for "somewhere in this department": inside the zone if possible."""
    inside = zone.intersection(nav)
    if not inside.is_empty and inside.area > 0.01:
        biggest = max(getattr(inside, "geoms", [inside]), key=lambda g: g.area)
        point = biggest.representative_point()
        return (point.x, point.y)
    return _snap(nav, zone.centroid)


def _shelf_slots(plan: FloorPlan, nav: BaseGeometry) -> tuple[np.ndarray, ...]:
    """Slots per shelf, the product's place on the shelf per slot, its stand point, and whether
    the slot has standing room."""
    counts, places, normals = [], [], []
    for shelf in plan.shelves:
        length = shelf.line.length
        n = slot_count(length)
        pos = (np.arange(n) + 0.5) * length / n
        counts.append(n)
        at = shapely.line_interpolate_point(shelf.line, pos)
        ahead = shapely.line_interpolate_point(shelf.line, np.minimum(pos + 0.05, length))
        behind = shapely.line_interpolate_point(shelf.line, np.maximum(pos - 0.05, 0.0))
        xy = shapely.get_coordinates(at)
        d = shapely.get_coordinates(ahead) - shapely.get_coordinates(behind)
        d /= np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-12)[:, None]
        places.append(xy)
        normals.append(np.stack([-d[:, 1], d[:, 0]], axis=1))
    if not counts:
        empty = np.zeros((0, 2))
        return np.zeros(0, np.int64), empty, empty, np.zeros(0, bool)
    place = np.concatenate(places)
    normal = np.concatenate(normals)
    stand = np.full_like(place, np.nan)
    for offset in STAND_OFFSETS_M:
        for side in (1.0, -1.0):
            todo = np.isnan(stand[:, 0])
            if not todo.any():
                break
            candidate = place[todo] + side * offset * normal[todo]
            ok = shapely.covers(nav, shapely.points(candidate))
            idx = np.flatnonzero(todo)[ok]
            stand[idx] = candidate[ok]
    for i in np.flatnonzero(np.isnan(stand[:, 0])):
        near = snap_into(nav, (float(place[i, 0]), float(place[i, 1])), REACH_M)
        if near is not None:
            stand[i] = near
    reachable = ~np.isnan(stand[:, 0])
    return np.asarray(counts, np.int64), place, stand, reachable


def _too_complex(message: str) -> PlanInvalid:
    return PlanInvalid("The floor plan is too complex.", [Problem("too_complex", message, pointer="")])


def compile_plan(plan: FloorPlan) -> Compiled:
    """Build the navigation data of ``plan``; raises PlanInvalid for anything unreachable, and
    for plans past MAX_CORNERS or MAX_STAND_POINTS (checked before the work they would cost)."""
    slots = sum(slot_count(s.line.length) for s in plan.shelves)
    if slots > MAX_STAND_POINTS:
        raise _too_complex(f"{slots} metres of shelf (one stand point each); at most {MAX_STAND_POINTS}")
    nav = navigable_space(plan)
    problems: list[Problem] = []
    entrances = [_snap(nav, e.point) for e in plan.entrances]
    checkouts = [_snap(nav, c.point) for c in plan.checkouts]
    counts, places, stands, has_room = _shelf_slots(plan, nav)

    # Reachability: a part of the navigable space is connected; parts with an entrance count.
    parts = list(getattr(nav, "geoms", [nav]))
    tree = shapely.STRtree(parts)

    def part_of(xy: np.ndarray) -> np.ndarray:
        out = np.full(len(xy), -1)
        if len(xy):
            pts = shapely.points(np.nan_to_num(xy, nan=1e12))
            hits = tree.query(pts, predicate="intersects")
            out[hits[0]] = hits[1]
        return out

    entrance_parts = set(part_of(np.asarray(entrances, float).reshape(-1, 2)).tolist()) - {-1}
    for spot, part in zip(plan.checkouts, part_of(np.asarray(checkouts, float).reshape(-1, 2)), strict=True):
        if part not in entrance_parts:
            problems.append(
                Problem("unreachable", "the checkout cannot be reached from an entrance", feature_id=spot.id)
            )
    slot_part = part_of(stands)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.zeros(0, np.int64)
    for shelf, s0, n in zip(plan.shelves, start, counts, strict=True):
        usable = has_room[s0 : s0 + n] & np.isin(slot_part[s0 : s0 + n], list(entrance_parts))
        if not usable.any():
            reason = "no standing room" if not has_room[s0 : s0 + n].any() else "cannot be reached from an entrance"
            problems.append(
                Problem(
                    "unreachable",
                    f"the shelf {reason} (≥ {CLEARANCE_M:g} m from fixtures, ≤ {REACH_M:g} m away)",
                    feature_id=shelf.id,
                )
            )
        else:
            # Unusable slots of a usable shelf borrow the nearest usable slot's stand point.
            good = np.flatnonzero(usable)
            for i in np.flatnonzero(~usable):
                j = good[np.argmin(np.abs(good - i))]
                stands[s0 + i] = stands[s0 + j]
    if problems:
        raise PlanInvalid(f"The floor plan has {len(problems)} problem(s).", problems)

    corners = reflex_corners(nav)
    if len(corners.xy) > MAX_CORNERS:  # before the corners² work, which is what runs out of memory
        raise _too_complex(
            f"{len(corners.xy)} corners in the walkable space; at most {MAX_CORNERS} (simplify curved or jagged walls)"
        )
    free_grown = grown(nav)
    graph = visibility_graph(nav, free_grown, corners)
    dist, pred = all_pairs(graph)
    zones = [_zone_point(nav, z.polygon) for z in plan.zones]
    points = np.concatenate([np.asarray(entrances + checkouts + zones, float).reshape(-1, 2), stands])
    link_ptr, link_corner, link_dist = point_links(free_grown, graph.corners, points)
    base = len(entrances) + len(checkouts) + len(zones)
    return Compiled(
        nav=nav,
        corners=graph.corners.xy,
        edges=graph.edges,
        edge_lengths=graph.lengths,
        dist=dist,
        pred=pred,
        points=points,
        link_ptr=link_ptr,
        link_corner=link_corner,
        link_dist=link_dist,
        entrance_ids=[e.id for e in plan.entrances],
        checkout_ids=[c.id for c in plan.checkouts],
        zone_ids=[z.id for z in plan.zones],
        shelf_slot_start=(start + base).astype(np.int64),
        shelf_slot_count=counts,
        shelf_length=np.asarray([s.line.length for s in plan.shelves], float),
        slot_place=places,
    )
