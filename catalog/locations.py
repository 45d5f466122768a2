"""Where products are in a store: a per-worker index, kept current as the store changes.

The index is keyed by (store, floor plan version, planogram version, catalog version). Each
request gets those numbers from a :class:`VersionProbe` (on SQLite one primary-key read; on
PostgreSQL from memory, told of changes by NOTIFY), so every worker sees a committed change. A
planogram change patches the index: only the products that version changed are read again
(``planogram_changes``); a new floor plan or a product import rebuilds it. The answer for each
sku is encoded to JSON on its first request and kept with its entry; later requests return
those bytes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog.feedback import doubtful_placements
from catalog.languages import preferred, translated
from catalog.models import UNPLACED, Placement, Product
from catalog.placements import changed_skus, stock_of
from catalog.products import NO_DETAILS, product_details
from catalog.search import SearchIndex
from stores.floorplan.artifact import NavArtifact
from stores.floorplan.service import ArtifactCache, NoFloorPlan
from stores.infra.db import in_chunks
from stores.infra.errors import NotFound
from stores.infra.lru import kept_bytes
from stores.infra.probe import VersionProbe
from stores.infra.versioned import VersionedCache


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
    #: The level it is on, in a store with levels (``x``, ``y`` are in that level's frame).
    level_id: str | None = None

    def as_json(self, artifact: NavArtifact | None = None, language: str | None = None) -> dict[str, Any]:
        """The location as answers give it; its label and department in ``language`` where the
        plan has them (see :meth:`worded`)."""
        label, department = (self.label, self.department) if artifact is None else self.worded(artifact, language)
        return {
            "shelf": self.shelf, "aisle": self.aisle, "label": label, "department": department,
            "level": self.level, "x": round(self.x, 2), "y": round(self.y, 2), "approximate": self.approximate,
            "stock": self.stock, "position_m": self.position_m, "confidence": self.confidence,
        } | ({} if self.level_id is None else {"level_id": self.level_id})  # fmt: skip

    def worded(self, artifact: NavArtifact, language: str | None) -> tuple[str | None, str | None]:
        """The label and department in ``language`` (a language tag): the shelf's ``names`` and
        the department's zone ``names`` in the plan, else as they are. An approximate location's
        label is its department's name, and is translated as one."""
        if language is None:
            return self.label, self.department
        department = department_in(artifact, self.department, language)
        shelf = artifact.shelves.get(self.shelf) if self.shelf is not None else None
        if shelf is not None:
            return translated(self.label, shelf.names, language), department
        return (department if self.approximate else self.label), department


def department_in(artifact: NavArtifact, department: str | None, language: str | None) -> str | None:
    """A department's name in ``language`` as the plan's zones give it, else as it is."""
    if department is None:
        return None
    return translated(department, artifact.department_names.get(department.casefold(), {}), language)


@dataclass(slots=True)
class Carried:
    sku: str
    name: str
    storage: str
    heavy: bool
    fragile: bool
    stock: str
    locations: list[Location]
    #: Brand, size and image (catalog.products.product_details).
    details: dict[str, Any] = field(default_factory=lambda: dict(NO_DETAILS))
    _body: bytes | None = None

    def body(self) -> bytes:
        """The encoded locations answer, made on the first request for it (not at index build:
        an index is rebuilt on every planogram change, and most skus are not asked for before
        the next one)."""
        if self._body is None:
            self._body = kept_bytes(self._answer(self.name))
        return self._body

    def body_in(self, language: str | None, name: str, artifact: NavArtifact) -> bytes:
        """The locations answer in ``language`` (None: as the catalog and plan say): the product's
        name ``name`` and the labels and departments as the plan translates them (made, not kept)."""
        return self.body() if language is None else self._answer(name, artifact, language)

    def _answer(self, name: str, artifact: NavArtifact | None = None, language: str | None = None) -> bytes:
        return orjson.dumps(
            {"sku": self.sku, "name": name, **self.details, "carried": True, "stock": self.stock,
             "locations": [loc.as_json(artifact, language) for loc in self.locations]}
        )  # fmt: skip


