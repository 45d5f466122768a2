"""Compile a validated floor plan into a navigation artifact.

Walkable space is shrunk by a shopper's half-width (``CLEARANCE_M``), so walks keep off shelves
and never hug fixture corners; passages narrower than twice that are not walkable. The artifact
holds, per mobility (walking, trolley, step-free: each with its own clearance and connectors,
``stores.floorplan.levels``), the corner table (all-pairs shortest walks between the reflex
corners of that space and the connector landings, across levels by the connectors), every
shelf's stand points every ``SLOT_SPACING_M`` metres, entrances and checkouts snapped into it,
and the graph nodes each of those points sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from routing.visibility import (
    all_pairs,
    grown,
    point_links,
    reflex_corners,
    snap_into,
    visibility_graph,
    with_nodes,
)
from stores.floorplan.levels import METRES_PER_SECOND, MOBILITIES, WALKING, Link, Mobility, allows, connector_links
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
class NavTable:
    """One mobility's navigation data (``stores.floorplan.levels.MOBILITIES``): its walkable
    space, the graph over its corners and connector landings, all-pairs walks between them, and
    the graph nodes each point sees. Points are the plan's, moved into this space when they lie
    just outside it (a wheelchair stands a little farther from the shelf); NaN where they cannot be."""

    nav: BaseGeometry
    corners: np.ndarray  # graph nodes: reflex corners, then the landings this mobility may use
    edges: np.ndarray  # (m, 2) both ways, i < j
    edge_lengths: np.ndarray
    rides: np.ndarray  # (r, 2) one way along a connector, between landing nodes
    ride_lengths: np.ndarray  # metres (a connector's seconds count as METRES_PER_SECOND each)
    ride_connector: np.ndarray  # per ride: index into Compiled.connector_ids
    dist: np.ndarray
    pred: np.ndarray
    points: np.ndarray
    link_ptr: np.ndarray
    link_corner: np.ndarray
    link_dist: np.ndarray


@dataclass
class Compiled:
    """Everything an artifact stores, as plain arrays and lists."""

    tables: dict[str, NavTable]
    entrance_ids: list[str]
    checkout_ids: list[str]
    zone_ids: list[str]
    shelf_slot_start: np.ndarray  # index into points of each shelf's first slot
    shelf_slot_count: np.ndarray
    shelf_length: np.ndarray
    slot_place: np.ndarray  # (s, 2) the product's place on the shelf line, per slot
    connector_ids: list[str] = field(default_factory=list)
    #: Per mobility, the levels (ids) it cannot reach from an entrance: the upload report says so.
    unreachable_levels: dict[str, list[str]] = field(default_factory=dict)

    @property
    def walking(self) -> NavTable:
        return self.tables[WALKING]

    @property
    def nav(self) -> BaseGeometry:
        return self.walking.nav

    @property
    def corners(self) -> np.ndarray:
        return self.walking.corners

    @property
    def edges(self) -> np.ndarray:
        return self.walking.edges

    @property
    def points(self) -> np.ndarray:
        return self.walking.points


def slot_count(length: float) -> int:
    """Slots of a shelf this long: one per started SLOT_SPACING_M, a micrometre of floating-point
    noise aside (a 1 m shelf turned by 90° measures 1.0000000000000002 m: still one slot).

    >>> slot_count(1.0000000000000002), slot_count(1.01), slot_count(0.2)
    (1, 2, 1)
    """
    return max(1, math.ceil(length / SLOT_SPACING_M - 1e-6))


def navigable_space(plan: FloorPlan, clearance_m: float = CLEARANCE_M) -> BaseGeometry:
    """Where the centre of a shopper may be: the walkable space shrunk by ``clearance_m``."""
    walkable = plan.walkable.simplify(SIMPLIFY_M, preserve_topology=True)
    nav = walkable.buffer(-clearance_m, join_style="mitre", mitre_limit=3.0)
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
    """Build the navigation data of ``plan``, one table per mobility; raises PlanInvalid for
    anything unreachable on foot, and for plans past MAX_CORNERS or MAX_STAND_POINTS (checked
    before the work they would cost)."""
    slots = sum(slot_count(s.line.length) for s in plan.shelves)
    if slots > MAX_STAND_POINTS:
        raise _too_complex(f"{slots} metres of shelf (one stand point each); at most {MAX_STAND_POINTS}")
    nav = navigable_space(plan)
    entrances = [_snap(nav, e.point) for e in plan.entrances]
    checkouts = [_snap(nav, c.point) for c in plan.checkouts]
    landings = [_snap(nav, c.point) for c in plan.landings]
    counts, places, stands, has_room = _shelf_slots(plan, nav)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.zeros(0, np.int64)
    links = connector_links(plan.landings, plan.levels)
    reach = _Reach(plan, nav, entrances, checkouts, landings, links)
    problems = reach.problems()
    slot_ok = reach.usable(stands)
    for shelf, s0, n in zip(plan.shelves, start, counts, strict=True):
        usable = has_room[s0 : s0 + n] & slot_ok[s0 : s0 + n]
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

    zones = [_zone_point(nav, z.polygon) for z in plan.zones]
    points = np.concatenate([np.asarray(entrances + checkouts + zones, float).reshape(-1, 2), stands])
    connector_ids = sorted({c.connector for c in plan.landings})
    tables = {}
    for name, mobility in MOBILITIES.items():
        space = nav if name == WALKING else navigable_space(plan, mobility.clearance_m)
        tables[name] = _table(plan, mobility, space, points, landings, links, connector_ids)
    base = len(entrances) + len(checkouts) + len(zones)
    return Compiled(
        tables=tables,
        entrance_ids=[e.id for e in plan.entrances],
        checkout_ids=[c.id for c in plan.checkouts],
        zone_ids=[z.id for z in plan.zones],
        shelf_slot_start=(start + base).astype(np.int64),
        shelf_slot_count=counts,
        shelf_length=np.asarray([s.line.length for s in plan.shelves], float),
        slot_place=places,
        connector_ids=connector_ids,
        unreachable_levels={name: reach.unreachable_levels(MOBILITIES[name]) for name in MOBILITIES if plan.levels},
    )


#: A point (a stand point, a door) this close to a wider mobility's space is moved into it.
MOBILITY_SNAP_M = 0.5


def _table(
    plan: FloorPlan,
    mobility: Mobility,
    nav: BaseGeometry,
    points: np.ndarray,
    landings: list[tuple[float, float]],
    links: list[Link],
    connector_ids: list[str],
) -> NavTable:
    """One mobility's table: the graph over the corners of its space and the landings it may use."""
    walking = mobility.name == WALKING
    corners = reflex_corners(nav)
    if len(corners.xy) > MAX_CORNERS:  # before the corners² work, which is what runs out of memory
        raise _too_complex(
            f"{len(corners.xy)} corners in the walkable space; at most {MAX_CORNERS} (simplify curved or jagged walls)"
        )
    node_of: dict[int, int] = {}  # landing index -> graph node
    extra: list[tuple[float, float]] = []
    for i, (landing, xy) in enumerate(zip(plan.landings, landings, strict=True)):
        moved = xy if walking else snap_into(nav, xy, MOBILITY_SNAP_M + mobility.clearance_m)
        if moved is not None and allows(mobility, landing):
            node_of[i] = len(corners.xy) + len(extra)
            extra.append(moved)
    nodes = with_nodes(corners, np.asarray(extra, float).reshape(-1, 2))
    free_grown = grown(nav)
    graph = visibility_graph(nav, free_grown, nodes, groups=plan.frame.level_of(nodes.xy[:, 0]))
    usable = [link for link in links if link.origin in node_of and link.target in node_of]
    rides = np.asarray([(node_of[k.origin], node_of[k.target]) for k in usable], np.int64).reshape(-1, 2)
    ride_lengths = np.asarray([k.seconds * METRES_PER_SECOND for k in usable], float)
    dist, pred = all_pairs(graph, rides, ride_lengths)
    own = points if walking else _moved_into(nav, points, MOBILITY_SNAP_M)
    link_ptr, link_corner, link_dist = point_links(free_grown, graph.corners, own)
    return NavTable(
        nav=nav, corners=graph.corners.xy, edges=graph.edges, edge_lengths=graph.lengths, rides=rides,
        ride_lengths=ride_lengths, ride_connector=np.asarray([connector_ids.index(k.connector) for k in usable],
                                                              np.int64),
        dist=dist, pred=pred, points=own, link_ptr=link_ptr, link_corner=link_corner, link_dist=link_dist,
    )  # fmt: skip


