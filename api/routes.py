"""Routes and closures."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
import orjson
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.catalog import ItemIn, to_items
from api.dependencies import Session
from api.guards import MANAGER_WRITE, SHOPPER_EXPENSIVE
from api.http import language_headers
from api.schemas import GeoPolygon, LevelQuery, doc
from api.wiring import Wiring
from catalog.route import Mobility, Route, RouteOptions, RouteStop, plan_route
from stores import closures
from stores.floorplan import service as floorplans
from stores.floorplan.parse import parse_plan
from stores.floorplan.svg import level_shown, render_svg
from stores.infra.errors import Invalid, Problem
from stores.infra.settings import Settings
from stores.models import Closure
from stores.service import get_store

MAX_ROUTE_ITEMS = 200


class StartIn(msgspec.Struct, forbid_unknown_fields=True):
    """Where the walk starts: an entrance, or where the shopper stands (a re-plan)."""

    entrance: Annotated[str, doc("An entrance's id.", max_length=64)] | None = None
    x: Annotated[float, doc("Metres east in the store's frame (with y).", ge=-5000, le=5000)] | None = None
    y: Annotated[float, doc("Metres north in the store's frame (with x).", ge=-5000, le=5000)] | None = None
    level_id: Annotated[str, doc("The level (x, y) is on: required in a store with levels.", max_length=64)] | None = (
        None
    )


class EndIn(msgspec.Struct, forbid_unknown_fields=True):
    """Where the walk ends: a checkout."""

    checkout: Annotated[str, doc("A checkout's id.", max_length=64)]


class RouteIn(msgspec.Struct, forbid_unknown_fields=True):
    """A shopping list to walk, and how."""

    items: Annotated[list[ItemIn], doc("The items to pick, at most 200.", max_length=1000)]
    start: Annotated[StartIn | None, doc("Default: the best entrance.")] = None
    end: Annotated[EndIn | Literal["any"] | None, doc("A checkout, or `any` (the default): the best one.")] = None
    cold_last: Annotated[bool, doc("Chilled and frozen items after all ambient ones.")] = True
    heavy_first: Annotated[bool, doc("Heavy items before the others.")] = False
    fragile_last: Annotated[bool, doc("Fragile items after the others.")] = False
    time_limit_ms: Annotated[
        int,
        doc("The solver's time budget for long lists: an order of more than 25 stops not proven optimal "
            "(`optimal: false`) may use all of it.", ge=10, le=2000),
    ] = 500  # fmt: skip
    directions: Annotated[bool, doc("Give the walk as steps (`directions`) too.")] = True
    mobility: Annotated[
        Mobility,
        doc("`walking` (any connector, 0.30 m from fixtures), `trolley` (no stairs, escalators only where marked "
            "trolley-safe; 0.45 m) or `step_free` (lifts and ramps only; 0.60 m)."),
    ] = "walking"  # fmt: skip


class ClosureIn(msgspec.Struct, forbid_unknown_fields=True):
    """What to close: a shelf face, an area or a connector between levels, until when."""

    shelf: Annotated[str, doc("A shelf face's id.", max_length=64)] | None = None
    polygon: Annotated[GeoPolygon | None, doc("An area of the store, in store-frame metres.")] = None
    until: Annotated[datetime | None, doc("When it opens again by itself (default: when lifted).")] = None
    connector: (
        Annotated[str, doc("A connector's id (a lift out of order): no route takes it.", max_length=64)] | None
    ) = None
    level_id: (
        Annotated[str, doc("The level `polygon` lies on: required in a store with levels.", max_length=64)] | None
    ) = None


class ClosureOut(msgspec.Struct):
    """A closure routes avoid."""

    id: Annotated[str, doc("Its id, to lift it.")]
    shelf: Annotated[str | None, doc("The closed shelf face.")]
    polygon: Annotated[GeoPolygon | None, doc("The closed area.")]
    until: Annotated[datetime | None, doc("When it ends by itself.")]
    created_at: Annotated[datetime, doc("When it was made.")]
    connector: Annotated[str | None, doc("The closed connector.")] = None
    level_id: Annotated[str | None, doc("The level the closed area lies on.")] = None

    @classmethod
    def of(cls, c: Closure) -> ClosureOut:
        polygon = msgspec.convert(c.polygon, GeoPolygon) if c.polygon is not None else None
        return cls(c.id, c.shelf, polygon, c.until, c.created_at, c.connector, c.level_id)


class ClosureList(msgspec.Struct):
    """The store's active closures."""

    closures: Annotated[list[ClosureOut], doc("Closures in force now.")]


