"""Plans with levels for tests: ASCII floors (``tests.support.ascii_plan``) stacked as format v2,
joined by connectors drawn at the same place on each level."""

from __future__ import annotations

from typing import Any

from tests.support.ascii_plan import TWO_AISLES, ascii_plan

#: (connector id, type, direction, x, y): each has a landing on every level. On TWO_AISLES: stairs
#: in the north-west corner, a lift in the north-east, an escalator up east of the south gondolas
#: and one down in the south aisle's east end.
CONNECTORS = (
    ("stairs", "stairs", "both", 0.5, 7.5),
    ("lift", "lift", "both", 12.5, 7.5),
    ("up", "escalator", "up", 12.5, 3.5),
    ("down", "escalator", "down", 12.5, 1.5),
)


#: A floor with 2 m aisles (room for a wheelchair) and shelves s1-s16 on the gondolas' south faces;
#: east of the gondolas a free strip for the connectors of :data:`WIDE_CONNECTORS`.
WIDE_AISLES = """
................
.####....####...
.====....====...
................
................
.####....####...
.====....====...
................
................
E..............C
"""
WIDE_CONNECTORS = (
    ("stairs", "stairs", "both", 0.5, 9.5),
    ("lift", "lift", "both", 14.5, 8.5),
    ("up", "escalator", "up", 14.5, 5.5),
    ("down", "escalator", "down", 14.5, 2.5),
)


def stacked(
    floors: list[str] | None = None,
    connectors: tuple[tuple[str, str, str, float, float], ...] = CONNECTORS,
    seconds: dict[str, float] | None = None,
) -> dict[str, Any]:
    """A v2 plan with one level per ASCII floor (default two of TWO_AISLES), L0 the ground floor.
    Only the ground floor keeps its entrances and checkouts; ids on level k > 0 begin ``L<k>-``."""
    floors = floors or [TWO_AISLES, TWO_AISLES]
    features: list[dict[str, Any]] = []
    for k, art in enumerate(floors):
        level = f"L{k}"
        for feature in ascii_plan(art)["features"]:
            props = dict(feature["properties"], level_id=level)
            if k and props["kind"] in ("entrance", "checkout"):
                continue
            if k and "id" in props:
                props["id"] = f"{level}-{props['id']}"
            features.append({"type": "Feature", "geometry": feature["geometry"], "properties": props})
        for name, kind, direction, x, y in connectors:
            props = {"kind": "connector", "id": f"{name}-{level}", "connector": name, "type": kind, "level_id": level}
            if direction != "both":
                props["direction"] = direction
            if seconds and name in seconds:
                props["seconds"] = seconds[name]
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
                             "properties": props})  # fmt: skip
    levels = [{"id": f"L{k}", "ordinal": k, "name": f"Level {k}", "names": {"de": f"Ebene {k}"}}
              for k in range(len(floors))]  # fmt: skip
    return {"type": "FeatureCollection", "levels": levels, "features": features}
