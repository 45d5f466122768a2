"""DXF drawings (from CAD) mapped onto the v1 floor plan format, read with ezdxf.

What each layer holds is given by a layer mapping: the defaults below (names CAD offices use,
matched without regard to case, ``*`` as a wildcard), or the manager's own in ``aislepath.json``
zipped with the drawing. Units come from the header (``$INSUNITS``) or the mapping. Every entity is
accounted for in the report: what it became, or which layer was not mapped. The mapping is
written down in docs/floorplan-format.md.
"""

from __future__ import annotations

import fnmatch
import io
import math
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import ezdxf
import orjson
import shapely
from ezdxf import recover
from ezdxf.entities.dxfgfx import DXFGraphic
from ezdxf.lldxf.const import DXFError, DXFStructureError
from shapely.geometry import LineString, Point, Polygon

from stores.floorplan.importing import MAPPING_FILE, long_faces, temperature_of
from stores.floorplan.parse import PlanInvalid
from stores.floorplan.plan import v1_feature
from stores.infra.errors import Problem

#: Layers by kind, in the order they are tried (a shelf layer named like a furniture layer is a shelf).
DEFAULT_LAYERS: dict[str, tuple[str, ...]] = {
    "outline": ("OUTLINE", "SALES-FLOOR", "SALES_FLOOR", "SALESFLOOR", "BOUNDARY", "A-AREA-OUTL"),
    "shelf": ("SHELVES", "SHELF", "SHELVING", "GONDOLA", "GONDOLAS", "A-FURN-SHLF*"),
    "entrance": ("ENTRANCES", "ENTRANCE", "DOORS-ENTRY", "A-DOOR-ENTR*"),
    "checkout": ("CHECKOUTS", "CHECKOUT", "TILLS", "POS", "A-FURN-CHKT*"),
    "zone": ("ZONES", "DEPARTMENTS", "A-AREA-DEPT*"),
    "wall": ("WALLS", "WALL", "A-WALL*"),
    "fixture": ("FIXTURES", "FIXTURE", "COUNTERS", "A-FURN*", "A-EQPM*"),
}
#: $INSUNITS codes to metres (0, unitless, needs the mapping's ``units`` or is read as metres).
UNITS_M = {1: 0.0254, 2: 0.3048, 4: 0.001, 5: 0.01, 6: 1.0, 14: 0.1}
UNIT_NAMES = {"in": 0.0254, "ft": 0.3048, "mm": 0.001, "cm": 0.01, "dm": 0.1, "m": 1.0}
#: Walls drawn as lines are this thick (metres) unless the mapping says otherwise.
WALL_THICKNESS_M = 0.2
#: Arcs and circles are drawn as segments at most this far from the curve (metres).
FLATTEN_M = 0.05
#: Most entities a drawing may have (block contents counted), checked as they are read.
MAX_ENTITIES = 200_000
MAX_DXF_BYTES = 50 * 1024 * 1024
#: A department name is a text on a zone layer inside the zone.
TEXT_TYPES = ("TEXT", "MTEXT")
REPORT_ITEMS = 100


def _fail(message: str, code: str = "bad_dxf", pointer: str = "") -> PlanInvalid:
    return PlanInvalid(f"The DXF drawing cannot be imported: {message}", [Problem(code, message, pointer=pointer)])


@dataclass(frozen=True, slots=True)
class LayerMapping:
    """Which layers hold what, the drawing's units (metres per unit) and wall thickness."""

    layers: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_LAYERS))
    units_m: float | None = None
    wall_thickness_m: float = WALL_THICKNESS_M

    @classmethod
    def read(cls, document: Any) -> LayerMapping:
        if document is None:
            return cls()
        pointer = f"/{MAPPING_FILE}"
        if not isinstance(document, dict) or set(document) - {"layers", "units", "wall_thickness_m"}:
            raise _fail(f"{MAPPING_FILE} must be an object with keys layers, units, wall_thickness_m", "bad_mapping",
                        pointer)  # fmt: skip
        layers = dict(DEFAULT_LAYERS)
        given = document.get("layers") or {}
        if not isinstance(given, dict) or set(given) - set(DEFAULT_LAYERS):
            raise _fail(f"{MAPPING_FILE}: layers maps {sorted(DEFAULT_LAYERS)} to lists of layer names", "bad_mapping",
                        f"{pointer}/layers")  # fmt: skip
        for kind, names in given.items():
            if not isinstance(names, list) or not all(isinstance(n, str) and 0 < len(n) <= 255 for n in names):
                raise _fail(f"{MAPPING_FILE}: layers.{kind} must be a list of layer names", "bad_mapping",
                            f"{pointer}/layers/{kind}")  # fmt: skip
            layers[kind] = tuple(names[:1000])
        units = document.get("units")
        if units is not None and units not in UNIT_NAMES:
            raise _fail(f"{MAPPING_FILE}: units is one of {sorted(UNIT_NAMES)}", "bad_mapping", f"{pointer}/units")
        thickness = document.get("wall_thickness_m", WALL_THICKNESS_M)
        if not isinstance(thickness, int | float) or isinstance(thickness, bool) or not 0.01 <= thickness <= 2:
            raise _fail(f"{MAPPING_FILE}: wall_thickness_m is 0.01 to 2", "bad_mapping", f"{pointer}/wall_thickness_m")
        return cls(layers, UNIT_NAMES[units] if units else None, float(thickness))

    def kind_of(self, layer: str) -> str | None:
        name = layer.upper()
        for kind, patterns in self.layers.items():
            if any(fnmatch.fnmatchcase(name, p.upper()) for p in patterns):
                return kind
        return None


