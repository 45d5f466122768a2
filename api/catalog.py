"""Products, planograms, product locations, search and batch locate."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any, cast

import msgspec
import orjson
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from api.dependencies import Session
from api.guards import ADMIN_WRITE, MANAGER_READ, MANAGER_WRITE, SHOPPER_EXPENSIVE
from api.http import Encoded, conditional, encoded_response, language_headers, validators
from api.schemas import (
    BundleOut,
    ImageUrl,
    LocateOut,
    LocationsOut,
    ProductSize,
    SearchOut,
    Size,
    Sku,
    Stock,
    Temperature,
    doc,
    encoded,
)
from api.wiring import Wiring
from catalog import placements, products
from catalog.bundle import delta, full_bundle
from catalog.locate import Item, locate_list
from catalog.placements import PlacementRow
from stores.floorplan import service
from stores.infra.errors import Invalid, NotFound, Problem, UnsupportedMedia
from stores.service import get_store

MAX_IMPORT_BYTES = 128 * 1024 * 1024
_JSON = "application/json"
MAX_LIST_ITEMS = 200


class Upserted(msgspec.Struct):
    """How many products an import wrote."""

    upserted: Annotated[int, doc("Products inserted or updated.")]


class ProductIn(msgspec.Struct):
    """A catalog row (CSV takes the same columns: `keywords` as `a;b;c`, `names` as `de=Brot;fr=Pain`,
    booleans as `true`/`false`)."""

    sku: Annotated[str, doc("The product's id in the chain's catalog.", min_length=1, max_length=64)]
    name: Annotated[str, doc("The product's name.", min_length=1, max_length=200)]
    brand: Annotated[str | None, doc("Its brand.")] = None
    department: Annotated[str | None, doc("Its department (places an unplaced product in that zone).")] = None
    gtin: Annotated[str | None, doc("Its barcode (GTIN-8, -12, -13 or -14).")] = None
    gtins: Annotated[list[str] | None, doc("More barcodes of it (other packs; at most 20; CSV: `a;b`).")] = None
    size: Annotated[ProductSize | None, doc("Its package's declared quantity (CSV: `500 g`).")] = None
    image_url: Annotated[str | None, doc("A picture of it (https).")] = None
    keywords: Annotated[list[str] | None, doc("More words search should find it by.")] = None
    names: Annotated[dict[str, str] | None, doc("Its name in other languages, by BCP 47 tag.")] = None
    storage: Annotated[Temperature | None, doc("How it is kept (default ambient).")] = None
    heavy: Annotated[bool | None, doc("Picked first when a route asks for heavy_first.")] = None
    fragile: Annotated[bool | None, doc("Picked last when a route asks for fragile_last.")] = None


class ProductOut(msgspec.Struct):
    """A product of the chain's catalog."""

    sku: Sku
    name: Annotated[str, doc("Its name.")]
    brand: Annotated[str | None, doc("Its brand.")]
    department: Annotated[str | None, doc("Its department.")]
    gtin: Annotated[str | None, doc("Its barcode.")]
    gtins: Annotated[list[str], doc("More barcodes of it.")]
    size: Size
    image_url: ImageUrl
    keywords: Annotated[list[str], doc("More words search finds it by.")]
    names: Annotated[dict[str, str], doc("Its name in other languages, by BCP 47 tag.")]
    storage: Annotated[Temperature, doc("How it is kept.")]
    heavy: Annotated[bool, doc("Heavy: picked first on request.")]
    fragile: Annotated[bool, doc("Fragile: picked last on request.")]


class PlacementIn(msgspec.Struct, forbid_unknown_fields=True):
    """A planogram row: a product on a shelf."""

    sku: Annotated[str, doc("The product.", min_length=1, max_length=64)]
    shelf: Annotated[str, doc("The shelf face (null: only the stock changes).", min_length=1, max_length=64)] | None = (
        None
    )
    position_m: (
        Annotated[float, doc("Metres along the shelf from its first vertex (default: its middle).", ge=0, le=10_000)]
        | None
    ) = None
    level: Annotated[int, doc("The shelf level, from the floor (0).", ge=0, le=50)] | None = None
    stock: Annotated[Stock | None, doc("How much is on the shelf (default in_stock).")] = None


