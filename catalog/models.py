"""ORM models of the catalog: products (chain-wide) and placements (per store)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stores.db import Base
from stores.models import utcnow

STORAGE = ("ambient", "chilled", "frozen")
STOCK = ("in_stock", "low", "out")
#: A placement row with this shelf means "carried here, not placed yet" (located by department).
UNPLACED = ""


class Product(Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    name: Mapped[str] = mapped_column(String(300))
    brand: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(100))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    storage: Mapped[str] = mapped_column(String(16), default="ambient")
    heavy: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    fragile: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CatalogState(Base):
    """One row: the catalog's version, bumped by every product import (search caches key on it)."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