@dataclass
class _Report:
    made: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, handle: str, layer: str, why: str) -> None:
        self.skipped[f"{layer}: {why}"] += 1
        if len(self.problems) < REPORT_ITEMS:
            self.problems.append({"handle": handle, "layer": layer, "why": why})


def read_drawing(data: bytes) -> tuple[bytes, LayerMapping, str | None]:
    """The DXF bytes of an upload (a drawing, or a zip of one drawing and its mapping)."""
    if len(data) > MAX_DXF_BYTES:
        raise _fail("the drawing is too large", "dxf_too_large")
    if data[:4] != b"PK\x03\x04":
        return data, LayerMapping(), None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if not n.startswith("__MACOSX/") and not n.endswith("/")]
            drawings = [n for n in names if n.lower().endswith(".dxf")]
            if len(drawings) != 1:
                raise _fail(f"the archive must hold one .dxf drawing, not {len(drawings)}", "bad_archive")
            folder = drawings[0].rpartition("/")[0]
            mapping_name = f"{folder}/{MAPPING_FILE}" if folder else MAPPING_FILE
            if sum(archive.getinfo(n).file_size for n in drawings) > MAX_DXF_BYTES:
                raise _fail("the drawing is too large", "dxf_too_large", f"/{drawings[0]}")
            drawing = archive.read(drawings[0])
            mapping_ = None
            if mapping_name in names:
                if archive.getinfo(mapping_name).file_size > 1024 * 1024:
                    raise _fail(f"{MAPPING_FILE} is larger than 1 MiB", "bad_mapping", f"/{MAPPING_FILE}")
                try:
                    mapping_ = orjson.loads(archive.read(mapping_name))
                except orjson.JSONDecodeError as exc:
                    raise _fail(f"{MAPPING_FILE} is not JSON: {exc}", "malformed_json", f"/{MAPPING_FILE}") from exc
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError, OSError) as exc:
        raise _fail(f"the archive cannot be read: {exc}", "bad_archive") from exc
    return drawing, LayerMapping.read(mapping_), drawings[0]


def dxf_to_v1(data: bytes) -> dict[str, Any]:
    """A v1 GeoJSON document from a DXF drawing (or a zip of one with ``aislepath.json``); its
    ``import`` member is the report."""
    drawing, layer_mapping, name = read_drawing(data)
    try:
        doc, auditor = recover.read(io.BytesIO(drawing))
    except (DXFStructureError, DXFError, UnicodeDecodeError, ValueError) as exc:
        raise _fail(f"not a readable DXF drawing ({exc})", "bad_dxf", f"/{name}" if name else "") from exc
    scale = _scale(doc, layer_mapping)
    report = _Report()
    if auditor.has_errors:
        report.notes.append(f"ezdxf repaired {len(auditor.errors)} error(s) in the drawing")
    shapes = _Shapes(scale, layer_mapping, report)
    count = 0
    for entity in doc.modelspace():
        count += 1
        for part in _flattened(entity, report):
            count += 1
            if count > MAX_ENTITIES:
                raise _fail(f"more than {MAX_ENTITIES} entities (block contents counted)", "dxf_too_large")
            shapes.add(part, entity)
    features = shapes.features()
    return {"type": "FeatureCollection", "features": features,
            "import": {"format": "dxf", "drawing": name, "metres_per_unit": scale,
                       "made": dict(sorted(report.made.items())), "skipped": dict(sorted(report.skipped.items())),
                       "problems": report.problems, "notes": report.notes}}  # fmt: skip


