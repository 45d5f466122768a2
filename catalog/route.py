"""Plan a shopping route: the use case behind ``POST /stores/{id}/route``.

One call, :func:`plan_route`, in named steps that each take and return plain data:

1. :func:`gather_stops`: resolve the list (skus, free text) into one stop per product, or a
   reason it cannot be walked to;
2. :func:`choose_ends`: where the walk may start (an entrance, or where the shopper stands) and end;
3. :func:`measure_legs`: the shortest walks between every place involved, dropping what no start
   reaches;
4. :func:`solve_order`: the visiting order (``routing``), from the best entrance when there are several;
5. :func:`stitch_walk`: the walk as a polyline through the stops, with each leg's length;
6. :func:`shape_answer`: the typed answer (:class:`Route`), which the OpenAPI schema *is*.

Everything reads precomputed data: the store's location index (where each product is, as
stand-point indices), the route table (corner table, possibly derived for closures) and the
solver. The only geometry is a visibility test per leg pair that might be a straight line, and
linking a shopper's own (x, y) position when re-planning.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
from numpy.typing import NDArray

from catalog.directions import Direction, StopWords, Storeys, directions_language, tell
from catalog.languages import translated
from catalog.locate import Item, Resolved, locate_list
from catalog.locations import Carried, StoreIndex
from catalog.search import SearchIndex
from routing import PathSolution, solve_path, solve_ranked, with_start
from routing.closures import with_point
from routing.solve import is_quick
from routing.table import CornerTable, Legs, leg_paths, legs
from stores.closures import RouteTable
from stores.floorplan.artifact import NavArtifact
from stores.floorplan.levels import METRES_PER_SECOND, WALKING, LevelFrame
from stores.infra.errors import Invalid, Problem
from stores.infra.metrics import ROUTES, SOLVE_SECONDS

#: A solve expected to take at most this long runs on the request's own thread (handing it to
#: another costs ~0.3 ms of CPU); a longer one in a thread, so other requests are not held up.
INLINE_SOLVE_S = 0.003
#: A re-plan's start this close to the walkable space is moved into it (the start stop says where
#: the walk begins): indoor positioning is off by a metre, and beside a shelf a shopper stands in
#: the clearance the walkable space keeps from it.
START_SNAP_M = 1.5

PROVEN, UNPROVEN = ROUTES.labels("true"), ROUTES.labels("false")

#: Stands in for "no walk" where the solver needs finite numbers (beyond any real store walk).
_UNUSED = 1e7

Reason = Literal[
    "unknown_sku", "unknown_gtin", "no_match", "not_carried", "out_of_stock", "unreachable", "unreachable_with_mobility"
]
StopKind = Literal["start", "item", "end"]
Mobility = Literal["walking", "trolley", "step_free"]


def _doc(description: str) -> msgspec.Meta:
    return msgspec.Meta(description=description)


class RouteStop(msgspec.Struct, kw_only=True):
    """A stop of the walk: the start, an item (where the shopper stands to pick it), the end.
    Fields an item has and a start or end has not (and the other way round) are left out."""

    kind: Annotated[StopKind, _doc("The start, an item, or the end.")]
    x: Annotated[float, _doc("Where the shopper stands: metres east in the store's frame.")]
    y: Annotated[float, _doc("Where the shopper stands: metres north in the store's frame.")]
    leg_m: Annotated[float, _doc("The walk from the previous stop, metres (0 at the start).")]
    id: Annotated[str | msgspec.UnsetType | None, _doc("The entrance's or checkout's id (start, end).")] = msgspec.UNSET
    sku: Annotated[str | msgspec.UnsetType, _doc("The product picked here (items).")] = msgspec.UNSET
    name: Annotated[str | msgspec.UnsetType, _doc("The product's name (items).")] = msgspec.UNSET
    shelf: Annotated[str | msgspec.UnsetType | None, _doc("The shelf face it is on (items).")] = msgspec.UNSET
    aisle: Annotated[str | msgspec.UnsetType | None, _doc("The shelf's aisle (items).")] = msgspec.UNSET
    label: Annotated[str | msgspec.UnsetType | None, _doc("The shelf's label for shoppers (items).")] = msgspec.UNSET
    department: Annotated[str | msgspec.UnsetType | None, _doc("The product's department (items).")] = msgspec.UNSET
    level: Annotated[int | msgspec.UnsetType | None, _doc("The shelf level, from the floor (items).")] = msgspec.UNSET
    approximate: Annotated[
        bool | msgspec.UnsetType, _doc("True when only the product's department zone is known (items).")
    ] = msgspec.UNSET
    quantity: Annotated[int | msgspec.UnsetType, _doc("How many, when the list said (items).")] = msgspec.UNSET
    level_id: Annotated[
        str | msgspec.UnsetType, _doc("The level the stop is on (stores with levels; `level` is the shelf's).")
    ] = msgspec.UNSET


class PathSegment(msgspec.Struct, kw_only=True):
    """A run of the path on one level (stores with levels)."""

    level_id: Annotated[str, _doc("The level.")]
    path: Annotated[list[list[float]], _doc("[x, y] points in the level's frame.")]
    distance_m: Annotated[float, _doc("Its length, metres.")]


class Unresolved(msgspec.Struct, kw_only=True):
    """An item of the list that the walk does not visit, and why."""

    item: Annotated[dict[str, Any], _doc("The item as sent.")]
    reason: Annotated[Reason, _doc("Why it is not visited.")]
    sku: Annotated[str | msgspec.UnsetType, _doc("The product it resolved to, when it did.")] = msgspec.UNSET


class Route(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The answer: the walk from the start through every item it can reach to the end."""

    store_id: Annotated[str, _doc("The store.")]
    floorplan_version: Annotated[int, _doc("The floor plan version the walk was planned on.")]
    distance_m: Annotated[float, _doc("The walk's length in metres: the length of `path`.")]
    eta_s: Annotated[int, _doc("Walking plus picking time, seconds.")]
    optimal: Annotated[bool, _doc("True only when the order of stops is proven shortest.")]
    stops: Annotated[list[RouteStop], _doc("The start, every item stop in walking order, the end.")]
    path: Annotated[list[list[float]], _doc("The walk as [x, y] points, start to end, inside walkable space.")]
    unresolved: Annotated[list[Unresolved], _doc("Items the walk does not visit, and why.")]
    closures: Annotated[list[str], _doc("Ids of the closures the walk avoids.")]
    snapped_m: Annotated[
        float | None, _doc("How far the shopper's own start was moved into walkable space (absent when not moved).")
    ] = None
    gap_bound: Annotated[
        float | None,
        _doc(
            "When `optimal` is false: the walk is at most this fraction longer than the shortest one possible "
            "(0.04: 4%), by a certified lower bound; absent when optimal."
        ),
    ] = None
    language: Annotated[
        str, _doc("The language of `directions` and, where the catalog and plan have it, of names and labels.")
    ]
    directions: Annotated[
        list[Direction] | None,
        _doc("The walk as steps to read or speak, each with its part of `path` (absent when not asked for)."),
    ] = None
    mobility: Annotated[
        Mobility, _doc("Who the walk is for: the connectors and clearance it keeps to (absent: walking).")
    ] = "walking"
    segments: Annotated[
        list[PathSegment] | None,
        _doc("Stores with levels: `path` cut into runs on one level each, in walking order (where one ends and "
             "the next begins, a connector is taken)."),
    ] = None  # fmt: skip