def _options(data: RouteIn, settings: Settings, accept_language: str | None = None) -> RouteOptions:
    problems = []
    if not data.items:
        problems.append(Problem("empty_list", "the shopping list is empty", pointer="/items"))
    if len(data.items) > MAX_ROUTE_ITEMS:
        problems.append(Problem("too_many_items", f"at most {MAX_ROUTE_ITEMS} items per route", pointer="/items"))
    start = data.start or StartIn()
    has_xy = start.x is not None or start.y is not None
    if has_xy and (start.x is None or start.y is None or start.entrance is not None):
        problems.append(Problem("invalid_start", "start is {entrance} or {x, y, level_id?}", pointer="/start"))
    if start.level_id is not None and not has_xy:
        problems.append(Problem("invalid_start", "level_id says where (x, y) is: give them", pointer="/start/level_id"))
    if problems:
        raise Invalid("The route request is invalid.", problems)
    return RouteOptions(
        start_entrance=start.entrance,
        start_xy=(start.x, start.y) if has_xy else None,  # type: ignore[arg-type]
        end_checkout=data.end.checkout if isinstance(data.end, EndIn) else None,
        cold_last=data.cold_last,
        heavy_first=data.heavy_first,
        fragile_last=data.fragile_last,
        time_limit_ms=data.time_limit_ms,
        walk_speed_mps=settings.walk_speed_mps,
        pick_seconds=settings.pick_seconds,
        accept_language=accept_language,
        directions=data.directions,
        mobility=data.mobility,
        start_level=start.level_id,
    )


async def _route(services: Wiring, store_id: str, data: RouteIn, accept_language: str | None = None) -> Route:
    """The route use case with this worker's indexes and tables for the store."""
    options = _options(data, services.settings, accept_language)
    items = to_items(data.items)
    index, versions = await services.locations.get_versioned(store_id)
    route_table = await services.route_tables.get(index.artifact, versions[2], options.mobility)
    return await plan_route(index, await services.search.get(), route_table, items, options)


async def route_on_version(services: Wiring, store_id: str, version: int, data: RouteIn) -> Route:
    """The route use case on another version of the store's plan (a draft's preview): nothing
    closed, nothing held."""
    options = _options(data, services.settings)
    index = await services.locations.preview(store_id, version)
    return await plan_route(
        index, await services.search.get(), closures.open_table(index.artifact, options.mobility),
        to_items(data.items), options,
    )  # fmt: skip


def route_picture(source: bytes, result: Route, title: str, level_id: str | None = None) -> str:
    """The route over the plan (one level of it: the start's, or ``level_id``), its item stops
    numbered and what it could not route listed (parsing and drawing a big plan takes a quarter of a
    second: run it in a thread)."""
    plan = parse_plan(orjson.loads(source))
    start_level = result.stops[0].level_id
    k = level_shown(plan, level_id if level_id is not None or not isinstance(start_level, str) else start_level)
    here = plan.levels[k].id if plan.levels else None

    def on_here(stop: RouteStop) -> bool:
        return here is None or stop.level_id == here

    items = [
        (n, stop) for n, stop in enumerate((s for s in result.stops if s.kind == "item"), start=1) if on_here(stop)
    ]
    stops = [
        (stop.x, stop.y, f"{stop.name} ({stop.label or stop.shelf or ''})".replace(" ()", "")) for _, stop in items
    ]
    unrouted = [f"{u.item.get('sku') or u.item.get('query') or u.item.get('gtin')}: {u.reason.replace('_', ' ')}"
                for u in result.unresolved]  # fmt: skip
    runs = ([[(p[0], p[1]) for p in s.path] for s in result.segments if s.level_id == here] if result.segments
            else [[(p[0], p[1]) for p in result.path]])  # fmt: skip
    title = f"{title}, {plan.levels[k].name}" if plan.levels else title
    return render_svg(plan.on_level(k), runs=runs, title=title, stops=stops, unrouted=unrouted,
                      numbers=[n for n, _ in items])  # fmt: skip


