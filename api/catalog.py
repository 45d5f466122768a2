"""Products, planograms, product locations, search and batch locate."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import msgspec
import orjson
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from api.dependencies import Session
from api.guards import ADMIN_WRITE, MANAGER_WRITE, SHOPPER_EXPENSIVE
from api.http import conditional, validators
from api.schemas import LocationsOut, encoded
from api.wiring import Wiring
from catalog import placements, products
from catalog.bundle import delta, full_bundle
from catalog.locate import Item, locate_list
from catalog.placements import PlacementRow
from stores.floorplan import service
from stores.infra.errors import Invalid, NotFound, Problem, UnsupportedMedia

MAX_IMPORT_BYTES = 128 * 1024 * 1024
MAX_LIST_ITEMS = 200


class Upserted(msgspec.Struct):
    upserted: int


class ProductOut(msgspec.Struct):
    sku: str
    name: str
    brand: str | None
    department: str | None
    gtin: str | None
    keywords: list[str]
    names: dict[str, str]
    storage: str
    heavy: bool
    fragile: bool


class PlacementIn(msgspec.Struct, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    shelf: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    position_m: Annotated[float, msgspec.Meta(ge=0, le=10_000)] | None = None
    level: Annotated[int, msgspec.Meta(ge=0, le=50)] | None = None
    stock: Literal["in_stock", "low", "out"] | None = None


class PlanogramResult(msgspec.Struct):
    store_id: str
    planogram_version: int
    rows: int


class ItemIn(msgspec.Struct, forbid_unknown_fields=True):
    sku: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    query: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)] | None = None


class LocateIn(msgspec.Struct, forbid_unknown_fields=True):
    items: Annotated[list[ItemIn], msgspec.Meta(min_length=1, max_length=MAX_LIST_ITEMS)]


def to_items(items: list[ItemIn]) -> list[Item]:
    """Items as the domain sees them; an item with neither or both of sku and query is a 422."""
    problems = [
        Problem("invalid_item", "give exactly one of sku or query", pointer=f"/items/{i}")
        for i, item in enumerate(items)
        if (item.sku is None) == (item.query is None)
    ]
    if problems:
        raise Invalid("Some items are neither a sku nor a query.", problems)
    return [Item(sku=i.sku, query=i.query, quantity=i.quantity) for i in items]


class ProductController(Controller):
    path = "/products"
    tags = ["catalog"]

    @put("/", guards=ADMIN_WRITE, request_max_body_size=MAX_IMPORT_BYTES, summary="Bulk upsert (JSON array or CSV)")
    async def import_products(self, request: Request[Any, Any, Any], db: Session) -> Upserted:
        media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if media not in ("application/json", "text/csv"):
            raise UnsupportedMedia(f"Send products as application/json (an array) or text/csv, not {media!r}.")
        body = await request.body()
        return Upserted(await products.import_products(db, products.rows_from_body(body, media)))

    @get("/{sku:str}", summary="One product")
    async def show(self, sku: FromPath[str], db: Session) -> ProductOut:
        p = await products.get_product(db, sku)
        return ProductOut(
            p.sku, p.name, p.brand, p.department, p.gtin, p.keywords, p.names, p.storage, p.heavy, p.fragile
        )


class StoreCatalogController(Controller):
    path = "/stores/{store_id:str}"
    tags = ["catalog"]

    @put("/placements", guards=MANAGER_WRITE, request_max_body_size=MAX_IMPORT_BYTES, status_code=200,
         summary="Replace the store's planogram")  # fmt: skip
    async def replace(
        self,
        store_id: FromPath[str],
        data: JSONBody[list[PlacementIn]],
        db: Session,
        services: NamedDependency[Wiring],
    ) -> PlanogramResult:
        artifact = await services.artifacts.live(db, store_id)
        rows = [PlacementRow(r.sku, r.shelf, r.position_m, r.level, r.stock) for r in data]
        version = await placements.replace_planogram(db, store_id, rows, artifact)
        return PlanogramResult(store_id, version, len(rows))

    @post("/placements", guards=MANAGER_WRITE, status_code=200, summary="Insert or update placements (and stock)")
    async def upsert(
        self,
        store_id: FromPath[str],
        data: JSONBody[Annotated[list[PlacementIn], msgspec.Meta(max_length=20_000)]],
        db: Session,
        services: NamedDependency[Wiring],
    ) -> PlanogramResult:
        artifact = await services.artifacts.live(db, store_id)
        rows = [PlacementRow(r.sku, r.shelf, r.position_m, r.level, r.stock) for r in data]
        version = await placements.upsert_placements(db, store_id, rows, artifact)
        return PlanogramResult(store_id, version, len(rows))

    @get(
        "/bundle",
        summary="The store for offline use: its plan and where every carried product is",
        description=(
            "One document per store version (`version`: floor plan, planogram, catalog): the live plan as v1 "
            "GeoJSON and, per carried product, the answer of `…/products/{sku}/locations`. Send `If-None-Match` "
            "for a 304 while nothing changed, or `since=<version>` for what changed since (`complete: false`: "
            "`products` to replace, `dropped` skus); when only a whole bundle will do, it is sent."
        ),
    )
    async def bundle(
        self,
        store_id: FromPath[str],
        db: Session,
        services: NamedDependency[Wiring],
        request: Request[Any, Any, Any],
        since: Annotated[str | None, Parameter(max_length=64)] = None,
    ) -> Response[dict[str, Any]]:
        index = await services.locations.get(store_id)
        if since is not None and (part := await delta(db, index, since)) is not None:
            return Response(encoded(part), media_type="application/json", headers={"Cache-Control": "no-store"})

        async def whole() -> Response[dict[str, Any]]:
            async def build(_previous: bytes | None) -> bytes:
                _, plan_bytes = await service.plan_source(db, store_id, index.floorplan_version)
                return await asyncio.to_thread(full_bundle, index, plan_bytes)

            return Response(
                encoded(await services.bundles.get(store_id, index.version, build)), media_type="application/json"
            )

        return await conditional(request, f'"{index.version}"', whole)

    # A few hundred bytes, the hottest read: compressing it would cost more than it saves.
    @get("/products/{sku:str}/locations", summary="Where a product is in this store", opt={"uncompressed": True})
    async def locations(
        self,
        store_id: FromPath[str],
        sku: FromPath[str],
        services: NamedDependency[Wiring],
    ) -> Response[LocationsOut]:
        # The hot path: a version probe and a dict lookup; the answer is encoded once per index.
        index = await services.locations.get(store_id)
        # The answer is made of the store's plan, planogram (stock and reports bump it) and catalog:
        # the index's version is its validator (an ETag names one URL's answer; no hash needed). The
        # answer is in memory: api.http.platform_middleware answers If-None-Match with a 304.
        headers = validators(f'"{index.version}"')
        carried = index.products.get(sku)
        if carried is not None:
            return Response(encoded(carried.body()), media_type="application/json", headers=headers)
        name = (await services.search.get()).name_of(sku)  # the catalog, in memory
        if name is None:
            raise NotFound(f"No product with sku {sku!r}.")
        body = {"sku": sku, "name": name, "carried": False, "stock": None, "locations": []}
        return Response(encoded(orjson.dumps(body)), media_type="application/json", headers=headers)

    @get(
        "/products",
        guards=SHOPPER_EXPENSIVE,
        summary="Search products (typo-, accent- and language-tolerant); carried ones first",
    )
    async def search(
        self,
        store_id: FromPath[str],
        services: NamedDependency[Wiring],
        q: Annotated[str, Parameter(min_length=1, max_length=200)],
        limit: Annotated[int, Parameter(ge=1, le=50)] = 10,
    ) -> dict[str, Any]:
        index = await services.locations.get(store_id)
        hits = (await services.search.get()).search(q, limit, index.products.keys())
        if not hits:
            services.search_misses.record(store_id, q, "no_match", "search")
        elif hits[0].sku not in index.products:  # carried products rank first: none is carried
            services.search_misses.record(store_id, q, "not_carried", "search", hits[0].sku)
        results = []
        for hit in hits:
            carried = index.products.get(hit.sku)
            results.append({
                "sku": hit.sku, "name": hit.name, "score": hit.score, "carried": carried is not None,
                "locations": [loc.as_json() for loc in carried.locations] if carried else [],
            })  # fmt: skip
        return {"results": results}

    @post(
        "/locate",
        status_code=200,
        guards=SHOPPER_EXPENSIVE,
        summary="Locate a whole shopping list in one round trip",
    )
    async def locate(
        self,
        store_id: FromPath[str],
        data: JSONBody[LocateIn],
        services: NamedDependency[Wiring],
    ) -> dict[str, Any]:
        index = await services.locations.get(store_id)
        results = await locate_list(index, await services.search.get(), to_items(data.items))
        for r in results:
            services.search_misses.record_unresolved(store_id, "locate", r.item.as_json(), r.reason, r.sku)
        return {"results": [r.as_json() for r in results]}