@dataclass(frozen=True, slots=True)
class RouteOptions:
    start_entrance: str | None = None
    start_xy: tuple[float, float] | None = None
    end_checkout: str | None = None  # None: the best checkout
    cold_last: bool = True
    heavy_first: bool = False
    fragile_last: bool = False
    time_limit_ms: float = 500.0
    walk_speed_mps: float = 1.0
    pick_seconds: float = 15.0
    #: The request's Accept-Language: names, labels and directions follow it.
    accept_language: str | None = None
    directions: bool = True
    mobility: str = WALKING
    #: The level ``start_xy`` is on (stores with levels).
    start_level: str | None = None


@dataclass
class Stop:
    """One product to visit (duplicates on the list merge into one stop)."""

    carried: Carried
    items: list[Item] = field(default_factory=list)
    quantity: int = 0
    points: list[int] = field(default_factory=list)  # stand points it may be picked from


Spot = tuple[str | None, int]  # (entrance or checkout id, or None for the shopper's own spot; point)


@dataclass(frozen=True, slots=True)
class Ends:
    """Where the walk may start and end, on ``table`` (extended by the shopper's own spot)."""

    table: CornerTable
    starts: list[Spot]
    ends: list[Spot]
    snapped_m: float | None = None  # how far the shopper's own start was moved


