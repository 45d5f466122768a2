"""A store for the pocket: its plan and where every carried product is, in one document.

A shopper in a store with poor signal needs the map and the places of things without asking the
server for each. The bundle is one versioned document per store, named by its versions
(``<floor plan>.<planogram>.<catalog>``): a phone keeps it, asks again with ``If-None-Match`` (a
304 while nothing changed) or with ``since=<the version it has>`` for what changed since (the
products the planogram changes touched), and reads it offline. Each product's entry is the
locations answer of ``GET …/products/{sku}/locations``, byte for byte, with the product's name in
the language the phone asked for (``Accept-Language``) where the catalog has it.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.locations import StoreIndex, department_in
from catalog.placements import changed_skus

#: A product's name in the bundle's language (None: its catalog name).
Namer = Callable[[str], str | None]


def _opening(index: StoreIndex, language: str | None, **members: object) -> bytes:
    """The bundle's small members, up to the big ones (already encoded) that follow."""
    opening = {"store_id": index.store_id, "version": index.version, "language": language, **members}
    return orjson.dumps(opening)[:-1] + b","


def _products(index: StoreIndex, language: str | None, name_of: Namer | None, skus: list[str] | None = None) -> bytes:
    chosen = sorted(index.products) if skus is None else sorted(s for s in skus if s in index.products)
    products = (index.products[sku] for sku in chosen)
    if language is None or name_of is None:
        return b"[" + b",".join(p.body() for p in products) + b"]"
    answers = (p.body_in(language, name_of(p.sku) or p.name, index.artifact) for p in products)
    return b"[" + b",".join(answers) + b"]"


def departments(index: StoreIndex, language: str | None = None) -> list[dict[str, object]]:
    """The store's departments (as its shelves and zones name them, in ``language`` where its zones
    translate them, as the products' locations do), with how many carried products are in each, by
    name: what an app browses by."""
    counts: dict[str, int] = {}
    for carried in index.products.values():
        for name in {loc.department for loc in carried.locations if loc.department}:
            worded = department_in(index.artifact, name, language) or name
            counts[worded] = counts.get(worded, 0) + 1
    return [{"name": name, "products": counts[name]} for name in sorted(counts)]


def full_bundle(index: StoreIndex, plan: bytes, language: str | None = None, name_of: Namer | None = None) -> bytes:
    """The whole bundle (``complete: true``): the live plan (v1 GeoJSON), the departments, and every
    carried product, named in ``language`` by ``name_of`` (None: the catalog's names), its labels and
    departments as the plan translates them."""
    products = _products(index, language, name_of)
    opening = _opening(index, language, complete=True, departments=departments(index, language))
    return opening + b'"plan":' + plan + b',"products":' + products + b"}"


async def delta(
    session: AsyncSession, index: StoreIndex, since: str, language: str | None = None, name_of: Namer | None = None
) -> bytes | None:
    """What changed since the bundle of version ``since`` (``complete: false``: the products to
    replace, and the skus to drop), or None when only a whole bundle will do (another plan or
    catalog, a change that did not say what it touched, or too many products)."""
    try:
        floorplan, planogram, catalog = (int(part) for part in since.split("."))
    except ValueError:
        return None
    if (floorplan, catalog) != (index.floorplan_version, index.catalog_version) or planogram > index.planogram_version:
        return None
    changed = await changed_skus(session, index.store_id, planogram, index.planogram_version)
    if changed is None:
        return None
    touched = sorted(changed)
    dropped = [sku for sku in touched if sku not in index.products]
    opening = _opening(index, language, complete=False, since=since)
    products = _products(index, language, name_of, touched)
    return opening + b'"products":' + products + b',"dropped":' + orjson.dumps(dropped) + b"}"
