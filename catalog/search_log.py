"""Searches in vain: what shoppers look for and this store does not have, without personal data.

Recording must cost the shopper nothing, so misses go into a bounded in-memory buffer and a
background task writes them in batches (every few seconds, and at shutdown). A worker that is
killed loses at most that many seconds of misses; these are statistics, not orders.

Privacy: a row holds the store, the normalised words (or sku), the reason and the hour. No
client, no address, no list: each batch is shuffled before it is written, so the rows of one
shopping list cannot be linked by their ids or times.
"""

from __future__ import annotations

import asyncio
import logging
import random
import unicodedata
from collections import deque
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.models import Feedback, PlanogramChange, SearchMiss
from stores.models import Store, utcnow

log = logging.getLogger("aislepath.search_log")

MISS_REASONS = frozenset({"no_match", "not_carried", "unknown_sku", "unknown_gtin"})
MAX_QUERY = 200


def normalise_query(text: str) -> str:
    """Case-folded, NFKC, single spaces: the same words are counted together."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())[:MAX_QUERY]


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class SearchMisses:
    """A per-worker buffer of misses, flushed by :meth:`run` (a background task) or :meth:`flush`."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], max_buffer: int = 20_000, interval_s: float = 5.0
    ) -> None:
        self._sessions = sessions
        self._buffer: deque[dict[str, object]] = deque(maxlen=max_buffer)  # oldest dropped when full
        self._interval = interval_s
        self._lock = asyncio.Lock()

    def record(self, store_id: str, query: str, reason: str, source: str, sku: str | None = None) -> None:
        if reason not in MISS_REASONS:
            return
        words = normalise_query(query)
        if not words:
            return
        self._buffer.append(
            {"store_id": store_id, "query": words, "sku": sku, "reason": reason, "source": source,
             "created_at": _hour(utcnow())}
        )  # fmt: skip

    def record_unresolved(self, store_id: str, source: str, item: dict[str, object], reason: str | None,
                          sku: str | None = None) -> None:  # fmt: skip
        """A list item (``{"sku"}``, ``{"gtin"}`` or ``{"query"}``) that found nothing this store has."""
        if reason is None:
            return
        words = item.get("query") or item.get("sku") or item.get("gtin")
        if isinstance(words, str):
            self.record(store_id, words, reason, source, sku if reason == "not_carried" else None)

    @property
    def pending(self) -> int:
        return len(self._buffer)

    async def flush(self) -> int:
        """Write what is buffered; on a database error keep it for the next try."""
        async with self._lock:
            if not self._buffer:
                return 0
            taken, self._buffer = self._buffer, deque(maxlen=self._buffer.maxlen)
            batch = list(taken)
            random.shuffle(batch)
            try:
                try:
                    await self._insert(batch)
                except IntegrityError:
                    # A store deleted since: drop its rows, keep the rest (never block the buffer).
                    batch = await self._of_existing_stores(batch)
                    await self._insert(batch)
            except Exception as exc:  # the database may be away: keep them (the buffer stays bounded)
                log.warning("search misses not written yet (%s): %d pending", type(exc).__name__, len(batch))
                taken.extend(self._buffer)
                self._buffer = taken
                return 0
            return len(batch)

    async def _insert(self, batch: list[dict[str, object]]) -> None:
        if batch:
            async with self._sessions() as session, session.begin():
                await session.execute(cast(Table, SearchMiss.__table__).insert(), batch)

    async def _of_existing_stores(self, batch: list[dict[str, object]]) -> list[dict[str, object]]:
        wanted = sorted({str(row["store_id"]) for row in batch})
        async with self._sessions() as session:
            existing = set((await session.scalars(select(Store.id).where(Store.id.in_(wanted[:1000])))).all())
        kept = [row for row in batch if row["store_id"] in existing]
        log.warning("dropped %d search misses of deleted stores", len(batch) - len(kept))
        return kept

    async def run(self) -> None:
        """Flush every few seconds until cancelled, then once more."""
        try:
            while True:
                await asyncio.sleep(self._interval)
                await self.flush()
        except asyncio.CancelledError:
            await self.flush()
            raise


async def purge_expired(session: AsyncSession, feedback_days: int, search_log_days: int) -> tuple[int, int]:
    """Delete feedback and search misses older than their retention; returns the counts deleted."""
    now = utcnow()
    feedback = await session.execute(delete(Feedback).where(Feedback.created_at < now - timedelta(days=feedback_days)))
    misses = await session.execute(
        delete(SearchMiss).where(SearchMiss.created_at < now - timedelta(days=search_log_days))
    )
    # Patches need only the changes since a worker's index was built: a day is plenty.
    await session.execute(delete(PlanogramChange).where(PlanogramChange.created_at < now - timedelta(days=1)))
    await session.commit()
    return feedback.rowcount or 0, misses.rowcount or 0  # type: ignore[attr-defined]