@dataclass
class StoreIndex:
    store_id: str
    floorplan_version: int
    planogram_version: int
    artifact: NavArtifact
    products: dict[str, Carried] = field(default_factory=dict)
    catalog_version: int = 0
    #: Per department (case-folded), where an unplaced product is hinted (see _department_places).
    departments: dict[str, Location] = field(default_factory=dict)
    #: Search lifts by product position for one search index (:meth:`lifts`); not copied by
    #: ``dataclasses.replace`` (a patched index has other products).
    _lifts: tuple[int, NDArray[np.float32]] | None = field(default=None, init=False, repr=False, compare=False)

    def lifts(self, search: SearchIndex) -> NDArray[np.float32]:
        """What search adds to each product's score in this store's order (catalog.search: carried,
        and on a shelf in stock), by the search index's product positions; made once per index
        and catalog version (4 bytes a catalog product)."""
        if self._lifts is None or self._lifts[0] != search.version:
            positions = np.fromiter((p for sku in self.products if (p := search.position.get(sku)) is not None),
                                    dtype=np.int64)  # fmt: skip
            lifts = search.lifts_for(self.products, self.in_stock, positions).astype(np.float32)
            self._lifts = (search.version, lifts)
        return self._lifts[1]

    def language(self, accept_language: str | None, search: SearchIndex) -> str | None:
        """The language an answer about this store is in: the one ``accept_language`` prefers among
        those the catalog's names and the plan's labels and departments are in (None: as they are)."""
        return preferred(accept_language, search.languages | self.artifact.languages)

    @cached_property
    def in_stock(self) -> frozenset[str]:
        """The carried products on a shelf (or in their department) and not out of stock."""
        return frozenset(sku for sku, c in self.products.items() if c.locations and c.stock != "out")

    @property
    def version(self) -> str:
        """What the index is made of (``<floor plan>.<planogram>.<catalog>``): the version of every
        answer it gives, and their ETag."""
        return f"{self.floorplan_version}.{self.planogram_version}.{self.catalog_version}"


def _department_places(artifact: NavArtifact) -> dict[str, Location]:
    """Per department (case-folded): its zone's stand point, else one of its shelves, as a hint.

    Stock is filled in per product; built once per index, not once per product.
    """
    places: dict[str, Location] = {}
    for shelf in artifact.shelves.values():
        if shelf.department and shelf.department.casefold() not in places:
            point = artifact.slot_for(shelf.id, None)
            x, y, level = artifact.placed(point)
            places[shelf.department.casefold()] = Location(
                shelf.id, shelf.aisle, shelf.label, shelf.department, None, x, y, True, "", point, level_id=level
            )
    for zone in reversed(artifact.zones):  # zones win over shelves; the first zone of a department wins
        x, y, level = artifact.placed(zone.point)
        places[zone.department.casefold()] = Location(
            None, None, zone.department, zone.department, None, x, y, True, "", zone.point, level_id=level
        )
    return places


async def _carried(
    session: AsyncSession, index: StoreIndex, skus: Collection[str] | None, doubt_threshold: int
) -> dict[str, Carried]:
    """The index entries of ``skus`` (None: every product the store carries), read now."""
    query = (
        select(
            Placement.sku, Placement.shelf, Placement.position_m, Placement.level, Placement.stock,
            Product.name, Product.department, Product.storage, Product.heavy, Product.fragile,
            Product.brand, Product.size_amount, Product.size_unit, Product.image_url,
        )
        .join(Product, Product.sku == Placement.sku)
        .where(Placement.store_id == index.store_id)
        .order_by(Placement.sku, Placement.shelf)
    )  # fmt: skip
    grouped: dict[str, list[Any]] = {}
    chunks = [None] if skus is None else in_chunks(sorted(skus))
    for chunk in chunks:
        rows = await session.execute(query if chunk is None else query.where(Placement.sku.in_(chunk)))
        for row in rows:
            grouped.setdefault(row.sku, []).append(row)
    doubtful = await doubtful_placements(session, index.store_id, doubt_threshold)
    artifact = index.artifact
    carried: dict[str, Carried] = {}
    for sku, placed in grouped.items():
        first = placed[0]
        locations: list[Location] = []
        for row in placed:
            shelf = artifact.shelves.get(row.shelf) if row.shelf != UNPLACED else None
            if shelf is None:
                continue  # unplaced, or on a shelf the live plan no longer has
            point = artifact.slot_for(shelf.id, row.position_m)
            x, y, level = artifact.placed(point)
            locations.append(
                Location(shelf.id, shelf.aisle, shelf.label, shelf.department or first.department, row.level,
                         x, y, False, row.stock, point, row.position_m,
                         "low" if (sku, shelf.id) in doubtful else "high", level)
            )  # fmt: skip
        stock = stock_of([r.stock for r in placed])
        if not locations:
            approximate = index.departments.get((first.department or "").casefold())
            locations = [dataclasses.replace(approximate, stock=stock)] if approximate else []
        details = product_details(first.brand, first.size_amount, first.size_unit, first.image_url)
        carried[sku] = Carried(sku, first.name, first.storage, first.heavy, first.fragile, stock, locations, details)
    return carried


