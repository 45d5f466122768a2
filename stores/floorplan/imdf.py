"""IMDF (OGC Indoor Mapping Data Format 1.0) archives mapped onto the v1 floor plan format.

IMDF is in WGS84; v1 is in metres. The archive is projected to an azimuthal equidistant frame
centred on the venue's display point (north up), and that point becomes the plan's ``georef``.

Real exports are venues, not shop floors: several buildings and levels, rooms joined only by
their openings, stairs and lifts, fixtures without a shelving category. The ground floor is
imported (chosen as below, or named by the manager), with every level of its building that a lift,
stairs, an escalator or a moving walkway joins to it (a v2 plan with levels; the manager may name
the levels instead); each level's walls are drawn from the unit boundaries with the openings cut
through them, and a report says, per level, what became what and what was skipped and why. The
mapping is written down in docs/floorplan-format.md.
"""

from __future__ import annotations

import io
import itertools
import math
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import shapely
import shapely.ops
from networkx.utils import UnionFind
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from routing.visibility import snap_into
from stores.floorplan.importing import MAPPING_FILE, long_faces, temperature_of
from stores.floorplan.parse import PlanInvalid
from stores.floorplan.plan import v1_feature
from stores.infra.errors import Problem

MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
MAX_MEMBER_BYTES = 50 * 1024 * 1024

#: Unit categories a shopper walks through; every other unit is an obstacle.
WALKABLE_UNITS = frozenset({
    "walkway", "room", "unspecified", "unenclosedarea", "lobby", "foodservice", "ramp", "footbridge",
    "platform", "waitingroom", "opentobelow_walkable",
})  # fmt: skip
#: Amenity categories that are places to pay.
CHECKOUT_AMENITIES = frozenset({"cashier", "checkout", "paystation", "selfcheckout"})
#: Fixture categories whose long faces hold products (not IMDF's own: tools that know shelving use them).
SHELF_FIXTURES = frozenset({"shelving", "shelf", "gondola", "rack", "display", "refrigerator", "freezer"})
#: Without any of those: fixtures of these categories, standing in a walkable unit and shaped like
#: a gondola (SHELF_MIN_LENGTH_M long, SHELF_MIN_ASPECT times as long as deep), hold products.
SHAPED_SHELF_FIXTURES = frozenset({"furniture", "obstruction", "kiosk", "unspecified", ""})
SHELF_MIN_LENGTH_M = 1.5
SHELF_MIN_ASPECT = 2.0
#: Walls are drawn where walkable units with a door between them meet, this thick (half on each
#: side of the shared boundary); units that meet without a door, and units of these open-plan
#: categories, are one space.
WALL_M = 0.1
OPEN_PLAN_UNITS = frozenset({"walkway", "unenclosedarea", "lobby", "footbridge", "platform", "ramp",
                             "opentobelow_walkable"})  # fmt: skip
#: An opening cuts through the walls this far to each side of its line.
DOOR_REACH_M = 0.6
#: Unit categories that carry shoppers between levels, and the connector type each becomes. The
#: units of one category on consecutive levels of a building that overlap (by half the smaller
#: footprint, or a relationship says so) are one connector; each level's landing is at a door
#: into the unit, else at the walkable space beside it.
VERTICAL_UNITS = {"elevator": "lift", "stairs": "stairs", "steps": "stairs", "escalator": "escalator",
                  "movingwalkway": "travelator"}  # fmt: skip
VERTICAL_OVERLAP = 0.5
LANDING_REACH_M = 1.0
#: An amenity drawn inside a counter counts as a checkout when walkable space is this close.
AMENITY_REACH_M = 2.0
#: Most entries the report lists as skipped (the rest are counted).
REPORT_ITEMS = 100


def _fail(message: str, code: str = "bad_imdf", pointer: str = "") -> PlanInvalid:
    return PlanInvalid(f"The IMDF archive cannot be imported: {message}", [Problem(code, message, pointer=pointer)])


#: What reading a damaged member raises: a bad CRC or sizes (BadZipFile), a broken deflate
#: stream (zlib.error), an encrypted member (RuntimeError), an unknown compression method
#: (NotImplementedError), a truncated archive (EOFError, ValueError).
_UNREADABLE = (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, ValueError, OSError)
#: Most features an archive may hold, counted before any is converted.
MAX_FEATURES = 50_000


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)
    except _UNREADABLE as exc:
        raise _fail(
            f"{info.filename} cannot be read from the archive: {exc}", "bad_archive", f"/{info.filename}"
        ) from exc


