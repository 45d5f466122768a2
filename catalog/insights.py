"""Store insights: what shoppers reported and searched for in vain, for the store's managers.

Every section is one grouped query over the append-only tables (indexed by store and time), so
the cost grows with the number of distinct products reported, not with the number of reports.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.feedback import wrong_reports_since_located
from catalog.models import Feedback, Placement, SearchMiss
from catalog.products import product_names
from stores.floorplan.artifact import NavArtifact
from stores.infra.text import spreadsheet_safe
from stores.models import as_utc

REPORT_KINDS = ("not_at_location", "out_of_stock", "found_elsewhere")
#: Found-elsewhere reports at one spot (same shelf, same metre) that make a suggestion.
SPOT_REPORTS = 2
SECTIONS = ("products", "suspects", "searches", "ratings")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


async def product_reports(session: AsyncSession, store_id: str, since: datetime, limit: int) -> list[dict[str, Any]]:
    """Per product and shelf: how often each kind was reported, and when last."""
    rows = await session.execute(
        select(Feedback.sku, Feedback.shelf, Feedback.kind, func.count(), func.max(Feedback.created_at))
        .where(Feedback.store_id == store_id, Feedback.created_at >= since, Feedback.kind.in_(REPORT_KINDS))
        .group_by(Feedback.sku, Feedback.shelf, Feedback.kind)
    )
    lines: dict[tuple[str | None, str | None], dict[str, Any]] = {}
    for sku, shelf, kind, count, latest in rows:
        line = lines.setdefault(
            (sku, shelf), {"sku": sku, "shelf": shelf, "reports": 0, **{k: 0 for k in REPORT_KINDS}, "latest": {}}
        )
        line[kind] = count
        line["reports"] += count
        line["latest"][kind] = _iso(latest)
    ranked = sorted(lines.values(), key=lambda r: (-r["reports"], r["sku"], r["shelf"] or ""))[:limit]
    names = await product_names(session, {r["sku"] for r in ranked})
    for line in ranked:
        line["name"] = names.get(line["sku"])
        line["last_report_at"] = max(line["latest"].values())
    return ranked


async def suspect_locations(
    session: AsyncSession, store_id: str, since: datetime, threshold: int, artifact: NavArtifact, limit: int
) -> list[dict[str, Any]]:
    """Products whose place looks wrong, with the place shoppers found them at, ready to accept."""
    wrong = await session.execute(wrong_reports_since_located(store_id))
    spot = func.round(Feedback.found_position_m)
    found = await session.execute(
        select(Feedback.sku, Feedback.found_shelf, spot, func.count(), func.avg(Feedback.found_position_m))
        .where(
            Feedback.store_id == store_id,
            Feedback.kind == "found_elsewhere",
            Feedback.found_shelf.is_not(None),
            Feedback.created_at >= since,
        )
        .group_by(Feedback.sku, Feedback.found_shelf, spot)
    )
    by_sku: dict[str, dict[str, Any]] = {}

    def entry(sku: str) -> dict[str, Any]:
        return by_sku.setdefault(sku, {"sku": sku, "listed": [], "flagged": False, "suggested": None})

    for sku, shelf, count, latest in wrong:
        doubtful = count >= threshold
        if doubtful or count >= 2:
            e = entry(sku)
            e["listed"].append({"shelf": shelf, "wrong_reports": count, "latest": _iso(latest), "flagged": doubtful})
            e["flagged"] = e["flagged"] or doubtful
    best: dict[str, tuple[int, str, float | None]] = {}
    for sku, shelf, _, count, position in found:
        if count > best.get(sku, (0, "", None))[0]:
            best[sku] = (count, shelf, None if position is None else round(float(position), 2))
    placed = set()
    if best:
        held = select(Placement.sku, Placement.shelf).where(
            Placement.store_id == store_id, Placement.sku.in_(sorted(best))
        )
        placed = {(r.sku, r.shelf) for r in await session.execute(held)}
    for sku, (count, shelf, position) in best.items():
        if count < SPOT_REPORTS and sku not in by_sku:
            continue
        if shelf not in artifact.shelves:
            continue  # a shelf the live plan no longer has
        if (sku, shelf) in placed and sku not in by_sku:
            continue  # it is there now (the suggestion was accepted): nothing left to decide
        e = entry(sku)
        listed = [p["shelf"] for p in e["listed"]]
        e["suggested"] = {
            "shelf": shelf, "position_m": position, "aisle": artifact.shelves[shelf].aisle,
            **artifact.where(artifact.slot_for(shelf, position)), "found_reports": count,
        }  # fmt: skip
        body: dict[str, Any] = {"shelf": shelf, "position_m": position}
        if len(listed) == 1:
            body["from_shelf"] = listed[0]
        e["accept"] = {"method": "POST", "path": f"/v1/stores/{store_id}/placements/{sku}/move", "body": body}
    ranked = sorted(
        by_sku.values(),
        key=lambda e: (-int(e["flagged"]), -sum(p["wrong_reports"] for p in e["listed"]), e["sku"]),
    )[:limit]
    names = await product_names(session, {e["sku"] for e in ranked})
    for e in ranked:
        e["name"] = names.get(e["sku"])
    return ranked


async def searches_in_vain(session: AsyncSession, store_id: str, since: datetime, limit: int) -> list[dict[str, Any]]:
    count = func.count().label("n")
    rows = await session.execute(
        select(SearchMiss.query, SearchMiss.reason, SearchMiss.sku, count, func.max(SearchMiss.created_at))
        .where(SearchMiss.store_id == store_id, SearchMiss.created_at >= since)
        .group_by(SearchMiss.query, SearchMiss.reason, SearchMiss.sku)
        .order_by(count.desc(), SearchMiss.query)
        .limit(limit)
    )
    return [
        {"query": q, "reason": reason, "sku": sku, "count": n, "latest": _iso(latest)}
        for q, reason, sku, n, latest in rows
    ]


async def route_ratings(session: AsyncSession, store_id: str, since: datetime) -> dict[str, Any]:
    where = (Feedback.store_id == store_id, Feedback.kind == "route_rating", Feedback.created_at >= since)
    histogram = {str(r): 0 for r in range(1, 6)}
    latest = None
    for rating, n, last in await session.execute(
        select(Feedback.rating, func.count(), func.max(Feedback.created_at)).where(*where).group_by(Feedback.rating)
    ):
        histogram[str(rating)] = n
        latest = max(filter(None, [latest, as_utc(last)]))
    total = sum(histogram.values())
    mean = sum(int(k) * v for k, v in histogram.items()) / total if total else None
    comments = await session.execute(
        select(Feedback.rating, Feedback.comment, Feedback.created_at)
        .where(*where, Feedback.comment.is_not(None))
        .order_by(Feedback.created_at.desc())
        .limit(20)
    )
    return {
        "count": total,
        "mean": None if mean is None else round(mean, 2),
        "histogram": histogram,
        "latest": _iso(latest),
        "recent_comments": [{"rating": r, "comment": c, "at": _iso(at)} for r, c, at in comments],
    }


async def store_insights(
    session: AsyncSession, store_id: str, since: datetime, threshold: int, artifact: NavArtifact, limit: int
) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "since": since.isoformat(),
        "products": await product_reports(session, store_id, since, limit),
        "suspects": await suspect_locations(session, store_id, since, threshold, artifact, limit),
        "searches": await searches_in_vain(session, store_id, since, limit),
        "ratings": await route_ratings(session, store_id, since),
    }


_COLUMNS = {
    "products": ["sku", "name", "shelf", "reports", *REPORT_KINDS, "last_report_at"],
    "suspects": ["sku", "name", "flagged", "listed_shelves", "wrong_reports", "suggested_shelf",
                 "suggested_position_m", "found_reports"],
    "searches": ["query", "reason", "sku", "count", "latest"],
    "ratings": ["rating", "count"],
}  # fmt: skip


def _csv_rows(section: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    if section == "suspects":
        rows = []
        for e in data["suspects"]:
            suggested = e["suggested"] or {}
            rows.append(
                {
                    "sku": e["sku"],
                    "name": e["name"],
                    "flagged": e["flagged"],
                    "listed_shelves": " ".join(p["shelf"] for p in e["listed"]),
                    "wrong_reports": sum(p["wrong_reports"] for p in e["listed"]),
                    "suggested_shelf": suggested.get("shelf"),
                    "suggested_position_m": suggested.get("position_m"),
                    "found_reports": suggested.get("found_reports"),
                }
            )
        return rows
    if section == "ratings":
        return [{"rating": k, "count": v} for k, v in data["ratings"]["histogram"].items()]
    section_rows: list[dict[str, Any]] = data[section]
    return section_rows


def to_csv(section: str, data: dict[str, Any]) -> str:
    """One section as CSV with a header row (what BI tools import)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_COLUMNS[section], extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in _csv_rows(section, data))
    return out.getvalue()
