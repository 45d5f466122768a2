"""Floor plans: upload (GeoJSON v1 or IMDF zip), versions, the live plan as GeoJSON and SVG."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import msgspec
import orjson
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath

from api.dependencies import Session
from api.guards import MANAGER_READ, MANAGER_UPLOAD
from api.schemas import encoded
from api.wiring import Wiring
from catalog.publish import activate_plan, publish_plan
from stores.floorplan import service
from stores.floorplan.parse import parse_plan
from stores.floorplan.svg import render_svg


class UploadResult(msgspec.Struct):
    version: int
    report: dict[str, Any]


class VersionOut(msgspec.Struct):
    version: int
    source_format: str
    report: dict[str, Any]
    created_by: str | None
    created_at: datetime
    live: bool


class VersionList(msgspec.Struct):
    versions: list[VersionOut]


class Activated(msgspec.Struct):
    store_id: str
    floorplan_version: int


class FloorplanController(Controller):
    path = "/stores/{store_id:str}/floorplan"
    tags = ["floor plans"]

    @put(
        "/",
        guards=MANAGER_UPLOAD,
        status_code=201,
        summary="Upload a floor plan (GeoJSON v1 or an IMDF zip); valid plans go live at once",
    )
    async def upload(
        self,
        store_id: FromPath[str],
        request: Request[Any, Any, Any],
        db: Session,
        services: NamedDependency[Wiring],
    ) -> UploadResult:
        body = await request.body()
        principal = getattr(request.state, "principal", None)
        content_type = request.headers.get("content-type", "")
        created_by = getattr(principal, "token_id", None)
        uploaded = await publish_plan(db, services.compiler, store_id, body, content_type, created_by)
        return UploadResult(uploaded.version, uploaded.report)

    @get("/", summary="The live floor plan as v1 GeoJSON")
    async def show(self, store_id: FromPath[str], db: Session) -> Response[dict[str, Any]]:
        version, source = await service.plan_source(db, store_id)
        return Response(encoded(source), media_type="application/json", headers={"X-Floorplan-Version": str(version)})

    @get("/versions", guards=MANAGER_READ, summary="Every uploaded version, with its report (managers)")
    async def versions(self, store_id: FromPath[str], db: Session) -> VersionList:
        live, rows = await service.list_versions(db, store_id)
        return VersionList(
            [
                VersionOut(r.version, r.source_format, r.report, r.created_by, r.created_at, r.version == live)
                for r in rows
            ]
        )

    @post("/versions/{version:int}/activate", guards=MANAGER_UPLOAD, status_code=200, summary="Roll back or forward")
    async def activate(self, store_id: FromPath[str], version: FromPath[int], db: Session) -> Activated:
        return Activated(store_id, await activate_plan(db, store_id, version))


def _plan_picture(source: bytes, title: str) -> str:
    """Parse and draw a plan (a quarter of a second for a big one: run it in a thread)."""
    return render_svg(parse_plan(orjson.loads(source)), title=title)


@get(
    "/stores/{store_id:str}/floorplan.svg",
    tags=["floor plans"],
    media_type="image/svg+xml",
    summary="A picture of the live floor plan",
)
async def floorplan_svg(store_id: FromPath[str], db: Session, services: NamedDependency[Wiring]) -> Response[str]:
    version, source = await service.plan_source(db, store_id)
    svg = services.pictures.get((store_id, version))
    if svg is None:
        title = f"{store_id} floor plan v{version}"
        svg = services.pictures.put((store_id, version), await asyncio.to_thread(_plan_picture, source, title))
    return Response(svg, media_type="image/svg+xml", headers={"X-Floorplan-Version": str(version)})
