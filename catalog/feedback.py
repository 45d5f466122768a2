"""Shopper feedback: validate, resolve against the live store, append; flag doubtful placements.

A placement is *doubtful* once ``threshold`` shoppers have reported it wrong ("not at this
location", or "found elsewhere" for a product the app shows in one place only) since a manager
last set or confirmed it (``Placement.located_at``). The report that crosses the threshold bumps
the store's planogram version in the same transaction, so every worker rebuilds its location
index and answers with ``confidence: "low"`` from then on; a confirm or a move clears it the
same way. Nothing else on the hot path changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import Select, String, and_, func, or_, select
from sqlalchemy import cast as sa_cast
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.models import Feedback, Placement
from catalog.placements import bump_planogram_version
from catalog.products import product_names
from routing.visibility import snap_into
from stores.infra.db import transaction
from stores.infra.errors import Invalid, Problem
from stores.models import utcnow

if TYPE_CHECKING:
    from catalog.locations import Carried, StoreIndex
    from stores.floorplan.artifact import NavArtifact

#: A found-elsewhere x, y further than this from any shelf place is only kept as x, y.
SNAP_M = 2.5
#: Reports whose x, y is further than this from walkable space are refused; nearer ones are
#: moved into it.
OUTSIDE_M = 3.0
WRONG_KINDS = ("not_at_location", "found_elsewhere")


@dataclass(frozen=True, slots=True)
class Report:
    kind: str
    sku: str | None = None
    shelf: str | None = None
    position_m: float | None = None
    x: float | None = None
    y: float | None = None
    rating: int | None = None
    comment: str | None = None
    #: found_elsewhere: the shelf the app showed (when the product has several places).
    listed_shelf: str | None = None
    #: The level x, y is on (stores with levels).
    level_id: str | None = None


def _check_shape(report: Report) -> list[Problem]:
    problems: list[Problem] = []
    if report.kind == "route_rating":
        if report.rating is None:
            problems.append(Problem("required", "a route rating needs rating (1 to 5)", pointer="/rating"))
    elif report.sku is None:
        problems.append(Problem("required", f"a {report.kind} report needs sku", pointer="/sku"))
    if (report.x is None) != (report.y is None):
        problems.append(Problem("invalid_point", "give both x and y, or neither", pointer="/x"))
    if report.kind == "found_elsewhere" and report.shelf is None and report.x is None:
        problems.append(Problem("required", "say where it was: shelf, or x and y", pointer="/shelf"))
    if report.position_m is not None and report.shelf is None:
        problems.append(Problem("invalid_position", "position_m needs shelf", pointer="/position_m"))
    if report.level_id is not None and report.x is None:
        problems.append(Problem("invalid_level", "level_id says where x, y is: give them", pointer="/level_id"))
    return problems


async def _check_against_store(session: AsyncSession, report: Report, index: StoreIndex) -> list[Problem]:
    artifact = index.artifact
    problems: list[Problem] = []
    unknown = report.sku is not None and report.sku not in index.products
    if unknown and not await product_names(session, [report.sku or ""]):
        problems.append(Problem("unknown_sku", f"no product with sku {report.sku!r}", pointer="/sku"))
    for field in ("shelf", "listed_shelf"):
        shelf = getattr(report, field)
        if shelf is not None and shelf not in artifact.shelves:
            problems.append(Problem("unknown_shelf", f"the store has no shelf {shelf!r}", pointer=f"/{field}"))
    if report.shelf in artifact.shelves and report.position_m is not None:
        length = artifact.shelves[report.shelf].length
        if report.position_m > length + 0.01:
            problems.append(
                Problem("off_shelf", f"position_m is past the shelf's end ({length:.2f} m)", pointer="/position_m")
            )
    if report.x is not None and report.y is not None:
        at = artifact.frame.to_frame(report.x, report.y, report.level_id)
        if at is None:
            message = (f"this store's levels are {', '.join(artifact.frame.ids)}: say which one x, y is on"
                       if artifact.frame.levelled else "this store has one level: leave level_id out")  # fmt: skip
            problems.append(Problem("invalid_level", message, pointer="/level_id"))
        elif placed_in(artifact, *at) is None:
            problems.append(Problem("outside", f"x, y is more than {OUTSIDE_M:g} m from the walkable space",
                                    pointer="/x"))  # fmt: skip
    return problems


def placed_in(artifact: NavArtifact, x: float, y: float) -> tuple[float, float] | None:
    """A reported (x, y) moved into the walkable space routes use (where a shopper stands beside a
    shelf is in the clearance the space keeps from it; indoor positioning is off by a metre), or
    None when it is more than :data:`OUTSIDE_M` away."""
    return snap_into(artifact.table.free_grown, (x, y), OUTSIDE_M)


def _found(report: Report, index: StoreIndex, placed: list[str | None]) -> tuple[str | None, str | None, float | None]:
    """A "found elsewhere" report: the shelf it was listed on, and where it was found (the shelf
    named, or the one nearest the reported spot)."""
    found_shelf, found_position = report.shelf, report.position_m
    at = None if report.x is None or report.y is None else index.artifact.frame.to_frame(report.x, report.y,
                                                                                          report.level_id)  # fmt: skip
    if found_shelf is None and at is not None:
        near = index.artifact.nearest_shelf_place(*at, SNAP_M)
        found_shelf, found_position = near if near else (None, None)
    listed = report.listed_shelf or (placed[0] if len(placed) == 1 else None)
    return (listed if listed != found_shelf else None), found_shelf, found_position


def _reported_shelf(report: Report, carried: Carried | None, placed: list[str | None]) -> str | None:
    """The placement a "not here" or "out of stock" report is about: the shelf named, the only
    one, or the one nearest the reported spot."""
    if report.shelf is not None:
        return report.shelf
    if len(placed) == 1:
        return placed[0]
    if carried is None or not placed or report.x is None or report.y is None:
        return None
    x, y = report.x, report.y
    here = [loc for loc in carried.locations if not loc.approximate and loc.level_id == report.level_id]
    if not here:
        return None
    nearest = min(here, key=lambda loc: (loc.x - x) ** 2 + (loc.y - y) ** 2)
    return nearest.shelf


def _resolve(report: Report, index: StoreIndex) -> tuple[str | None, str | None, float | None]:
    """(placement shelf the report is about, found shelf, found position) from the live store."""
    carried = index.products.get(report.sku or "")
    placed = [loc.shelf for loc in carried.locations if not loc.approximate] if carried else []
    if report.kind == "found_elsewhere":
        return _found(report, index, placed)
    if report.kind == "route_rating":
        return None, None, None
    return _reported_shelf(report, carried, placed), None, None


#: Reports count once per reporter (reports from before reporters were kept count each).
DISTINCT_REPORTERS = func.count(func.distinct(func.coalesce(Feedback.reporter, sa_cast(Feedback.id, String))))


def reporter_of(secret: bytes, store_id: str, sku: str | None, client: str) -> str:
    """The report's reporter: an HMAC of the client, keyed by the deployment's secret and the
    store and product. One client's reports about one product count once; nothing links two of
    its reports about different products, nor names the client."""
    message = "\x1f".join((store_id, sku or "", client)).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


async def wrong_reports(session: AsyncSession, store_id: str, sku: str, shelf: str) -> int:
    """Distinct reporters of a wrong location against one placement since it was last set or
    confirmed."""
    placement = (
        await session.execute(
            select(Placement.id, Placement.located_at).where(
                Placement.store_id == store_id, Placement.sku == sku, Placement.shelf == shelf
            )
        )
    ).first()
    if placement is None:
        return 0
    located_at = placement.located_at
    query = select(DISTINCT_REPORTERS).where(
        Feedback.store_id == store_id,
        Feedback.sku == sku,
        Feedback.shelf == shelf,
        Feedback.kind.in_(WRONG_KINDS),
    )
    if located_at is not None:
        query = query.where(Feedback.created_at > located_at)
    return int(await session.scalar(query) or 0)


def wrong_reports_since_located(store_id: str) -> Select[str, str, int, datetime]:
    """Per placement: wrong-location reports since it was last set or confirmed, and the latest."""
    query = (
        select(Feedback.sku, Feedback.shelf, DISTINCT_REPORTERS, func.max(Feedback.created_at))
        .join(
            Placement,
            and_(
                Placement.store_id == Feedback.store_id,
                Placement.sku == Feedback.sku,
                Placement.shelf == Feedback.shelf,
            ),
        )
        .where(
            Feedback.store_id == store_id,
            Feedback.kind.in_(WRONG_KINDS),
            or_(Placement.located_at.is_(None), Feedback.created_at > Placement.located_at),
        )
        .group_by(Feedback.sku, Feedback.shelf)
    )
    # The inner join with placements makes sku and shelf non-null, which the column types cannot say.
    return cast("Select[str, str, int, datetime]", query)


async def doubtful_placements(session: AsyncSession, store_id: str, threshold: int) -> set[tuple[str, str]]:
    """(sku, shelf) of every placement with ``threshold`` or more wrong reports since it was located."""
    query = wrong_reports_since_located(store_id).having(threshold <= DISTINCT_REPORTERS)
    return {(r.sku, r.shelf) for r in await session.execute(query)}


async def record_feedback(
    session: AsyncSession, store_id: str, report: Report, index: StoreIndex, threshold: int, reporter: str | None = None
) -> float | None:
    """Validate and append one report. Bad input: 422 naming each field. A reported (x, y) is kept
    moved into the walkable space (:func:`placed_in`); returns how far, metres (None: not moved)."""
    problems = _check_shape(report)
    if not problems:
        problems = await _check_against_store(session, report, index)
    if problems:
        raise Invalid("The report has problems.", problems)
    snapped_m = None
    if report.x is not None and report.y is not None:
        frame = index.artifact.frame
        at = frame.to_frame(report.x, report.y, report.level_id) or (report.x, report.y)
        x, y, _ = frame.to_level(*(placed_in(index.artifact, *at) or at))
        moved = math.hypot(x - report.x, y - report.y)
        snapped_m = round(moved, 2) if moved > 0 else None
        report = dataclasses.replace(report, x=round(x, 2), y=round(y, 2))
    shelf, found_shelf, found_position = _resolve(report, index)
    row = Feedback(
        store_id=store_id,
        kind=report.kind,
        sku=report.sku,
        shelf=shelf,
        reporter=reporter,
        found_shelf=found_shelf,
        found_position_m=found_position,
        x=report.x,
        y=report.y,
        level_id=report.level_id,
        rating=report.rating,
        comment=report.comment,
        floorplan_version=index.floorplan_version,
        planogram_version=index.planogram_version,
        created_at=utcnow(),
    )
    async with transaction(session):
        session.add(row)
        await session.flush()
        counts = report.kind in WRONG_KINDS and shelf is not None and report.sku is not None
        if counts and await wrong_reports(session, store_id, report.sku or "", shelf or "") == threshold:
            # The placement turns doubtful: location answers must say so on every worker.
            await bump_planogram_version(session, store_id, [report.sku or ""])
    return snapped_m
