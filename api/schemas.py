"""Shapes the API declares: named enums, shared field types, GeoJSON, and the answers that
handlers send as bytes encoded ahead.

The hot paths encode once (at index build, or in one orjson call) and return bytes; the structs
here tell clients, the OpenAPI document and the schema checks in the tests what those bytes hold.
Every field carries a description (``doc``): the document is what client generators and app
developers read.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar.params import QueryParameter

from catalog.directions import Action as DirectionAction
from catalog.directions import Side, Turn
from catalog.route import Mobility, Reason, StopKind


def doc(description: str, **constraints: Any) -> msgspec.Meta:
    """A field's description for the OpenAPI document (and its constraints, if any)."""
    return msgspec.Meta(description=description, **constraints)


def encoded(body: bytes) -> Any:
    """JSON bytes encoded ahead (once per index, or by orjson) standing in for the response model
    a handler declares: Litestar sends bytes as they are, and the declared model documents them."""
    return body


def stored(value: Any) -> Any:
    """A value read back as stored (a version's report: a JSON document) standing in for the struct
    that declares its shape; it is sent as it is."""
    return value


# Named enums. Literal types keep the code plain; the OpenAPI document names each value set once
# (api.openapi hoists every inline enum with these values to ``#/components/schemas/<name>``), so a
# generated client has one ``Stock`` type, not one per field.
Stock = Literal["in_stock", "low", "out"]
Confidence = Literal["high", "low"]
Temperature = Literal["ambient", "chilled", "frozen"]
FeatureKind = Literal["outline", "fixture", "shelf", "zone", "entrance", "checkout", "poi", "connector"]
ConnectorType = Literal["stairs", "escalator", "travelator", "lift", "ramp"]
Role = Literal["admin", "manager"]
VersionStatus = Literal["draft", "live", "published"]
FeedbackKind = Literal["not_at_location", "out_of_stock", "found_elsewhere", "route_rating"]
MissReason = Literal["no_match", "not_carried", "unknown_sku", "unknown_gtin"]
#: Each named enum and what it means (its OpenAPI description).
ENUMS: dict[str, tuple[Any, str]] = {
    "Stock": (Stock, "How much of the product the shelf holds, as the store last said."),
    "Confidence": (
        Confidence,
        "`low` once several distinct shoppers reported the product is not where it is listed, until a manager "
        "confirms or moves it.",
    ),
    "Temperature": (Temperature, "How a product is kept, or a zone's temperature (cold items are picked last)."),
    "FeatureKind": (
        FeatureKind,
        "What a floor plan feature is (`connector`: format v2, a landing of stairs, a lift…).",
    ),
    "ConnectorType": (ConnectorType, "What carries shoppers between levels (floor plan format v2)."),
    "Role": (Role, "What a token may do: `admin` everything, `manager` write to the stores it names."),
    "VersionStatus": (VersionStatus, "`draft` (never live), `live`, or `published` (live before)."),
    "FeedbackKind": (FeedbackKind, "What a shopper reports."),
    "MissReason": (MissReason, "Why a search or a list item found nothing to walk to."),
    "UnresolvedReason": (Reason, "Why an item of a list has no place to walk to."),
    "StopKind": (StopKind, "A stop of a walk: its start, an item, or its end."),
    "DirectionAction": (DirectionAction, "A step of the directions: a walk, or a stop on the way."),
    "Turn": (Turn, "How to turn before a walk, from the direction walked before."),
    "Side": (Side, "Where a product is from where the shopper arrived."),
    "Mobility": (
        Mobility,
        "Who a walk is for: which connectors between levels it takes and how far it keeps from fixtures.",
    ),
}

LevelQuery = Annotated[
    str | None,
    QueryParameter(max_length=64, description="Plans with levels: the level to draw (default: the "
              "ground floor, ordinal 0; a route: the level it starts on)."),
]  # fmt: skip

# Shared field types.
Sku = Annotated[str, doc("The product's stock-keeping unit: its id in the chain's catalog.")]
StoreId = Annotated[str, doc("The store's id.")]
ShelfId = Annotated[str, doc("A shelf face's id in the store's floor plan.")]
X = Annotated[float, doc("Metres east in the store's own frame.")]
Y = Annotated[float, doc("Metres north in the store's own frame.")]
Position = list[float]
When = Annotated[str, doc("A moment, ISO 8601 with its offset.")]


