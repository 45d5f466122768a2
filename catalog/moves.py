"""What moved: products whose places changed between planogram or floor plan versions.

Every change that can move a product (a planogram replace or upsert, an accepted move, a new or
re-activated floor plan) records, in its own transaction, one row per product whose places
differ: the places before and after. ``changes_since`` folds those rows into one line per
product, from its places at ``since`` to its places now, and leaves out products that came back.
A product "moved" when the set of shelves it is on changed, or a shelf's stand point moved more
than ``MOVE_M`` (a store reset that moved the gondola, or a position far along the shelf).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.models import UNPLACED, LocationChange, Placement
from catalog.products import product_names
from stores.floorplan.artifact import NavArtifact
from stores.infra.db import in_chunks
from stores.models import Store, utcnow

MOVE_M = 1.0
_INSERT_BATCH = 500

Places = dict[str, list[dict[str, Any]]]  # sku -> [{shelf, aisle, label, x, y}], sorted by shelf


def places_of(artifact: NavArtifact | None, rows: Iterable[tuple[str, str, float | None]]) -> Places:
    """Resolve (sku, shelf, position_m) rows on a plan; unplaced rows and missing shelves have no place."""
    out: Places = {}
    for sku, shelf, position_m in rows:
        out.setdefault(sku, [])
        if artifact is None or shelf == UNPLACED or shelf not in artifact.shelves:
            continue
        info = artifact.shelves[shelf]
        out[sku].append(
            {
                "shelf": shelf,
                "aisle": info.aisle,
                "label": info.label,
                **artifact.where(artifact.slot_for(shelf, position_m)),
            }
        )
    for places in out.values():
        places.sort(key=lambda p: p["shelf"])
    return out


def moved(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> bool:
    if [(p["shelf"], p.get("level_id")) for p in before] != [(p["shelf"], p.get("level_id")) for p in after]:
        return True
    return any(math.hypot(a["x"] - b["x"], a["y"] - b["y"]) > MOVE_M for a, b in zip(before, after, strict=True))


async def placement_rows(session: AsyncSession, store_id: str, skus: list[str] | None = None) -> list[Any]:
    """The store's placement rows (sku, shelf, position_m, located_at), all or for ``skus``."""
    base = select(Placement.sku, Placement.shelf, Placement.position_m, Placement.located_at).where(
        Placement.store_id == store_id
    )
    if skus is None:
        return list(await session.execute(base))
    return [row for chunk in in_chunks(skus) for row in await session.execute(base.where(Placement.sku.in_(chunk)))]


async def record_moves(session: AsyncSession, store_id: str, before: Places, after: Places) -> int:
    """Append one row per product whose places differ (inside the caller's transaction)."""
    versions = (
        await session.execute(select(Store.floorplan_version, Store.planogram_version).where(Store.id == store_id))
    ).one()
    now = utcnow()
    common = {
        "store_id": store_id,
        "floorplan_version": versions.floorplan_version,
        "planogram_version": versions.planogram_version,
        "created_at": now,
    }
    rows = [
        {**common, "sku": sku, "before": before.get(sku, []), "after": after.get(sku, [])}
        for sku in sorted(set(before) | set(after))
        if moved(before.get(sku, []), after.get(sku, []))
    ]
    for i in range(0, len(rows), _INSERT_BATCH):
        await session.execute(cast(Table, LocationChange.__table__).insert(), rows[i : i + _INSERT_BATCH])
    return len(rows)


async def record_plan_switch(session: AsyncSession, store_id: str, old: NavArtifact | None, new: NavArtifact) -> None:
    """A new floor plan goes live: products on shelves that moved (or went away) moved."""
    rows = [(r.sku, r.shelf, r.position_m) for r in await placement_rows(session, store_id)]
    await record_moves(session, store_id, places_of(old, rows), places_of(new, rows))


@dataclass(frozen=True, slots=True)
class Change:
    sku: str
    name: str | None
    before: list[dict[str, Any]]
    after: list[dict[str, Any]]
    changed_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku, "name": self.name, "before": self.before, "after": self.after,
            "changed_at": self.changed_at.isoformat(),
        }  # fmt: skip


async def changes_since(
    session: AsyncSession, store_id: str, since: datetime, limit: int, after_sku: str | None = None
) -> tuple[list[Change], str | None]:
    """Products whose places differ between ``since`` and now, by sku; and the next page's cursor."""
    query = (
        select(LocationChange.sku, LocationChange.before, LocationChange.after, LocationChange.created_at)
        .where(LocationChange.store_id == store_id, LocationChange.created_at > since)
        .order_by(LocationChange.sku, LocationChange.id)
    )
    if after_sku is not None:
        query = query.where(LocationChange.sku > after_sku)
    folded: dict[str, Change] = {}
    async for row in await session.stream(query.execution_options(yield_per=2000)):
        first = folded.get(row.sku)
        if first is None:
            if len(folded) == limit + 1:
                break
            folded[row.sku] = Change(row.sku, None, row.before, row.after, row.created_at)
        else:
            folded[row.sku] = Change(row.sku, None, first.before, row.after, row.created_at)
    skus = list(folded)
    next_cursor = None
    if len(skus) > limit:
        skus = skus[:limit]
        next_cursor = skus[-1]
    names = await product_names(session, skus)
    changes = [
        Change(c.sku, names.get(c.sku), c.before, c.after, c.changed_at)
        for c in (folded[s] for s in skus)
        if moved(c.before, c.after)
    ]
    return changes, next_cursor
