"""Shopper feedback, store insights, accepting a move, and "what moved"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
import orjson
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from api.dependencies import Session
from api.guards import MANAGER_READ, MANAGER_WRITE
from api.ratelimit import client_key, rate_limited
from api.schemas import ChangesOut, FeedbackKind, InsightsOut, doc, encoded
from api.wiring import Wiring
from catalog import insights, moves, placements
from catalog.feedback import Report, record_feedback, reporter_of
from catalog.placements import PlacementRow
from stores.infra.errors import Invalid, Problem

MAX_INSIGHT_ROWS = 1000
MAX_CHANGES_PAGE = 5000


class FeedbackIn(msgspec.Struct, forbid_unknown_fields=True):
    """A shopper's report: a product not where the app said, out of stock, found elsewhere, or a
    route's rating."""

    kind: Annotated[FeedbackKind, doc("What is reported.")]
    sku: Annotated[str, doc("The product (every kind but route_rating).", min_length=1, max_length=64)] | None = None
    shelf: Annotated[
        str, doc("The shelf the app showed (not_at_location, out_of_stock), or where it was (found_elsewhere).",
                 min_length=1, max_length=64)
    ] | None = None  # fmt: skip
    position_m: Annotated[float, doc("found_elsewhere: metres along that shelf.", ge=0, le=10_000)] | None = None
    x: Annotated[float, doc("Where the shopper was: metres east.", ge=-5000, le=5000)] | None = None
    y: Annotated[float, doc("Where the shopper was: metres north.", ge=-5000, le=5000)] | None = None
    rating: Annotated[int, doc("route_rating: 1 to 5 stars.", ge=1, le=5)] | None = None
    comment: Annotated[str, doc("Free text for the store's managers.", max_length=500)] | None = None
    listed_shelf: Annotated[
        str, doc("found_elsewhere: which of the shown places was wrong, when the product has several.",
                 min_length=1, max_length=64)
    ] | None = None  # fmt: skip
    level_id: Annotated[str, doc("The level x, y is on: required in a store with levels.", max_length=64)] | None = None


class Accepted(msgspec.Struct, omit_defaults=True):
    """The report was taken."""

    status: Annotated[Literal["accepted"], doc("Always `accepted`.")]
    snapped_m: Annotated[
        float | None, doc("How far the reported x, y was moved into the walkable space (absent when not moved).")
    ] = None


class MoveIn(msgspec.Struct, forbid_unknown_fields=True):
    """Where a product goes."""

    shelf: Annotated[str, doc("The shelf face it moves to.", min_length=1, max_length=64)]
    position_m: Annotated[float, doc("Metres along that shelf (default: its middle).", ge=0, le=10_000)] | None = None
    from_shelf: (
        Annotated[str, doc("The place it leaves, when it has several (default: all).", min_length=1, max_length=64)]
        | None
    ) = None
    level: Annotated[int, doc("The shelf level, from the floor (0).", ge=0, le=50)] | None = None


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    """The place a manager saw the product at."""

    shelf: Annotated[str, doc("The shelf face.", min_length=1, max_length=64)]