# GeoJSON (RFC 7946) in store-frame metres: the floor plan format v1.
class GeoPoint(msgspec.Struct, tag_field="type", tag="Point"):
    """A GeoJSON Point: one position."""

    coordinates: Annotated[Position, doc("[x, y] in metres.", min_length=2, max_length=3)]


class GeoLineString(msgspec.Struct, tag_field="type", tag="LineString"):
    """A GeoJSON LineString: two or more positions."""

    coordinates: Annotated[list[Position], doc("[[x, y], …] in metres.", min_length=2)]


class GeoPolygon(msgspec.Struct, tag_field="type", tag="Polygon"):
    """A GeoJSON Polygon: its outer ring, then any holes; each ring closed (last position = first)."""

    coordinates: Annotated[list[list[Position]], doc("Rings of [x, y] in metres; the first is the outside.")]


Geometry = GeoPoint | GeoLineString | GeoPolygon


class FeatureProperties(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What a feature is and the properties its kind takes (other properties are kept as sent)."""

    kind: Annotated[FeatureKind, doc("outline (Polygon), fixture (Polygon), shelf (LineString), zone (Polygon), "
                                     "entrance, checkout or poi (Point).")]  # fmt: skip
    id: Annotated[str | None, doc("Unique per kind; every kind but outline has one.")] = None
    name: Annotated[str | None, doc("A fixture's or point of interest's name.")] = None
    names: Annotated[dict[str, str] | None, doc("The name in other languages, by BCP 47 tag.")] = None
    aisle: Annotated[str | None, doc("A shelf's aisle, as the signs in the store show it.")] = None
    label: Annotated[str | None, doc('A shelf\'s label for shoppers ("Aisle 3 left").')] = None
    department: Annotated[str | None, doc("A shelf's or zone's department.")] = None
    temperature: Annotated[Temperature | None, doc("A zone's temperature.")] = None
    type: Annotated[str | None, doc("A checkout's type (e.g. `staffed`, `self`).")] = None
    category: Annotated[str | None, doc("A point of interest's category (e.g. `toilets`, `pharmacy`).")] = None
    level_id: Annotated[str | None, doc("Format v2: the level the feature is on (every feature has one).")] = None
    connector: Annotated[str | None, doc("A connector landing's connector: the id its landings share.")] = None
    direction: Annotated[
        Literal["up", "down", "both"] | None, doc("A connector's way from lower to higher levels (default both).")
    ] = None
    seconds: Annotated[float | None, doc("A connector's cost of one level change, seconds.")] = None
    trolley_safe: Annotated[bool | None, doc("Whether a trolley may take the connector.")] = None
    width_m: Annotated[float | None, doc("A connector's clear width, metres.")] = None


class Feature(msgspec.Struct, tag_field="type", tag="Feature"):
    """One feature of a floor plan."""

    geometry: Annotated[Geometry, doc("Where it is, in store-frame metres.")]
    properties: Annotated[FeatureProperties, doc("What it is.")]


class Georef(msgspec.Struct):
    """Ties the store's frame to the world: where its origin is and which way its y axis points."""

    lat: Annotated[float, doc("WGS84 latitude of the frame's origin, degrees.")]
    lon: Annotated[float, doc("WGS84 longitude of the frame's origin, degrees.")]
    bearing_deg: Annotated[float, doc("Compass bearing of the frame's y axis, degrees clockwise from north.")]


class Level(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A storey of the store (format v2)."""

    id: Annotated[str, doc("Its id, as features' `level_id` name it.")]
    ordinal: Annotated[int, doc("0 the ground floor, 1 the one above, -1 the one below.")]
    name: Annotated[str, doc("Its name for shoppers.")]
    names: Annotated[dict[str, str] | None, doc("The name in other languages, by BCP 47 tag.")] = None


class FloorPlan(msgspec.Struct, tag_field="type", tag="FeatureCollection", kw_only=True, omit_defaults=True):
    """A floor plan: a GeoJSON FeatureCollection in store-frame metres (x east, y north). Format v1 has
    one level; v2 lists `levels`, and every feature says its `level_id`."""

    features: Annotated[list[Feature], doc("Exactly one outline (per level); fixtures, shelves, zones, entrances, "
                                           "checkouts, points of interest, connector landings (v2).")]  # fmt: skip
    georef: Annotated[Georef | None, doc("Optional: ties the frame to the world.")] = None
    levels: Annotated[list[Level] | None, doc("Format v2: the storeys.")] = None


# Products and where they are.
class ProductSize(msgspec.Struct):
    """A package's declared quantity."""

    amount: Annotated[float, doc("How much, in `unit`.")]
    unit: Annotated[
        Literal["g", "kg", "mg", "ml", "cl", "dl", "l", "oz", "lb", "fl oz", "ct"], doc("`ct`: a count of pieces.")
    ]


Brand = Annotated[str | None, doc("The product's brand.")]
Size = Annotated[ProductSize | None, doc("The package's declared quantity.")]
ImageUrl = Annotated[str | None, doc("A picture of the product (https).")]


class LocationOut(msgspec.Struct):
    """One place a product is: a shelf face and the point on it, or its department's zone."""

    shelf: Annotated[str | None, doc("The shelf face's id (null for a department zone).")]
    aisle: Annotated[str | None, doc("The aisle, as the signs show it.")]
    label: Annotated[str | None, doc("The shelf's label for shoppers.")]
    department: Annotated[str | None, doc("The department.")]
    level: Annotated[int | None, doc("The shelf level, counted from the floor (0), when the planogram says.")]
    x: X
    y: Y
    approximate: Annotated[bool, doc("True when only the department zone is known (the product is not placed).")]
    stock: Annotated[Stock, doc("How much is on the shelf.")]
    position_m: Annotated[float | None, doc("Metres along the shelf line from its first vertex.")]
    confidence: Annotated[Confidence, doc("`low` while shoppers report it is not here.")]
    level_id: Annotated[
        str | msgspec.UnsetType, doc("The level it is on (stores with levels; `x`, `y` are in that level's frame).")
    ] = msgspec.UNSET


class LocationsOut(msgspec.Struct):
    """Where a product is in this store."""

    sku: Sku
    name: Annotated[str, doc("The product's name.")]
    brand: Brand
    size: Size
    image_url: ImageUrl
    carried: Annotated[bool, doc("Whether the store has it in its planogram.")]
    stock: Annotated[Stock | None, doc("Its stock across its places (null when not carried).")]
    locations: Annotated[list[LocationOut], doc("Every place it is, best first; empty when not carried.")]


class SearchHit(msgspec.Struct):
    """A product the query may name."""

    sku: Sku
    name: Annotated[str, doc("The product's name (in the catalog's language).")]
    brand: Brand
    size: Size
    image_url: ImageUrl
    score: Annotated[float, doc("How well it matches, 0 to 100 (a barcode: 100); hits come best first.")]
    carried: Annotated[bool, doc("Whether this store carries it (carried products rank first).")]
    locations: Annotated[list[LocationOut], doc("Where it is in this store; empty when not carried.")]


class SearchOut(msgspec.Struct):
    """Products matching the query, best first."""

    results: Annotated[list[SearchHit], doc("At most `limit` hits; empty when nothing matches.")]


class ItemOut(msgspec.Struct, omit_defaults=True):
    """An item of a list as it was sent: a sku or a free-text query, and an optional quantity."""

    sku: Annotated[str | None, doc("The product's sku, when the item named one.")] = None
    query: Annotated[str | None, doc("The free text, when the item was a query.")] = None
    gtin: Annotated[str | None, doc("The barcode, when the item was one.")] = None
    quantity: Annotated[int | None, doc("How many, when given.")] = None


class Located(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One item of the list, resolved: the product and its places, or why not."""

    item: Annotated[ItemOut, doc("The item as sent.")]
    sku: Annotated[str | None, doc("The product it resolved to (null: nothing matched).")]
    locations: Annotated[list[LocationOut], doc("Where that product is; empty when unresolved.")]
    name: Annotated[str | None, doc("The product's name, when resolved.")] = None
    stock: Annotated[Stock | None, doc("Its stock, when carried.")] = None
    reason: Annotated[Reason | None, doc("Why the item has no place to walk to (absent when it has one).")] = None


class LocateOut(msgspec.Struct):
    """Every item of the list, in the order sent."""

    results: Annotated[list[Located], doc("One result per item, in the order sent.")]


class DepartmentOut(msgspec.Struct):
    """A department of the store."""

    name: Annotated[str, doc("Its name, as the store's shelves and zones give it.")]
    products: Annotated[int, doc("Carried products placed in it.")]


class BundleOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The store for offline use, or what changed since a version (``complete: false``)."""

    store_id: StoreId
    version: Annotated[str, doc("`<floor plan>.<planogram>.<catalog>`: also the ETag.")]
    complete: Annotated[bool, doc("True: the whole store; false: what changed since `since`.")]
    language: Annotated[
        str | None, doc("The language product names are in (chosen from Accept-Language); null: the catalog's own.")
    ]
    products: Annotated[
        list[LocationsOut], doc("Every carried product's locations answer (a delta: those to replace).")
    ]
    plan: Annotated[FloorPlan | None, doc("The live floor plan (whole bundles only).")] = None
    departments: Annotated[list[DepartmentOut] | None, doc("The store's departments by name (whole bundles only).")] = (
        None
    )
    since: Annotated[str | None, doc("The version this delta starts from (deltas only).")] = None
    dropped: Annotated[list[str] | None, doc("Skus no longer carried since `since` (deltas only).")] = None


# What shoppers say (managers).
class PlaceOut(msgspec.Struct):
    """A shelf place, as a change record keeps it."""

    shelf: ShelfId
    aisle: Annotated[str | None, doc("The shelf's aisle.")]
    label: Annotated[str | None, doc("The shelf's label for shoppers.")]
    x: X
    y: Y


class ChangeOut(msgspec.Struct):
    """A product whose places changed."""

    sku: Sku
    name: Annotated[str | None, doc("The product's name.")]
    before: Annotated[list[PlaceOut], doc("Where it was listed before the change.")]
    after: Annotated[list[PlaceOut], doc("Where it is listed now.")]
    changed_at: When


class ChangesOut(msgspec.Struct):
    """Products whose place changed since a moment, oldest change first, a page at a time."""

    store_id: StoreId
    since: When
    changes: Annotated[list[ChangeOut], doc("At most `limit` changes.")]
    next: Annotated[str | None, doc("Pass as `after` for the next page; null on the last page.")]


class ProductReports(msgspec.Struct):
    """How often shoppers reported one product at one shelf, per kind."""

    sku: Annotated[str | None, doc("The product reported.")]
    shelf: Annotated[str | None, doc("The shelf the report named.")]
    name: Annotated[str | None, doc("The product's name.")]
    reports: Annotated[int, doc("All reports of the three kinds.")]
    not_at_location: Annotated[int, doc('"Not where the app said" reports.')]
    out_of_stock: Annotated[int, doc('"Out of stock" reports.')]
    found_elsewhere: Annotated[int, doc('"Found it elsewhere" reports.')]
    latest: Annotated[dict[str, str], doc("The latest report's moment, per kind.")]
    last_report_at: When


class ListedPlace(msgspec.Struct):
    """A listed place that shoppers say is wrong."""

    shelf: ShelfId
    wrong_reports: Annotated[int, doc("Distinct shoppers who said the product is not here, since it was placed.")]
    latest: Annotated[str | None, doc("The latest such report.")]
    flagged: Annotated[bool, doc("Enough reports to answer `confidence: low` for this place.")]


class SuggestedPlace(msgspec.Struct):
    """Where shoppers found the product instead."""

    shelf: ShelfId
    position_m: Annotated[float | None, doc("Metres along the shelf, the mean of the reports.")]
    aisle: Annotated[str | None, doc("The shelf's aisle.")]
    x: X
    y: Y
    found_reports: Annotated[int, doc("Reports that found it here.")]


class AcceptCall(msgspec.Struct):
    """The request that accepts the suggestion (a move)."""

    method: Annotated[Literal["POST"], doc("Always POST.")]
    path: Annotated[str, doc("The move's path.")]
    body: Annotated[dict[str, Any], doc("The move's body (MoveIn).")]


class Suspect(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A product whose listed place looks wrong, with where shoppers found it."""

    sku: Sku
    name: Annotated[str | None, doc("The product's name.")]
    flagged: Annotated[bool, doc("Whether any listed place answers `confidence: low`.")]
    listed: Annotated[list[ListedPlace], doc("Listed places with reports against them.")]
    suggested: Annotated[SuggestedPlace | None, doc("Where shoppers found it, when they said.")]
    accept: Annotated[AcceptCall | None, doc("The call that moves it there (when there is a suggestion).")] = None


class SearchMissOut(msgspec.Struct):
    """A query that found nothing to walk to."""

    query: Annotated[str, doc("What the shopper typed.")]
    reason: Annotated[
        MissReason,
        doc("`no_match`: nothing matched; `not_carried`: the best hit is not carried; `unknown_sku`, "
            "`unknown_gtin`: a list named a sku or a barcode the catalog lacks."),
    ]  # fmt: skip
    sku: Annotated[str | None, doc("The best hit, when it is not carried.")]
    count: Annotated[int, doc("How often.")]
    latest: Annotated[str | None, doc("The latest time.")]


class RatingComment(msgspec.Struct):
    """A rating with a comment."""

    rating: Annotated[int | None, doc("1 to 5.")]
    comment: Annotated[str | None, doc("What the shopper wrote.")]
    at: Annotated[str | None, doc("When.")]


class Ratings(msgspec.Struct):
    """How shoppers rated their routes."""

    count: Annotated[int, doc("Ratings since `since`.")]
    mean: Annotated[float | None, doc("Their mean, 1 to 5 (null: none).")]
    histogram: Annotated[dict[str, int], doc('Ratings per star, "1" to "5".')]
    latest: Annotated[str | None, doc("The latest rating's moment.")]
    recent_comments: Annotated[list[RatingComment], doc("The latest 20 comments, newest first.")]


class InsightsOut(msgspec.Struct):
    """What shoppers reported and searched for in vain since a moment."""

    store_id: StoreId
    since: When
    products: Annotated[list[ProductReports], doc("Reports per product and shelf, most reported first.")]
    suspects: Annotated[list[Suspect], doc("Products whose place looks wrong, flagged ones first.")]
    searches: Annotated[list[SearchMissOut], doc("Searches in vain, most frequent first.")]
    ratings: Annotated[Ratings, doc("Route ratings.")]


# Floor plan versions.
class FeatureCounts(msgspec.Struct):
    """How many features of each kind the plan has."""

    fixtures: Annotated[int, doc("Fixtures.")]
    shelves: Annotated[int, doc("Shelf faces.")]
    zones: Annotated[int, doc("Department zones.")]
    entrances: Annotated[int, doc("Entrances.")]
    checkouts: Annotated[int, doc("Checkouts.")]


class NavigationCounts(msgspec.Struct):
    """The size of the compiled navigation graph."""

    corners: Annotated[int, doc("Corners of walkable space the graph joins.")]
    edges: Annotated[int, doc("Straight walks between corners.")]
    stand_points: Annotated[int, doc("Points where a shopper stands to pick from a shelf.")]


class Changed(msgspec.Struct):
    """Ids of one kind that a new plan adds, removes or moves (more than 0.5 m) against the live plan."""

    added: Annotated[list[str], doc("Ids new in this plan.")]
    removed: Annotated[list[str], doc("Ids the live plan has and this one has not.")]
    moved: Annotated[list[str], doc("Ids in both whose geometry moved.")]


class PlanDiff(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A plan against the live one (everything added when there is none)."""

    shelves: Annotated[Changed, doc("Shelf faces.")]
    entrances: Annotated[Changed, doc("Entrances.")]
    checkouts: Annotated[Changed, doc("Checkouts.")]
    placements_dropped: Annotated[int | None, doc("Placed products whose shelf this plan removes.")] = None


class PlanReport(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A floor plan's validation and compile report."""

    features: Annotated[FeatureCounts, doc("Features per kind.")]
    floor_area_m2: Annotated[float, doc("The outline's area.")]
    walkable_area_m2: Annotated[float, doc("The area a shopper can walk (outline minus fixtures).")]
    navigation: Annotated[NavigationCounts, doc("The compiled navigation graph.")]
    compile_ms: Annotated[float, doc("How long validation and compiling took.")]
    dropped_shelves: Annotated[list[str], doc("Shelves of the live plan this one lacks.")]
    added_shelves: Annotated[list[str], doc("Shelves this plan adds to the live one.")]
    diff: Annotated[PlanDiff | None, doc("Against the live plan when it was uploaded.")] = None
    dropped_placements: Annotated[
        list[dict[str, Any]] | None, doc("The placed products (sku, shelf) publishing it drops.")
    ] = None
    import_: Annotated[
        dict[str, Any] | None,
        doc("IMDF and DXF uploads: what the importer read and chose (format, levels, mapping, skipped features)."),
    ] = msgspec.field(default=None, name="import")
