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
from stores.floorplan.compile import Compiled, NavTable
from stores.floorplan.levels import MOBILITIES, WALKING, LevelFrame
from stores.floorplan.plan import FloorPlan

MAGIC = "aislepath-nav"
FORMAT_VERSION = 4  # 2: zones have stand points; 3: shelf lines, shelf and zone names; 4: levels, mobilities


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
class MobilityTable:
    """One mobility's corner table and the graph it was made from (closures derive from it)."""

    table: CornerTable
    edges: np.ndarray
    edge_lengths: np.ndarray
    rides: np.ndarray  # (r, 2) one way along a connector, between graph nodes
    ride_lengths: np.ndarray
    ride_connector: np.ndarray  # per ride: index into NavArtifact.connector_ids
    nav_wkb: bytes

    @property
    def memory_bytes(self) -> int:
        arrays = (self.edges, self.edge_lengths, self.rides, self.ride_lengths)
        return self.table.array_bytes + sum(a.nbytes for a in arrays) + 3 * len(self.nav_wkb)

    @cached_property
    def nav(self) -> Any:
        return shapely.from_wkb(self.nav_wkb)


@dataclass(frozen=True)
class LevelInfo:
    id: str
    ordinal: int
    name: str
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectorInfo:
    """A connector between levels: its type, its name, and its landings as (level index, x, y)
    in the compile frame."""

    id: str
    type: str
    name: str | None
    names: dict[str, str]
    landings: tuple[tuple[int, float, float], ...]


@dataclass(frozen=True)
class NavArtifact:
    """A compiled store, loaded: everything a query reads, nothing it must build."""

    store_id: str
    version: int
    checksum: str
    tables: dict[str, MobilityTable]
    entrances: dict[str, int]  # id -> point index
    checkouts: dict[str, int]
    shelves: dict[str, ShelfInfo]
    shelf_slot_start: np.ndarray
    shelf_slot_count: np.ndarray
    slot_place: np.ndarray
    zones: list[ZoneInfo]
    size_bytes: int
    #: Plan format v2: the levels (lowest first), where each sits in the compile frame, the connectors.
    levels: list[LevelInfo] = field(default_factory=list)
    frame: LevelFrame = field(default_factory=LevelFrame)
    connectors: dict[str, ConnectorInfo] = field(default_factory=dict)

    @property
    def walking(self) -> MobilityTable:
        return self.tables[WALKING]

    @property
    def table(self) -> CornerTable:
        """The walking table (every mobility shares its points' indices)."""
        return self.walking.table

    @property
    def edges(self) -> np.ndarray:
        return self.walking.edges

    @property
    def nav_wkb(self) -> bytes:
        return self.walking.nav_wkb

    @property
    def nav(self) -> Any:
        return self.walking.nav

    @cached_property
    def connector_ids(self) -> list[str]:
        return sorted(self.connectors)

    @property
    def memory_bytes(self) -> int:
        """About what this artifact holds in a worker's memory (its arrays and geometry)."""
        arrays = (self.shelf_slot_start, self.shelf_slot_count, self.slot_place)
        return sum(t.memory_bytes for t in self.tables.values()) + sum(a.nbytes for a in arrays)

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
    def aisle_segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
        """The shelf faces that name an aisle, as straight pieces: their starts and ends (n, 2),
        the aisle of each (an index into the aisles' names, the fourth item), and each piece's
        line: its direction u (n, 2, from start to end) and offset n . p for its points p (n: u
        turned left). Pieces of one aisle that continue each other on one line (a gondola's
        sections) are one piece."""
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
        starts, ends, which, units, offsets = [], [], [], [], []
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
                units.append(u)
                offsets.append(offset)
                low, high = ta, tb
        shape = (len(starts), 2)
        return (np.asarray(starts, dtype=float).reshape(shape), np.asarray(ends, dtype=float).reshape(shape),
                np.asarray(which, dtype=np.int64), list(aisles), np.asarray(units, dtype=float).reshape(shape),
                np.asarray(offsets, dtype=float))  # fmt: skip

    def placed(self, point: int) -> tuple[float, float, str | None]:
        """Where a point of the table is, in its level's own frame, and the level's id (None: a
        store with one level)."""
        x, y = self.table.points[point]
        return self.frame.to_level(float(x), float(y))

    def where(self, point: int) -> dict[str, Any]:
        """A point as answers give it: ``x``, ``y`` in centimetres, and ``level_id`` in a store
        with levels."""
        x, y, level = self.placed(point)
        return {"x": round(x, 2), "y": round(y, 2)} | ({} if level is None else {"level_id": level})

    def place_of(self, point: int) -> tuple[float, float] | None:
        """Where on its shelf the product a stand point serves is (None: not a shelf's stand point)."""
        slot = point - int(self.shelf_slot_start[0]) if len(self.shelf_slot_start) else -1
        if not 0 <= slot < len(self.slot_place):
            return None
        return float(self.slot_place[slot, 0]), float(self.slot_place[slot, 1])

    @cached_property
    def _shelf_by_index(self) -> dict[int, ShelfInfo]:
        return {s.index: s for s in self.shelves.values()}


#: Largest artifact a plan may compile to: every worker that serves the store holds it (loaded,
#: a little larger). The corner and stand-point caps keep real plans far below it; this bounds
#: what they do not foresee.
MAX_ARTIFACT_BYTES = 96 * 1024 * 1024