def _scale(doc: Any, layer_mapping: LayerMapping) -> float:
    if layer_mapping.units_m is not None:
        return layer_mapping.units_m
    code = int(doc.header.get("$INSUNITS", 0) or 0)
    if code == 0:
        return 1.0
    if code not in UNITS_M:
        raise _fail(f"the drawing's units ($INSUNITS {code}) are not supported; name them in {MAPPING_FILE} "
                    f"as units: one of {sorted(UNIT_NAMES)}", "bad_units")  # fmt: skip
    return UNITS_M[code]


#: Blocks nested deeper than this are not exploded (a block that inserts itself would never end).
MAX_BLOCK_DEPTH = 8


def _flattened(entity: DXFGraphic, report: _Report, depth: int = 0) -> Iterator[DXFGraphic]:
    """The entity, or a block reference's contents in the drawing's frame, nested blocks too."""
    if entity.dxftype() != "INSERT":
        yield entity
        return
    if depth >= MAX_BLOCK_DEPTH:
        report.note(entity.dxf.handle, entity.dxf.layer, f"blocks nested more than {MAX_BLOCK_DEPTH} deep")
        return
    try:
        parts = list(entity.virtual_entities())  # type: ignore[attr-defined]
    except (DXFError, ValueError, ZeroDivisionError) as exc:
        report.note(entity.dxf.handle, entity.dxf.layer, f"block reference cannot be exploded ({exc})")
        return
    for part in parts:
        yield from _flattened(part, report, depth + 1)


