"""Resolve shopping-list items (a sku, or free text) against a store's location index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.locations import Carried, StoreIndex
from catalog.models import Product
from catalog.search import Hit, SearchIndex


@dataclass(frozen=True, slots=True)
class Item:
    sku: str | None = None
    query: str | None = None
    quantity: int | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sku": self.sku} if self.sku is not None else {"query": self.query}
        if self.quantity is not None:
            out["quantity"] = self.quantity
        return out


@dataclass(frozen=True, slots=True)
class Resolved:
    item: Item
    sku: str | None
    carried: Carried | None
    reason: str | None  # unknown_sku | no_match | not_carried | out_of_stock

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"item": self.item.as_json(), "sku": self.sku}
        out["locations"] = [loc.as_json() for loc in self.carried.locations] if self.carried else []
        if self.carried is not None:
            out["name"] = self.carried.name
            out["stock"] = self.carried.stock
        if self.reason:
            out["reason"] = self.reason
        return out


#: A hit this close to the best one is as good a match: prefer it if the store has it in stock.
_NEAR_TIE = 3.0


def _best_hit(hits: list[Hit], index: StoreIndex) -> str:
    """The best search hit, preferring, among near-equal matches, one that is on a shelf and in stock."""
    for hit in hits:
        if hit.score < hits[0].score - _NEAR_TIE:
            break
        carried = index.products.get(hit.sku)
        if carried is not None and carried.locations and carried.stock != "out":
            return hit.sku
    return hits[0].sku


async def locate_items(
    sessions: async_sessionmaker[AsyncSession], index: StoreIndex, search: SearchIndex, items: list[Item]
) -> list[Resolved]:
    """One answer per item, in order. Free text resolves like the best search hit (carried first)."""
    carried_skus = index.products.keys()
    wanted: list[str | None] = []
    for item in items:
        if item.sku is not None:
            wanted.append(item.sku)
        else:
            hits = search.search(item.query or "", 5, carried_skus)
            wanted.append(_best_hit(hits, index) if hits else None)
    unknown = {s for s in wanted if s is not None and s not in index.products}
    known_elsewhere: set[str] = set()
    if unknown:
        async with sessions() as session:
            query = select(Product.sku).where(Product.sku.in_(sorted(unknown)[:1000]))
            known_elsewhere = set((await session.scalars(query)).all())
    out = []
    for item, sku in zip(items, wanted, strict=True):
        if sku is None:
            out.append(Resolved(item, None, None, "no_match"))
            continue
        carried = index.products.get(sku)
        if carried is None:
            out.append(Resolved(item, sku, None, "not_carried" if sku in known_elsewhere else "unknown_sku"))
        elif not carried.locations:
            out.append(Resolved(item, sku, carried, "not_carried"))
        elif carried.stock == "out":
            out.append(Resolved(item, sku, carried, "out_of_stock"))
        else:
            out.append(Resolved(item, sku, carried, None))
    return out
