"""Resolve shopping-list items (a sku, or free text) against a store's location index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalog.locations import Carried, StoreIndex
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


def locate_items(index: StoreIndex, search: SearchIndex, items: list[Item]) -> list[Resolved]:
    """One answer per item, in order. Free text resolves like the best search hit (carried first).

    A sku the store does not carry is "not_carried" when the catalog has it (the search index
    holds the whole catalog at the current version: no database read), else "unknown_sku".
    """
    carried_skus = index.products.keys()
    wanted: list[str | None] = []
    for item in items:
        if item.sku is not None:
            wanted.append(item.sku)
        else:
            hits = search.search(item.query or "", 5, carried_skus)
            wanted.append(_best_hit(hits, index) if hits else None)
    out = []
    for item, sku in zip(items, wanted, strict=True):
        if sku is None:
            out.append(Resolved(item, None, None, "no_match"))
            continue
        carried = index.products.get(sku)
        if carried is None:
            out.append(Resolved(item, sku, None, "unknown_sku" if search.name_of(sku) is None else "not_carried"))
        elif not carried.locations:
            out.append(Resolved(item, sku, carried, "not_carried"))
        elif carried.stock == "out":
            out.append(Resolved(item, sku, carried, "out_of_stock"))
        else:
            out.append(Resolved(item, sku, carried, None))
    return out
