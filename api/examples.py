"""Examples for the OpenAPI document: one per schema, and the media types no schema covers.

They are answers of the demo store (``aislepath serve --demo``), trimmed to a line or two; the
tests check each against its schema, so an example cannot drift from the shape it shows.
"""

from __future__ import annotations

from typing import Any

_LOCATION = {
    "shelf": "back-2",
    "aisle": "B",
    "label": "Back wall 2",
    "department": "Dairy",
    "level": 1,
    "x": 5.34,
    "y": 53.87,
    "approximate": False,
    "stock": "in_stock",
    "position_m": 0.29,
    "confidence": "high",
}
_DETAILS = {"brand": "Weidemilch", "size": {"amount": 1.0, "unit": "l"}, "image_url": "https://img.example/1172.jpg"}
_LOCATIONS = {
    "sku": "SKU-001172",
    "name": "Whole Milk",
    **_DETAILS,
    "carried": True,
    "stock": "in_stock",
    "locations": [_LOCATION],
}
_OUTLINE = {
    "type": "Feature",
    "geometry": {"type": "Polygon", "coordinates": [[[0.0, 0.0], [72.1, 0.0], [72.1, 55.5], [0.0, 55.5], [0.0, 0.0]]]},
    "properties": {"kind": "outline"},
}
_SHELF = {
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[3.0, 54.47], [6.0, 54.47]]},
    "properties": {"kind": "shelf", "id": "back-2", "aisle": "B", "label": "Back wall 2", "department": "Dairy"},
}
_ENTRANCE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [36.0, 0.5]},
    "properties": {"kind": "entrance", "id": "main"},
}
_PLAN = {"type": "FeatureCollection", "features": [_OUTLINE, _SHELF, _ENTRANCE]}
_COUNTS = {"fixtures": 49, "shelves": 753, "zones": 3, "entrances": 2, "checkouts": 12}
_NAVIGATION = {"corners": 194, "edges": 4124, "stand_points": 1539}
_CHANGED = {"added": ["g9-1-e1"], "removed": [], "moved": ["back-2"]}
_DIFF = {
    "shelves": _CHANGED,
    "entrances": {"added": [], "removed": [], "moved": []},
    "checkouts": {"added": [], "removed": [], "moved": []},
    "placements_dropped": 0,
}
_REPORT = {
    "features": _COUNTS,
    "floor_area_m2": 4000.0,
    "walkable_area_m2": 3059.7,
    "navigation": _NAVIGATION,
    "compile_ms": 282.5,
    "dropped_shelves": [],
    "added_shelves": ["g9-1-e1"],
    "diff": _DIFF,
}
_VERSION = {
    "version": 2,
    "source_format": "geojson",
    "report": _REPORT,
    "created_by": "3f9c1a7e5b2d4c60",
    "created_at": "2026-11-30T08:15:00Z",
    "live": False,
    "status": "draft",
    "published_at": None,
}
_STOP_START = {"kind": "start", "id": "main", "x": 36.0, "y": 1.0, "leg_m": 0.0}
_STOP_ITEM = {
    "kind": "item",
    "sku": "SKU-001172",
    "name": "Whole Milk",
    "shelf": "back-2",
    "aisle": "B",
    "label": "Back wall 2",
    "level": 1,
    "approximate": False,
    "x": 5.34,
    "y": 53.57,
    "leg_m": 61.9,
}
_STOP_END = {"kind": "end", "id": "c1", "x": 20.0, "y": 3.0, "leg_m": 57.4}
_ROUTE = {
    "store_id": "berlin-mitte",
    "floorplan_version": 1,
    "distance_m": 119.3,
    "eta_s": 134,
    "optimal": True,
    "stops": [_STOP_START, _STOP_ITEM, _STOP_END],
    "path": [[36.0, 1.0], [6.0, 50.0], [5.34, 53.57], [20.0, 3.0]],
    "unresolved": [{"item": {"query": "saffron"}, "reason": "no_match"}],
    "closures": [],
    "language": "en",
    "directions": [
        {"action": "start", "text": "Start at entrance main", "distance_m": 0.0, "path": [[36.0, 1.0]], "stop": 0},
        {"action": "walk", "text": "Walk 57 m", "distance_m": 57.23, "path": [[36.0, 1.0], [6.0, 50.0]]},
        {
            "action": "walk",
            "text": "Turn right and walk 4 m along aisle B",
            "distance_m": 4.67,
            "turn": "right",
            "aisle": "B",
            "path": [[6.0, 50.0], [5.34, 53.57]],
        },
        {
            "action": "pick",
            "text": "Whole Milk is in front of you: Back wall 2, shelf 1",
            "distance_m": 0.0,
            "path": [[5.34, 53.57]],
            "stop": 1,
            "side": "ahead",
        },
        {
            "action": "walk",
            "text": "Turn around and walk 57 m",
            "distance_m": 57.4,
            "turn": "uturn",
            "path": [[5.34, 53.57], [20.0, 3.0]],
        },
        {"action": "end", "text": "Finish at checkout c1", "distance_m": 0.0, "path": [[20.0, 3.0]], "stop": 2},
    ],
}
_ITEM = {"query": "milk", "quantity": 2}
_HOURS = {
    "weekly": {day: [["08:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
    "exceptions": [{"date": "2026-12-24", "hours": [["08:00", "14:00"]]}, {"date": "2026-12-25", "hours": []}],
}
_STORE = {
    "id": "berlin-mitte",
    "name": "Fresh Market Berlin Mitte",
    "lat": 52.5219,
    "lon": 13.4132,
    "address": "Alexanderplatz 7, 10178 Berlin",
    "timezone": "Europe/Berlin",
    "city": "Berlin",
    "postcode": "10178",
    "opening_hours": _HOURS,
    "open_now": True,
    "floorplan_version": 1,
    "planogram_version": 3,
    "created_at": "2026-11-01T09:00:00Z",
}
_NEARBY = {
    "id": "berlin-mitte",
    "name": "Fresh Market Berlin Mitte",
    "lat": 52.5219,
    "lon": 13.4132,
    "distance_m": 2596.5,
    "address": "Alexanderplatz 7, 10178 Berlin",
    "timezone": "Europe/Berlin",
    "city": "Berlin",
    "postcode": "10178",
    "open_now": True,
    "floorplan_version": 1,
}
_TOKEN = {
    "id": "3f9c1a7e5b2d4c60",
    "role": "manager",
    "stores": ["berlin-mitte"],
    "name": "Mitte store office",
    "created_at": "2026-11-01T09:00:00Z",
    "revoked_at": None,
}
_POLYGON = {"type": "Polygon", "coordinates": [[[10.0, 20.0], [14.0, 20.0], [14.0, 24.0], [10.0, 24.0], [10.0, 20.0]]]}
_CLOSURE = {
    "id": "a1b2c3d4e5f60718",
    "shelf": None,
    "polygon": _POLYGON,
    "until": "2026-12-01T18:00:00Z",
    "created_at": "2026-12-01T07:55:00Z",
}
_PLACE = {"shelf": "back-2", "aisle": "B", "label": "Back wall 2", "x": 5.34, "y": 53.87}
_CHANGE = {
    "sku": "SKU-001172",
    "name": "Whole Milk",
    "before": [_PLACE],
    "after": [{"shelf": "g3-1-w2", "aisle": "5", "label": "Aisle 5 left 2", "x": 16.6, "y": 14.2}],
    "changed_at": "2026-11-30T06:40:00+00:00",
}
_PRODUCT_REPORTS = {
    "sku": "SKU-001172",
    "shelf": "back-2",
    "name": "Whole Milk",
    "reports": 4,
    "not_at_location": 3,
    "out_of_stock": 1,
    "found_elsewhere": 0,
    "latest": {"not_at_location": "2026-11-30T17:02:11+00:00", "out_of_stock": "2026-11-29T10:12:40+00:00"},
    "last_report_at": "2026-11-30T17:02:11+00:00",
}
_LISTED = {"shelf": "back-2", "wrong_reports": 3, "latest": "2026-11-30T17:02:11+00:00", "flagged": True}
_SUGGESTED = {"shelf": "g3-1-w2", "position_m": 1.5, "aisle": "5", "x": 16.6, "y": 14.2, "found_reports": 2}
_ACCEPT = {
    "method": "POST",
    "path": "/v1/stores/berlin-mitte/placements/SKU-001172/move",
    "body": {"shelf": "g3-1-w2", "position_m": 1.5, "from_shelf": "back-2"},
}
_SUSPECT = {
    "sku": "SKU-001172",
    "name": "Whole Milk",
    "flagged": True,
    "listed": [_LISTED],
    "suggested": _SUGGESTED,
    "accept": _ACCEPT,
}
_MISS = {"query": "saffron", "reason": "no_match", "sku": None, "count": 7, "latest": "2026-11-30T16:20:00+00:00"}
_COMMENT = {"rating": 2, "comment": "Sent me round the bakery twice", "at": "2026-11-30T12:00:00+00:00"}
_RATINGS = {
    "count": 12,
    "mean": 4.25,
    "histogram": {"1": 0, "2": 1, "3": 1, "4": 4, "5": 6},
    "latest": "2026-11-30T12:00:00+00:00",
    "recent_comments": [_COMMENT],
}
_PRODUCT = {
    "sku": "SKU-001172",
    "name": "Whole Milk",
    "brand": "Weidemilch",
    "department": "Dairy",
    "gtin": "4000000011729",
    "gtins": ["04000000011729"],
    "size": {"amount": 1.0, "unit": "l"},
    "image_url": "https://img.example/1172.jpg",
    "keywords": ["milk", "dairy"],
    "names": {"de": "Vollmilch"},
    "storage": "chilled",
    "heavy": False,
    "fragile": False,
}

#: One example per schema, by component name.
SCHEMAS: dict[str, Any] = {
    # Enums.
    "Stock": "in_stock",
    "ProductSize": {"amount": 500.0, "unit": "g"},
    "Confidence": "high",
    "Temperature": "chilled",
    "FeatureKind": "shelf",
    "Role": "manager",
    "VersionStatus": "draft",
    "FeedbackKind": "not_at_location",
    "MissReason": "no_match",
    "UnresolvedReason": "not_carried",
    "StopKind": "item",
    "DirectionAction": "pick",
    "Turn": "left",
    "Side": "right",
    "Mobility": "step_free",
    # GeoJSON.
    "GeoPoint": _ENTRANCE["geometry"],
    "GeoLineString": _SHELF["geometry"],
    "GeoPolygon": _POLYGON,
    "FeatureProperties": _SHELF["properties"],
    "Feature": _SHELF,
    "Georef": {"lat": 52.5219, "lon": 13.4132, "bearing_deg": 12.5},
    "FloorPlan": _PLAN,
    "Level": {"id": "L1", "ordinal": 1, "name": "First floor", "names": {"de": "Obergeschoss"}},
    "ConnectorType": "lift",
    # Stores and tokens.
    "StoreCreate": {
        k: _STORE[k] for k in ("name", "lat", "lon", "address", "timezone", "city", "postcode", "opening_hours")
    },
    "StoreUpdate": {"address": "Alexanderplatz 9, 10178 Berlin"},
    "OpeningHours": _HOURS,
    "DatedHours": {"date": "2026-12-24", "hours": [["08:00", "14:00"]]},
    "StoreOut": _STORE,
    "NearbyStoreOut": _NEARBY,
    "StoreList": {"stores": [_NEARBY]},
    "TokenCreate": {"role": "manager", "stores": ["berlin-mitte"], "name": "Mitte store office"},
    "TokenOut": _TOKEN,
    "TokenCreated": {**_TOKEN, "token": "ap_5QmXo0c2n9y1u7PZbE4kWfG8TqLh3sVd"},
    "TokenList": {"tokens": [_TOKEN]},
    # Floor plans.
    "FeatureCounts": _COUNTS,
    "NavigationCounts": _NAVIGATION,
    "Changed": _CHANGED,
    "PlanDiff": _DIFF,
    "PlanReport": _REPORT,
    "UploadResult": {"version": 2, "report": _REPORT, "status": "draft"},
    "VersionOut": _VERSION,
    "VersionList": {"versions": [_VERSION]},
    "Activated": {"store_id": "berlin-mitte", "floorplan_version": 2},
    # Catalog and planogram.
    "ProductIn": {k: v for k, v in _PRODUCT.items() if k not in ("heavy", "fragile")},
    "ProductOut": _PRODUCT,
    "Upserted": {"upserted": 9288},
    "PlacementIn": {"sku": "SKU-001172", "shelf": "back-2", "position_m": 0.3, "level": 1, "stock": "in_stock"},
    "PlanogramResult": {"store_id": "berlin-mitte", "planogram_version": 4, "rows": 1},
    "LocationOut": _LOCATION,
    "LocationsOut": _LOCATIONS,
    "SearchHit": {
        "sku": "SKU-001172",
        "name": "Whole Milk",
        **_DETAILS,
        "score": 90.0,
        "carried": True,
        "locations": [_LOCATION],
    },
    "SearchOut": {
        "results": [
            {
                "sku": "SKU-001172",
                "name": "Whole Milk",
                **_DETAILS,
                "score": 90.0,
                "carried": True,
                "locations": [_LOCATION],
            }
        ]
    },
    "ItemIn": _ITEM,
    "ItemOut": _ITEM,
    "LocateIn": {"items": [_ITEM, {"sku": "SKU-000002"}, {"gtin": "4000000011729"}]},
    "Located": {
        "item": _ITEM,
        "sku": "SKU-001172",
        "name": "Whole Milk",
        "stock": "in_stock",
        "locations": [_LOCATION],
    },
    "LocateOut": {
        "results": [
            {"item": _ITEM, "sku": "SKU-001172", "name": "Whole Milk", "stock": "in_stock", "locations": [_LOCATION]},
            {"item": {"query": "saffron"}, "sku": None, "locations": [], "reason": "no_match"},
        ]
    },
    "BundleOut": {
        "store_id": "berlin-mitte",
        "version": "1.3.2",
        "complete": True,
        "language": "de",
        "departments": [{"name": "Dairy", "products": 412}],
        "plan": _PLAN,
        "products": [_LOCATIONS],
    },
    "DepartmentOut": {"name": "Dairy", "products": 412},
    # Routes and closures.
    "StartIn": {"x": 20.4, "y": 31.2},
    "EndIn": {"checkout": "c1"},
    "RouteIn": {"items": [_ITEM, {"sku": "SKU-000002"}], "start": {"entrance": "main"}, "cold_last": True},
    "RouteStop": _STOP_ITEM,
    "Unresolved": {"item": {"query": "saffron"}, "reason": "no_match"},
    "Route": _ROUTE,
    "Direction": _ROUTE["directions"][3],  # type: ignore[index]
    "PathSegment": {"level_id": "L1", "path": [[3.1, 12.5], [3.1, 20.0], [9.4, 20.0]], "distance_m": 13.8},
    "ClosureIn": {"polygon": _POLYGON, "until": "2026-12-01T18:00:00Z"},
    "ClosureOut": _CLOSURE,
    "ClosureList": {"closures": [_CLOSURE]},
    # Feedback and insights.
    "FeedbackIn": {"kind": "not_at_location", "sku": "SKU-001172", "shelf": "back-2"},
    "Accepted": {"status": "accepted"},
    "MoveIn": {"shelf": "g3-1-w2", "position_m": 1.5, "from_shelf": "back-2"},
    "ConfirmIn": {"shelf": "back-2"},
    "PlanogramChange": {"store_id": "berlin-mitte", "sku": "SKU-001172", "planogram_version": 5},
    "PlaceOut": _PLACE,
    "ChangeOut": _CHANGE,
    "ChangesOut": {
        "store_id": "berlin-mitte",
        "since": "2026-11-30T00:00:00+00:00",
        "changes": [_CHANGE],
        "next": None,
    },
    "ProductReports": _PRODUCT_REPORTS,
    "ListedPlace": _LISTED,
    "SuggestedPlace": _SUGGESTED,
    "AcceptCall": _ACCEPT,
    "Suspect": _SUSPECT,
    "SearchMissOut": _MISS,
    "RatingComment": _COMMENT,
    "Ratings": _RATINGS,
    "InsightsOut": {
        "store_id": "berlin-mitte",
        "since": "2026-11-01T00:00:00+00:00",
        "products": [_PRODUCT_REPORTS],
        "suspects": [_SUSPECT],
        "searches": [_MISS],
        "ratings": _RATINGS,
    },
    # Operations.
    "Health": {"status": "ok"},
    "Ready": {"status": "ready", "database": "sqlite", "revision": "0010"},
    "Problem": {
        "type": "https://aislepath.dev/problems/validation",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "The floor plan is invalid.",
        "instance": "urn:request:7d1c0e9a6f3b4b2e",
        "errors": [{"feature_id": "e1", "code": "not_walkable", "message": "the entrance is inside a fixture"}],
    },
}

_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72.1 55.5"><g id="shelf-back-2" class="shelf">…</g></svg>'
_CSV_PRODUCTS = (
    "sku,name,brand,department,gtin,keywords,names,storage\n"
    "SKU-001172,Whole Milk,Weidemilch,Dairy,4000000011729,milk;dairy,de=Vollmilch,chilled\n"
)
_CSV_PLANOGRAM = "sku,shelf,position_m,level,stock\nSKU-001172,back-2,0.5,2,in_stock\nSKU-000300,g1-1-w1,,,low\n"
_CSV_INSIGHTS = (
    "sku,name,shelf,reports,not_at_location,out_of_stock,found_elsewhere,last_report_at\n"
    "SKU-001172,Whole Milk,back-2,4,3,1,0,2026-11-30T17:02:11+00:00\n"
)

#: Examples of media types no schema example covers, by operation id and media type.
MEDIA: dict[str, dict[str, Any]] = {
    "uploadFloorPlan": {"application/zip": "(an IMDF archive)", "image/vnd.dxf": "(a DXF drawing)"},
    "importProductsCsv": {"text/csv": _CSV_PRODUCTS},
    "getFloorPlanSvg": {"image/svg+xml": _SVG},
    "getFloorPlanVersionSvg": {"image/svg+xml": _SVG},
    "getRouteSvg": {"image/svg+xml": _SVG},
    "getInsightsCsv": {"text/csv; charset=utf-8": _CSV_INSIGHTS},
    "exportPlacementsCsv": {"text/csv": _CSV_PLANOGRAM},
    "replacePlacementsCsv": {"text/csv": _CSV_PLANOGRAM},
    "upsertPlacementsCsv": {"text/csv": _CSV_PLANOGRAM},
}
