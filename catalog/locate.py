"""Resolve shopping-list items (a sku, or free text) against a store's location index."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from catalog.locations import Carried, StoreIndex
from catalog.search import Hit, SearchIndex
from stores.floorplan.artifact import NavArtifact
from stores.infra.errors import Invalid, Problem

#: Free text one request may ask to match, over all its items (matching costs about a
#: millisecond per query word against a large catalog: 200 long queries took 0.8 s of CPU).
#: A long shopping list of 100 items at 25 characters each is 2,500.
MAX_QUERY_CHARACTERS = 5_000


@dataclass(frozen=True, slots=True)
class Item:
    sku: str | None = None
    query: str | None = None
    quantity: int | None = None
    #: A scanned barcode (GTIN-8/12/13/14, leading zeros optional).
    gtin: str | None = None

    def as_json(self) -> dict[str, Any]:
        if self.sku is not None:
            out: dict[str, Any] = {"sku": self.sku}
        else:
            out = {"gtin": self.gtin} if self.gtin is not None else {"query": self.query}
        if self.quantity is not None:
            out["quantity"] = self.quantity
        return out


@dataclass(frozen=True, slots=True)
class Resolved:
    item: Item
    sku: str | None
    carried: Carried | None
    reason: str | None  # unknown_sku | no_match | not_carried | out_of_stock

    def as_json(
        self,
        artifact: NavArtifact | None = None,
        language: str | None = None,
        name_of: Callable[[str, str | None], str | None] | None = None,
    ) -> dict[str, Any]:
        """The answer for this item; in ``language`` (names by ``name_of``, labels and departments by
        the plan in ``artifact``) when given."""
        out: dict[str, Any] = {"item": self.item.as_json(), "sku": self.sku}
        places = self.carried.locations if self.carried else []
        out["locations"] = [loc.as_json(artifact, language) for loc in places]
        if self.carried is not None:
            named = name_of(self.carried.sku, language) if name_of is not None and language is not None else None
            out["name"] = named or self.carried.name
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


def check_work(items: list[Item]) -> None:
    """Refuse a list whose free text is past :data:`MAX_QUERY_CHARACTERS`, before matching any."""
    characters = sum(len(i.query) for i in items if i.query is not None)
    if characters > MAX_QUERY_CHARACTERS:
        raise Invalid("The list asks for too much free-text matching.", [Problem(
            "too_much_work", f"{characters} characters of free text; at most {MAX_QUERY_CHARACTERS} per request",
            pointer="/items")])  # fmt: skip


async def locate_list(index: StoreIndex, search: SearchIndex, items: list[Item]) -> list[Resolved]:
    """:func:`locate_items` within the work budget; free text is matched in a thread, so a long
    list of queries does not hold up the worker's other requests (skus alone are dict lookups)."""
    check_work(items)
    if any(i.query is not None for i in items):
        return await asyncio.to_thread(locate_items, index, search, items)
    return locate_items(index, search, items)


def locate_items(index: StoreIndex, search: SearchIndex, items: list[Item]) -> list[Resolved]:
    """One answer per item, in order. Free text resolves like the best search hit (the store's own
    first among near-equals).

    A sku the store does not carry is "not_carried" when the catalog has it (the search index
    holds the whole catalog at the current version: no database read), else "unknown_sku"; a
    barcode no product has is "unknown_gtin".
    """
    wanted: list[str | None] = []
    for item in items:
        if item.sku is not None:
            wanted.append(item.sku)
        elif item.gtin is not None:
            wanted.append(search.sku_of_gtin(item.gtin))
        else:
            hits = search.search(item.query or "", 5, lifts=index.lifts(search))
            wanted.append(_best_hit(hits, index) if hits else None)
    out = []
    for item, sku in zip(items, wanted, strict=True):
        if sku is None:
            out.append(Resolved(item, None, None, "unknown_gtin" if item.gtin is not None else "no_match"))
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