class _Archive:
    """The archive's members, read from its top or from the one folder it was zipped as."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        names = [n for n in archive.namelist() if not n.startswith("__MACOSX/") and not n.endswith("/")]
        if "manifest.json" in names:
            self.root = ""
        else:
            folders = sorted({n[: -len("manifest.json")] for n in names if n.endswith("/manifest.json")})
            if len(folders) != 1 or folders[0].count("/") != 1:
                found = f" (found in {', '.join(folders[:5])})" if folders else ""
                message = f"manifest.json is missing: looked at the top and in one folder{found}"
                raise _fail(message, "imdf_missing_file", "/manifest.json")
            self.root = folders[0]

    def info(self, name: str) -> zipfile.ZipInfo | None:
        try:
            return self.archive.getinfo(self.root + name)
        except KeyError:
            return None

    def json(self, name: str) -> Any:
        info = self.info(name)
        if info is None:
            return None
        if info.file_size > MAX_MEMBER_BYTES:
            raise _fail(f"{name} is larger than {MAX_MEMBER_BYTES} bytes", "imdf_too_large", f"/{name}")
        try:
            return orjson.loads(_read_member(self.archive, info))
        except orjson.JSONDecodeError as exc:
            raise _fail(f"{name} is not JSON: {exc}", "malformed_json", f"/{name}") from exc

    def collection(self, name: str, required: bool = False) -> list[dict[str, Any]]:
        document = self.json(name)
        if document is None:
            if required:
                raise _fail(f"{name} is missing", "imdf_missing_file", f"/{name}")
            return []
        features = document.get("features") if isinstance(document, dict) else None
        if not isinstance(features, list):
            raise _fail(f"{name} is not a FeatureCollection", "bad_imdf", f"/{name}")
        if len(features) > MAX_FEATURES:
            raise _fail(f"{name} has {len(features)} features; at most {MAX_FEATURES}", "imdf_too_large", f"/{name}")
        for index, feature in enumerate(features):
            _check_feature(feature, name, index)
        return features


def _check_feature(feature: Any, name: str, index: int) -> None:
    """The structure every IMDF feature has: an object with a string ``id``, ``properties`` an
    object (or null) and ``geometry`` an object (or null)."""
    pointer = f"/{name}/features/{index}"
    if not isinstance(feature, dict):
        raise _fail(f"feature {index} in {name} is not an object", "bad_imdf", pointer)
    fid = feature.get("id")
    if not isinstance(fid, str) or not fid:
        raise _fail(f"feature {index} in {name} has no string id", "bad_imdf", pointer)
    if not isinstance(feature.get("properties"), dict | None):
        raise _fail(f"feature {fid} in {name}: properties must be an object", "bad_imdf", pointer)
    if not isinstance(feature.get("geometry"), dict | None):
        raise _fail(f"feature {fid} in {name}: geometry must be an object or null", "bad_imdf", pointer)


@dataclass(frozen=True, slots=True)
class Mapping:
    """What the manager says about the archive (``aislepath.json``), each entry optional:
    ``level`` (the level's id), ``walkable_unit_categories``, ``shelf_fixture_categories``,
    ``shelf_fixture_ids`` (alone, exactly these fixtures hold products), ``checkout_amenity_categories``,
    ``entrance_opening_ids``."""

    level: str | None = None
    #: The levels to import (ids), joined by their vertical units: a plan with levels.
    levels: tuple[str, ...] | None = None
    walkable_units: frozenset[str] = WALKABLE_UNITS
    shelf_categories: frozenset[str] = SHELF_FIXTURES
    shelf_ids: frozenset[str] = frozenset()
    checkout_amenities: frozenset[str] = CHECKOUT_AMENITIES
    entrance_ids: frozenset[str] = frozenset()

    @classmethod
    def read(cls, document: Any) -> Mapping:
        if document is None:
            return cls()
        pointer = f"/{MAPPING_FILE}"
        known = {"level", "levels", "walkable_unit_categories", "shelf_fixture_categories", "shelf_fixture_ids",
                 "checkout_amenity_categories", "entrance_opening_ids"}  # fmt: skip
        if not isinstance(document, dict) or set(document) - known:
            extra = sorted(set(document) - known) if isinstance(document, dict) else []
            message = f"{MAPPING_FILE} must be an object with keys {sorted(known)}" + (
                f"; unknown: {extra}" if extra else ""
            )
            raise _fail(message, "bad_mapping", pointer)

        def strings(key: str, default: frozenset[str]) -> frozenset[str]:
            value = document.get(key)
            if value is None:
                return default
            if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 200 for v in value):
                raise _fail(f"{MAPPING_FILE}: {key} must be a list of strings", "bad_mapping", f"{pointer}/{key}")
            return frozenset(v.lower() if key.endswith("categories") else v for v in value[:10_000])

        level = document.get("level")
        if level is not None and not isinstance(level, str):
            raise _fail(f"{MAPPING_FILE}: level must be a level's id", "bad_mapping", f"{pointer}/level")
        levels = document.get("levels")
        if levels is not None and (
            not isinstance(levels, list) or not 0 < len(levels) <= 20 or not all(isinstance(v, str) for v in levels)
        ):
            raise _fail(
                f"{MAPPING_FILE}: levels must be a list of 1 to 20 level ids", "bad_mapping", f"{pointer}/levels"
            )
        if levels is not None and level is not None:
            raise _fail(
                f"{MAPPING_FILE}: name one level or several levels, not both", "bad_mapping", f"{pointer}/levels"
            )
        return cls(
            level=level,
            levels=tuple(levels) if levels is not None else None,
            walkable_units=strings("walkable_unit_categories", WALKABLE_UNITS),
            # Fixtures named by id are the shelving, unless categories are named too.
            shelf_categories=strings(
                "shelf_fixture_categories", frozenset() if "shelf_fixture_ids" in document else SHELF_FIXTURES
            ),
            shelf_ids=strings("shelf_fixture_ids", frozenset()),
            checkout_amenities=strings("checkout_amenity_categories", CHECKOUT_AMENITIES),
            entrance_ids=strings("entrance_opening_ids", frozenset()),
        )


def _props(feature: dict[str, Any]) -> dict[str, Any]:
    return feature.get("properties") or {}


def _category(feature: dict[str, Any]) -> str:
    return str(_props(feature).get("category") or "").lower()


def _name(feature: dict[str, Any]) -> str | None:
    names = _props(feature).get("name")
    if isinstance(names, dict) and names:
        return str(names.get("en") or next(iter(names.values())))
    return None


def _names(feature: dict[str, Any]) -> dict[str, str] | None:
    """Every language the feature's name is given in (IMDF LABELS), as v1 ``names``."""
    names = _props(feature).get("name")
    if not isinstance(names, dict):
        return None
    kept = {str(k)[:35]: str(v)[:200] for k, v in list(names.items())[:50] if isinstance(v, str) and v}
    return kept or None


def _ordinal(level: dict[str, Any]) -> int:
    ordinal = _props(level).get("ordinal", 0)
    if ordinal is None:
        return 0
    if not isinstance(ordinal, int) or isinstance(ordinal, bool):
        raise _fail(f"level {level['id']}: ordinal must be an integer, not {ordinal!r}", "bad_imdf", "/level.geojson")
    return ordinal


def imdf_to_v1(data: bytes) -> dict[str, Any]:
    """A v1 GeoJSON document from an IMDF zip (raises PlanInvalid naming what is wrong). Its
    ``import`` member is the report: per level what became what, what was skipped and why."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise _fail("archive too large", "imdf_too_large")
    try:
        zipped = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _fail("not a zip archive") from exc
    with zipped:
        if sum(i.file_size for i in zipped.infolist()) > 4 * MAX_ARCHIVE_BYTES:
            raise _fail("archive expands too much", "imdf_too_large")
        archive = _Archive(zipped)
        _check_manifest(archive.json("manifest.json"))
        mapping_ = Mapping.read(archive.json(MAPPING_FILE))
        venue = _Venue(
            venues=archive.collection("venue.geojson", required=True),
            levels=archive.collection("level.geojson", required=True),
            units=archive.collection("unit.geojson", required=True),
            fixtures=archive.collection("fixture.geojson"),
            openings=archive.collection("opening.geojson"),
            amenities=archive.collection("amenity.geojson"),
            sections=archive.collection("section.geojson"),
            relationships=archive.collection("relationship.geojson"),
        )
    if not venue.levels:
        raise _fail("level.geojson has no levels", pointer="/level.geojson")
    level, levels_report = _choose_level(venue, mapping_)
    try:
        joined = _joined(venue, mapping_, level)
        document = (_convert(joined.levels[0], venue, mapping_) if len(joined.levels) == 1
                    else _convert_levels(joined, venue, mapping_))  # fmt: skip
        for entry in levels_report:
            entry["result"] = joined.results.get(entry["id"], entry["result"])
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError) as exc:
        # Anything the checks above did not foresee: still a 422 that says where, never a 500.
        raise _fail(f"a feature could not be converted ({type(exc).__name__}: {exc})") from exc
    document["import"] = {"format": "imdf", "folder": archive.root or None, "levels": levels_report,
                          **document.pop("import")}  # fmt: skip
    return document


@dataclass(frozen=True, slots=True)
class _Venue:
    """The archive's feature collections (structure checked)."""

    venues: list[dict[str, Any]]
    levels: list[dict[str, Any]]
    units: list[dict[str, Any]]
    fixtures: list[dict[str, Any]]
    openings: list[dict[str, Any]]
    amenities: list[dict[str, Any]]
    sections: list[dict[str, Any]]
    relationships: list[dict[str, Any]] = field(default_factory=list)


def _choose_level(venue: _Venue, mapping_: Mapping) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The level to import: the one the mapping names, else of the levels with walkable units
    the one with ordinal closest to 0 (the ground floor), the largest walkable area among equals."""
    walkable: Counter[str] = Counter()
    units: Counter[str] = Counter()
    for unit in venue.units:
        level_id = str(_props(unit).get("level_id"))
        units[level_id] += 1
        if _category(unit) in mapping_.walkable_units:
            try:
                walkable[level_id] += round(shape(unit["geometry"]).area * 1e10)  # degrees², scaled
            except (KeyError, TypeError, ValueError, AttributeError, IndexError, shapely.errors.ShapelyError):
                continue
    ids = [str(level["id"]) for level in venue.levels]
    if mapping_.level is not None:
        if mapping_.level not in ids:
            message = f"{MAPPING_FILE} names level {mapping_.level!r}; the archive's levels are {ids[:20]}"
            raise _fail(message, "bad_mapping", f"/{MAPPING_FILE}/level")
        chosen = venue.levels[ids.index(mapping_.level)]
    else:
        usable = [level for level in venue.levels if walkable[str(level["id"])] > 0]
        if not usable:
            raise _fail("no level has a unit of a walkable category", "bad_imdf", "/unit.geojson")
        chosen = min(usable, key=lambda f: (abs(_ordinal(f)), -_ordinal(f), -walkable[str(f["id"])]))
    report = []
    for level in venue.levels:
        level_id = str(level["id"])
        if level is chosen:
            what = "imported" + (f" (named in {MAPPING_FILE})" if mapping_.level else "")
        elif not walkable[level_id]:
            what = "skipped: no unit of a walkable category"
        else:
            what = f'skipped: one level is imported; name this one in {MAPPING_FILE} as {{"level": "{level_id}"}}'
        buildings = _props(level).get("building_ids")
        report.append({"id": level_id, "name": _name(level), "ordinal": _ordinal(level),
                       "building_ids": buildings if isinstance(buildings, list) else None,
                       "units": units[level_id], "result": what})  # fmt: skip
    return chosen, report


class _Projector:
    """WGS84 features to store-frame metres: an azimuthal equidistant frame at ``origin``."""

    def __init__(self, origin: tuple[float, float]) -> None:
        self.origin = origin
        self._to_metres = Transformer.from_crs(
            "EPSG:4326", f"+proj=aeqd +lat_0={origin[1]} +lon_0={origin[0]} +units=m +ellps=WGS84", always_xy=True
        ).transform

    def metres(self, feature: dict[str, Any], file: str) -> Any:
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
            raise _fail(f"feature {feature.get('id')} in {file} has no readable geometry", pointer=f"/{file}") from exc
        if not np.isfinite(shapely.get_coordinates(geom)).all():
            message = f"feature {feature.get('id')} in {file} has coordinates that are not numbers"
            raise _fail(message, pointer=f"/{file}")
        # Exports often carry slightly invalid polygons (a self-touching ring): repaired, as a
        # viewer would draw them, rather than failing every operation on them.
        return shapely.make_valid(shapely.transform(geom, self._to_metres, interleaved=False))


@dataclass
class _Report:
    """What the conversion of one level made, and what it skipped and why."""

    made: Counter[str] = field(default_factory=Counter)
    skipped: list[dict[str, str]] = field(default_factory=list)
    skipped_count: int = 0
    notes: list[str] = field(default_factory=list)

    def skip(self, file: str, fid: Any, why: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < REPORT_ITEMS:
            self.skipped.append({"file": file, "id": str(fid), "why": why})

    def as_json(self, level: dict[str, Any]) -> dict[str, Any]:
        return {"level": str(level["id"]), "made": dict(sorted(self.made.items())), "notes": self.notes,
                "skipped": self.skipped, "skipped_count": self.skipped_count}  # fmt: skip


@dataclass
class _Level:
    """One level in metres: its outline, its units split into walkable space and obstacles."""

    outline: Polygon
    walkable: BaseGeometry  # the walkable units, as drawn
    rooms: list[BaseGeometry]  # walkable space in walls: the open-plan units together, each other unit
    obstacles: list[tuple[dict[str, Any], Polygon]]  # the other units, clipped to the outline
    unit_category: dict[str, str]  # unit id -> category
    unit_geometry: dict[str, BaseGeometry]


def _outline(level: dict[str, Any], project: _Projector) -> Polygon:
    outline = project.metres(level, "level.geojson")
    if outline.geom_type in ("MultiPolygon", "GeometryCollection"):
        parts = _polygons(outline)
        if not parts:
            raise _fail(f"level {level['id']}: its geometry has no area", pointer="/level.geojson")
        outline = max(parts, key=lambda g: g.area)
    if outline.geom_type != "Polygon":
        message = f"level {level['id']}: its geometry must be a Polygon, not a {outline.geom_type}"
        raise _fail(message, pointer="/level.geojson")
    return outline


def _level(
    level: dict[str, Any],
    units: list[dict[str, Any]],
    project: _Projector,
    mapping_: Mapping,
    report: _Report,
    doors: list[Point],
) -> _Level:
    outline = _outline(level, project)
    walkable: list[tuple[str, BaseGeometry]] = []
    obstacles: list[tuple[dict[str, Any], Polygon]] = []
    categories: dict[str, str] = {}
    geometries: dict[str, BaseGeometry] = {}
    for unit in units:
        category = _category(unit) or "unspecified"
        geom = project.metres(unit, "unit.geojson").intersection(outline)
        categories[str(unit["id"])], geometries[str(unit["id"])] = category, geom
        if category in mapping_.walkable_units:
            walkable.append((category, geom))
            report.made[f"walkable unit ({category})"] += 1
        else:
            polygons = _polygons(geom)
            obstacles += [(unit, p) for p in polygons]
            report.made[f"obstacle unit ({category})"] += 1
    rooms = _rooms(walkable, doors)
    return _Level(outline, shapely.union_all(rooms), rooms, obstacles, categories, geometries)


def _rooms(walkable: list[tuple[str, BaseGeometry]], doors: list[Point]) -> list[BaseGeometry]:
    """Walkable units joined into rooms: two that share a boundary with no opening on it are one
    space (a corridor drawn in pieces, a lobby open to it), as are open-plan units that touch;
    units with a door between them stay apart, walled, and the door joins them."""
    rooms = UnionFind(range(len(walkable)))
    geoms = [g for _, g in walkable]
    tree = shapely.STRtree(geoms)
    door_tree = shapely.STRtree(doors) if doors else None
    for i, j in zip(*tree.query(geoms, predicate="intersects"), strict=True):
        if i >= j:
            continue
        shared = geoms[i].boundary.intersection(geoms[j].boundary)
        if shared.length < 0.5:
            continue
        open_plan = walkable[i][0] in OPEN_PLAN_UNITS and walkable[j][0] in OPEN_PLAN_UNITS
        doored = door_tree is not None and len(door_tree.query(shared, predicate="dwithin", distance=0.3)) > 0
        if open_plan or not doored:
            rooms.union(int(i), int(j))
    return [shapely.union_all([geoms[i] for i in sorted(room)]) for room in sorted(rooms.to_sets(), key=min)]


def _side(space: _Level, point: Point) -> str:
    """What a point beside an opening is in: outside the level, a walkable unit, or another unit's
    category (stairs, elevator, …); ``wall`` when it is in no unit."""
    if not space.outline.covers(point):
        return "outside"
    if space.walkable.covers(point):
        return "walkable"
    for unit_id, geom in space.unit_geometry.items():
        if geom.covers(point):
            return space.unit_category[unit_id]
    return "wall"


def _openings(
    openings: list[dict[str, Any]], space: _Level, project: _Projector, report: _Report, named: frozenset[str]
) -> tuple[list[Polygon], list[dict[str, Any]]]:
    """Door passages through the walls, and the entrances: pedestrian openings with walkable
    space on one side and the outside of the level on the other, and the openings the mapping
    names (``entrance_opening_ids``: exports whose ground floor has no outer door drawn)."""
    passages: list[Polygon] = []
    entrances: list[dict[str, Any]] = []
    for opening in openings:
        category = _category(opening)
        line = project.metres(opening, "opening.geojson")
        if not isinstance(line, LineString) or line.length < 0.3:
            report.skip("opening.geojson", opening["id"], "not a line at least 0.3 m long")
            continue
        (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        normal = ((y0 - y1) / length, (x1 - x0) / length)
        middle = line.interpolate(0.5, normalized=True)
        sides = {
            _side(space, Point(middle.x + k * DOOR_REACH_M * normal[0], middle.y + k * DOOR_REACH_M * normal[1]))
            for k in (1, -1)
        }
        if "walkable" not in sides:
            report.skip("opening.geojson", opening["id"], f"no walkable unit beside it ({' / '.join(sorted(sides))})")
            continue
        other = (sides - {"walkable"}) or {"walkable"}
        if opening["id"] in named:  # on the wall line, in the door cut below
            entrances.append(v1_feature("entrance", middle, id=str(opening["id"])))
            report.made[f"entrance (named in {MAPPING_FILE})"] += 1
        elif other == {"outside"} and category.startswith("pedestrian"):
            point = space.outline.exterior.interpolate(space.outline.exterior.project(middle))
            entrances.append(v1_feature("entrance", point, id=str(opening["id"])))
            report.made["entrance (pedestrian opening in the outer wall)"] += 1
        elif other == {"outside"}:
            report.skip("opening.geojson", opening["id"], f"an outer door of category {category!r} is no entrance")
            continue
        elif other != {"walkable"} and other != {"wall"}:
            report.skip("opening.geojson", opening["id"], f"opens into {' / '.join(sorted(other))}, not walkable here")
            continue
        passages.append(line.buffer(DOOR_REACH_M, cap_style="flat"))
        report.made["door between walkable units" if other != {"outside"} else "door cut in the outer wall"] += 1
    return passages, entrances


def _walls(space: _Level, passages: list[Polygon], report: _Report) -> list[dict[str, Any]]:
    """Where no walkable unit is (walls between units, the level beyond its units), as fixtures;
    the openings are the only ways between units. A level without openings joins its walkable
    units where they touch."""
    if passages:
        walkable = shapely.union_all(
            [room.buffer(-WALL_M / 2, join_style="mitre") for room in space.rooms]
            + [shapely.intersection(p, space.outline) for p in passages]
        )
    else:
        walkable = space.walkable
        report.notes.append("the level has no usable openings: walkable units are joined where they touch")
    taken = shapely.union_all([p for _, p in space.obstacles]) if space.obstacles else Polygon()
    walls = space.outline.difference(walkable).difference(taken)
    out = [v1_feature("fixture", p, id=f"wall-{i}", name="wall") for i, p in enumerate(_polygons(walls), start=1)]
    report.made["wall fixture"] += len(out)
    return out


def _obstacle_units(space: _Level) -> list[dict[str, Any]]:
    """Units a shopper does not walk through, as fixtures."""
    out = []
    seen: Counter[str] = Counter()
    for unit, poly in space.obstacles:
        uid = f"unit-{unit['id']}"
        seen[uid] += 1
        fid = uid if seen[uid] == 1 else f"{uid}-{seen[uid] - 1}"
        out.append(
            v1_feature("fixture", poly, id=fid, name=_name(unit) or _category(unit) or "unit", names=_names(unit))
        )
    return out


def _is_gondola(poly: Polygon) -> bool:
    rect = shapely.minimum_rotated_rectangle(poly)
    x, y = rect.exterior.xy
    sides = sorted(math.hypot(x[i + 1] - x[i], y[i + 1] - y[i]) for i in range(2))
    return sides[1] >= SHELF_MIN_LENGTH_M and sides[1] >= SHELF_MIN_ASPECT * max(sides[0], 1e-9)


def _fixtures(
    fixtures: list[dict[str, Any]], space: _Level, project: _Projector, mapping_: Mapping, report: _Report
) -> tuple[list[dict[str, Any]], list[Polygon]]:
    """Fixtures (with their polygons), and the long faces of the ones that hold products as shelves: by category or id
    (the mapping's, else the shelving categories); without any, by shape (see SHAPED_SHELF_FIXTURES)."""
    placed = []
    for fixture in fixtures:
        parts = _polygons(project.metres(fixture, "fixture.geojson").intersection(space.outline))
        if not parts:
            report.skip("fixture.geojson", fixture["id"], "outside the level")
        placed += [(fixture, i, poly) for i, poly in enumerate(parts)]
    named = [f for f, _, _ in placed if _category(f) in mapping_.shelf_categories or f["id"] in mapping_.shelf_ids]
    by_shape = not named
    if by_shape and placed:
        report.notes.append(
            "no fixture has a shelving category: fixtures shaped like gondolas in walkable units hold products "
            f"(or name them in {MAPPING_FILE})"
        )
    out = []
    for fixture, i, poly in placed:
        fid = str(fixture["id"]) if i == 0 else f"{fixture['id']}-{i}"
        out.append(v1_feature("fixture", poly, id=fid, name=_name(fixture), names=_names(fixture)))
        if by_shape:
            holds = (
                _category(fixture) in SHAPED_SHELF_FIXTURES
                and space.walkable.covers(poly.representative_point())
                and _is_gondola(poly)
            )
        else:
            holds = _category(fixture) in mapping_.shelf_categories or fixture["id"] in mapping_.shelf_ids
        if holds:
            for side, face in long_faces(poly):
                out.append(v1_feature("shelf", face, id=f"{fid}-{side}", label=f"{_name(fixture) or 'Shelf'} {side}"))
                report.made["shelf face"] += 1
    report.made["fixture"] += len(placed)
    return out, [poly for _, _, poly in placed]


def _zones(sections: list[dict[str, Any]], outline: Polygon, project: _Projector) -> list[dict[str, Any]]:
    """Sections as department zones (the temperature guessed from the name)."""
    out = []
    for section in sections:
        name = _name(section) or str(_props(section).get("category", "section"))
        for i, poly in enumerate(_polygons(project.metres(section, "section.geojson").intersection(outline))):
            zid = f"{section['id']}" + (f"-{i}" if i else "")
            out.append(v1_feature("zone", poly, id=zid, department=name, temperature=temperature_of(name),
                                  names=_names(section)))  # fmt: skip
    return out


def _amenities(
    amenities: list[dict[str, Any]],
    space: _Level,
    free: BaseGeometry,
    project: _Projector,
    mapping_: Mapping,
    report: _Report,
) -> list[dict[str, Any]]:
    """Places to pay in the level's units, as checkouts (moved into walkable space when drawn in
    a counter); other amenities are counted, not imported."""
    out = []
    for amenity in amenities:
        props = _props(amenity)
        linked = props.get("unit_ids") or []
        if not isinstance(linked, list) or not all(isinstance(u, str) for u in linked):
            raise _fail(f"amenity {amenity['id']}: unit_ids must be a list of ids", pointer="/amenity.geojson")
        if not set(linked) & set(space.unit_category):
            continue  # another level's
        category = _category(amenity)
        geom = project.metres(amenity, "amenity.geojson")
        if category not in mapping_.checkout_amenities:
            if isinstance(geom, Point) and space.outline.covers(geom):
                out.append(v1_feature("poi", geom, id=str(amenity["id"]), category=(category or "amenity")[:64],
                                      name=_name(amenity), names=_names(amenity)))  # fmt: skip
                report.made[f"point of interest ({category or 'no category'})"] += 1
            else:
                report.skip("amenity.geojson", amenity["id"], "not a point on the level")
            continue
        spot = snap_into(free, (geom.x, geom.y), AMENITY_REACH_M) if isinstance(geom, Point) else None
        if spot is None:
            report.skip("amenity.geojson", amenity["id"], f"no walkable space within {AMENITY_REACH_M:g} m")
            continue
        out.append(v1_feature("checkout", Point(spot), id=str(amenity["id"]), type=category))
        report.made["checkout"] += 1
    return out


@dataclass
class _Converted:
    """One level converted: its v1 features, its walkable space (as drawn and free of fixtures)."""

    features: list[dict[str, Any]]
    space: _Level
    free: BaseGeometry
    report: _Report
    project: _Projector
    openings: list[LineString]  # every opening of the level


def _on_level(features: list[dict[str, Any]], level: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in features if _props(f).get("level_id") == level["id"]]


def _converted(level: dict[str, Any], venue: _Venue, mapping_: Mapping) -> _Converted:
    """One level's v1 features, from features whose structure has been checked."""
    report = _Report()
    project = _Projector(_origin(venue.venues[0] if venue.venues else level))
    lines = [project.metres(o, "opening.geojson") for o in _on_level(venue.openings, level)]
    doors = [line.representative_point() for line in lines]
    space = _level(level, _on_level(venue.units, level), project, mapping_, report, doors)
    passages, entrances = _openings(_on_level(venue.openings, level), space, project, report, mapping_.entrance_ids)
    zones = _zones(_on_level(venue.sections, level), space.outline, project)
    report.made["zone"] += len(zones)
    fixtures, footprints = _fixtures(_on_level(venue.fixtures, level), space, project, mapping_, report)
    free = space.walkable.difference(shapely.union_all(footprints)) if footprints else space.walkable
    features = [
        v1_feature("outline", space.outline),
        *_walls(space, passages, report),
        *_obstacle_units(space),
        *fixtures,
        *zones,
        *entrances,
        *_amenities(venue.amenities, space, free, project, mapping_, report),
    ]
    return _Converted(features, space, free, report, project, [line for line in lines if isinstance(line, LineString)])


def _convert(level: dict[str, Any], venue: _Venue, mapping_: Mapping) -> dict[str, Any]:
    """The v1 document of one level."""
    done = _converted(level, venue, mapping_)
    origin = done.project.origin
    return {"type": "FeatureCollection", "features": done.features,
            "georef": {"lat": origin[1], "lon": origin[0], "bearing_deg": 0.0},
            "import": done.report.as_json(level)}  # fmt: skip


@dataclass
class _Joined:
    """The levels to import (lowest ordinal first), the vertical units that join them (each group
    one connector: its type and its units, by level id), and per level what the report says."""

    levels: list[dict[str, Any]]
    connectors: list[tuple[str, dict[str, dict[str, Any]], str]]  # (type, {level id: unit}, direction)
    results: dict[str, str] = field(default_factory=dict)


def _buildings(level: dict[str, Any]) -> frozenset[str]:
    buildings = _props(level).get("building_ids")
    return frozenset(str(b) for b in buildings) if isinstance(buildings, list) else frozenset()


def _joined(venue: _Venue, mapping_: Mapping, ground: dict[str, Any]) -> _Joined:
    """The ground floor and the levels of its building its vertical units join it to (or the
    levels the mapping names), and the connectors between them."""
    if mapping_.level is not None:
        return _Joined([ground], [])
    by_id = {str(level["id"]): level for level in venue.levels}
    connectors = _vertical_connectors(venue, by_id, _buildings(ground))
    walkable = {str(_props(u).get("level_id")) for u in venue.units if _category(u) in mapping_.walkable_units}
    if mapping_.levels is not None:
        missing = [lid for lid in mapping_.levels if lid not in by_id]
        if missing:
            raise _fail(f"{MAPPING_FILE} names levels {missing[:5]} the archive does not have", "bad_mapping",
                        f"/{MAPPING_FILE}/levels")  # fmt: skip
        chosen = set(mapping_.levels)
    else:
        chosen, frontier = {str(ground["id"])}, [str(ground["id"])]
        while frontier:
            here = frontier.pop()
            for _, units, _ in connectors:
                joined = [lid for lid in units if here in units and lid not in chosen and lid in walkable]
                chosen.update(joined)
                frontier += joined
    levels = sorted((by_id[lid] for lid in chosen), key=_ordinal)
    kept = [(kind, {lid: u for lid, u in units.items() if lid in chosen}, d) for kind, units, d in connectors]
    kept = [c for c in kept if len(c[1]) >= 2]
    results = {}
    named = f" (named in {MAPPING_FILE})" if mapping_.levels else ""
    for lid in by_id:
        ways = sorted({kind for kind, units, _ in kept if lid in units})
        if lid in chosen:
            results[lid] = f"imported{named}" + (f" (joined by {', '.join(ways)})" if ways else "")
        elif mapping_.levels is not None:
            results[lid] = f"skipped: not among the levels named in {MAPPING_FILE}"
    return _Joined(levels, kept, results)


def _vertical_connectors(
    venue: _Venue, by_id: dict[str, dict[str, Any]], building: frozenset[str]
) -> list[tuple[str, dict[str, dict[str, Any]], str]]:
    """Vertical units of one type on different levels of ``building`` that overlap, grouped: each
    group a connector (type, its unit per level id, direction). Escalators whose direction no
    relationship gives are left out."""
    ordinal = {lid: _ordinal(level) for lid, level in by_id.items()}
    vertical: list[tuple[dict[str, Any], str, str, BaseGeometry]] = []  # (unit, type, level id, footprint)
    for unit in venue.units:
        kind, lid = VERTICAL_UNITS.get(_category(unit)), str(_props(unit).get("level_id"))
        if kind is not None and lid in by_id:
            try:
                vertical.append((unit, kind, lid, shape(unit["geometry"])))
            except (KeyError, TypeError, ValueError, AttributeError, IndexError, shapely.errors.ShapelyError):
                continue
    stacks = UnionFind(range(len(vertical)))
    for i, j in itertools.combinations(range(len(vertical)), 2):
        (_, kind_a, la, a), (_, kind_b, lb, b) = vertical[i], vertical[j]
        same_building = not building or bool(_buildings(by_id[la]) & _buildings(by_id[lb]) & building)
        stacked = kind_a == kind_b and ordinal[la] != ordinal[lb] and same_building
        if stacked and a.intersection(b).area >= VERTICAL_OVERLAP * min(a.area, b.area) > 0:
            stacks.union(i, j)
    groups: dict[int, dict[str, dict[str, Any]]] = {}
    kinds: dict[int, str] = {}
    for i, (unit, kind, lid, _) in enumerate(vertical):
        groups.setdefault(stacks[i], {}).setdefault(lid, unit)
        kinds[stacks[i]] = kind
    directions = _escalator_directions(venue, ordinal)
    connectors: list[tuple[str, dict[str, dict[str, Any]], str]] = []
    for key, units in groups.items():
        ways = sorted({directions[str(u["id"])] for u in units.values() if str(u["id"]) in directions})
        if len(units) < 2 or (kinds[key] == "escalator" and len(ways) != 1):
            continue  # one level only; or an escalator whose direction is not said
        connectors.append((kinds[key], units, ways[0] if kinds[key] == "escalator" else "both"))
    return connectors


def _escalator_directions(venue: _Venue, ordinal: dict[str, int]) -> dict[str, str]:
    """Which way each escalator unit runs ("up" or "down"), from directed escalator relationships
    between units of two levels (IMDF's ``relationship``: origin, destination, direction)."""
    level_of = {str(u["id"]): str(_props(u).get("level_id")) for u in venue.units}
    out: dict[str, str] = {}
    for relationship in venue.relationships:
        props = _props(relationship)
        if _category(relationship) != "escalator" or props.get("direction") != "directed":
            continue
        origin, destination = props.get("origin"), props.get("destination")
        if not isinstance(origin, dict) or not isinstance(destination, dict):
            continue
        a, b = str(origin.get("id")), str(destination.get("id"))
        if a in level_of and b in level_of and level_of[a] in ordinal and level_of[b] in ordinal:
            way = "up" if ordinal[level_of[b]] > ordinal[level_of[a]] else "down"
            out[a] = out[b] = way
    return out


def _landing(done: _Converted, unit: dict[str, Any]) -> Point | None:
    """Where a shopper boards a vertical unit on its level: beside a door into it, else at the
    walkable space it touches; None when neither is within reach."""
    footprint = done.project.metres(unit, "unit.geojson")
    free = done.free.buffer(-WALL_M)  # clear of the walls drawn along the units' edges
    doors = [
        line.interpolate(0.5, normalized=True) for line in done.openings if line.distance(footprint.boundary) < 0.3
    ]
    for door in doors:
        spot = snap_into(free, (door.x, door.y), DOOR_REACH_M + LANDING_REACH_M)
        if spot is not None:
            return Point(spot)
    if free.is_empty or free.distance(footprint) > LANDING_REACH_M:
        return None
    near = shapely.ops.nearest_points(free, footprint)[0]
    spot = snap_into(free, (near.x, near.y), LANDING_REACH_M)
    return Point(spot) if spot is not None else None


def _convert_levels(joined: _Joined, venue: _Venue, mapping_: Mapping) -> dict[str, Any]:
    """A v2 document of several levels (one frame: the venue's), with their connectors."""
    features: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    reports = []
    landings: list[dict[str, Any]] = []
    done_by_level = {}
    for level in joined.levels:
        done = _converted(level, venue, mapping_)
        done_by_level[str(level["id"])] = done
        for feature in done.features:
            props = feature["properties"]
            props["level_id"] = str(level["id"])
            key = (props["kind"], str(props.get("id")))
            if "id" in props and key in seen:  # generated ids (walls) repeat from level to level
                props["id"] = f"{props['id']}@{_ordinal(level)}"
            seen.add((props["kind"], str(props.get("id"))))
            features.append(feature)
        reports.append(done.report.as_json(level))
    for n, (kind, units, direction) in enumerate(joined.connectors, start=1):
        name = f"{kind}-{n}"
        spots = {}
        for lid, unit in units.items():
            spot = _landing(done_by_level[lid], unit)
            if spot is None:
                done_by_level[lid].report.skip("unit.geojson", unit["id"], f"the {kind} has no door or walkable "
                                               "space beside it on this level")  # fmt: skip
            else:
                spots[lid] = (spot, unit)
        if len(spots) < 2:
            continue
        for lid, (spot, unit) in spots.items():
            props = {"id": f"{name}@{lid}"[:64], "connector": name, "type": kind, "level_id": lid,
                     "name": _name(unit), "names": _names(unit)}  # fmt: skip
            if direction != "both":
                props["direction"] = direction
            landings.append(v1_feature("connector", spot, **props))
    origin = done_by_level[str(joined.levels[0]["id"])].project.origin
    levels = [{"id": str(v["id"]), "ordinal": _ordinal(v), "name": _name(v) or str(v["id"])[:100],
               **({"names": names} if (names := _names(v)) else {})} for v in joined.levels]  # fmt: skip
    return {"type": "FeatureCollection", "levels": levels, "features": features + landings,
            "georef": {"lat": origin[1], "lon": origin[0], "bearing_deg": 0.0},
            "import": {"per_level": reports,
                       "connectors": len({f["properties"]["connector"] for f in landings})}}  # fmt: skip


def _check_manifest(manifest: Any) -> None:
    if manifest is None:
        raise _fail("manifest.json is missing", "imdf_missing_file", "/manifest.json")
    if not isinstance(manifest, dict) or not str(manifest.get("version", "")).startswith("1."):
        raise _fail("manifest.json must declare IMDF version 1.x", "bad_imdf", "/manifest.json")


def _origin(feature: dict[str, Any]) -> tuple[float, float]:
    """The venue's display point (WGS84 lon, lat), else its geometry's centroid."""
    point = _props(feature).get("display_point")
    if point is not None:
        coordinates = point.get("coordinates") if isinstance(point, dict) else None
        if (
            not isinstance(coordinates, list)
            or len(coordinates) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
            or not (math.isfinite(coordinates[0]) and -180 <= coordinates[0] <= 180)
            or not (math.isfinite(coordinates[1]) and -90 <= coordinates[1] <= 90)
        ):
            message = f"{feature['id']}: display_point must be a Point of longitude and latitude"
            raise _fail(message, pointer="/venue.geojson")
        return float(coordinates[0]), float(coordinates[1])
    try:
        centroid = shape(feature["geometry"]).centroid
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        message = f"{feature['id']} has neither a display_point nor a readable geometry"
        raise _fail(message, pointer="/venue.geojson") from exc
    if centroid.is_empty or not (-180 <= centroid.x <= 180 and -90 <= centroid.y <= 90):
        raise _fail(f"{feature['id']}: its geometry is not in longitude and latitude", pointer="/venue.geojson")
    return centroid.x, centroid.y


def _polygons(geom: Any) -> list[Polygon]:
    parts = getattr(geom, "geoms", [geom])
    out: list[Polygon] = []
    for p in parts:
        if isinstance(p, Polygon) and p.area > 0.01:
            out.append(p)
        elif hasattr(p, "geoms"):
            out += _polygons(p)
    return out