def _moved_into(nav: BaseGeometry, points: np.ndarray, within_m: float) -> np.ndarray:
    """``points`` moved into ``nav`` where they are outside it by at most ``within_m``; NaN where
    farther (a mobility that cannot stand there)."""
    shapely.prepare(nav)
    inside = np.asarray(shapely.covers(nav, shapely.points(points)), dtype=bool)
    out = points.copy()
    for i in np.flatnonzero(~inside):
        moved = snap_into(nav, (float(points[i, 0]), float(points[i, 1])), within_m)
        out[i] = moved if moved is not None else (np.nan, np.nan)
    return out


class _Reach:
    """Which parts of the walkable space a shopper on foot can reach from an entrance and get
    back from to a checkout, across levels by the connectors (networkx: parts are nodes, the
    connectors' rides directed edges)."""

    def __init__(
        self,
        plan: FloorPlan,
        nav: BaseGeometry,
        entrances: list[tuple[float, float]],
        checkouts: list[tuple[float, float]],
        landings: list[tuple[float, float]],
        links: list[Link],
    ) -> None:
        self.plan = plan
        self.parts = list(getattr(nav, "geoms", [nav]))
        self.tree = shapely.STRtree(self.parts)
        self.entrance_parts = set(self.part_of(np.asarray(entrances, float).reshape(-1, 2)).tolist()) - {-1}
        self.checkout_parts = self.part_of(np.asarray(checkouts, float).reshape(-1, 2))
        self.landing_parts = self.part_of(np.asarray(landings, float).reshape(-1, 2))
        self.links = links
        self.reached, self.returns = self.reach(MOBILITIES[WALKING])

    def part_of(self, xy: np.ndarray) -> np.ndarray:
        out = np.full(len(xy), -1)
        if len(xy):
            pts = shapely.points(np.nan_to_num(xy, nan=1e12))
            hits = self.tree.query(pts, predicate="intersects")
            out[hits[0]] = hits[1]
        return out

    def reach(self, mobility: Mobility) -> tuple[set[int], set[int]]:
        """The parts ``mobility`` can reach from an entrance, and those it can reach a checkout from."""
        graph = self.graph(mobility)
        checkouts = set(self.checkout_parts.tolist()) - {-1}
        return _descendants(graph, self.entrance_parts), _descendants(graph.reverse(copy=False), checkouts)

    def graph(self, mobility: Mobility) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(range(len(self.parts)))
        for link in self.links:
            a, b = int(self.landing_parts[link.origin]), int(self.landing_parts[link.target])
            if a >= 0 and b >= 0 and allows(mobility, self.plan.landings[link.origin]):
                graph.add_edge(a, b)
        return graph

    def problems(self) -> list[Problem]:
        problems = []
        for spot, part in zip(self.plan.checkouts, self.checkout_parts, strict=True):
            if part not in self.reached:
                problems.append(
                    Problem("unreachable", "the checkout cannot be reached from an entrance", feature_id=spot.id)
                )
        for landing, part in zip(self.plan.landings, self.landing_parts, strict=True):
            if part not in self.reached or part not in self.returns:
                problems.append(Problem("unreachable", "the connector's landing cannot be reached from an entrance, "
                                        "or no checkout from it", feature_id=landing.id))  # fmt: skip
        return problems

    def usable(self, xy: np.ndarray) -> np.ndarray:
        """Per point: in a part reached from an entrance, from which a checkout can be reached."""
        parts = self.part_of(xy)
        # One level: a part with an entrance will do (as ever); with connectors, one may also be
        # carried where no checkout can be reached (an escalator up and none down).
        good = np.asarray(sorted(self.reached & self.returns if self.links else self.reached), dtype=np.int64)
        return np.isin(parts, good)

    def unreachable_levels(self, mobility: Mobility) -> list[str]:
        """The levels with no part ``mobility`` can reach from an entrance and return from."""
        reached, returns = self.reach(mobility)
        ok = reached & returns
        reached_levels = {int(self.plan.frame.level_of(self.parts[p].representative_point().x)) for p in ok}
        return [level.id for k, level in enumerate(self.plan.levels) if k not in reached_levels]


def _descendants(graph: nx.DiGraph, sources: set[int]) -> set[int]:
    """``sources`` and every node reachable from them."""
    found = set(sources)
    for source in sources:
        found |= nx.descendants(graph, source)
    return found
