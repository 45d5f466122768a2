"""Realistic synthetic stores of any size, as v1 GeoJSON documents.

A rectangle with the entrance and checkouts along the front wall, gondola runs (1.2 m deep,
two shelf faces) in columns separated by 2.2 m aisles, cross aisles every ~25 m, chilled cases
along the back wall and a frozen block at the side. Shelves are 2 m sections of the gondola
faces, labelled by aisle. Used by tests, benchmarks, load tests and the demo.
"""

from __future__ import annotations

import math
import random
from typing import Any

GONDOLA_DEPTH = 1.2
AISLE_WIDTH = 2.2
SECTION_M = 2.0
FRONT_M = 9.0  # entrance, checkouts and the front promenade
BACK_M = 4.5  # back aisle plus the wall cases
SIDE_M = 3.0
RUN_MAX_M = 24.0
CROSS_AISLE_M = 3.0

AMBIENT = ["Bakery", "Produce", "Pantry", "Breakfast", "Snacks", "Beverages", "Household", "Personal care", "Baby",
           "Pet", "Canned goods", "Pasta & rice", "Baking", "Spices", "Wine & spirits", "Health"]  # fmt: skip


def _feature(kind: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"kind": kind, **props}}


def _rect(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    r = [[round(x0, 3), round(y0, 3)], [round(x1, 3), round(y0, 3)], [round(x1, 3), round(y1, 3)],
         [round(x0, 3), round(y1, 3)], [round(x0, 3), round(y0, 3)]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [r]}


def _line(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [[round(x0, 3), round(y0, 3)], [round(x1, 3), round(y1, 3)]]}


def _point(x: float, y: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(x, 3), round(y, 3)]}