@dataclass(frozen=True, slots=True)
class Measured:
    """The shortest walks between the places of a route (``walks``, indexed locally) and the
    stops that some start reaches."""

    point_ids: NDArray[np.int64]
    local: dict[int, int]
    walks: Legs
    reachable: NDArray[np.bool_]  # per local point: some start reaches it
    routable: list[Stop]
    end_locals: list[int]


@dataclass(frozen=True, slots=True)
class Walk:
    """The chosen walk: its start, the (local point, stop) visits in order, the end, the legs."""

    start: Spot
    visits: list[tuple[int, int]]
    end: int
    optimal: bool
    leg_lengths: list[float]
    path: list[list[float]]
    legs: list[list[list[float]]]  # each leg's polyline (rounded as ``path``), start and end included
    gap_bound: float | None = None  # at most this fraction above the shortest walk (unproven orders)
    ride_seconds: float = 0.0  # on connectors between levels


def _rank(stop: Stop, options: RouteOptions) -> int:
    product = stop.carried
    if (options.cold_last and product.storage in ("chilled", "frozen")) or (options.fragile_last and product.fragile):
        return 2
    return 0 if options.heavy_first and product.heavy else 1


def _miss(resolved: Resolved, reason: Reason) -> Unresolved:
    if resolved.sku is None:
        return Unresolved(item=resolved.item.as_json(), reason=reason)
    return Unresolved(item=resolved.item.as_json(), reason=reason, sku=resolved.sku)


def gather_stops(resolved: list[Resolved]) -> tuple[list[Stop], list[Unresolved]]:
    """One stop per product that can be walked to (a product listed twice is one stop, its
    quantities added), and the items that cannot, with the reason."""
    unresolved: list[Unresolved] = []
    stops: dict[str, Stop] = {}
    for r in resolved:
        if r.reason is not None or r.carried is None:
            unresolved.append(_miss(r, r.reason or "not_carried"))  # type: ignore[arg-type]
            continue
        stop = stops.setdefault(r.carried.sku, Stop(r.carried))
        stop.items.append(r.item)
        stop.quantity += r.item.quantity or 1
    return list(stops.values()), unresolved


def _named(spots: dict[str, int], wanted: str | None, kind: str, pointer: str) -> list[Spot]:
    """Every entrance (or checkout) as (id, point), or just the one asked for."""
    if wanted is None:
        return [(spot_id, point) for spot_id, point in spots.items()]
    if wanted not in spots:
        raise Invalid(f"Unknown {kind}.", [Problem(f"unknown_{kind}", f"no {kind} {wanted!r}", pointer=pointer)])
    return [(wanted, spots[wanted])]


def choose_ends(artifact: NavArtifact, table: CornerTable, options: RouteOptions) -> Ends:
    """The starts (the entrance asked for, every entrance, or the shopper's own spot linked into
    the table) and the ends (the checkout asked for, or every checkout)."""
    snapped_m = None
    if options.start_xy is None:
        starts = _named(artifact.entrances, options.start_entrance, "entrance", "/start/entrance")
    else:
        at = artifact.frame.to_frame(*options.start_xy, options.start_level)
        if at is None:
            levels = ", ".join(artifact.frame.ids)
            raise Invalid("The start's level is unknown.",
                          [Problem("invalid_level", f"this store's levels are {levels}: say which one (x, y) is on"
                                   if levels else "this store has one level: leave level_id out",
                                   pointer="/start/level_id")])  # fmt: skip
        extended = with_point(table, at, snap_m=START_SNAP_M)
        if extended is None:
            raise Invalid("The start is not in walkable space.",
                          [Problem("start_not_walkable", f"(x, y) is more than {START_SNAP_M:g} m from the walkable "
                                   "space, or in a closed area", pointer="/start")])  # fmt: skip
        table, start_point = extended
        starts = [(None, start_point)]
        moved = math.dist(at, table.points[start_point])
        snapped_m = round(moved, 2) if moved > 0 else None
    ends = _named(artifact.checkouts, options.end_checkout, "checkout", "/end/checkout")
    return Ends(table, starts, ends, snapped_m)


