"""Shopping routes: resolve the list, choose stand points, order the stops, draw the walk.

Everything here reads precomputed data: the store's location index (where each product is, as
stand-point indices), the route table (corner table, possibly derived for closures) and the
solver. The only geometry is a visibility test per leg pair that might be a straight line, and
linking a shopper's own (x, y) position when re-planning.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from catalog.locate import Item, locate_list
from catalog.locations import Carried, StoreIndex
from catalog.search import SearchIndex
from routing import solve_path, solve_ranked, with_start
from routing.closures import with_point
from routing.table import leg_path, legs
from stores.closures import RouteTable
from stores.errors import Invalid, Problem

#: Stands in for "no walk" where the solver needs finite numbers (beyond any real store walk).
_UNUSED = 1e7


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


@dataclass
class _Stop:
    carried: Carried
    items: list[Item] = field(default_factory=list)
    quantity: int = 0
    points: list[int] = field(default_factory=list)


def _rank(stop: _Stop, options: RouteOptions) -> int:
    product = stop.carried
    if (options.cold_last and product.storage in ("chilled", "frozen")) or (options.fragile_last and product.fragile):
        return 2
    return 0 if options.heavy_first and product.heavy else 1


def _named(spots: dict[str, int], wanted: str | None, kind: str, pointer: str) -> list[tuple[str | None, int]]:
    """Every entrance (or checkout) as (id, point), or just the one asked for."""
    if wanted is None:
        return list(spots.items())
    if wanted not in spots:
        raise Invalid(f"Unknown {kind}.", [Problem(f"unknown_{kind}", f"no {kind} {wanted!r}", pointer=pointer)])
    return [(wanted, spots[wanted])]


async def plan_route(
    index: StoreIndex,
    search: SearchIndex,
    route_table: RouteTable,
    items: list[Item],
    options: RouteOptions,
) -> dict[str, Any]:
    artifact = index.artifact
    table = route_table.table
    resolved = await locate_list(index, search, items)
    unresolved: list[dict[str, Any]] = []
    stops: dict[str, _Stop] = {}
    for r in resolved:
        if r.reason is not None or r.carried is None:
            miss = {"item": r.item.as_json(), "reason": r.reason or "not_carried"}
            unresolved.append(miss if r.sku is None else {**miss, "sku": r.sku})
            continue
        stop = stops.setdefault(r.carried.sku, _Stop(r.carried))
        stop.items.append(r.item)  # duplicates merge into one stop
        stop.quantity += r.item.quantity or 1

    # Where the walk starts and may end.
    if options.start_xy is not None:
        extended = with_point(table, options.start_xy)
        if extended is None:
            raise Invalid("The start is not in walkable space.",
                          [Problem("start_not_walkable", "(x, y) is outside the walkable space or in a closed area",
                                   pointer="/start")])  # fmt: skip
        table, start_point = extended
        starts = [(None, start_point)]
    else:
        starts = _named(artifact.entrances, options.start_entrance, "entrance", "/start/entrance")
    ends = _named(artifact.checkouts, options.end_checkout, "checkout", "/end/checkout")

    closed = route_table.closed_points
    for stop in stops.values():
        stop.points = sorted({loc.point for loc in stop.carried.locations if not closed[loc.point]})
    points = sorted({p for _, p in starts} | {p for _, p in ends} | {p for s in stops.values() for p in s.points})
    local = {p: i for i, p in enumerate(points)}
    point_ids = np.asarray(points, dtype=np.int64)
    walks = legs(table, point_ids)  # on the loop: prepared GEOS geometries must not be shared across threads

    # Drop what cannot be reached from any start (closed shelves, closed-off areas).
    start_locals = [local[p] for _, p in starts]
    reachable = np.isfinite(walks.dist[start_locals]).any(axis=0)
    routable: list[_Stop] = []
    for stop in stops.values():
        stop.points = [p for p in stop.points if reachable[local[p]]]
        if stop.points:
            routable.append(stop)
        else:
            unresolved.extend({"item": i.as_json(), "reason": "unreachable"} for i in stop.items)
    end_locals = [local[p] for _, p in ends if reachable[local[p]]]
    if not end_locals:
        raise Invalid("No checkout can be reached from the start.",
                      [Problem("unreachable", "every checkout is cut off from the start", pointer="/end")])  # fmt: skip

    groups = [[local[p] for p in s.points] for s in routable]
    ranks = [_rank(s, options) for s in routable]
    last = [i for i, r in enumerate(ranks) if r == 2]
    first = [i for i, r in enumerate(ranks) if r == 0]
    if len(starts) == 1:
        start_id, start_point = starts[0]
        # In a thread: the solver's numpy work releases the GIL, so the worker's other requests
        # (mostly sub-millisecond lookups) are not queued behind a 20-item solve.
        solve = functools.partial(solve_path, walks.dist, local[start_point], end_locals, groups, last=last,
                                  first=first, time_limit_ms=options.time_limit_ms)  # fmt: skip
        solution = await asyncio.to_thread(solve)
    else:
        # Several entrances: one solve from a virtual start whose distance to each point is the
        # best entrance's; the entrance is then the one nearest the first stop. (Exact: given the
        # first stop, nothing else depends on the entrance.)
        k = len(points)
        finite = np.where(np.isfinite(walks.dist), walks.dist, _UNUSED)
        entrances = [local[p] for _, p in starts if reachable[local[p]]]
        padded = with_start(finite, finite[entrances].min(axis=0))
        solution = await asyncio.to_thread(solve_ranked, padded, k, end_locals, groups, ranks, options.time_limit_ms)
        first_point = solution.order[0] if solution.order else solution.end
        chosen = entrances[int(np.argmin(finite[entrances, first_point]))]
        start_id, start_point = next((sid, p) for sid, p in starts if local[p] == chosen)
        if solution.length >= _UNUSED:  # entrances in parts of the store cut off from each other
            raise Invalid("Not every item can be reached from one entrance; choose a start.",
                          [Problem("unreachable", "the items lie in parts of the store cut off from each other",
                                   pointer="/start")])  # fmt: skip

    # The solver says which stop each visit serves: a point can serve several products, so the
    # point alone cannot tell (guessing it back dropped items that shared a spot).
    sequence = list(zip(solution.order, solution.stops, strict=True))  # (local point, stop index)
    walk = [local[start_point]] + [node for node, _ in sequence] + [solution.end]
    path: list[list[float]] = []
    leg_lengths: list[float] = []
    for a, b in itertools.pairwise(walk):
        leg_lengths.append(float(walks.dist[a, b]))
        polyline = leg_path(table, walks, point_ids, a, b)
        for x, y in polyline if not path else polyline[1:]:
            path.append([round(x, 2), round(y, 2)])
    start_xy = table.points[point_ids[walk[0]]]
    out_stops: list[dict[str, Any]] = [
        {
            "kind": "start",
            "id": start_id,
            "x": round(float(start_xy[0]), 2),
            "y": round(float(start_xy[1]), 2),
            "leg_m": 0.0,
        }
    ]
    for (node, k), leg in zip(sequence, leg_lengths, strict=False):
        stop = routable[k]
        point = int(point_ids[node])
        location = next(loc for loc in stop.carried.locations if loc.point == point)
        out_stops.append({
            "kind": "item", "sku": stop.carried.sku, "name": stop.carried.name, "shelf": location.shelf,
            "aisle": location.aisle, "label": location.label, "level": location.level,
            "approximate": location.approximate, "quantity": stop.quantity,
            "x": round(location.x, 2), "y": round(location.y, 2), "leg_m": round(leg, 2),
        })  # fmt: skip
    end_id = next(cid for cid, p in ends if local[p] == solution.end)
    end_xy = table.points[point_ids[solution.end]]
    out_stops.append({"kind": "end", "id": end_id, "x": round(float(end_xy[0]), 2), "y": round(float(end_xy[1]), 2),
                      "leg_m": round(leg_lengths[-1], 2)})  # fmt: skip
    distance = float(sum(leg_lengths))
    picks = sum(1 + 0.2 * (s.quantity - 1) for s in routable)
    return {
        "store_id": index.store_id,
        "floorplan_version": index.floorplan_version,
        "distance_m": round(distance, 2),
        "eta_s": round(distance / options.walk_speed_mps + options.pick_seconds * picks),
        "optimal": bool(solution.optimal),
        "stops": out_stops,
        "path": path,
        "unresolved": unresolved,
        "closures": list(route_table.closure_ids),
    }