async def build_index(
    session: AsyncSession,
    store_id: str,
    planogram_version: int,
    artifact: NavArtifact,
    doubt_threshold: int = 3,
    catalog_version: int = 0,
) -> StoreIndex:
    index = StoreIndex(
        store_id, artifact.version, planogram_version, artifact,
        catalog_version=catalog_version, departments=_department_places(artifact),
    )  # fmt: skip
    index.products = await _carried(session, index, None, doubt_threshold)
    return index


async def patch_index(
    session: AsyncSession, index: StoreIndex, planogram_version: int, doubt_threshold: int = 3
) -> StoreIndex | None:
    """``index`` brought to ``planogram_version`` by re-reading only the products the versions in
    between changed (their recorded ``planogram_changes``); None when that is not known (a
    version's record is missing or says "anything", or too many products changed): rebuild.

    Entries of untouched products are shared with ``index``, encoded answers included.
    """
    skus = await changed_skus(session, index.store_id, index.planogram_version, planogram_version)
    if skus is None:
        return None
    products = dict(index.products)
    for sku in skus:
        products.pop(sku, None)
    products.update(await _carried(session, index, skus, doubt_threshold))
    return dataclasses.replace(index, planogram_version=planogram_version, products=products)


#: How long a request waits for a store's index of new versions before it is answered from the
#: previous one. A patch (a planogram change) takes milliseconds; a rebuild after a new floor plan
#: or a catalog import of a big store takes longer, and runs as a task of its own meanwhile.
FRESH_WAIT_S = 0.25


class LocationIndexes:
    """Per-worker store indexes, one build at a time per store.

    Freshness check per request: the store's and the catalog's version numbers through a
    :class:`VersionProbe`. A planogram change patches the index (only the products it changed are
    read again); a new floor plan or a product import rebuilds it. The patch or build runs aside:
    a request waits for it at most ``fresh_wait_s``, and is then answered from the index it
    replaces (whose version its answer and ETag carry), as the search index is.
    """

    def __init__(
        self,
        artifacts: ArtifactCache,
        probe: VersionProbe,
        sessions: async_sessionmaker[AsyncSession],
        max_entries: int = 64,
        doubt_threshold: int = 3,
        fresh_wait_s: float = FRESH_WAIT_S,
    ) -> None:
        self._doubt_threshold = doubt_threshold
        self._artifacts = artifacts
        self._probe = probe
        self._sessions = sessions
        self._held: VersionedCache[str, StoreIndex] = VersionedCache(
            max_entries, fresh_wait_s=fresh_wait_s, name="locations"
        )

    async def get(self, store_id: str) -> StoreIndex:
        return (await self.get_versioned(store_id))[0]

    async def preview(self, store_id: str, floorplan_version: int) -> StoreIndex:
        """The store's index on another version of its floor plan (a draft), built for this one
        request and not held: today's planogram and catalog on that plan."""
        versions = await self._probe.store_versions(store_id)
        if versions is None:
            raise NotFound(f"No store with id {store_id!r}.")
        catalog_version = await self._probe.catalog_version()
        async with self._sessions() as session:
            artifact = await self._artifacts.preview(session, store_id, floorplan_version)
            return await build_index(session, store_id, versions[1], artifact, self._doubt_threshold, catalog_version)

    def peek(self, store_id: str) -> StoreIndex | None:
        """The store's index this worker holds, whatever its versions."""
        held = self._held.peek(store_id)
        return None if held is None else held[1]

    async def get_versioned(self, store_id: str) -> tuple[StoreIndex, tuple[int | None, int, int]]:
        """The index and the store's (floor plan, planogram, closures) versions, from one probe."""
        versions = await self._probe.store_versions(store_id)
        if versions is None:
            raise NotFound(f"No store with id {store_id!r}.")
        floorplan_version, planogram_version, _ = versions
        if floorplan_version is None:
            raise NoFloorPlan(f"Store {store_id!r} has no floor plan yet.")
        # Names, departments and storage come from the catalog: a product import changes answers too.
        catalog_version = await self._probe.catalog_version()

        async def build(current: StoreIndex | None) -> StoreIndex:
            async with self._sessions() as session:
                if (
                    current is not None
                    and (current.floorplan_version, current.catalog_version) == (floorplan_version, catalog_version)
                    and current.planogram_version < planogram_version
                ):
                    patched = await patch_index(session, current, planogram_version, self._doubt_threshold)
                    if patched is not None:
                        return patched
                artifact = await self._artifacts.get(session, store_id, floorplan_version)
                return await build_index(
                    session, store_id, planogram_version, artifact, self._doubt_threshold, catalog_version
                )

        index = await self._held.get(store_id, (floorplan_version, planogram_version, catalog_version), build)
        return index, versions

    async def close(self) -> None:
        """Cancel the builds under way (at shutdown)."""
        await self._held.close()
