"""Response shapes that handlers send as pre-encoded bytes, declared for the OpenAPI document.

The hot paths encode once (at index build, or in one orjson call) and return bytes; these
structs only tell clients, and the schema checks in the fuzz tests, what those bytes hold.
"""

from __future__ import annotations

from typing import Any

import msgspec


class LocationOut(msgspec.Struct):
    shelf: str | None
    aisle: str | None
    label: str | None
    department: str | None
    level: int | None
    x: float
    y: float
    approximate: bool
    stock: str
    position_m: float | None
    confidence: str


class LocationsOut(msgspec.Struct):
    sku: str
    name: str
    carried: bool
    stock: str | None
    locations: list[LocationOut]


class StopOut(msgspec.Struct):
    kind: str
    x: float
    y: float
    leg_m: float
    id: str | None = None
    sku: str | None = None
    name: str | None = None
    shelf: str | None = None
    aisle: str | None = None
    label: str | None = None
    level: int | None = None
    approximate: bool | None = None
    quantity: int | None = None


class UnresolvedOut(msgspec.Struct):
    item: dict[str, Any]
    reason: str
    sku: str | None = None


class RouteOut(msgspec.Struct):
    store_id: str
    floorplan_version: int
    distance_m: float
    eta_s: float
    optimal: bool
    stops: list[StopOut]
    path: list[list[float]]
    unresolved: list[UnresolvedOut]
    closures: list[str]
