"""The first answer to each ``Idempotency-Key``, so that a retried request changes nothing.

A phone on a weak signal sends a report, loses the answer and sends it again: the same key, the
same request. The first one is claimed (a row with no answer yet), run, and its answer stored;
every retry within :data:`KEEP` gets that answer back. Rows live in the database, so every worker
and host sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from stores.infra.db import Base, UtcDateTime, transaction

#: How long a key's first answer is kept.
KEEP = timedelta(hours=24)
#: A claim whose request has not answered in this long is given up (its worker died).
STALE_CLAIM = timedelta(minutes=2)


def utcnow() -> datetime:
    return datetime.now(UTC)


class IdempotencyKey(Base):
    """A key a client sent, what it was sent with, and the first answer (once there is one)."""

    __tablename__ = "idempotency_keys"

    #: Who sent it (a hash of the token, client id or address) and the key, hashed together.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The request: method, path and query, and a hash of its body.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


@dataclass(frozen=True, slots=True)
class Stored:
    """What the key holds: the first answer, or a claim still running, or another request's."""

    fingerprint: str
    status: int | None
    media_type: str | None
    body: bytes | None
    claimed_at: datetime


async def claim(sessions: async_sessionmaker[AsyncSession], key_id: str, fingerprint: str) -> Stored | None:
    """Claim the key for this request (None: claimed, go ahead), or what it already holds.

    Keys older than KEEP are purged first; a claim older than STALE_CLAIM without an answer is
    taken over (the worker that made it is gone)."""
    now = utcnow()
    async with sessions() as session:
        async with transaction(session):
            await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEEP))
            await session.execute(
                delete(IdempotencyKey).where(
                    IdempotencyKey.id == key_id,
                    IdempotencyKey.status.is_(None),
                    IdempotencyKey.created_at < now - STALE_CLAIM,
                )
            )
        try:
            async with transaction(session):
                session.add(IdempotencyKey(id=key_id, fingerprint=fingerprint, created_at=now))
            return None
        except IntegrityError:
            row = (await session.execute(select(IdempotencyKey).where(IdempotencyKey.id == key_id))).scalar_one()
            return Stored(row.fingerprint, row.status, row.media_type, row.body, row.created_at)


async def answer(
    sessions: async_sessionmaker[AsyncSession], key_id: str, status: int, media_type: str | None, body: bytes
) -> None:
    """Keep the first answer of a claimed key."""
    async with sessions() as session, transaction(session):
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == key_id)
            .values(status=status, media_type=media_type, body=body)
        )


async def release(sessions: async_sessionmaker[AsyncSession], key_id: str) -> None:
    """Give the key up (the request failed on our side: a retry should run it again)."""
    async with sessions() as session, transaction(session):
        await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == key_id))
