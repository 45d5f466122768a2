"""Shopper feedback, store insights, accepting a move, and "what moved"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from api.dependencies import Session
from api.guards import MANAGER_READ, MANAGER_WRITE
from api.ratelimit import client_key, rate_limited
from api.wiring import Wiring
from catalog import insights, moves, placements
from catalog.feedback import Report, record_feedback, reporter_of
from catalog.placements import PlacementRow
from stores.infra.errors import Invalid, Problem

Kind = Literal["not_at_location", "out_of_stock", "found_elsewhere", "route_rating"]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Metres = Annotated[float, msgspec.Meta(ge=-5000, le=5000)]
MAX_INSIGHT_ROWS = 1000
MAX_CHANGES_PAGE = 5000


class FeedbackIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Kind
    sku: Id | None = None
    #: The shelf the app showed (not_at_location, out_of_stock), or where it was (found_elsewhere).
    shelf: Id | None = None
    position_m: Annotated[float, msgspec.Meta(ge=0, le=10_000)] | None = None
    x: Metres | None = None
    y: Metres | None = None
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)] | None = None
    comment: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    #: found_elsewhere: which of the shown places was wrong, when the product has several.
    listed_shelf: Id | None = None


class Accepted(msgspec.Struct):
    status: str = "accepted"


class MoveIn(msgspec.Struct, forbid_unknown_fields=True):
    shelf: Id
    position_m: Annotated[float, msgspec.Meta(ge=0, le=10_000)] | None = None
    from_shelf: Id | None = None
    level: Annotated[int, msgspec.Meta(ge=0, le=50)] | None = None


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    shelf: Id


class PlanogramChange(msgspec.Struct):
    store_id: str
    sku: str
    planogram_version: int


def _since(since: datetime | None, default_days: int) -> datetime:
    if since is None:
        return datetime.now(UTC) - timedelta(days=default_days)
    if since.tzinfo is None:
        raise Invalid(
            "since needs a time zone.",
            [Problem("invalid", "give since with an offset, e.g. 2026-11-01T00:00:00Z", extra={"parameter": "since"})],
        )
    return since.astimezone(UTC)


async def _insights(db: Any, services: Wiring, store_id: str, since: datetime | None, limit: int) -> dict[str, Any]:
    index = await services.locations.get(store_id)
    threshold = services.settings.wrong_location_reports
    return await insights.store_insights(db, store_id, _since(since, 30), threshold, index.artifact, limit)


class FeedbackController(Controller):
    path = "/stores/{store_id:str}"
    tags = ["feedback and insights"]

    @post(
        "/feedback",
        status_code=202,
        guards=[rate_limited("feedback")],
        summary="Report a product not where the app said, out of stock, found elsewhere, or rate a route",
    )
    async def feedback(
        self,
        store_id: FromPath[str],
        data: JSONBody[FeedbackIn],
        db: Session,
        services: NamedDependency[Wiring],
        request: Request[Any, Any, Any],
    ) -> Accepted:
        index = await services.locations.get(store_id)
        report = Report(
            data.kind, data.sku, data.shelf, data.position_m, data.x, data.y, data.rating, data.comment,
            data.listed_shelf,
        )  # fmt: skip
        # One phone, or one token, counts once however often it reports the same product.
        reporter = reporter_of(services.settings.reporter_secret, store_id, data.sku, client_key(request)[0])
        await record_feedback(db, store_id, report, index, services.settings.wrong_location_reports, reporter)
        return Accepted()

    @get(
        "/insights",
        guards=MANAGER_READ,
        summary="What shoppers reported and searched for in vain (managers of the store)",
    )
    async def insights(
        self,
        store_id: FromPath[str],
        db: Session,
        services: NamedDependency[Wiring],
        since: FromQuery[datetime | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_INSIGHT_ROWS)] = 100,
    ) -> dict[str, Any]:
        return await _insights(db, services, store_id, since, limit)

    @get(
        "/insights.csv",
        guards=MANAGER_READ,
        media_type="text/csv; charset=utf-8",
        summary="One section of the insights as CSV (products, suspects, searches or ratings)",
    )
    async def insights_csv(
        self,
        store_id: FromPath[str],
        db: Session,
        services: NamedDependency[Wiring],
        section: FromQuery[Literal["products", "suspects", "searches", "ratings"]] = "products",
        since: FromQuery[datetime | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_INSIGHT_ROWS)] = MAX_INSIGHT_ROWS,
    ) -> Response[str]:
        data = await _insights(db, services, store_id, since, limit)
        return Response(
            insights.to_csv(section, data),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{store_id}-{section}.csv"'},
        )

    @post(
        "/placements/{sku:str}/move",
        status_code=200,
        guards=MANAGER_WRITE,
        summary="Move a product to another shelf (accept a suggested move) in one call",
    )
    async def move(
        self,
        store_id: FromPath[str],
        sku: FromPath[str],
        data: JSONBody[MoveIn],
        db: Session,
        services: NamedDependency[Wiring],
    ) -> PlanogramChange:
        artifact = await services.artifacts.live(db, store_id)
        to = PlacementRow(sku, data.shelf, data.position_m, data.level)
        version = await placements.move_placement(db, store_id, sku, to, data.from_shelf, artifact)
        return PlanogramChange(store_id, sku, version)

    @post(
        "/placements/{sku:str}/confirm",
        status_code=200,
        guards=MANAGER_WRITE,
        summary="Confirm a product is where the planogram says (clears a low-confidence flag)",
    )
    async def confirm(
        self, store_id: FromPath[str], sku: FromPath[str], data: JSONBody[ConfirmIn], db: Session
    ) -> PlanogramChange:
        return PlanogramChange(store_id, sku, await placements.confirm_placement(db, store_id, sku, data.shelf))

    @get("/changes", summary="Products whose place changed since a moment (after a store reset)")
    async def changes(
        self,
        store_id: FromPath[str],
        db: Session,
        services: NamedDependency[Wiring],
        since: FromQuery[datetime],
        limit: Annotated[int, Parameter(ge=1, le=MAX_CHANGES_PAGE)] = 1000,
        after: Annotated[str | None, Parameter(max_length=64)] = None,
    ) -> dict[str, Any]:
        await services.locations.get(store_id)  # 404 for an unknown store, 409 before a plan
        moment = _since(since, 0)
        found, cursor = await moves.changes_since(db, store_id, moment, limit, after)
        return {
            "store_id": store_id,
            "since": moment.isoformat(),
            "changes": [c.as_json() for c in found],
            "next": cursor,
        }