def synthetic_store(area_m2: float = 4000.0, seed: int = 0, aspect: float = 1.3) -> dict[str, Any]:
    """A v1 floor plan of about ``area_m2`` square metres (300 m² convenience to 15,000 m²)."""
    rng = random.Random(seed)
    width = math.sqrt(area_m2 * aspect)
    depth = area_m2 / width
    front = min(FRONT_M, 0.28 * depth)
    back = min(BACK_M, 0.25 * depth)
    features: list[dict[str, Any]] = [_feature("outline", _rect(0, 0, width, depth))]
    shelves = 0

    def add_section_faces(fixture_id: str, x0: float, y0: float, x1: float, y1: float, aisle_w: str, aisle_e: str,
                          department: str) -> None:  # fmt: skip
        nonlocal shelves
        n = max(1, round((y1 - y0) / SECTION_M))
        step = (y1 - y0) / n
        for i in range(n):
            ya, yb = y0 + i * step, y0 + (i + 1) * step
            for side, x, aisle in (("w", x0, aisle_w), ("e", x1, aisle_e)):
                shelves += 1
                features.append(
                    _feature("shelf", _line(x, ya, x, yb), id=f"{fixture_id}-{side}{i + 1}", aisle=aisle,
                             label=f"Aisle {aisle} {'left' if side == 'w' else 'right'} {i + 1}", department=department)
                )  # fmt: skip

    # Wall cases along the back: chilled (dairy, meat, deli), facing south.
    back_y0 = depth - 1.0
    features.append(
        _feature("fixture", _rect(SIDE_M, back_y0, width - SIDE_M, depth), id="wall-back", name="Chilled cases")
    )
    chilled = ["Dairy", "Meat", "Deli", "Cheese"]
    n_back = max(1, round((width - 2 * SIDE_M) / SECTION_M))
    step = (width - 2 * SIDE_M) / n_back
    for i in range(n_back):
        shelves += 1
        dept = chilled[i * len(chilled) // n_back]
        features.append(
            _feature("shelf", _line(SIDE_M + i * step, back_y0, SIDE_M + (i + 1) * step, back_y0), id=f"back-{i + 1}",
                     aisle="B", label=f"Back wall {i + 1}", department=dept)
        )  # fmt: skip
    features.append(
        _feature("zone", _rect(SIDE_M, depth - back, width - SIDE_M, depth), id="zone-chilled",
                 department="Dairy & fresh", temperature="chilled")
    )  # fmt: skip

    # Gondola columns.
    x = SIDE_M + AISLE_WIDTH
    y_start, y_end = front, depth - back
    span = y_end - y_start
    runs = max(1, math.ceil((span + CROSS_AISLE_M) / (RUN_MAX_M + CROSS_AISLE_M)))
    run_len = (span - (runs - 1) * CROSS_AISLE_M) / runs
    columns = max(1, int((width - 2 * SIDE_M - AISLE_WIDTH) // (GONDOLA_DEPTH + AISLE_WIDTH)))
    frozen_cols = max(1, columns // 8)
    for c in range(columns):
        x0, x1 = x, x + GONDOLA_DEPTH
        frozen = c >= columns - frozen_cols
        department = "Frozen" if frozen else AMBIENT[(c // 2) % len(AMBIENT)]
        for r in range(runs):
            y0 = y_start + r * (run_len + CROSS_AISLE_M)
            y1 = y0 + run_len
            if run_len < 1.0:
                continue
            fid = f"g{c + 1}-{r + 1}"
            features.append(_feature("fixture", _rect(x0, y0, x1, y1), id=fid, name=f"Gondola {c + 1}.{r + 1}"))
            add_section_faces(fid, x0, y0, x1, y1, str(c + 1), str(c + 2), department)
        x += GONDOLA_DEPTH + AISLE_WIDTH
    frozen_x0 = SIDE_M + AISLE_WIDTH + (columns - frozen_cols) * (GONDOLA_DEPTH + AISLE_WIDTH) - AISLE_WIDTH
    features.append(
        _feature("zone", _rect(max(frozen_x0, 0.0), y_start - 1, width - SIDE_M, y_end), id="zone-frozen",
                 department="Frozen", temperature="frozen")
    )  # fmt: skip
    features.append(
        _feature("zone", _rect(SIDE_M, y_start - 1, max(frozen_x0, SIDE_M + 1), y_end), id="zone-grocery",
                 department="Grocery", temperature="ambient")
    )  # fmt: skip

    # Front: entrance at the left of the front wall, checkout counters across the rest.
    features.append(_feature("entrance", _point(min(4.0, width / 4), 0.5), id="main"))
    if width > 60:
        features.append(_feature("entrance", _point(width - 4.0, 0.5), id="side"))
    lanes = max(1, min(20, int((width * 0.6) // 3.5)))
    lane_x0 = width * 0.3
    for i in range(lanes):
        cx = lane_x0 + i * 3.5
        if cx + 2.5 > width - SIDE_M:
            break
        features.append(
            _feature("fixture", _rect(cx, 3.0, cx + 0.9, 6.0), id=f"counter-{i + 1}", name=f"Checkout {i + 1}")
        )
        features.append(
            _feature("checkout", _point(cx + 1.6, 4.5), id=f"lane-{i + 1}", type="self" if i % 3 == 2 else "staffed")
        )
    rng.random()  # the seed is reserved for future variation (departments, gaps)
    return {"type": "FeatureCollection", "features": features}


def shelf_count(plan: dict[str, Any]) -> int:
    return sum(1 for f in plan["features"] if f["properties"]["kind"] == "shelf")


#: The connectors of :func:`synthetic_levels`, each at the same place on every level: a lift by the
#: entrance, escalators up and down in the left side aisle, stairs in the right one.
CONNECTORS = (("lift", "lift", "both", 0.12), ("esc-up", "escalator", "up", 0.45),
              ("esc-down", "escalator", "down", 0.55), ("stairs", "stairs", "both", 0.5))  # fmt: skip


def synthetic_levels(area_m2: float = 4000.0, levels: int = 2, seed: int = 0, aspect: float = 1.3) -> dict[str, Any]:
    """A v2 plan of ``levels`` storeys of about ``area_m2`` each, like :func:`synthetic_store`; the
    entrances and checkouts are on the ground floor, and a lift, two escalators (one up, one
    down) and stairs join every level to the next."""
    base = synthetic_store(area_m2, seed, aspect)
    width = max(c[0] for f in base["features"] if f["properties"]["kind"] == "outline"
                for c in f["geometry"]["coordinates"][0])  # fmt: skip
    depth = area_m2 / width
    features: list[dict[str, Any]] = []
    for k in range(levels):
        level = f"L{k}"
        for feature in base["features"]:
            props = feature["properties"]
            upper = k > 0
            if upper and (props["kind"] in ("entrance", "checkout") or str(props.get("id", "")).startswith("counter")):
                continue  # the front of an upper floor is open floor
            moved = dict(props, level_id=level)
            if "id" in props and upper:
                moved["id"] = f"{level}-{props['id']}"
            features.append({"type": "Feature", "geometry": feature["geometry"], "properties": moved})
        for name, kind, direction, at in CONNECTORS:
            x = width - SIDE_M / 2 if kind == "stairs" else SIDE_M / 2 + (1.0 if kind == "escalator" else 0.0)
            y = FRONT_M + 1.0 if kind == "lift" else depth * at
            props = {"id": f"{name}-{level}", "connector": name, "type": kind, "level_id": level}
            if direction != "both":
                props["direction"] = direction
            features.append(_feature("connector", _point(x, y), **props))
    names = ["Ground floor", "First floor", "Second floor", "Third floor"]
    return {"type": "FeatureCollection",
            "levels": [{"id": f"L{k}", "ordinal": k, "name": names[k] if k < len(names) else f"Floor {k}"}
                       for k in range(levels)],
            "features": features}  # fmt: skip
