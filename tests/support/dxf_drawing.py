"""DXF drawings made with ezdxf, shaped like a CAD office's: a store in millimetres on a national
grid (millions of metres from the origin) at an angle, walls as lines, gondolas as blocks with
aisle labels, tills as blocks, entrances as points, departments with their names as text, and
layers nobody mapped (dimensions, furniture of the staff room)."""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from typing import Any

import ezdxf
import orjson

#: The gondolas (local metres): 1.2 m deep, RUN m long, in columns AISLE m apart.
RUN, DEPTH, AISLE = 20.0, 1.2, 2.6


@dataclass(frozen=True)
class Drawing:
    width_m: float = 150.0
    depth_m: float = 100.0
    units: int = 4  # $INSUNITS: millimetres
    origin_m: tuple[float, float] = (3_500_000.0, 5_800_000.0)
    rotate_deg: float = 20.0
    layers: dict[str, str] | None = None  # kind -> the layer name to draw it on (non-standard names)


LAYERS = {"outline": "OUTLINE", "wall": "A-WALL", "gondola": "GONDOLA", "entrance": "ENTRANCES",
          "checkout": "TILLS", "zone": "DEPARTMENTS", "text": "GONDOLA"}  # fmt: skip


def gondola_columns(drawing: Drawing) -> list[float]:
    return [6.0 + i * (DEPTH + AISLE) for i in range(int((drawing.width_m - 40.0) // (DEPTH + AISLE)))]


def dxf_drawing(drawing: Drawing = Drawing()) -> bytes:
    doc = ezdxf.new("R2018", units=drawing.units)
    scale = {4: 1000.0, 5: 100.0, 6: 1.0, 0: 100.0}[drawing.units]  # drawing units per metre
    layers = {**LAYERS, **(drawing.layers or {})}
    cos, sin = math.cos(math.radians(drawing.rotate_deg)), math.sin(math.radians(drawing.rotate_deg))

    def at(x: float, y: float) -> tuple[float, float]:
        return ((drawing.origin_m[0] + x * cos - y * sin) * scale, (drawing.origin_m[1] + x * sin + y * cos) * scale)

    msp = doc.modelspace()
    w, d = drawing.width_m, drawing.depth_m
    msp.add_lwpolyline([at(0, 0), at(w, 0), at(w, d), at(0, d)], close=True, dxfattribs={"layer": layers["outline"]})
    # A storeroom walled off in the back corner, walls drawn as centre lines, a gap for its door.
    for a, b in (
        ((w - 25, d), (w - 25, d - 15)),
        ((w - 25, d - 15), (w - 14, d - 15)),
        ((w - 10, d - 15), (w, d - 15)),
    ):
        msp.add_line(at(*a), at(*b), dxfattribs={"layer": layers["wall"]})
    # Gondolas: one block, inserted per column and run, rotated with the store; labels beside them.
    block = doc.blocks.new("GONDOLA_20M")
    block.add_lwpolyline([(0, 0), (DEPTH * scale, 0), (DEPTH * scale, RUN * scale), (0, RUN * scale)], close=True)
    for i, x in enumerate(gondola_columns(drawing), start=1):
        for j, y in enumerate((14.0, 14.0 + RUN + 4.0, 14.0 + 2 * (RUN + 4.0))):
            if y + RUN > d - 18:
                continue
            msp.add_blockref(
                "GONDOLA_20M", at(x, y), dxfattribs={"layer": layers["gondola"], "rotation": drawing.rotate_deg}
            )
            msp.add_text(f"{i}{'ABC'[j]}", dxfattribs={"layer": layers["text"], "height": 0.3 * scale}).set_placement(
                at(x + DEPTH / 2, y - 0.8)
            )
    till = doc.blocks.new("TILL")
    till.add_circle((0, 0), 0.4 * scale)
    for k in range(6):
        msp.add_blockref("TILL", at(20.0 + 4 * k, 5.0), dxfattribs={"layer": layers["checkout"]})
    msp.add_point(at(8.0, 0.3), dxfattribs={"layer": layers["entrance"]})
    for name, (x0, x1) in (("Frozen foods", (0.0, 40.0)), ("Bakery", (40.0, 80.0))):
        msp.add_lwpolyline([at(x0, 12), at(x1, 12), at(x1, d - 16), at(x0, d - 16)], close=True,
                           dxfattribs={"layer": layers["zone"]})  # fmt: skip
        msp.add_text(name, dxfattribs={"layer": layers["zone"], "height": 0.5 * scale}).set_placement(
            at((x0 + x1) / 2, 40.0)
        )
    msp.add_line(at(0, -2), at(w, -2), dxfattribs={"layer": "DIMENSIONS"})  # nobody maps dimensions
    msp.add_circle(at(w - 5, d - 5), 0.5 * scale, dxfattribs={"layer": "STAFF-FURNITURE"})
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode()


def zipped(drawing: bytes, mapping: dict[str, Any] | None, folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}store.dxf", drawing)
        if mapping is not None:
            archive.writestr(f"{folder}aislepath.json", orjson.dumps(mapping))
    return buffer.getvalue()