def stored_bytes(compiled: Compiled) -> int:
    """About what :func:`dump_artifact` will write for ``compiled`` (its arrays as stored)."""

    def table_bytes(t: NavTable) -> int:
        n = len(t.corners)
        return (n * n * (4 + (2 if n < 32_000 else 4))  # dist, pred
                + t.points.nbytes + t.link_ptr.nbytes + len(t.link_corner) * 8 + len(t.edges) * 12
                + int(shapely.get_num_coordinates(t.nav)) * 16)  # fmt: skip

    return (
        sum(table_bytes(t) for t in compiled.tables.values()) + compiled.slot_place.nbytes
        + len(compiled.shelf_length) * 160  # the metadata: per shelf its ids, labels and line (about)
    )  # fmt: skip


def _table_arrays(name: str, t: NavTable) -> dict[str, np.ndarray]:
    small = len(t.corners) < 32_000
    return {f"{name}.{key}": value for key, value in {
        "corners": t.corners, "edges": t.edges.astype(np.int32), "edge_lengths": t.edge_lengths.astype(np.float32),
        "rides": t.rides.astype(np.int32), "ride_lengths": t.ride_lengths.astype(np.float32),
        "ride_connector": t.ride_connector.astype(np.int32), "dist": t.dist.astype(np.float32),
        "pred": t.pred.astype(np.int16 if small else np.int32), "points": t.points, "link_ptr": t.link_ptr,
        "link_corner": t.link_corner.astype(np.int32), "link_dist": t.link_dist.astype(np.float32),
        "nav": np.frombuffer(shapely.to_wkb(t.nav), dtype=np.uint8),
    }.items()}  # fmt: skip


def _load_table(arrays: Any, name: str, grid: BlockedGrid | None = None) -> MobilityTable:
    """One mobility's table. ``grid``: the walking table's, which serves every mobility (a cell
    with no point a shopper can walk holds none a trolley or a wheelchair can)."""
    nav_wkb = arrays[f"{name}.nav"].tobytes()
    free_grown = shapely.from_wkb(nav_wkb).buffer(1e-6, join_style="mitre")
    shapely.prepare(free_grown)
    rides = arrays[f"{name}.rides"].astype(np.int64).reshape(-1, 2)
    table = CornerTable(
        corners=arrays[f"{name}.corners"],
        dist=arrays[f"{name}.dist"],
        pred=arrays[f"{name}.pred"].astype(np.int32),
        points=arrays[f"{name}.points"],
        link_ptr=arrays[f"{name}.link_ptr"],
        link_corner=arrays[f"{name}.link_corner"].astype(np.int64),
        link_dist=arrays[f"{name}.link_dist"].astype(np.float64),
        free_grown=free_grown,
        grid=grid if grid is not None else BlockedGrid.of(free_grown),
        directed=bool(len(rides)),
    )
    return MobilityTable(table, arrays[f"{name}.edges"], arrays[f"{name}.edge_lengths"], rides,
                         arrays[f"{name}.ride_lengths"], arrays[f"{name}.ride_connector"], nav_wkb)  # fmt: skip


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
        "levels": [{"id": v.id, "ordinal": v.ordinal, "name": v.name, "names": dict(v.names)} for v in plan.levels],
        "frame": plan.frame.as_json(),
        "connectors": _connectors_meta(plan),
    }
    buffer = io.BytesIO()
    arrays: dict[str, Any] = {
        key: value for name, t in compiled.tables.items() for key, value in _table_arrays(name, t).items()
    }
    np.savez(
        buffer,
        meta=np.frombuffer(orjson.dumps(meta), dtype=np.uint8),
        **arrays,
        shelf_slot_start=compiled.shelf_slot_start,
        shelf_slot_count=compiled.shelf_slot_count,
        shelf_length=compiled.shelf_length,
        slot_place=compiled.slot_place,
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


def _connectors_meta(plan: FloorPlan) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for c in plan.landings:
        entry = found.setdefault(c.connector, {"id": c.connector, "type": c.type, "name": c.name,
                                               "names": dict(c.names), "landings": []})  # fmt: skip
        entry["landings"].append([c.on_level, c.point.x, c.point.y])
    return [found[k] for k in sorted(found)]


def _load_tables(arrays: Any) -> dict[str, MobilityTable]:
    walking = _load_table(arrays, WALKING)
    others = {name: _load_table(arrays, name, walking.table.grid) for name in MOBILITIES if name != WALKING}
    return {WALKING: walking, **others}


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
        tables=_load_tables(arrays),
        entrances={eid: i for i, eid in enumerate(meta["entrances"])},
        checkouts={cid: n_entrances + i for i, cid in enumerate(meta["checkouts"])},
        shelves=shelves,
        shelf_slot_start=arrays["shelf_slot_start"],
        shelf_slot_count=arrays["shelf_slot_count"],
        slot_place=arrays["slot_place"],
        zones=zones,
        size_bytes=len(data),
        levels=[LevelInfo(v["id"], v["ordinal"], v["name"], v["names"]) for v in meta["levels"]],
        frame=LevelFrame.from_json(meta["frame"]),
        connectors={
            c["id"]: ConnectorInfo(
                c["id"],
                c["type"],
                c["name"],
                c["names"],
                tuple((int(k), float(x), float(y)) for k, x, y in c["landings"]),
            )
            for c in meta["connectors"]
        },
    )