def measure_legs(
    ends: Ends, stops: list[Stop], closed: NDArray[np.bool_], mobility: str = WALKING
) -> tuple[Measured, list[Unresolved]]:
    """The shortest walks between every start, end and open stand point of the stops; stops no
    start reaches become ``unreachable`` (``unreachable_with_mobility`` for a trolley or step-free
    walk). Raises when no checkout can be reached."""
    for stop in stops:
        stop.points = sorted({loc.point for loc in stop.carried.locations if not closed[loc.point]})
    points = sorted({p for _, p in ends.starts} | {p for _, p in ends.ends} | {p for s in stops for p in s.points})
    local = {p: i for i, p in enumerate(points)}
    point_ids = np.asarray(points, dtype=np.int64)
    walks = legs(ends.table, point_ids)  # on the loop: prepared GEOS geometries must not be shared across threads
    reachable = np.asarray(np.isfinite(walks.dist[[local[p] for _, p in ends.starts]]).any(axis=0), dtype=bool)
    # ... and left again for a checkout (an escalator may carry one up where no way leads down).
    returns = np.asarray(np.isfinite(walks.dist[:, [local[p] for _, p in ends.ends]]).any(axis=1), dtype=bool)
    routable: list[Stop] = []
    unreachable: list[Unresolved] = []
    for stop in stops:
        stop.points = [p for p in stop.points if reachable[local[p]] and returns[local[p]]]
        if stop.points:
            routable.append(stop)
        else:
            reason: Reason = "unreachable" if mobility == WALKING else "unreachable_with_mobility"
            unreachable.extend(Unresolved(item=i.as_json(), reason=reason) for i in stop.items)
    end_locals = [local[p] for _, p in ends.ends if reachable[local[p]]]
    if not end_locals:
        raise Invalid("No checkout can be reached from the start.",
                      [Problem("unreachable", "every checkout is cut off from the start", pointer="/end")])  # fmt: skip
    return Measured(point_ids, local, walks, reachable, routable, end_locals), unreachable


async def _solved(solve: Callable[[], PathSolution], groups: list[list[int]], ranks: list[int]) -> PathSolution:
    """``solve()``: a long one in a thread (the compiled loops release the GIL), so the worker's
    other requests (mostly sub-millisecond lookups) are not queued behind it; a short one here,
    where handing it over would cost more than the solve."""
    return solve() if is_quick(groups, ranks, INLINE_SOLVE_S) else await asyncio.to_thread(solve)


async def solve_order(ends: Ends, measured: Measured, options: RouteOptions) -> tuple[PathSolution, Spot]:
    """The visiting order and the start it begins at."""
    local, dist = measured.local, measured.walks.dist
    groups = [[local[p] for p in s.points] for s in measured.routable]
    ranks = [_rank(s, options) for s in measured.routable]
    if len(ends.starts) == 1:
        solve = functools.partial(solve_path, dist, local[ends.starts[0][1]], measured.end_locals, groups,
                                  last=[i for i, r in enumerate(ranks) if r == 2],
                                  first=[i for i, r in enumerate(ranks) if r == 0],
                                  time_limit_ms=options.time_limit_ms)  # fmt: skip
        return await _solved(solve, groups, ranks), ends.starts[0]
    # Several entrances: one solve from a virtual start whose distance to each point is the best
    # entrance's; the entrance is then the one nearest the first stop. (Exact: given the first
    # stop, nothing else depends on the entrance.)
    finite = np.where(np.isfinite(dist), dist, _UNUSED)
    entrances = [local[p] for _, p in ends.starts if measured.reachable[local[p]]]
    padded = with_start(finite, finite[entrances].min(axis=0))
    solve = functools.partial(solve_ranked, padded, len(local), measured.end_locals, groups, ranks,
                              options.time_limit_ms)  # fmt: skip
    solution = await _solved(solve, groups, ranks)
    first_point = solution.order[0] if solution.order else solution.end
    chosen = entrances[int(np.argmin(finite[entrances, first_point]))]
    if solution.length >= _UNUSED:  # entrances in parts of the store cut off from each other
        raise Invalid("Not every item can be reached from one entrance; choose a start.",
                      [Problem("unreachable", "the items lie in parts of the store cut off from each other",
                               pointer="/start")])  # fmt: skip
    return solution, next(spot for spot in ends.starts if local[spot[1]] == chosen)


