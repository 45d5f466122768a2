"""Floor plans: upload (GeoJSON v1 or IMDF zip), versions, the live plan as GeoJSON and SVG."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import msgspec
import orjson
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from api.dependencies import Session
from api.guards import MANAGER_PUBLISH, MANAGER_READ, MANAGER_UPLOAD
from api.http import conditional, strong_etag
from api.routes import RouteIn, route_on_version
from api.schemas import FloorPlan, LevelQuery, PlanReport, VersionStatus, doc, encoded, stored
from api.wiring import Wiring
from catalog.publish import activate_plan, publish_plan
from catalog.route import Route
from stores.floorplan import service
from stores.floorplan.parse import parse_plan
from stores.floorplan.svg import level_shown, render_svg

#: How long a client may use the live plan without asking again (then it revalidates: 304).
MAX_AGE_S = 60
#: A version number in a path (a 32-bit integer in the database).
Version = Annotated[int, Parameter(ge=1, le=2**31 - 1)]


class UploadResult(msgspec.Struct):
    """A stored floor plan version."""

    version: Annotated[int, doc("The new version's number.")]
    report: Annotated[PlanReport, doc("Its validation and compile report, with its diff against the live plan.")]
    status: Annotated[VersionStatus, doc("`draft`: stored, not live; `live`: published (`publish=true`).")]


class VersionOut(msgspec.Struct):
    """A stored floor plan version."""

    version: Annotated[int, doc("Its number.")]
    source_format: Annotated[str, doc("What was uploaded: `geojson`, `imdf` or `dxf`.")]
    report: Annotated[PlanReport, doc("Its validation and compile report.")]
    created_by: Annotated[str | None, doc("The id of the token that uploaded it.")]
    created_at: Annotated[datetime, doc("When it was uploaded.")]
    live: Annotated[bool, doc("Whether shoppers see it now.")]
    status: Annotated[VersionStatus, doc("`draft` (never live), `live`, or `published` (live before).")]
    published_at: Annotated[datetime | None, doc("When it first went live.")]


class VersionList(msgspec.Struct):
    """Every stored version, newest first."""

    versions: Annotated[list[VersionOut], doc("The versions.")]


class Activated(msgspec.Struct):
    """The version now live."""

    store_id: Annotated[str, doc("The store.")]
    floorplan_version: Annotated[int, doc("The live version.")]


class FloorplanController(Controller):
    path = "/stores/{store_id:str}/floorplan"
    tags = ["floor plans"]

    @put(
        "/",
        guards=MANAGER_UPLOAD,
        status_code=201,
        operation_id="uploadFloorPlan",
        summary="Upload a floor plan (GeoJSON v1, IMDF zip) as a draft, or publish it at once",
        description=(
            "A valid plan is stored as a draft with its validation report and its diff against the live plan "
            "(`report.diff`: shelves, entrances and checkouts added, removed, moved; placements it would drop). "
            "`activate` publishes it. With `publish=true` it goes live at once instead (and counts against the "
            "hourly upload limit; drafts have their own, larger one). Publishing a plan that drops placed products "
            "needs `confirm_drops=true`, else 409 `drops_placements` and nothing changes."
        ),
    )
    async def upload(
        self,
        store_id: FromPath[str],
        request: Request[Any, Any, Any],
        db: Session,
        services: NamedDependency[Wiring],
        publish: FromQuery[bool] = False,
        confirm_drops: FromQuery[bool] = False,
    ) -> UploadResult:
        body = await request.body()
        principal = getattr(request.state, "principal", None)
        content_type = request.headers.get("content-type", "")
        created_by = getattr(principal, "token_id", None)
        uploaded = await publish_plan(
            db, services.compiler, store_id, body, content_type, created_by, publish, confirm_drops
        )
        return UploadResult(uploaded.version, stored(uploaded.report), "live" if uploaded.live else "draft")

    @get("/", operation_id="getFloorPlan", summary="The live floor plan as GeoJSON (v1, or v2 with levels)")
    async def show(
        self, store_id: FromPath[str], db: Session, request: Request[Any, Any, Any],
        services: NamedDependency[Wiring], level_id: LevelQuery = None,
    ) -> Response[FloorPlan]:  # fmt: skip
        """What the app draws: the live plan in store-frame metres (a plan with levels: v2, every feature
        with its `level_id`; with `level_id` given, that level alone as a v1 plan in its frame). Cached for
        a minute, then revalidated with its ETag (304); `X-Floorplan-Version` names the version."""
        version = await service.live_version_for_read(db, store_id)
        etag = strong_etag("plan", store_id, version, level_id or "")

        async def source() -> Response[FloorPlan]:
            _, data = await service.plan_source(db, store_id, version)
            if level_id is None:
                return Response(encoded(data), media_type="application/json")
            key = ("plan.level", store_id, version, level_id)
            one = services.pictures.get(key)
            if one is None:
                one = services.pictures.put(key, await asyncio.to_thread(_one_level, data, level_id))
            return Response(encoded(one.encode()), media_type="application/json")

        return await conditional(request, etag, source, MAX_AGE_S, {"X-Floorplan-Version": str(version)})

    @get("/versions", guards=MANAGER_READ, operation_id="listFloorPlanVersions",
         summary="Every stored version (drafts too), with its report (managers)")  # fmt: skip
    async def versions(self, store_id: FromPath[str], db: Session) -> VersionList:
        """Drafts, the live version and earlier ones, each with its report and status."""
        live, rows = await service.list_versions(db, store_id)
        return VersionList(
            [
                VersionOut(
                    r.version, r.source_format, stored(r.report), r.created_by, r.created_at, r.version == live,
                    _status(r.version == live, r.published_at), r.published_at,
                )
                for r in rows
            ]
        )  # fmt: skip

    @get("/versions/{version:int}", guards=MANAGER_READ, operation_id="getFloorPlanVersion",
         summary="One version (a draft too) as v1 GeoJSON (managers)")  # fmt: skip
    async def show_version(self, store_id: FromPath[str], version: Version, db: Session) -> Response[FloorPlan]:
        """A stored version as the app would draw it once live (IMDF and DXF uploads as converted)."""
        _, source = await service.plan_source(db, store_id, version)
        return Response(encoded(source), media_type="application/json", headers={"X-Floorplan-Version": str(version)})

    @get(
        "/versions/{version:int}/plan.svg",
        guards=MANAGER_READ,
        media_type="image/svg+xml",
        operation_id="getFloorPlanVersionSvg",
        summary="A picture of one version (a draft too; managers)",
    )
    async def version_svg(
        self, store_id: FromPath[str], version: Version, db: Session, services: NamedDependency[Wiring],
        level_id: LevelQuery = None,
    ) -> Response[str]:  # fmt: skip
        """SVG in store-frame metres; every shelf, fixture, zone, entrance, checkout and connector carries
        its id. A plan with levels is drawn one level at a time."""
        _, source = await service.plan_source(db, store_id, version)
        return Response(await _picture(services, store_id, version, source, level_id), media_type="image/svg+xml")

    @post(
        "/versions/{version:int}/route",
        guards=MANAGER_READ,
        status_code=200,
        operation_id="planRouteOnVersion",
        summary="A route on one version (a draft's preview; managers)",
        description="The same request and answer as `POST /stores/{store_id}/route`, on this version of the plan "
        "with today's planogram; closures are not applied.",
    )
    async def version_route(
        self,
        store_id: FromPath[str],
        version: Version,
        data: JSONBody[RouteIn],
        services: NamedDependency[Wiring],
    ) -> Route:
        return await route_on_version(services, store_id, version, data)

    @post(
        "/versions/{version:int}/activate",
        guards=MANAGER_PUBLISH,
        status_code=200,
        operation_id="activateFloorPlanVersion",
        summary="Publish a draft, or roll back or forward",
        description="A version that drops placed products (their shelves are not in it) needs `confirm_drops=true`, "
        "else 409 `drops_placements` and nothing changes.",
    )
    async def activate(
        self, store_id: FromPath[str], version: Version, db: Session, confirm_drops: FromQuery[bool] = False
    ) -> Activated:
        return Activated(store_id, await activate_plan(db, store_id, version, confirm_drops))


def _status(live: bool, published_at: datetime | None) -> VersionStatus:
    return "live" if live else "draft" if published_at is None else "published"


async def _picture(services: Wiring, store_id: str, version: int, source: bytes, level_id: str | None = None) -> str:
    svg = services.pictures.get((store_id, version, level_id))
    if svg is None:
        title = f"{store_id} floor plan v{version}"
        svg = services.pictures.put(
            (store_id, version, level_id), await asyncio.to_thread(_plan_picture, source, title, level_id)
        )
    return svg


def _one_level(source: bytes, level_id: str) -> str:
    """One level of a stored plan as a v1 document in its own frame (JSON text)."""
    plan = parse_plan(orjson.loads(source))
    return orjson.dumps(plan.on_level(level_shown(plan, level_id)).to_geojson()).decode()


def _plan_picture(source: bytes, title: str, level_id: str | None = None) -> str:
    """Parse and draw a plan, one level of it (a quarter of a second for a big one: run it in a thread)."""
    plan = parse_plan(orjson.loads(source))
    k = level_shown(plan, level_id)
    return render_svg(plan.on_level(k), title=f"{title}, {plan.levels[k].name}" if plan.levels else title)


@get(
    "/stores/{store_id:str}/floorplan.svg",
    tags=["floor plans"],
    media_type="image/svg+xml",
    operation_id="getFloorPlanSvg",
    summary="A picture of the live floor plan",
)
async def floorplan_svg(
    store_id: FromPath[str], db: Session, services: NamedDependency[Wiring], request: Request[Any, Any, Any],
    level_id: LevelQuery = None,
) -> Response[str]:  # fmt: skip
    """SVG in store-frame metres; every shelf, fixture, zone, entrance, checkout and connector carries its
    id (`shelf-<id>`, `connector-<id>`, …) and a class by kind. A plan with levels is drawn one level at a
    time (`level_id`, default the ground floor), in that level's frame. Cached and revalidated like the
    GeoJSON."""
    version = await service.live_version_for_read(db, store_id)

    async def picture() -> Response[str]:
        _, source = await service.plan_source(db, store_id, version)
        return Response(await _picture(services, store_id, version, source, level_id), media_type="image/svg+xml")

    etag = strong_etag("plan.svg", store_id, version, level_id or "")
    return await conditional(request, etag, picture, MAX_AGE_S, {"X-Floorplan-Version": str(version)})
