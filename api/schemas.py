"""Response shapes that handlers send as pre-encoded bytes, declared for the OpenAPI document.

The hot paths encode once (at index build, or in one orjson call) and return bytes; these
structs only tell clients, and the schema checks in the fuzz tests, what those bytes hold.
"""

from __future__ import annotations

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