def stitch_walk(
    ends: Ends, measured: Measured, solution: PathSolution, start: Spot, frame: LevelFrame | None = None
) -> Walk:
    """The walk through the solver's visits as one polyline (rounded to centimetres), and each
    leg's length. The solver says which stop each visit serves: a point can serve several
    products, so the point alone cannot tell (guessing it back once dropped items).

    In a store with levels a leg's length is what is walked on the floors; the rest of its table
    distance is time on connectors (``ride_seconds``)."""
    visits = list(zip(solution.order, solution.stops, strict=True))
    nodes = [measured.local[start[1]]] + [node for node, _ in visits] + [solution.end]
    path: list[list[float]] = []
    leg_lengths: list[float] = []
    polylines: list[list[list[float]]] = []
    riding = 0.0
    exact, sizes = leg_paths(ends.table, measured.walks, measured.point_ids, nodes)
    rounded: list[list[float]] = np.round(exact, 2).tolist()
    ends_at = np.cumsum(sizes).tolist()
    for (a, b), size, stop in zip(itertools.pairwise(nodes), sizes.tolist(), ends_at, strict=True):
        length = float(measured.walks.dist[a, b])
        if frame is not None and frame.levelled:
            walked = _walked(exact[stop - size : stop], frame)
            riding += max(0.0, length - walked) / METRES_PER_SECOND
            length = walked
        leg_lengths.append(length)
        polyline = rounded[stop - size : stop]
        polylines.append(polyline)
        path.extend(polyline if not path else polyline[1:])
    return Walk(start, visits, solution.end, bool(solution.optimal), leg_lengths, path, polylines, solution.gap_bound,
                riding)  # fmt: skip


def _walked(polyline: NDArray[np.float64], frame: LevelFrame) -> float:
    """The length of a polyline on the floors: pieces that change level are rides, not walks."""
    if len(polyline) < 2:
        return 0.0
    xy = np.asarray(polyline, dtype=float)
    level = frame.level_of(xy[:, 0])
    pieces = np.hypot(*np.diff(xy, axis=0).T)
    return float(pieces[level[1:] == level[:-1]].sum())


@dataclass(frozen=True, slots=True)
class Wording:
    """How the answer names things: product names, labels and departments in ``language`` where the
    catalog and plan have it (None: as they are), and directions in ``directions`` (a language
    with templates)."""

    language: str | None = None
    directions: str = "en"
    name_of: Callable[[str], str | None] | None = None

    @classmethod
    def of(cls, accept_language: str | None, search: SearchIndex, index: StoreIndex) -> Wording:
        language = index.language(accept_language, search)
        name_of = None if language is None else functools.partial(search.name_of, language=language)
        return cls(language, directions_language(accept_language), name_of)

    def name(self, product: Carried) -> str:
        return (self.name_of(product.sku) if self.name_of is not None else None) or product.name


