"""Tiny floor plans drawn as ASCII art (1 character = 1 m), compiled by the real compiler.

    '.' floor    '#' fixture    '=' fixture with a shelf on its south face
    'E' entrance 'C' checkout   (points at the cell centre)

Row 0 is the north wall; x grows east, y north.
"""

from __future__ import annotations

from typing import Any

#: Two rows of gondolas with 16 one-metre shelves (s1-s16) facing their aisles; an entrance at the
#: south-west corner, a checkout at the south-east. Used by the floor plan, catalog and route tests.
TWO_AISLES = """
..............
.####..####...
.====..====...
..............
.####..####...
.====..====...
..............
E............C
"""


def ascii_plan(art: str) -> dict[str, Any]:
    rows = [r for r in art.strip("\n").splitlines()]
    height, width = len(rows), max(len(r) for r in rows)

    def rect(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
        return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}

    features: list[dict[str, Any]] = [
        {"type": "Feature", "geometry": rect(0, 0, width, height), "properties": {"kind": "outline"}}
    ]
    counts = {"fixture": 0, "shelf": 0, "entrance": 0, "checkout": 0}

    def add(kind: str, geometry: dict[str, Any], **props: Any) -> None:
        counts[kind] += 1
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"kind": kind, "id": f"{kind[0]}{counts[kind]}", **props},
            }
        )

    for r, row in enumerate(rows):
        y1 = height - r
        y0 = y1 - 1
        for x, ch in enumerate(row):
            if ch in "#=":
                add("fixture", rect(x, y0, x + 1, y1))
            if ch == "=":
                add("shelf", {"type": "LineString", "coordinates": [[x, y0], [x + 1, y0]]}, aisle=str(r))
            if ch == "E":
                add("entrance", {"type": "Point", "coordinates": [x + 0.5, y0 + 0.5]})
            if ch == "C":
                add("checkout", {"type": "Point", "coordinates": [x + 0.5, y0 + 0.5]})
    return {"type": "FeatureCollection", "features": features}
