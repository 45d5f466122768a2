"""ORM models of the catalog: products (chain-wide) and placements (per store)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stores.infra.db import Base, UtcDateTime
from stores.models import utcnow

STORAGE = ("ambient", "chilled", "frozen")
STOCK = ("in_stock", "low", "out")
#: A placement row with this shelf means "carried here, not placed yet" (located by department).
UNPLACED = ""


class Product(Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    #: More barcodes of the same product (other pack sizes' GTINs, a UPC beside its EAN).
    gtins: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(300))
    brand: Mapped[str | None] = mapped_column(String(200))
    #: The package's declared quantity: an amount and a unit (catalog.products.UNITS).
    size_amount: Mapped[float | None] = mapped_column(Float)
    size_unit: Mapped[str | None] = mapped_column(String(16))
    image_url: Mapped[str | None] = mapped_column(String(500))
    department: Mapped[str | None] = mapped_column(String(100))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    storage: Mapped[str] = mapped_column(String(16), default="ambient")
    heavy: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    fragile: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Placement(Base):
    """Where a product sits in one store: a shelf, a position along it, a level and stock."""

    __tablename__ = "placements"
    __table_args__ = (UniqueConstraint("store_id", "sku", "shelf"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku", ondelete="CASCADE"), index=True)
    shelf: Mapped[str] = mapped_column(String(64))
    position_m: Mapped[float | None] = mapped_column(Float)
    level: Mapped[int | None] = mapped_column(Integer)
    stock: Mapped[str] = mapped_column(String(16), default="in_stock")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: When the place (shelf, position) was last set or confirmed by a manager; shoppers'
    #: wrong-location reports older than this no longer count against it.
    located_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=utcnow)


class CatalogState(Base):
    """One row: the catalog's version, bumped by every product import (search caches key on it)."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


#: Autoincrementing 64-bit ids on PostgreSQL; SQLite's rowid alias must be spelled INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")

FEEDBACK_KINDS = ("not_at_location", "out_of_stock", "found_elsewhere", "route_rating")


class Feedback(Base):
    """One shopper report, append-only. No client id, address or device is ever stored (the
    reporter is a keyed hash that names no client)."""

    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_store_created", "store_id", "created_at"),
        Index("ix_feedback_store_sku_shelf", "store_id", "sku", "shelf"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    sku: Mapped[str | None] = mapped_column(String(64))
    #: The placement the report is about: the shelf the app showed the product on.
    shelf: Mapped[str | None] = mapped_column(String(64))
    #: Who reported, as an HMAC of the client and the store and product (catalog.feedback.reporter_of):
    #: reports of one client about one product count once; two products' reporters cannot be linked.
    reporter: Mapped[str | None] = mapped_column(String(32))
    #: found_elsewhere: where the shopper found it (a shelf and a place along it, and x, y).
    found_shelf: Mapped[str | None] = mapped_column(String(64))
    found_position_m: Mapped[float | None] = mapped_column(Float)
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)
    #: The level x, y is on (stores with levels).
    level_id: Mapped[str | None] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(500))
    floorplan_version: Mapped[int | None] = mapped_column(Integer)
    planogram_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SearchMiss(Base):
    """A search or list item that found nothing this store has. Append-only, no personal data:
    no client, no list (rows of one list are not linked), time to the hour."""

    __tablename__ = "search_misses"
    __table_args__ = (Index("ix_search_misses_store_created", "store_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    query: Mapped[str] = mapped_column(String(200))
    #: The product the words matched, when the store does not carry it.
    sku: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))  # no_match | not_carried | unknown_sku
    source: Mapped[str] = mapped_column(String(8))  # search | locate | route
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LocationChange(Base):
    """A product's places before and after a planogram or floor plan change ("what moved")."""

    __tablename__ = "location_changes"
    __table_args__ = (Index("ix_location_changes_store_created", "store_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64))
    before: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    after: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    floorplan_version: Mapped[int | None] = mapped_column(Integer)
    planogram_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PlanogramChange(Base):
    """Which products one planogram version changed, so workers can patch their location index
    instead of rebuilding it (``skus`` null: anything may have changed, rebuild). Kept a day."""

    __tablename__ = "planogram_changes"

    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    skus: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