def shape_answer(
    index: StoreIndex, ends: Ends, measured: Measured, walk: Walk, unresolved: list[Unresolved],
    route_table: RouteTable, options: RouteOptions, wording: Wording | None = None,
) -> Route:  # fmt: skip
    """The answer: start, item and end stops with their legs, the path, distance, ETA and directions."""
    wording = wording or Wording()
    artifact = index.artifact
    points = ends.table.points

    def stand(point: int) -> tuple[float, float]:
        """Where the walk reaches a point (a wheelchair's may lie a little off the shelf's)."""
        return round(float(points[point, 0]), 2), round(float(points[point, 1]), 2)

    x, y = stand(walk.start[1])
    stops = [RouteStop(kind="start", id=walk.start[0], x=x, y=y, leg_m=0.0)]
    told = [StopWords("start", id=walk.start[0], stand=(x, y))]
    for (node, k), leg in zip(walk.visits, walk.leg_lengths, strict=False):
        stop = measured.routable[k]
        point = int(measured.point_ids[node])
        location = next(loc for loc in stop.carried.locations if loc.point == point)
        name = wording.name(stop.carried)
        label, department = location.worded(artifact, wording.language)
        x, y = stand(point)
        stops.append(RouteStop(
            kind="item", sku=stop.carried.sku, name=name, shelf=location.shelf, aisle=location.aisle, label=label,
            department=department, level=location.level, approximate=location.approximate, quantity=stop.quantity,
            x=x, y=y, leg_m=round(leg, 2),
        ))  # fmt: skip
        told.append(StopWords("item", name=name, label=label or location.shelf, level=location.level,
                              approximate=location.approximate, stand=(x, y),
                              place=None if location.approximate else artifact.place_of(point)))  # fmt: skip
    end_id = next(cid for cid, p in ends.ends if measured.local[p] == walk.end)
    x, y = stand(int(measured.point_ids[walk.end]))
    stops.append(RouteStop(kind="end", id=end_id, x=x, y=y, leg_m=round(walk.leg_lengths[-1], 2)))
    told.append(StopWords("end", id=end_id, stand=(x, y)))
    distance = float(sum(walk.leg_lengths))
    picks = sum(1 + 0.2 * (s.quantity - 1) for s in measured.routable)
    storeys = Storeys([translated(v.name, v.names, wording.language) or v.name for v in artifact.levels],
                      [v.ordinal for v in artifact.levels])  # fmt: skip
    route = Route(
        store_id=index.store_id,
        floorplan_version=index.floorplan_version,
        distance_m=round(distance, 2),
        eta_s=round(distance / options.walk_speed_mps + walk.ride_seconds + options.pick_seconds * picks),
        optimal=walk.optimal,
        stops=stops,
        path=walk.path,
        unresolved=unresolved,
        closures=list(route_table.closure_ids),
        snapped_m=ends.snapped_m,
        gap_bound=None if walk.gap_bound is None else round(walk.gap_bound, 4),
        language=wording.directions,
        directions=tell(artifact, told, walk.legs, wording.directions, storeys) if options.directions else None,
        mobility=options.mobility,  # type: ignore[arg-type]
    )
    return on_levels(route, artifact.frame) if artifact.frame.levelled else route


def on_levels(route: Route, frame: LevelFrame) -> Route:
    """A route planned in the compile frame, told in each level's own frame: every stop and step
    with its level, the path moved level by level and cut into ``segments``."""

    def moved(point: list[float]) -> tuple[list[float], str]:
        x, y, level = frame.to_level(point[0], point[1])
        return [round(x, 2), round(y, 2)], level  # type: ignore[return-value]

    for stop in route.stops:
        (stop.x, stop.y), stop.level_id = moved([stop.x, stop.y])
    segments: list[PathSegment] = []
    for point in route.path:
        xy, level = moved(point)
        if not segments or segments[-1].level_id != level:
            segments.append(PathSegment(level_id=level, path=[], distance_m=0.0))
        here = segments[-1].path
        if here:
            segments[-1].distance_m += math.dist(here[-1], xy)
        here.append(xy)
    for segment in segments:
        segment.distance_m = round(segment.distance_m, 2)
    route.path = [point for segment in segments for point in segment.path]
    route.segments = segments
    for step in route.directions or []:
        placed = [moved(point) for point in step.path]
        step.path = [xy for xy, _ in placed]
        step.level_id = placed[-1][1]
    return route


async def plan_route(
    index: StoreIndex,
    search: SearchIndex,
    route_table: RouteTable,
    items: list[Item],
    options: RouteOptions,
) -> Route:
    """The shortest walk from a start through every item of ``items`` that can be walked to, to
    a checkout; the other items are listed in ``unresolved`` with the reason."""
    stops, unresolved = gather_stops(await locate_list(index, search, items))
    ends = choose_ends(index.artifact, route_table.table, options)
    measured, unreachable = measure_legs(ends, stops, route_table.closed_points, options.mobility)
    started = time.perf_counter()
    solution, start = await solve_order(ends, measured, options)
    SOLVE_SECONDS.observe(time.perf_counter() - started)
    (PROVEN if solution.optimal else UNPROVEN).inc()
    walk = stitch_walk(ends, measured, solution, start, index.artifact.frame)
    wording = Wording.of(options.accept_language, search, index)
    return shape_answer(index, ends, measured, walk, unresolved + unreachable, route_table, options, wording)
