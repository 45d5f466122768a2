"""Response shapes that handlers send as pre-encoded bytes, declared for the OpenAPI document.

The hot paths encode once (at index build, or in one orjson call) and return bytes; these
structs only tell clients, and the schema checks in the fuzz tests, what those bytes hold.
"""

from __future__ import annotations

from typing import Any

import msgspec


def encoded(body: bytes) -> Any:
    """JSON bytes encoded ahead (once per index, or by orjson) standing in for the response model
    a handler declares: Litestar sends bytes as they are, and the declared model documents them."""
    return body


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
