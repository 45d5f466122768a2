"""The navigation artifact: bytes in the database, an immutable object in each worker.

Layout: one header line of JSON (magic, format version, store, floor plan version, SHA-256 of
the payload, payload length), then the payload, an uncompressed ``.npz`` of arrays plus a JSON
document of ids and shelf metadata. The loader refuses a wrong magic, format, version or
checksum, as OSRM's fingerprint and Valhalla's tile header do.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import orjson
import shapely

from routing.table import BlockedGrid, CornerTable
from stores.floorplan.compile import Compiled
from stores.floorplan.plan import FloorPlan

MAGIC = "aislepath-nav"
FORMAT_VERSION = 3  # 2: zones have stand points; 3: shelf lines, shelf and zone names


class ArtifactMismatch(ValueError):
    """The bytes are not an artifact this code can use for the version asked for."""


@dataclass(frozen=True)
class ShelfInfo:
    id: str
    index: int
    aisle: str | None
    label: str | None
    department: str | None
    length: float
    #: The shelf line's vertices, from its first (where ``position_m`` counts from).
    line: tuple[tuple[float, float], ...] = ()
    #: The label in other languages.
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ZoneInfo:
    id: str
    department: str
    temperature: str
    polygon: Any  # shapely Polygon
    point: int  # index of its stand point in the table
    #: The department's name in other languages.
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NavArtifact:
    """A compiled store, loaded: everything a query reads, nothing it must build."""

    store_id: str
    version: int
    checksum: str
    table: CornerTable
    edges: np.ndarray
    edge_lengths: np.ndarray
    entrances: dict[str, int]  # id -> point index
    checkouts: dict[str, int]
    shelves: dict[str, ShelfInfo]
    shelf_slot_start: np.ndarray
    shelf_slot_count: np.ndarray
    slot_place: np.ndarray
    zones: list[ZoneInfo]
    nav_wkb: bytes
    size_bytes: int

    @property
    def memory_bytes(self) -> int:
        """About what this artifact holds in a worker's memory (its arrays and geometry)."""
        arrays = (self.edges, self.edge_lengths, self.shelf_slot_start, self.shelf_slot_count, self.slot_place)
        return self.table.array_bytes + sum(a.nbytes for a in arrays) + 3 * len(self.nav_wkb)

    def slot_for(self, shelf_id: str, position_m: float | None) -> int:
        """The point index of the stand point serving ``position_m`` along the shelf (middle if None)."""
        info = self.shelves[shelf_id]
        start, count = int(self.shelf_slot_start[info.index]), int(self.shelf_slot_count[info.index])
        if position_m is None:
            return start + count // 2 if count % 2 else start + max(count // 2 - 1, 0)
        step = info.length / count
        return start + min(count - 1, max(0, int(position_m // step)))

    def nearest_shelf_place(self, x: float, y: float, max_distance_m: float) -> tuple[str, float] | None:
        """The shelf and position along it (metres) of the product place nearest (x, y), if close enough."""
        if len(self.slot_place) == 0:
            return None
        d = np.hypot(self.slot_place[:, 0] - x, self.slot_place[:, 1] - y)
        slot = int(np.argmin(d))
        if d[slot] > max_distance_m:
            return None
        point = slot + int(self.shelf_slot_start[0])  # slots follow entrances, checkouts and zones
        index = int(np.searchsorted(self.shelf_slot_start, point, side="right")) - 1
        info = self._shelf_by_index[index]
        step = info.length / int(self.shelf_slot_count[index])
        return info.id, round((point - int(self.shelf_slot_start[index]) + 0.5) * step, 2)

    @cached_property
    def department_names(self) -> dict[str, dict[str, str]]:
        """Per department (case-folded), its name in other languages, as its zones give them (the
        first zone that names a language wins)."""
        names: dict[str, dict[str, str]] = {}
        for zone in self.zones:
            found = names.setdefault(zone.department.casefold(), {})
            for language, text in zone.names.items():
                found.setdefault(language, text)
        return names

    @cached_property
    def languages(self) -> frozenset[str]:
        """The languages the plan's shelf labels and department names are translated into."""
        shelves = (tag for shelf in self.shelves.values() for tag in shelf.names)
        return frozenset(shelves) | frozenset(tag for zone in self.zones for tag in zone.names)

    @cached_property
    def aisle_segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """The shelf faces that name an aisle, as straight pieces: their starts and ends (n, 2),
        the aisle of each (an index into the last item, the aisles). Pieces of one aisle that
        continue each other on one line (a gondola's sections) are one piece."""
        aisles: dict[str, int] = {}
        # Per (aisle, direction, line): the pieces as [from, to] along the direction u; a point at
        # t along the line is t * u + offset * n (n: u turned left).
        lines: dict[tuple[int, float, float], list[tuple[float, float]]] = {}
        frames: dict[tuple[int, float, float], tuple[np.ndarray, np.ndarray, float]] = {}
        for shelf in self.shelves.values():
            if shelf.aisle is None:
                continue
            number = aisles.setdefault(shelf.aisle, len(aisles))
            for a, b in zip(shelf.line, shelf.line[1:], strict=False):
                angle = math.atan2(b[1] - a[1], b[0] - a[0]) % math.pi
                u = np.array([math.cos(angle), math.sin(angle)])
                n = np.array([-u[1], u[0]])
                offset = float(n @ a)
                key = (number, round(math.degrees(angle), 1), round(offset, 2))
                frames.setdefault(key, (u, n, offset))
                lines.setdefault(key, []).append(tuple(sorted((float(u @ a), float(u @ b)))))  # type: ignore[arg-type]
        starts, ends, which = [], [], []
        for key, pieces in lines.items():
            u, n, offset = frames[key]
            pieces.sort()
            low, high = pieces[0]
            for ta, tb in [*pieces[1:], (math.inf, math.inf)]:
                if ta <= high + 0.01:  # touches or overlaps the run so far
                    high = max(high, tb)
                    continue
                starts.append(low * u + offset * n)
                ends.append(high * u + offset * n)
                which.append(key[0])
                low, high = ta, tb
        shape = (len(starts), 2)
        return (np.asarray(starts, dtype=float).reshape(shape), np.asarray(ends, dtype=float).reshape(shape),
                np.asarray(which, dtype=np.int64), list(aisles))  # fmt: skip

    def place_of(self, point: int) -> tuple[float, float] | None:
        """Where on its shelf the product a stand point serves is (None: not a shelf's stand point)."""
        slot = point - int(self.shelf_slot_start[0]) if len(self.shelf_slot_start) else -1
        if not 0 <= slot < len(self.slot_place):
            return None
        return float(self.slot_place[slot, 0]), float(self.slot_place[slot, 1])

    @cached_property
    def _shelf_by_index(self) -> dict[int, ShelfInfo]:
        return {s.index: s for s in self.shelves.values()}

    @cached_property
    def nav(self) -> Any:
        return shapely.from_wkb(self.nav_wkb)


#: Largest artifact a plan may compile to: every worker that serves the store holds it (loaded,
#: a little larger). The corner and stand-point caps keep real plans far below it; this bounds
#: what they do not foresee.
MAX_ARTIFACT_BYTES = 96 * 1024 * 1024


def stored_bytes(compiled: Compiled) -> int:
    """About what :func:`dump_artifact` will write for ``compiled`` (its arrays as stored)."""
    n = len(compiled.corners)
    links = len(compiled.link_corner)
    return (
        n * n * (4 + (2 if n < 32_000 else 4))  # dist, pred
        + compiled.points.nbytes + compiled.slot_place.nbytes + compiled.link_ptr.nbytes + links * 8
        + len(compiled.edges) * 12 + int(shapely.get_num_coordinates(compiled.nav)) * 16
        + len(compiled.shelf_length) * 160  # the metadata: per shelf its ids, labels and line (about)
    )  # fmt: skip


def dump_artifact(store_id: str, version: int, plan: FloorPlan, compiled: Compiled) -> bytes:
    meta = {
        "entrances": compiled.entrance_ids,
        "checkouts": compiled.checkout_ids,
        "shelves": [
            {
                "id": s.id,
                "aisle": s.aisle,
                "label": s.label,
                "department": s.department,
                "names": dict(s.names),
                "line": [list(c) for c in s.line.coords],
            }
            for s in plan.shelves
        ],
        "zones": [
            {"id": z.id, "department": z.department, "temperature": z.temperature, "names": dict(z.names)}
            for z in plan.zones
        ],
    }
    buffer = io.BytesIO()
    np.savez(
        buffer,
        meta=np.frombuffer(orjson.dumps(meta), dtype=np.uint8),
        corners=compiled.corners,
        edges=compiled.edges.astype(np.int32),
        edge_lengths=compiled.edge_lengths.astype(np.float32),
        dist=compiled.dist.astype(np.float32),
        pred=compiled.pred.astype(np.int16 if len(compiled.corners) < 32_000 else np.int32),
        points=compiled.points,
        link_ptr=compiled.link_ptr,
        link_corner=compiled.link_corner.astype(np.int32),
        link_dist=compiled.link_dist.astype(np.float32),
        shelf_slot_start=compiled.shelf_slot_start,
        shelf_slot_count=compiled.shelf_slot_count,
        shelf_length=compiled.shelf_length,
        slot_place=compiled.slot_place,
        nav=np.frombuffer(shapely.to_wkb(compiled.nav), dtype=np.uint8),
        zones=np.frombuffer(
            shapely.to_wkb(shapely.GeometryCollection([z.polygon for z in plan.zones])), dtype=np.uint8
        ),
    )
    payload = buffer.getvalue()
    header = {
        "magic": MAGIC,
        "format": FORMAT_VERSION,
        "store": store_id,
        "version": version,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "length": len(payload),
    }
    return orjson.dumps(header) + b"\n" + payload


def read_header(data: bytes) -> dict[str, Any]:
    line, _, _ = data.partition(b"\n")
    try:
        header = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ArtifactMismatch("not an aislepath artifact") from exc
    if not isinstance(header, dict) or header.get("magic") != MAGIC:
        raise ArtifactMismatch("not an aislepath artifact")
    return header


def is_current(data: bytes) -> bool:
    """Whether ``data`` is an artifact of the format this code writes (else: recompile it)."""
    return read_header(data).get("format") == FORMAT_VERSION


def load_artifact(data: bytes, store_id: str, version: int) -> NavArtifact:
    """Load and check an artifact; raises ArtifactMismatch unless it is exactly what was asked for."""
    header = read_header(data)
    if header.get("format") != FORMAT_VERSION:
        raise ArtifactMismatch(f"artifact format {header.get('format')}, this code reads {FORMAT_VERSION}")
    if header.get("store") != store_id or header.get("version") != version:
        raise ArtifactMismatch(f"artifact is for {header.get('store')} v{header.get('version')}")
    payload = data[data.index(b"\n") + 1 :]
    if len(payload) != header.get("length") or hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise ArtifactMismatch("artifact checksum mismatch")
    arrays = np.load(io.BytesIO(payload))
    meta = orjson.loads(arrays["meta"].tobytes())
    nav_wkb = arrays["nav"].tobytes()
    nav = shapely.from_wkb(nav_wkb)
    free_grown = nav.buffer(1e-6, join_style="mitre")
    shapely.prepare(free_grown)
    table = CornerTable(
        corners=arrays["corners"],
        dist=arrays["dist"],
        pred=arrays["pred"].astype(np.int32),
        points=arrays["points"],
        link_ptr=arrays["link_ptr"],
        link_corner=arrays["link_corner"].astype(np.int64),
        link_dist=arrays["link_dist"].astype(np.float64),
        free_grown=free_grown,
        grid=BlockedGrid.of(free_grown),
    )
    lengths = arrays["shelf_length"]
    shelves = {
        s["id"]: ShelfInfo(
            s["id"],
            i,
            s["aisle"],
            s["label"],
            s["department"],
            float(lengths[i]),
            tuple((float(x), float(y)) for x, y, *_ in s["line"]),
            s["names"],
        )
        for i, s in enumerate(meta["shelves"])
    }
    zone_polygons = list(shapely.from_wkb(arrays["zones"].tobytes()).geoms)
    n_entrances = len(meta["entrances"])
    zone_base = n_entrances + len(meta["checkouts"])
    zones = [
        ZoneInfo(z["id"], z["department"], z["temperature"], poly, zone_base + i, z["names"])
        for i, (z, poly) in enumerate(zip(meta["zones"], zone_polygons, strict=True))
    ]
    return NavArtifact(
        store_id=store_id,
        version=version,
        checksum=header["sha256"],
        table=table,
        edges=arrays["edges"],
        edge_lengths=arrays["edge_lengths"],
        entrances={eid: i for i, eid in enumerate(meta["entrances"])},
        checkouts={cid: n_entrances + i for i, cid in enumerate(meta["checkouts"])},
        shelves=shelves,
        shelf_slot_start=arrays["shelf_slot_start"],
        shelf_slot_count=arrays["shelf_slot_count"],
        slot_place=arrays["slot_place"],
        zones=zones,
        nav_wkb=nav_wkb,
        size_bytes=len(data),
    )