class RouteController(Controller):
    path = "/stores/{store_id:str}"
    tags = ["routes"]

    @post(
        "/route",
        status_code=200,
        guards=SHOPPER_EXPENSIVE,
        operation_id="planRoute",
        summary="The shortest walk from the entrance through the list to a checkout",
    )
    async def route(
        self,
        store_id: FromPath[str],
        data: JSONBody[RouteIn],
        services: NamedDependency[Wiring],
        request: Request[Any, Any, Any],
    ) -> Response[Route]:
        """The stops in walking order and the path through walkable space, avoiding closures. `optimal` is
        true only when the order is proven shortest. Give `start: {x, y}` to re-plan from where the shopper
        stands (a point up to 1.5 m outside walkable space is moved in; `snapped_m` says how far). Items it
        cannot visit are listed in `unresolved` with their reason. `directions` tells the walk step by step,
        each step with its part of the path, in the language `Accept-Language` prefers (`language`, also
        `Content-Language`; English when it names none of en, de, fr, es, nl); product names, shelf labels and
        departments follow it where the catalog and plan have them, else stay as they are."""
        answer = await _route(services, store_id, data, request.headers.get("accept-language"))
        for miss in answer.unresolved:
            sku = miss.sku if isinstance(miss.sku, str) else None
            services.search_misses.record_unresolved(store_id, "route", miss.item, miss.reason, sku)
        return Response(answer, headers=language_headers(answer.language))

    @get(
        "/route.svg",
        guards=SHOPPER_EXPENSIVE,
        media_type="image/svg+xml",
        operation_id="getRouteSvg",
        summary="The route for a list of skus, drawn over the live floor plan",
    )
    async def route_svg(
        self,
        store_id: FromPath[str],
        db: Session,
        services: NamedDependency[Wiring],
        skus: Annotated[str, QueryParameter(min_length=1, max_length=4000, description="comma-separated skus")],
        mobility: Annotated[Mobility, QueryParameter(description="As `planRoute`'s `mobility`.")] = "walking",
        level_id: LevelQuery = None,
    ) -> Response[str]:
        """The walk `planRoute` answers for these skus (default start and end), drawn over the live plan:
        its item stops numbered in walking order, the skus it could not route listed in a corner. A plan
        with levels is drawn one level at a time (`level_id`; default the start's), with the walk's runs on
        that level and its stops there (numbered as in the whole walk)."""
        wanted = tuple(s.strip() for s in skus.split(",") if s.strip())
        # The picture depends on the plan, placements, closures and catalog (names, storage):
        # all in the key, so a change draws afresh and a repeat is served from memory.
        _, versions = await services.locations.get_versioned(store_id)
        key = ("route", store_id, versions, (await services.search.get()).version, wanted, mobility, level_id)
        svg = services.pictures.get(key)
        if svg is None:
            result = await _route(services, store_id, RouteIn(items=[ItemIn(sku=s) for s in wanted], mobility=mobility))
            _, source = await floorplans.plan_source(db, store_id, result.floorplan_version)
            title = f"{store_id}: {len(result.stops) - 2} stops, {result.distance_m} m"
            svg = services.pictures.put(key, await asyncio.to_thread(route_picture, source, result, title, level_id))
        return Response(svg, media_type="image/svg+xml")

    @post(
        "/closures",
        guards=MANAGER_WRITE,
        status_code=201,
        operation_id="createClosure",
        summary="Close a shelf or an area; routes avoid it at once",
    )
    async def close(
        self, store_id: FromPath[str], data: JSONBody[ClosureIn], db: Session, services: NamedDependency[Wiring]
    ) -> ClosureOut:
        """A closed shelf is not picked from and a closed area is walked around, from the next route on;
        an item only reachable through it is `unresolved` (`unreachable`)."""
        artifact = await services.artifacts.live(db, store_id)
        polygon = msgspec.to_builtins(data.polygon) if data.polygon is not None else None
        c = await closures.open_closure(
            db, store_id, artifact, data.shelf, polygon, data.until, data.connector, data.level_id
        )
        return ClosureOut.of(c)

    @get("/closures", operation_id="listClosures", summary="Active closures")
    async def list_closures(self, store_id: FromPath[str], db: Session) -> ClosureList:
        """Closures in force now (ended and lifted ones are not listed)."""
        await get_store(db, store_id)
        return ClosureList([ClosureOut.of(c) for c in await closures.active_closures(db, store_id)])

    @delete("/closures/{closure_id:str}", guards=MANAGER_WRITE, operation_id="liftClosure", summary="Lift a closure")
    async def lift(self, store_id: FromPath[str], closure_id: FromPath[str], db: Session) -> None:
        """Routes walk through it again from the next route on."""
        await closures.lift_closure(db, store_id, closure_id)
