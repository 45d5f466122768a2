"""Bulk loading of stores, for the demo, benchmarks and tests (one INSERT per batch)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from stores import hours
from stores.models import Store, utcnow
from stores.service import search_text


async def insert_stores(session: AsyncSession, rows: Iterable[dict[str, Any]], batch: int = 2000) -> int:
    """Insert stores given as dicts with ``id, name, lat, lon`` (and optional address, city,
    postcode, timezone, opening_hours: checked as the API checks them)."""
    count = 0
    pending: list[dict[str, Any]] = []
    now = utcnow()

    async def flush() -> None:
        if pending:
            await session.execute(insert(Store), pending)
            pending.clear()

    for row in rows:
        values = {"address": None, "city": None, "postcode": None, "timezone": None, "opening_hours": None,
                  "floorplan_version": None, "created_at": now, **row}  # fmt: skip
        values["opening_hours"] = hours.check(values["opening_hours"])
        values["search_text"] = search_text(values["name"], values["city"], values["postcode"], values["address"])
        pending.append({**values, "location": f"SRID=4326;POINT({row['lon']!r} {row['lat']!r})"})
        count += 1
        if len(pending) >= batch:
            await flush()
    await flush()
    await session.commit()
    return count
