"""A store for the pocket: its plan and where every carried product is, in one document.

A shopper in a store with poor signal needs the map and the places of things without asking the
server for each. The bundle is one versioned document per store, named by its versions
(``<floor plan>.<planogram>.<catalog>``): a phone keeps it, asks again with ``If-None-Match`` (a
304 while nothing changed) or with ``since=<the version it has>`` for what changed since (the
products the planogram changes touched), and reads it offline. Each product's entry is the
locations answer of ``GET …/products/{sku}/locations``, byte for byte.
"""

from __future__ import annotations

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.locations import StoreIndex
from catalog.models import PlanogramChange
from catalog.placements import PATCH_MAX_SKUS


def version_of(index: StoreIndex) -> str:
    """The bundle's version: what it is made of."""
    return f"{index.floorplan_version}.{index.planogram_version}.{index.catalog_version}"


def _products(index: StoreIndex, skus: list[str] | None = None) -> bytes:
    chosen = sorted(index.products) if skus is None else sorted(s for s in skus if s in index.products)
    return b"[" + b",".join(index.products[sku].body() for sku in chosen) + b"]"


def full_bundle(index: StoreIndex, plan: bytes) -> bytes:
    """The whole bundle (``complete: true``): the live plan (v1 GeoJSON) and every carried product."""
    head = f'{{"store_id":{_json_str(index.store_id)},"version":"{version_of(index)}","complete":true,"plan":'
    return head.encode() + plan + b',"products":' + _products(index) + b"}"


async def delta(session: AsyncSession, index: StoreIndex, since: str) -> bytes | None:
    """What changed since the bundle of version ``since`` (``complete: false``: the products to
    replace, and the skus to drop), or None when only a whole bundle will do (another plan or
    catalog, a change that did not say what it touched, or too many products)."""
    try:
        floorplan, planogram, catalog = (int(part) for part in since.split("."))
    except ValueError:
        return None
    if (floorplan, catalog) != (index.floorplan_version, index.catalog_version) or planogram > index.planogram_version:
        return None
    changes = (
        await session.scalars(
            select(PlanogramChange.skus).where(
                PlanogramChange.store_id == index.store_id,
                PlanogramChange.version > planogram,
                PlanogramChange.version <= index.planogram_version,
            )
        )
    ).all()
    if len(changes) != index.planogram_version - planogram or any(skus is None for skus in changes):
        return None
    touched = sorted({sku for skus in changes for sku in (skus or [])})
    if len(touched) > PATCH_MAX_SKUS:
        return None
    dropped = [sku for sku in touched if sku not in index.products]
    head = (f'{{"store_id":{_json_str(index.store_id)},"version":"{version_of(index)}","complete":false,'
            f'"since":"{since}","products":')  # fmt: skip
    return head.encode() + _products(index, touched) + b',"dropped":' + _json_list(dropped) + b"}"


def _json_str(value: str) -> str:
    return orjson.dumps(value).decode()


def _json_list(values: list[str]) -> bytes:
    return orjson.dumps(values)
