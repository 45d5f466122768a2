"""Where products are in a store: a per-worker index, rebuilt only when the store changes.

The index is keyed by (store, floor plan version, planogram version). Each request reads those
two numbers from the store row (one primary-key lookup), so every worker sees a change as soon
as it is committed, and rebuilds at most once per change. The answer for each sku is encoded
to JSON on its first request and kept with the index; later requests return those bytes.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.feedback import doubtful_placements
from catalog.models import UNPLACED, Placement, Product
from catalog.placements import stock_of
from stores.errors import NotFound
from stores.floorplan.artifact import NavArtifact
from stores.floorplan.service import ArtifactCache, NoFloorPlan
from stores.lru import Lru
from stores.models import Store
from stores.probe import VersionProbe


@dataclass(frozen=True, slots=True)
class Location:
    shelf: str | None
    aisle: str | None
    label: str | None
    department: str | None
    level: int | None
    x: float
    y: float
    approximate: bool
    stock: str
    point: int  # stand point index in the store's artifact (for routing)
    position_m: float | None = None
    #: "low" when shoppers keep reporting the product is not here and no manager has checked yet.
    confidence: str = "high"

    def as_json(self) -> dict[str, Any]:
        return {
            "shelf": self.shelf, "aisle": self.aisle, "label": self.label, "department": self.department,
            "level": self.level, "x": round(self.x, 2), "y": round(self.y, 2), "approximate": self.approximate,
            "stock": self.stock, "position_m": self.position_m, "confidence": self.confidence,
        }  # fmt: skip


@dataclass(slots=True)
class Carried:
    sku: str
    name: str
    storage: str
    heavy: bool
    fragile: bool
    stock: str
    locations: list[Location]
    _body: bytes | None = None

    def body(self) -> bytes:
        """The encoded locations answer, made on the first request for it (not at index build:
        an index is rebuilt on every planogram change, and most skus are not asked for before
        the next one)."""
        if self._body is None:
            self._body = orjson.dumps(
                {"sku": self.sku, "name": self.name, "carried": True, "stock": self.stock,
                 "locations": [loc.as_json() for loc in self.locations]}
            )  # fmt: skip
        return self._body


@dataclass
class StoreIndex:
    store_id: str
    floorplan_version: int
    planogram_version: int
    artifact: NavArtifact
    products: dict[str, Carried] = field(default_factory=dict)


def _department_places(artifact: NavArtifact) -> dict[str, Location]:
    """Per department (case-folded): its zone's stand point, else one of its shelves, as a hint.

    Stock is filled in per product; built once per index, not once per product.
    """
    places: dict[str, Location] = {}
    for shelf in artifact.shelves.values():
        if shelf.department and shelf.department.casefold() not in places:
            point = artifact.slot_for(shelf.id, None)
            x, y = artifact.table.points[point]
            places[shelf.department.casefold()] = Location(
                shelf.id, shelf.aisle, shelf.label, shelf.department, None, float(x), float(y), True, "", point
            )
    for zone in reversed(artifact.zones):  # zones win over shelves; the first zone of a department wins
        x, y = artifact.table.points[zone.point]
        places[zone.department.casefold()] = Location(
            None, None, zone.department, zone.department, None, float(x), float(y), True, "", zone.point
        )
    return places


async def build_index(
    session: AsyncSession, store: Store, artifact: NavArtifact, doubt_threshold: int = 3
) -> StoreIndex:
    rows = await session.execute(
        select(
            Placement.sku, Placement.shelf, Placement.position_m, Placement.level, Placement.stock,
            Product.name, Product.department, Product.storage, Product.heavy, Product.fragile,
        )
        .join(Product, Product.sku == Placement.sku)
        .where(Placement.store_id == store.id)
        .order_by(Placement.sku, Placement.shelf)
    )  # fmt: skip
    doubtful = await doubtful_placements(session, store.id, doubt_threshold)
    by_department = _department_places(artifact)
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.sku, []).append(row)
    index = StoreIndex(store.id, artifact.version, store.planogram_version, artifact)
    for sku, placed in grouped.items():
        first = placed[0]
        locations: list[Location] = []
        for row in placed:
            shelf = artifact.shelves.get(row.shelf) if row.shelf != UNPLACED else None
            if shelf is None:
                continue  # unplaced, or on a shelf the live plan no longer has
            point = artifact.slot_for(shelf.id, row.position_m)
            x, y = artifact.table.points[point]
            locations.append(
                Location(shelf.id, shelf.aisle, shelf.label, shelf.department or first.department, row.level,
                         float(x), float(y), False, row.stock, point, row.position_m,
                         "low" if (sku, shelf.id) in doubtful else "high")
            )  # fmt: skip
        stock = stock_of([r.stock for r in placed])
        if not locations:
            approximate = by_department.get((first.department or "").casefold())
            locations = [dataclasses.replace(approximate, stock=stock)] if approximate else []
        index.products[sku] = Carried(sku, first.name, first.storage, first.heavy, first.fragile, stock, locations)
    return index


class LocationIndexes:
    """Per-worker LRU of store indexes; one build at a time per store.

    Freshness check per request: the store's two version numbers through a :class:`VersionProbe`.
    """

    def __init__(
        self,
        artifacts: ArtifactCache,
        probe: VersionProbe,
        sessions: async_sessionmaker[AsyncSession],
        max_entries: int = 64,
        doubt_threshold: int = 3,
    ) -> None:
        self._doubt_threshold = doubt_threshold
        self._artifacts = artifacts
        self._probe = probe
        self._sessions = sessions
        self._entries: Lru[str, StoreIndex] = Lru(max_entries)
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, store_id: str) -> StoreIndex:
        return (await self.get_versioned(store_id))[0]

    async def get_versioned(self, store_id: str) -> tuple[StoreIndex, tuple[int | None, int, int]]:
        """The index and the store's (floor plan, planogram, closures) versions, from one probe."""
        versions = await self._probe.store_versions(store_id)
        if versions is None:
            raise NotFound(f"No store with id {store_id!r}.")
        floorplan_version, planogram_version, _ = versions
        if floorplan_version is None:
            raise NoFloorPlan(f"Store {store_id!r} has no floor plan yet.")
        key = (floorplan_version, planogram_version)
        current = self._entries.get(store_id)
        if current and (current.floorplan_version, current.planogram_version) == key:
            return current, versions
        lock = self._locks.setdefault(store_id, asyncio.Lock())
        async with lock:
            current = self._entries.get(store_id)
            if current and (current.floorplan_version, current.planogram_version) == key:
                return current, versions
            store = Store(id=store_id, floorplan_version=floorplan_version, planogram_version=planogram_version)
            async with self._sessions() as session:
                artifact = await self._artifacts.get(session, store_id, floorplan_version)
                index = await build_index(session, store, artifact, self._doubt_threshold)
            return self._entries.put(store_id, index), versions
