"""Routes and closures."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
import orjson
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from api.catalog import ItemIn, to_items
from api.dependencies import Session
from api.guards import MANAGER_WRITE, SHOPPER_EXPENSIVE
from api.http import language_headers
from api.schemas import GeoPolygon, doc
from api.wiring import Wiring
from catalog.route import Route, RouteOptions, plan_route
from stores import closures
from stores.floorplan import service as floorplans
from stores.floorplan.parse import parse_plan
from stores.floorplan.svg import render_svg
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
    time_limit_ms: Annotated[int, doc("The solver's time budget for long lists.", ge=10, le=2000)] = 500
    directions: Annotated[bool, doc("Give the walk as steps (`directions`) too.")] = True


class ClosureIn(msgspec.Struct, forbid_unknown_fields=True):
    """What to close: a shelf face or an area (exactly one), until when."""

    shelf: Annotated[str, doc("A shelf face's id.", max_length=64)] | None = None
    polygon: Annotated[GeoPolygon | None, doc("An area of the store, in store-frame metres.")] = None
    until: Annotated[datetime | None, doc("When it opens again by itself (default: when lifted).")] = None


class ClosureOut(msgspec.Struct):
    """A closure routes avoid."""

    id: Annotated[str, doc("Its id, to lift it.")]
    shelf: Annotated[str | None, doc("The closed shelf face.")]
    polygon: Annotated[GeoPolygon | None, doc("The closed area.")]
    until: Annotated[datetime | None, doc("When it ends by itself.")]
    created_at: Annotated[datetime, doc("When it was made.")]

    @classmethod
    def of(cls, c: Closure) -> ClosureOut:
        polygon = msgspec.convert(c.polygon, GeoPolygon) if c.polygon is not None else None
        return cls(c.id, c.shelf, polygon, c.until, c.created_at)


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
        problems.append(Problem("invalid_start", "start is {entrance} or {x, y}", pointer="/start"))
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
    )


async def _route(services: Wiring, store_id: str, data: RouteIn, accept_language: str | None = None) -> Route:
    """The route use case with this worker's indexes and tables for the store."""
    options = _options(data, services.settings, accept_language)
    items = to_items(data.items)
    index, versions = await services.locations.get_versioned(store_id)
    route_table = await services.route_tables.get(index.artifact, versions[2])
    return await plan_route(index, await services.search.get(), route_table, items, options)


async def route_on_version(services: Wiring, store_id: str, version: int, data: RouteIn) -> Route:
    """The route use case on another version of the store's plan (a draft's preview): nothing
    closed, nothing held."""
    options = _options(data, services.settings)
    index = await services.locations.preview(store_id, version)
    return await plan_route(
        index, await services.search.get(), closures.open_table(index.artifact), to_items(data.items), options
    )


def _route_picture(source: bytes, result: Route, title: str) -> str:
    """The route over the plan, its item stops numbered and what it could not route listed
    (parsing and drawing a big plan takes a quarter of a second: run it in a thread)."""
    stops = [
        (stop.x, stop.y, f"{stop.name} ({stop.label or stop.shelf or ''})".replace(" ()", ""))
        for stop in result.stops
        if stop.kind == "item"
    ]
    unrouted = [f"{u.item.get('sku') or u.item.get('query') or u.item.get('gtin')}: {u.reason.replace('_', ' ')}"
                for u in result.unresolved]  # fmt: skip
    path = [(p[0], p[1]) for p in result.path]
    return render_svg(parse_plan(orjson.loads(source)), route=path, title=title, stops=stops, unrouted=unrouted)


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
        skus: Annotated[str, Parameter(min_length=1, max_length=4000, description="comma-separated skus")],
    ) -> Response[str]:
        """The walk `planRoute` answers for these skus (default start and end), drawn over the live plan:
        its item stops numbered in walking order, the skus it could not route listed in a corner."""
        wanted = tuple(s.strip() for s in skus.split(",") if s.strip())
        # The picture depends on the plan, placements, closures and catalog (names, storage):
        # all in the key, so a change draws afresh and a repeat is served from memory.
        _, versions = await services.locations.get_versioned(store_id)
        key = ("route", store_id, versions, (await services.search.get()).version, wanted)
        svg = services.pictures.get(key)
        if svg is None:
            result = await _route(services, store_id, RouteIn(items=[ItemIn(sku=s) for s in wanted]))
            _, source = await floorplans.plan_source(db, store_id, result.floorplan_version)
            title = f"{store_id}: {len(result.stops) - 2} stops, {result.distance_m} m"
            svg = services.pictures.put(key, await asyncio.to_thread(_route_picture, source, result, title))
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
        c = await closures.open_closure(db, store_id, artifact, data.shelf, polygon, data.until)
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
