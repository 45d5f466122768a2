"""The demo catalog: a few thousand grocery products, placed on every demo store's shelves."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.models import Placement, Product
from catalog.placements import PlacementRow, replace_planogram
from catalog.products import import_products
from catalog.synthetic import synthetic_catalog, synthetic_planogram
from stores.demo import DEMO_AREAS
from stores.floorplan.service import ArtifactCache, NoFloorPlan

DEMO_PRODUCTS = 3000


async def load_demo_catalog(session: AsyncSession) -> tuple[int, int]:
    """Import the demo products if the catalog is empty and give each demo store without a
    planogram one. Returns (products imported, stores planned)."""
    products = synthetic_catalog(DEMO_PRODUCTS)
    imported = 0
    if not await session.scalar(select(func.count()).select_from(Product)):
        imported = await import_products(session, enumerate(products))
    artifacts = ArtifactCache(max_entries=1)
    planned = 0
    for store_id in DEMO_AREAS:
        if await session.scalar(select(func.count()).select_from(Placement).where(Placement.store_id == store_id)):
            continue
        try:
            artifact = await artifacts.live(session, store_id)
        except NoFloorPlan:
            continue
        rows = [
            PlacementRow(r["sku"], r["shelf"], r.get("position_m"), r.get("level"), r.get("stock"))
            for r in synthetic_planogram(products, artifact, seed=len(store_id))
        ]
        await replace_planogram(session, store_id, rows, artifact)
        planned += 1
    return imported, planned