class PlanogramResult(msgspec.Struct):
    """The store's planogram after the write."""

    store_id: Annotated[str, doc("The store.")]
    planogram_version: Annotated[int, doc("The planogram's new version.")]
    rows: Annotated[int, doc("Rows written.")]


class ItemIn(msgspec.Struct, forbid_unknown_fields=True):
    """An item of a shopping list: exactly one of `sku`, `gtin` or `query`."""

    sku: Annotated[str, doc("The product's sku.", min_length=1, max_length=64)] | None = None
    query: Annotated[str, doc("Free text, resolved like the best search hit.", min_length=1, max_length=200)] | None = (
        None
    )
    quantity: Annotated[int, doc("How many (shown on its stop).", ge=1, le=1000)] | None = None
    gtin: Annotated[str, doc("A scanned barcode (8 to 14 digits).", pattern=r"^[0-9 -]{8,20}$")] | None = None


class LocateIn(msgspec.Struct, forbid_unknown_fields=True):
    """A shopping list to locate."""

    items: Annotated[list[ItemIn], doc("The items, 1 to 200.", min_length=1, max_length=MAX_LIST_ITEMS)]


def to_items(items: list[ItemIn]) -> list[Item]:
    """Items as the domain sees them; an item without exactly one of sku, gtin and query is a 422."""
    problems = [
        Problem("invalid_item", "give exactly one of sku, gtin or query", pointer=f"/items/{i}")
        for i, item in enumerate(items)
        if [item.sku, item.gtin, item.query].count(None) != 2
    ]
    if problems:
        raise Invalid("Some items are not one of a sku, a barcode or a query.", problems)
    return [Item(sku=i.sku, query=i.query, quantity=i.quantity, gtin=i.gtin) for i in items]


class ProductController(Controller):
    path = "/products"
    tags = ["catalog"]

    @put("/", guards=ADMIN_WRITE, request_max_body_size=MAX_IMPORT_BYTES, operation_id="importProducts",
         summary="Insert or update catalog products (a JSON array)")  # fmt: skip
    async def import_products(self, request: Request[Any, Any, Any], db: Session) -> Upserted:
        """Every row is checked first: any bad row is a 422 listing each (row, field), and nothing is
        written. This path takes CSV too (`Content-Type: text/csv`), as `PUT /v1/products.csv` does."""
        media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if media not in ("application/json", "text/csv"):
            raise UnsupportedMedia(f"Send products as application/json (an array) or text/csv, not {media!r}.")
        return await _import(db, await request.body(), media)

    @get("/{sku:str}", operation_id="getProduct", summary="One product")
    async def show(self, sku: FromPath[str], db: Session) -> ProductOut:
        """The product as the catalog has it; 404 for an unknown sku."""
        p = await products.get_product(db, sku)
        size = ProductSize(p.size_amount, p.size_unit) if p.size_amount is not None and p.size_unit else None  # type: ignore[arg-type]
        return ProductOut(
            p.sku, p.name, p.brand, p.department, p.gtin, list(p.gtins or []), size, p.image_url, p.keywords, p.names,
            cast(Temperature, p.storage), p.heavy, p.fragile,
        )  # fmt: skip


@put("/products.csv", guards=ADMIN_WRITE, request_max_body_size=MAX_IMPORT_BYTES, tags=["catalog"],
     operation_id="importProductsCsv", summary="Insert or update catalog products (CSV)")  # fmt: skip
async def import_products_csv(request: Request[Any, Any, Any], db: Session) -> Upserted:
    """CSV with a header row naming the columns of `ProductIn` (UTF-8). Every row is checked first: any
    bad row is a 422 naming its line and field, and nothing is written."""
    return await _import(db, await request.body(), "text/csv")