class PlanogramChange(msgspec.Struct):
    """The planogram after a move or confirm."""

    store_id: Annotated[str, doc("The store.")]
    sku: Annotated[str, doc("The product.")]
    planogram_version: Annotated[int, doc("The planogram's new version.")]


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
        operation_id="sendFeedback",
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
        """Taken at once (202). A product that several distinct shoppers report not at its place answers
        `confidence: low` until a manager confirms or moves it; one phone or token counts once however
        often it reports. Send `Idempotency-Key` so a retry counts once."""
        index = await services.locations.get(store_id)
        report = Report(
            data.kind, data.sku, data.shelf, data.position_m, data.x, data.y, data.rating, data.comment,
            data.listed_shelf, data.level_id,
        )  # fmt: skip
        # One phone, or one token, counts once however often it reports the same product.
        reporter = reporter_of(services.settings.reporter_secret, store_id, data.sku, client_key(request)[0])
        moved = await record_feedback(db, store_id, report, index, services.settings.wrong_location_reports, reporter)
        return Accepted("accepted", moved)

    @get(
        "/insights",
        guards=MANAGER_READ,
        operation_id="getInsights",
        summary="What shoppers reported and searched for in vain (managers of the store)",
    )
    async def insights(
        self,
        store_id: FromPath[str],
        db: Session,
        services: NamedDependency[Wiring],
        since: Annotated[datetime | None, Parameter(description="From this moment (default: 30 days ago).")] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_INSIGHT_ROWS, description="Rows per section.")] = 100,
    ) -> Response[InsightsOut]:
        """Reports per product and shelf, suspect places with where shoppers found the product (and the
        call that accepts it), searches in vain, and route ratings."""
        body = orjson.dumps(await _insights(db, services, store_id, since, limit))
        return Response(encoded(body), media_type="application/json")

    @get(
        "/insights.csv",
        guards=MANAGER_READ,
        media_type="text/csv; charset=utf-8",
        operation_id="getInsightsCsv",
        summary="One section of the insights as CSV (products, suspects, searches or ratings)",
    )
    async def insights_csv(
        self,
        store_id: FromPath[str],
        db: Session,
        services: NamedDependency[Wiring],
        section: Annotated[
            Literal["products", "suspects", "searches", "ratings"], Parameter(description="Which section.")
        ] = "products",
        since: Annotated[datetime | None, Parameter(description="From this moment (default: 30 days ago).")] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_INSIGHT_ROWS, description="Rows.")] = MAX_INSIGHT_ROWS,
    ) -> Response[str]:
        """A spreadsheet of one section, for the store's team."""
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
        operation_id="moveProduct",
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
        """The product leaves `from_shelf` (or every place) for `shelf`; its reports are cleared."""
        artifact = await services.artifacts.live(db, store_id)
        to = PlacementRow(sku, data.shelf, data.position_m, data.level)
        version = await placements.move_placement(db, store_id, sku, to, data.from_shelf, artifact)
        return PlanogramChange(store_id, sku, version)

    @post(
        "/placements/{sku:str}/confirm",
        status_code=200,
        guards=MANAGER_WRITE,
        operation_id="confirmPlacement",
        summary="Confirm a product is where the planogram says (clears a low-confidence flag)",
    )
    async def confirm(
        self, store_id: FromPath[str], sku: FromPath[str], data: JSONBody[ConfirmIn], db: Session
    ) -> PlanogramChange:
        """Reports against this place before now stop counting; `confidence` is `high` again."""
        return PlanogramChange(store_id, sku, await placements.confirm_placement(db, store_id, sku, data.shelf))

    @get("/changes", operation_id="listChanges",
         summary="Products whose place changed since a moment (after a store reset)")  # fmt: skip
    async def changes(
        self,
        store_id: FromPath[str],
        db: Session,
        services: NamedDependency[Wiring],
        since: Annotated[datetime, Parameter(description="From this moment, with its offset.")],
        limit: Annotated[int, Parameter(ge=1, le=MAX_CHANGES_PAGE, description="Changes per page.")] = 1000,
        after: Annotated[str | None, Parameter(max_length=64, description="The `next` of the page before.")] = None,
    ) -> Response[ChangesOut]:
        """What moved, with where it was and where it is now, a page at a time (`next`)."""
        await services.locations.get(store_id)  # 404 for an unknown store, 409 before a plan
        moment = _since(since, 0)
        found, cursor = await moves.changes_since(db, store_id, moment, limit, after)
        body = {
            "store_id": store_id,
            "since": moment.isoformat(),
            "changes": [c.as_json() for c in found],
            "next": cursor,
        }
        return Response(encoded(orjson.dumps(body)), media_type="application/json")