class _Shapes:
    """Entities sorted by the kind their layer maps to, in metres."""

    def __init__(self, scale: float, layer_mapping: LayerMapping, report: _Report) -> None:
        self.scale = scale
        self.mapping = layer_mapping
        self.report = report
        self.closed: dict[str, list[tuple[str, Polygon]]] = {kind: [] for kind in DEFAULT_LAYERS}
        self.lines: dict[str, list[tuple[str, LineString]]] = {kind: [] for kind in DEFAULT_LAYERS}
        self.points: dict[str, list[tuple[str, Point]]] = {kind: [] for kind in DEFAULT_LAYERS}
        self.texts: dict[str, list[tuple[str, Point]]] = {}  # by the kind of their layer
        self.outline = Polygon()
        self.blocks: dict[str, list[Any]] = {}

    def add(self, entity: DXFGraphic, owner: DXFGraphic) -> None:
        layer = entity.dxf.layer if owner is entity or entity.dxf.layer not in ("0", "") else owner.dxf.layer
        kind = self.mapping.kind_of(layer)
        handle = str(owner.dxf.handle)
        if kind is None:
            self.report.skipped[f"layer {layer!r}: not mapped"] += 1
            return
        kind_type = entity.dxftype()
        if kind_type in TEXT_TYPES:
            text = entity.plain_text() if kind_type == "MTEXT" else entity.dxf.text  # type: ignore[attr-defined]
            self.texts.setdefault(kind, []).append((str(text).strip()[:100], Point(*self._xy(entity.dxf.insert))))
            return
        if kind_type == "POINT":
            self.points[kind].append((handle, Point(*self._xy(entity.dxf.location))))
            return
        try:
            vertices = [self._xy(v) for v in ezdxf.path.make_path(entity).flattening(FLATTEN_M / self.scale)]
        except (TypeError, ValueError, DXFError):
            self.report.note(handle, layer, f"a {kind_type} cannot be drawn as lines")
            return
        if owner is not entity:  # a block's parts: gathered per reference, drawn as its footprint
            self.blocks.setdefault(f"{kind}:{handle}", []).extend(vertices)
            return
        self._shape(kind, handle, layer, vertices, _is_closed(entity, vertices))

    def _xy(self, v: Any) -> tuple[float, float]:
        return (float(v[0]) * self.scale, float(v[1]) * self.scale)

    def _shape(self, kind: str, handle: str, layer: str, vertices: list[tuple[float, float]], closed: bool) -> None:
        if len(vertices) < 2 or not all(math.isfinite(c) for v in vertices for c in v):
            self.report.note(handle, layer, "fewer than two finite vertices")
            return
        if closed and len(vertices) >= 3:
            polygon = shapely.make_valid(Polygon(vertices))
            parts = [p for p in getattr(polygon, "geoms", [polygon]) if isinstance(p, Polygon) and p.area > 1e-4]
            self.closed[kind] += [(handle if i == 0 else f"{handle}-{i}", p) for i, p in enumerate(parts)]
        else:
            self.lines[kind].append((handle, LineString(vertices)))

    def features(self) -> list[dict[str, Any]]:
        for key, vertices in self.blocks.items():
            kind, handle = key.split(":", 1)
            footprint = shapely.minimum_rotated_rectangle(shapely.MultiPoint(vertices))
            if isinstance(footprint, Polygon) and footprint.area > 1e-4:
                self.closed[kind].append((handle, footprint))
            else:
                self.points[kind].append((handle, shapely.MultiPoint(vertices).centroid))
        out = [self._outline()]
        out += self._obstacles()
        out += self._shelves()
        out += self._zones()
        for kind in ("entrance", "checkout"):
            for handle, point in self._spots(kind):
                out.append(v1_feature(kind, point, id=f"h{handle}"))
                self.report.made[kind] += 1
        return out

    def _outline(self) -> dict[str, Any]:
        candidates = self.closed["outline"]
        if not candidates:
            layers = ", ".join(self.mapping.layers["outline"][:6])
            raise _fail(f"no closed shape on an outline layer ({layers}); name the layer in {MAPPING_FILE}",
                        "missing_outline")  # fmt: skip
        handle, outline = max(candidates, key=lambda c: c[1].area)
        for other, _ in candidates:
            if other != handle:
                self.report.note(other, "outline", "a smaller outline (the largest is the sales floor)")
        self.report.made["outline"] += 1
        self.outline = outline
        return v1_feature("outline", outline)

    def _inside(self, polygon: Any) -> list[Polygon]:
        """The parts of an obstacle on the sales floor (walls drawn to the outline's edge leave it
        by half their thickness)."""
        clipped = polygon.intersection(self.outline)
        return [p for p in getattr(clipped, "geoms", [clipped]) if isinstance(p, Polygon) and p.area > 1e-4]

    def _obstacles(self) -> list[dict[str, Any]]:
        out = []
        half = self.mapping.wall_thickness_m / 2
        drawn = [(kind, handle, polygon) for kind in ("wall", "fixture") for handle, polygon in self.closed[kind]]
        drawn += [("wall drawn as a line", handle, line.buffer(half, cap_style="square", join_style="mitre"))
                  for handle, line in self.lines["wall"]]  # fmt: skip
        for kind, handle, polygon in drawn:
            parts = self._inside(polygon)
            if not parts:
                self.report.note(handle, kind, "outside the outline")
            for i, part in enumerate(parts):
                out.append(v1_feature("fixture", part, id=f"h{handle}" + (f"-{i}" if i else ""), name=kind.split()[0]))
                self.report.made[f"fixture ({kind})"] += 1
        for handle, _ in self.lines["fixture"]:
            self.report.note(handle, "fixture", "an open line on a fixture layer (fixtures are closed shapes)")
        return out

    def _shelves(self) -> list[dict[str, Any]]:
        out = []
        for handle, line in self.lines["shelf"]:
            out.append(v1_feature("shelf", line, id=f"h{handle}", label=self._label_near(line)))
            self.report.made["shelf (line)"] += 1
        for handle, polygon in self.closed["shelf"]:  # a gondola: its two long faces hold products
            out.append(v1_feature("fixture", polygon, id=f"h{handle}", name="gondola"))
            label = self._label_near(polygon)
            for side, face in long_faces(polygon):
                out.append(
                    v1_feature("shelf", face, id=f"h{handle}-{side}", label=f"{label} {side}" if label else None)
                )
                self.report.made["shelf (gondola face)"] += 1
        return out

    def _label_near(self, geometry: Any) -> str | None:
        texts = self.texts.get("shelf", [])
        near = [(geometry.distance(p), t) for t, p in texts if t and geometry.distance(p) <= 1.5]
        return min(near)[1] if near else None

    def _zones(self) -> list[dict[str, Any]]:
        out = []
        for i, (handle, polygon) in enumerate(self.closed["zone"], start=1):
            names = [t for t, p in self.texts.get("zone", []) if t and polygon.covers(p)]
            department = names[0] if names else f"Zone {i}"
            out.append(v1_feature("zone", polygon, id=f"h{handle}", department=department,
                                temperature=temperature_of(department)))  # fmt: skip
            self.report.made["zone"] += 1
        return out

    def _spots(self, kind: str) -> list[tuple[str, Point]]:
        spots = list(self.points[kind])
        spots += [(h, line.interpolate(0.5, normalized=True)) for h, line in self.lines[kind]]  # a door line
        spots += [(h, polygon.centroid) for h, polygon in self.closed[kind]]  # a till's footprint, a circle
        return spots


def _is_closed(entity: DXFGraphic, vertices: list[tuple[float, float]]) -> bool:
    if entity.dxftype() in ("CIRCLE", "ELLIPSE", "HATCH", "SOLID", "3DFACE"):
        return True
    closed = getattr(entity, "closed", None)
    if closed is None:
        closed = getattr(entity, "is_closed", False)
    return bool(closed) or (len(vertices) > 3 and math.dist(vertices[0], vertices[-1]) < 1e-6)