async def _import(db: Session, body: bytes, media: str) -> Upserted:
    return Upserted(await products.import_products(db, products.rows_from_body(body, media)))


class StoreCatalogController(Controller):
    path = "/stores/{store_id:str}"
    tags = ["catalog"]

    @put("/placements", guards=MANAGER_WRITE, request_max_body_size=MAX_IMPORT_BYTES, status_code=200,
         operation_id="replacePlacements", summary="Replace the store's planogram")  # fmt: skip
    async def replace(
        self,
        store_id: FromPath[str],
        data: JSONBody[list[PlacementIn]],
        db: Session,
        services: NamedDependency[Wiring],
    ) -> PlanogramResult:
        """Every placement of the store, replaced by these rows. An unknown sku or shelf, or a position off
        its shelf, is a 422 listing each row; nothing is written."""
        artifact = await services.artifacts.live(db, store_id)
        rows = [PlacementRow(r.sku, r.shelf, r.position_m, r.level, r.stock) for r in data]
        version = await placements.replace_planogram(db, store_id, rows, artifact)
        return PlanogramResult(store_id, version, len(rows))

    @post("/placements", guards=MANAGER_WRITE, status_code=200, operation_id="upsertPlacements",
          summary="Insert or update placements (and stock)")  # fmt: skip
    async def upsert(
        self,
        store_id: FromPath[str],
        data: JSONBody[Annotated[list[PlacementIn], msgspec.Meta(max_length=20_000)]],
        db: Session,
        services: NamedDependency[Wiring],
    ) -> PlanogramResult:
        """These rows placed or updated; others stay. A row without `shelf` changes only its product's
        stock. Bad rows: 422 listing each; nothing is written."""
        artifact = await services.artifacts.live(db, store_id)
        rows = [PlacementRow(r.sku, r.shelf, r.position_m, r.level, r.stock) for r in data]
        version = await placements.upsert_placements(db, store_id, rows, artifact)
        return PlanogramResult(store_id, version, len(rows))

    @put("/placements.csv", guards=MANAGER_WRITE, request_max_body_size=MAX_IMPORT_BYTES, status_code=200,
         operation_id="replacePlacementsCsv", summary="Replace the store's planogram (CSV)")  # fmt: skip
    async def replace_csv(
        self, store_id: FromPath[str], request: Request[Any, Any, Any], db: Session, services: NamedDependency[Wiring]
    ) -> PlanogramResult:
        """CSV (UTF-8) with a header row naming `sku`, `shelf` and any of `position_m`, `level`, `stock`: the
        store's whole planogram, as `PUT …/placements`. Any bad row is a 422 naming its line (`row`, the header
        is line 1) and field; nothing is written."""
        rows, lines = placements.rows_from_csv(await request.body())
        artifact = await services.artifacts.live(db, store_id)
        version = await placements.replace_planogram(db, store_id, rows, artifact, lines)
        return PlanogramResult(store_id, version, len(rows))

    @get("/placements.csv", guards=MANAGER_READ, media_type="text/csv", operation_id="exportPlacementsCsv",
         summary="The store's planogram as CSV (managers)")  # fmt: skip
    async def export_csv(self, store_id: FromPath[str], db: Session) -> Response[str]:
        """Every placement as the CSV `PUT …/placements.csv` reads: edit it in a spreadsheet, send it back."""
        await get_store(db, store_id)
        body = await placements.planogram_csv(db, store_id)
        disposition = f'attachment; filename="{store_id}-planogram.csv"'
        return Response(body, media_type="text/csv", headers={"Content-Disposition": disposition})

    @post("/placements.csv", guards=MANAGER_WRITE, request_max_body_size=MAX_IMPORT_BYTES, status_code=200,
          operation_id="upsertPlacementsCsv", summary="Insert or update placements (CSV)")  # fmt: skip
    async def upsert_csv(
        self, store_id: FromPath[str], request: Request[Any, Any, Any], db: Session, services: NamedDependency[Wiring]
    ) -> PlanogramResult:
        """The CSV of `PUT …/placements.csv`, placed or updated as `POST …/placements`."""
        rows, lines = placements.rows_from_csv(await request.body())
        artifact = await services.artifacts.live(db, store_id)
        version = await placements.upsert_placements(db, store_id, rows, artifact, lines)
        return PlanogramResult(store_id, version, len(rows))

    # Ten megabytes for a big store: sent in the compressed forms it keeps (api.http.Encoded).
    @get(
        "/bundle",
        operation_id="getStoreBundle",
        opt={"uncompressed": True},
        summary="The store for offline use: its plan and where every carried product is",
        description=(
            "One document per store version (`version`: floor plan, planogram, catalog): the live plan as v1 "
            "GeoJSON and, per carried product, the answer of `…/products/{sku}/locations`. Send `If-None-Match` "
            "for a 304 while nothing changed, or `since=<version>` for what changed since (`complete: false`: "
            "`products` to replace, `dropped` skus); when only a whole bundle will do, it is sent. Product names "
            "are in the language `Accept-Language` prefers among those the catalog has (`language`; null: the "
            "catalog's own)."
        ),
    )
    async def bundle(
        self,
        store_id: FromPath[str],
        db: Session,
        services: NamedDependency[Wiring],
        request: Request[Any, Any, Any],
        since: Annotated[str | None, Parameter(max_length=64)] = None,
    ) -> Response[BundleOut]:
        index = await services.locations.get(store_id)
        search = await services.search.get()
        language = index.language(request.headers.get("accept-language"), search)
        name_of = None if language is None else partial(search.name_of, language=language)
        # Names follow Accept-Language: caches between the app and here keep one answer per language.
        vary = {"Vary": "Accept-Language"}
        if since is not None and (part := await delta(db, index, since, language, name_of)) is not None:
            return await encoded_response(request, Encoded(part), _JSON, {"Cache-Control": "no-store", **vary})

        async def whole() -> Response[BundleOut]:
            async def build(_previous: Encoded | None) -> Encoded:
                _, plan_bytes = await service.plan_source(db, store_id, index.floorplan_version)
                return Encoded(await asyncio.to_thread(full_bundle, index, plan_bytes, language, name_of))

            answer = await services.bundles.get((store_id, language), (index.version, search.version), build)
            return await encoded_response(request, answer, _JSON, vary)

        etag = f'"{index.version}"' if language is None else f'"{index.version}-{language}"'
        return await conditional(request, etag, whole, headers={**vary, "Vary": "Accept-Language, Accept-Encoding"})

    # A few hundred bytes, the hottest read: compressing it would cost more than it saves.
    @get("/products/{sku:str}/locations", operation_id="getProductLocations",
         summary="Where a product is in this store", opt={"uncompressed": True})  # fmt: skip
    async def locations(
        self,
        store_id: FromPath[str],
        sku: FromPath[str],
        services: NamedDependency[Wiring],
        request: Request[Any, Any, Any],
    ) -> Response[LocationsOut]:
        """Every place the product is, with its stock and how sure the store is; `carried: false` and no
        places when the store does not carry it; 404 for an unknown sku. The name is in the language
        `Accept-Language` prefers among those the catalog has (`Content-Language` says which). Answers
        carry an ETag (304 on `If-None-Match`)."""
        # The hot path: a version probe and a dict lookup; the answer is encoded once per index.
        index = await services.locations.get(store_id)
        # The answer is made of the store's plan, planogram (stock and reports bump it) and catalog:
        # the index's version is its validator (an ETag names one URL's answer; no hash needed). The
        # answer is in memory: api.http.platform_middleware answers If-None-Match with a 304.
        asked = request.headers.get("accept-language")
        search = await services.search.get() if asked or sku not in index.products else None
        language = index.language(asked, search) if search is not None else None
        tag = index.version if language is None else f"{index.version}-{language}"
        headers = {**validators(f'"{tag}"'), **language_headers(language)}
        carried = index.products.get(sku)
        if carried is not None:
            if search is None or language is None:
                return Response(encoded(carried.body()), media_type="application/json", headers=headers)
            named = carried.body_in(language, search.name_of(sku, language) or carried.name, index.artifact)
            return Response(encoded(named), media_type="application/json", headers=headers)
        assert search is not None
        name = search.name_of(sku, language)
        if name is None:
            raise NotFound(f"No product with sku {sku!r}.")
        body = {"sku": sku, "name": name, **search.details_of(sku), "carried": False, "stock": None, "locations": []}
        return Response(encoded(orjson.dumps(body)), media_type="application/json", headers=headers)

    @get(
        "/products",
        guards=SHOPPER_EXPENSIVE,
        operation_id="searchProducts",
        summary="Search products (typo-, accent- and language-tolerant); the store's own first among near-equals",
    )
    async def search(
        self,
        store_id: FromPath[str],
        services: NamedDependency[Wiring],
        request: Request[Any, Any, Any],
        q: Annotated[str, Parameter(min_length=1, max_length=200, description="What the shopper typed.")],
        limit: Annotated[int, Parameter(ge=1, le=50, description="At most this many hits.")] = 10,
    ) -> Response[SearchOut]:
        """Products whose name (in any language), brand or keywords match the query, best first; among
        near-equal matches (within 3 points of 100), those the store carries, and has on a shelf and in
        stock, first (a clearly better match the store does not carry stays first, `carried: false`). A
        query that is a barcode (8 to 14 digits, leading zeros optional) some product has finds that
        product alone. Names, shelf labels and departments are in the language `Accept-Language` prefers
        among those the catalog and plan have (`Content-Language` says which). A search that finds
        nothing to walk to is remembered for the store's insights."""
        index = await services.locations.get(store_id)
        search = await services.search.get()
        language = index.language(request.headers.get("accept-language"), search)
        hits = search.search(q, limit, lifts=index.lifts(search))
        if not hits:
            services.search_misses.record(store_id, q, "no_match", "search")
        elif hits[0].sku not in index.products:  # carried products rank first: none is carried
            services.search_misses.record(store_id, q, "not_carried", "search", hits[0].sku)
        results = []
        for hit in hits:
            carried = index.products.get(hit.sku)
            results.append({
                "sku": hit.sku, "name": search.name_of(hit.sku, language) or hit.name, **search.details_of(hit.sku),
                "score": hit.score,
                "carried": carried is not None,
                "locations": [loc.as_json(index.artifact, language) for loc in carried.locations] if carried else [],
            })  # fmt: skip
        body = encoded(orjson.dumps({"results": results}))
        return Response(body, media_type="application/json", headers=language_headers(language))

    @post(
        "/locate",
        status_code=200,
        guards=SHOPPER_EXPENSIVE,
        operation_id="locateItems",
        summary="Locate a whole shopping list in one round trip",
    )
    async def locate(
        self,
        store_id: FromPath[str],
        data: JSONBody[LocateIn],
        services: NamedDependency[Wiring],
        request: Request[Any, Any, Any],
    ) -> Response[LocateOut]:
        """Each item (a sku or free text) resolved to a product and its places, in the order sent; an item
        that cannot be walked to says why (`reason`). Names, shelf labels and departments are in the
        language `Accept-Language` prefers among those the catalog and plan have (`Content-Language`)."""
        index = await services.locations.get(store_id)
        search = await services.search.get()
        language = index.language(request.headers.get("accept-language"), search)
        results = await locate_list(index, search, to_items(data.items))
        for r in results:
            services.search_misses.record_unresolved(store_id, "locate", r.item.as_json(), r.reason, r.sku)
        worded = [r.as_json(index.artifact, language, search.name_of) for r in results]
        return Response(encoded(orjson.dumps({"results": worded})), media_type="application/json",
                        headers=language_headers(language))  # fmt: skip
