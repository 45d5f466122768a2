"""ORM models of the ``stores`` package: stores and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stores.infra.db import Base, UtcDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A timestamp as aware UTC. SQLite returns stored times naive (they were written as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # Indexed (GiST on PostGIS, R*Tree on SpatiaLite) for the locator's bounding-box prefilter.
    location: Mapped[object] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True, nullable=False))
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(20))
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: stores.hours: a week of intervals and dated exceptions.
    opening_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Name, city, postcode and address, normalised (the locator's text search reads it).
    search_text: Mapped[str | None] = mapped_column(String(1000))
    floorplan_version: Mapped[int | None] = mapped_column(Integer)
    #: Bumped in the same transaction as every planogram change: per-worker caches key on it.
    planogram_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Bumped with every closure opened or lifted: route tables key on it.
    closures_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ApiToken(Base):
    """A bearer token. Only the SHA-256 of the secret is stored; the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    stores: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class FloorplanVersion(Base):
    """One uploaded floor plan: its canonical v1 source, validation report and compiled artifact."""

    __tablename__ = "floorplan_versions"
    __table_args__ = (UniqueConstraint("store_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    source_format: Mapped[str] = mapped_column(String(16))
    source: Mapped[bytes] = mapped_column(LargeBinary)  # canonical v1 GeoJSON (UTF-8 JSON)
    report: Mapped[dict[str, object]] = mapped_column(JSON)
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: When it was first made live; None while it is a draft.
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Closure(Base):
    """A closed shelf or area (a spill in aisle 7), until a time or until lifted."""

    __tablename__ = "closures"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    shelf: Mapped[str | None] = mapped_column(String(64))
    polygon: Mapped[dict[str, object] | None] = mapped_column(JSON)  # GeoJSON, store-frame metres
    #: A connector between levels (its id in the plan), closed as a whole: a lift out of order.
    connector: Mapped[str | None] = mapped_column(String(64))
    #: The level the polygon lies on (plans with levels).
    level_id: Mapped[str | None] = mapped_column(String(64))
    until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
