"""Parse and validate a v1 or v2 GeoJSON floor plan, reporting every problem at once.

Format v2 adds a top-level ``levels`` list (``{id, ordinal, name, names?}``), a ``level_id`` on
every feature, and ``connector`` features (the landings of stairs, escalators, travelators, lifts
and ramps). Each level has its own outline; the parsed plan holds the levels side by side in the
compile frame (``stores.floorplan.levels``).

Structure is checked first (kinds, geometry types, ids, coordinates, limits); the geometric
rules (validity, fixtures inside the outline, walkable entrances and checkouts, standing room
beside shelves) only for features whose structure is sound. Reachability from an entrance needs
the navigation space and is checked by the compiler.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from stores.floorplan.levels import (
    CONNECTOR_TYPES,
    DIRECTIONS,
    LEVEL_GAP_M,
    MAX_CONNECTOR_SECONDS,
    MAX_LEVELS,
    LevelFrame,
    shifted,
)
from stores.floorplan.plan import TEMPERATURES, Fixture, FloorPlan, Landing, Level, Poi, Shelf, Spot, Zone
from stores.infra.errors import Invalid, Problem
from stores.infra.text import text_problem

#: A point (entrance, checkout) within this many metres of walkable space counts as in it:
#: exports put doors on the wall line, where an exact test answers by floating-point noise.
#: The compile then moves it into the navigable space (``routing.visibility.snap_into``).
POINT_TOLERANCE_M = 0.01


class PlanInvalid(Invalid):
    """A floor plan broke one or more rules; ``problems`` lists each with its feature id."""


@dataclass(frozen=True, slots=True)
class PlanLimits:
    max_features: int = 20_000
    max_vertices: int = 400_000
    #: Any projected grid fits (UTM northings reach 10,000 km); the plan itself is small.
    max_coordinate_m: float = 10_000_000.0
    max_extent_m: float = 5_000.0
    max_area_m2: float = 100_000.0
    min_area_m2: float = 4.0
    shelf_side_m: float = 1.0


GEOMETRY_OF = {
    "outline": "Polygon",
    "fixture": "Polygon",
    "shelf": "LineString",
    "zone": "Polygon",
    "entrance": "Point",
    "checkout": "Point",
    "poi": "Point",
    "connector": "Point",
}
#: A label in other languages: at most this many, each a language tag and a text.
MAX_NAMES = 50
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}")


def _coordinates(value: Any) -> Iterator[Any]:
    if isinstance(value, list | tuple) and value and not isinstance(value[0], list | tuple):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _coordinates(item)


#: How deep the coordinate arrays nest for each geometry type (a position is depth 1).
_NESTING = {"Point": 1, "LineString": 2, "Polygon": 3}


def _nested(value: Any, depth: int) -> bool:
    if depth == 1:
        return isinstance(value, list | tuple) and not (value and isinstance(value[0], list | tuple))
    return isinstance(value, list | tuple) and len(value) > 0 and all(_nested(item, depth - 1) for item in value)


def _check_coordinates(geometry: dict[str, Any], limits: PlanLimits) -> tuple[str | None, int]:
    """(problem message or None, vertex count)."""
    depth = _NESTING[str(geometry.get("type"))]
    if not _nested(geometry.get("coordinates"), depth):
        shape_of = {1: "[x, y]", 2: "a list of [x, y]", 3: "a list of rings, each a list of [x, y]"}[depth]
        return f"coordinates must be {shape_of}", 0
    count = 0
    for position in _coordinates(geometry.get("coordinates")):
        count += 1
        if len(position) < 2 or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position):
            return "coordinates must be [x, y] numbers", count
        x, y = position[0], position[1]
        if not (math.isfinite(x) and math.isfinite(y)):
            return "coordinates must be finite numbers", count
        if abs(x) > limits.max_coordinate_m or abs(y) > limits.max_coordinate_m:
            return f"coordinate ({x}, {y}) is more than {limits.max_coordinate_m:,.0f} m from the origin", count
    return None, count


#: The text properties a plan keeps (labels, names, departments shown to shoppers).
_TEXT_PROPERTIES = ("name", "aisle", "label", "department", "type", "temperature", "category", "connector")


def _names_problem(value: Any) -> str | None:
    """Why ``names`` ({language tag: text}) cannot be kept, or None."""
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > MAX_NAMES:
        return f"names must be an object of at most {MAX_NAMES} language tags and texts"
    for tag, text in value.items():
        if not _LANGUAGE_TAG.fullmatch(tag):
            return f"names: {tag[:40]!r} is not a language tag (such as de, zh-Hant, pt-BR)"
        if not isinstance(text, str) or not 0 < len(text) <= 200:
            return f"names.{tag} must be a text of 1 to 200 characters"
        if (bad := text_problem(text)) is not None:
            return f"names.{tag} cannot be stored: {bad}"
    return None


def _names(props: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((props.get("names") or {}).items()))


def _text_properties_problem(props: dict[str, Any]) -> str | None:
    for name in _TEXT_PROPERTIES:
        value = props.get(name)
        if isinstance(value, str) and (bad := text_problem(value)) is not None:
            return f"properties.{name} cannot be stored: {bad}"
    return None


def _text(props: dict[str, Any], name: str, maximum: int = 200) -> str | None:
    value = props.get(name)
    if value is None:
        return None
    return str(value)[:maximum]


def _features_of(document: Any, limits: PlanLimits) -> list[Any]:
    """The document's features, once it is a FeatureCollection of at most ``max_features``."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise PlanInvalid(
            "Not a floor plan.", [Problem("not_feature_collection", "expected a GeoJSON FeatureCollection", pointer="")]
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise PlanInvalid(
            "Not a floor plan.", [Problem("no_features", "'features' must be a list", pointer="/features")]
        )
    if len(features) > limits.max_features:
        message = f"{len(features)} features; the limit is {limits.max_features}"
        raise PlanInvalid("The plan is too large.", [Problem("too_many_features", message, pointer="/features")])
    return features


def _id_problem(kind: str, fid: str | None, seen: set[tuple[str, str]]) -> tuple[str, str] | None:
    """Why a feature's id cannot be used (code, message), or None. Outlines need none."""
    if kind == "outline":
        return None
    if fid is None or fid == "":
        return "missing_id", f"a {kind} needs a string 'id'"
    if len(fid) > 64:
        return "id_too_long", "ids are at most 64 characters"
    if (bad := text_problem(fid)) is not None:
        return "invalid_id", f"the id cannot be stored: {bad}"
    if (kind, fid) in seen:
        return "duplicate_id", f"{kind} id {fid!r} is used twice"
    return None


def _shape_problem(kind: str, geom: Any, props: dict[str, Any]) -> tuple[str, str] | None:
    """Why a readable geometry or its properties do not make a feature of ``kind``, or None."""
    if geom.is_empty:
        return "invalid_geometry", "empty geometry"
    if not geom.is_valid:
        return "invalid_geometry", f"invalid geometry: {shapely.is_valid_reason(geom)}"
    if kind == "shelf" and geom.length < 0.1:
        return "invalid_geometry", "a shelf must be at least 0.1 m long"
    if kind == "zone" and not props.get("department"):
        return "missing_department", "a zone needs a 'department'"
    if kind == "zone" and props.get("temperature", "ambient") not in TEMPERATURES:
        return "bad_temperature", f"temperature must be one of {', '.join(TEMPERATURES)}"
    if (bad := _text_properties_problem(props)) is not None:
        return "invalid_text", bad
    if (bad := _names_problem(props.get("names"))) is not None:
        return "bad_names", bad
    if kind == "connector":
        return _connector_problem(props)
    return None


def _number(value: Any, low: float, high: float) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and low < value <= high
    )


def _connector_problem(props: dict[str, Any]) -> tuple[str, str] | None:
    """Why a connector's properties cannot be used, or None."""
    group, kind, direction = props.get("connector"), props.get("type"), props.get("direction", "both")
    if not isinstance(group, str) or not 0 < len(group) <= 64:
        return "bad_connector", "a connector needs 'connector': the id (1 to 64 characters) its landings share"
    if kind not in CONNECTOR_TYPES:
        return "bad_connector", f"a connector's type must be one of {', '.join(CONNECTOR_TYPES)}"
    if direction not in DIRECTIONS:
        return "bad_connector", f"direction must be one of {', '.join(DIRECTIONS)}"
    if kind == "escalator" and direction == "both":
        return "bad_connector", "an escalator runs one way: direction 'up' or 'down'"
    if "seconds" in props and not _number(props["seconds"], 0, MAX_CONNECTOR_SECONDS):
        return "bad_connector", f"seconds must be a number above 0 and at most {MAX_CONNECTOR_SECONDS:g}"
    if "width_m" in props and not _number(props["width_m"], 0, 50):
        return "bad_connector", "width_m must be a number of metres above 0 and at most 50"
    if "trolley_safe" in props and not isinstance(props["trolley_safe"], bool):
        return "bad_connector", "trolley_safe must be true or false"
    return None


@dataclass
class _Reading:
    """Reading the features one by one: the problems found so far, the ids seen, the vertices
    counted (the vertex limit is checked as they are counted, before any geometry is built)."""

    limits: PlanLimits
    #: Format v2: each level's id and its index in ``levels`` (None: a v1 plan).
    levels: dict[str, int] | None = None
    problems: list[Problem] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)
    vertices: int = 0
    outlines: list[tuple[str, Polygon, int]] = field(default_factory=list)
    parsed: dict[str, list[tuple[str, Any, dict[str, Any]]]] = field(
        default_factory=lambda: {kind: [] for kind in GEOMETRY_OF}
    )

    def fail(self, code: str, message: str, feature_id: str | None = None, pointer: str | None = None) -> None:
        self.problems.append(Problem(code, message, feature_id=feature_id, pointer=pointer))

    def read(self, index: int, feature: Any) -> None:
        """Check one feature and keep it if it is sound; else record why not."""
        pointer = f"/features/{index}"
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            self.fail("invalid_feature", "a feature needs a 'properties' object", pointer=pointer)
            return
        props = feature["properties"]
        kind, raw_id = props.get("kind"), props.get("id")
        fid = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
        if not isinstance(kind, str) or kind not in GEOMETRY_OF:
            self.fail("unknown_kind", f"properties.kind must be one of {', '.join(GEOMETRY_OF)}", fid, pointer)
            return
        if (wrong := _id_problem(kind, fid, self.seen)) is not None:
            shown = None if fid is None else fid[:64].encode("unicode_escape").decode()
            self.fail(*wrong, shown, pointer)
            return
        if fid is not None and kind != "outline":
            self.seen.add((kind, fid))  # taken even if the rest of the feature is refused
        if (level := self._level(kind, props, fid, pointer)) is None:
            return
        geom = self._geometry(feature.get("geometry"), kind, fid, pointer)
        if geom is None:
            return
        if (wrong := _shape_problem(kind, geom, props)) is not None:
            self.fail(*wrong, fid, pointer)
        elif kind == "outline":
            self.outlines.append((pointer, geom, level))
        else:
            assert fid is not None  # _id_problem refused a missing one
            self.parsed[kind].append((fid, geom, props | {"level_id": level}))

    def _level(self, kind: str, props: dict[str, Any], fid: str | None, pointer: str) -> int | None:
        """The index of the feature's level (0 in a v1 plan), or None after recording why not."""
        level_id = props.get("level_id")
        if self.levels is None:
            if kind == "connector":
                self.fail("needs_levels", "connectors join levels: give the plan 'levels' (format v2)", fid, pointer)
                return None
            if level_id is not None:
                self.fail("needs_levels", "level_id needs a plan with 'levels' (format v2)", fid, pointer)
                return None
            return 0
        if level_id not in self.levels:
            message = f"level_id must name one of the plan's levels ({', '.join(list(self.levels)[:20])})"
            self.fail("unknown_level", message, fid, f"{pointer}/properties/level_id")
            return None
        return self.levels[level_id]

    def _geometry(self, geometry: Any, kind: str, fid: str | None, pointer: str) -> Any:
        """The feature's geometry as shapely, or None after recording why it cannot be."""
        if not isinstance(geometry, dict) or geometry.get("type") != GEOMETRY_OF[kind]:
            self.fail("wrong_geometry", f"a {kind} must be a {GEOMETRY_OF[kind]}", fid, pointer)
            return None
        message, count = _check_coordinates(geometry, self.limits)
        self.vertices += count
        if self.vertices > self.limits.max_vertices:
            raise PlanInvalid(
                "The plan is too large.",
                [Problem("too_many_vertices", f"more than {self.limits.max_vertices} vertices", pointer=pointer)],
            )
        if message:
            self.fail("bad_coordinates", message, fid, pointer)
            return None
        try:
            return shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.GEOSException) as exc:
            self.fail("invalid_geometry", f"unreadable geometry: {exc}", fid, pointer)
            return None


def _assemble(
    reading: _Reading, outline: BaseGeometry, georef: dict[str, float] | None, levels: list[Level], frame: LevelFrame
) -> FloorPlan:
    parsed = reading.parsed
    shift = [level.dx for level in levels] or [0.0]

    def placed(kind: str) -> list[tuple[str, Any, dict[str, Any], int]]:
        """The features of ``kind`` in the compile frame, with their level's index."""
        out = []
        for fid, g, p in parsed[kind]:
            k = p["level_id"]
            out.append((fid, shifted(g, shift[k]), p, k))
        return out

    return FloorPlan(
        outline=outline,
        fixtures=[Fixture(fid, g, _text(p, "name"), _names(p), k) for fid, g, p, k in placed("fixture")],
        shelves=[
            Shelf(fid, g, _text(p, "aisle", 64), _text(p, "label"), _text(p, "department", 100), _names(p), k)
            for fid, g, p, k in placed("shelf")
        ],
        zones=[
            Zone(fid, g, str(p["department"])[:100], p.get("temperature", "ambient"), _names(p), k)
            for fid, g, p, k in placed("zone")
        ],
        entrances=[Spot(fid, g, None, k) for fid, g, _, k in placed("entrance")],
        checkouts=[Spot(fid, g, _text(p, "type", 64), k) for fid, g, p, k in placed("checkout")],
        pois=[
            Poi(fid, g, _text(p, "category", 64) or "poi", _text(p, "name"), _names(p), k)
            for fid, g, p, k in placed("poi")
        ],
        georef=georef,
        levels=levels,
        landings=[
            Landing(
                fid,
                g,
                str(p["connector"]),
                p["type"],
                p.get("direction", "both"),
                None if p.get("seconds") is None else float(p["seconds"]),
                p.get("trolley_safe"),
                None if p.get("width_m") is None else float(p["width_m"]),
                _text(p, "name"),
                _names(p),
                k,
            )
            for fid, g, p, k in placed("connector")
        ],
        frame=frame,
    )


def parse_plan(document: Any, limits: PlanLimits | None = None) -> FloorPlan:
    """Turn a v1 or v2 GeoJSON document into a :class:`FloorPlan`, or raise :class:`PlanInvalid`
    listing every problem (each with its feature id or pointer)."""
    limits = limits or PlanLimits()
    features = _features_of(document, limits)
    levels = _levels(document.get("levels"))
    reading = _Reading(limits, None if levels is None else {level.id: k for k, level in enumerate(levels)})
    for index, feature in enumerate(features):
        reading.read(index, feature)
    georef = _georef(document.get("georef"), reading.fail)
    outlines = _outlines(reading, levels or [], limits)
    if outlines is None:
        raise PlanInvalid(f"The floor plan has {len(reading.problems)} problem(s).", reading.problems)
    levels, frame = _stacked(levels or [], outlines)
    if levels:
        outlines = [shifted(o, v.dx) for o, v in zip(outlines, levels, strict=True)]
    outline = outlines[0] if not levels else MultiPolygon(outlines)
    plan = _assemble(reading, outline, georef, levels, frame)
    # The rules between features run on every sound feature, so one upload lists every problem.
    problems = reading.problems + geometric_problems(plan, limits) + connector_problems(plan)
    if problems:
        raise PlanInvalid(f"The floor plan has {len(problems)} problem(s).", problems)
    return plan


def _levels(value: Any) -> list[Level] | None:
    """The plan's levels, lowest ordinal first (None: a v1 plan); raises for a malformed list."""
    if value is None:
        return None

    def fail(message: str, pointer: str = "/levels") -> PlanInvalid:
        return PlanInvalid("The plan's levels are invalid.", [Problem("bad_levels", message, pointer=pointer)])

    if not isinstance(value, list) or not 0 < len(value) <= MAX_LEVELS:
        raise fail(f"levels must be a list of 1 to {MAX_LEVELS} levels")
    levels, ids, ordinals = [], set(), set()
    for i, level in enumerate(value):
        pointer = f"/levels/{i}"
        if not isinstance(level, dict) or set(level) - {"id", "ordinal", "name", "names"}:
            raise fail("a level is {id, ordinal, name, names?}", pointer)
        lid, ordinal, name = level.get("id"), level.get("ordinal"), level.get("name", level.get("id"))
        if not isinstance(lid, str) or not 0 < len(lid) <= 64 or text_problem(lid) is not None or lid in ids:
            raise fail("a level's id must be a unique text of 1 to 64 characters", f"{pointer}/id")
        if (
            not isinstance(ordinal, int)
            or isinstance(ordinal, bool)
            or not -20 <= ordinal <= 200
            or ordinal in ordinals
        ):
            raise fail("a level's ordinal must be a unique whole number (0 the ground floor, -1 below it)",
                       f"{pointer}/ordinal")  # fmt: skip
        if not isinstance(name, str) or not 0 < len(name) <= 100 or text_problem(name) is not None:
            raise fail("a level's name must be a text of 1 to 100 characters", f"{pointer}/name")
        if (bad := _names_problem(level.get("names"))) is not None:
            raise fail(bad, f"{pointer}/names")
        ids.add(lid)
        ordinals.add(ordinal)
        levels.append(Level(lid, ordinal, name, _names(level)))
    return sorted(levels, key=lambda v: v.ordinal)


def _outlines(reading: _Reading, levels: list[Level], limits: PlanLimits) -> list[Polygon] | None:
    """One outline per level (one in a v1 plan), each within the limits; None after recording
    what is missing or doubled. Raises for an outline out of range (nothing else is checked)."""
    found: dict[int, list[tuple[str, Polygon]]] = {}
    for where, outline, k in reading.outlines:
        found.setdefault(k, []).append((where, outline))
    wanted = range(len(levels) or 1)
    for k in wanted:
        on = f" on level {levels[k].id!r}" if levels else ""
        if k not in found:
            reading.fail("missing_outline", f"a plan needs exactly one feature of kind 'outline'{on}",
                         pointer="/features")  # fmt: skip
        for where, _ in found.get(k, [])[1:]:
            reading.fail("duplicate_outline", f"a plan has exactly one outline{on}", pointer=where)
    if any(k not in found for k in wanted):
        return None
    outlines = []
    for k in wanted:
        where, outline = found[k][0]
        x0, y0, x1, y1 = outline.bounds
        if max(x1 - x0, y1 - y0) > limits.max_extent_m:
            message = f"the outline spans {max(x1 - x0, y1 - y0):,.0f} m; at most {limits.max_extent_m:,.0f} m"
            raise PlanInvalid("The outline is too large.", [Problem("bad_area", message, pointer=where)])
        if not limits.min_area_m2 <= outline.area <= limits.max_area_m2:
            message = f"floor area {outline.area:.0f} m² is outside {limits.min_area_m2:g}..{limits.max_area_m2:g} m²"
            raise PlanInvalid("The outline's area is out of range.", [Problem("bad_area", message, pointer=where)])
        outlines.append(outline)
    return outlines


def _stacked(levels: list[Level], outlines: list[Polygon]) -> tuple[list[Level], LevelFrame]:
    """The levels with their x offsets in the compile frame, and the frame (v1: the identity)."""
    if not levels:
        return [], LevelFrame()
    x0 = min(o.bounds[0] for o in outlines)
    stride = math.ceil(max(o.bounds[2] for o in outlines) - x0 + LEVEL_GAP_M)
    placed = [Level(v.id, v.ordinal, v.name, v.names, float(k * stride)) for k, v in enumerate(levels)]
    return placed, LevelFrame(tuple(v.id for v in levels), float(x0), float(stride))


def connector_problems(plan: FloorPlan) -> list[Problem]:
    """Each connector joins two or more levels, once each, with one type and direction; each
    landing is in walkable space."""
    problems: list[Problem] = []
    by_connector: dict[str, list[Landing]] = {}
    for landing in plan.landings:
        by_connector.setdefault(landing.connector, []).append(landing)
    for connector, landings in by_connector.items():
        first = landings[0]
        levels = [landing.on_level for landing in landings]
        if len(landings) < 2:
            problems.append(Problem("lonely_connector", f"connector {connector!r} has one landing; it needs one on "
                                    "each level it joins", feature_id=first.id))  # fmt: skip
        elif len(set(levels)) < len(levels):
            problems.append(Problem("bad_connector", f"connector {connector!r} has two landings on one level",
                                    feature_id=first.id))  # fmt: skip
        for landing in landings[1:]:
            if (landing.type, landing.direction) != (first.type, first.direction):
                problems.append(Problem("bad_connector", f"the landings of connector {connector!r} differ in type or "
                                        "direction", feature_id=landing.id))  # fmt: skip
    walkable = plan.walkable
    for landing in plan.landings:
        if not shapely.dwithin(walkable, landing.point, POINT_TOLERANCE_M):
            problems.append(Problem("not_walkable", "the connector's landing is not in walkable space",
                                    feature_id=landing.id))  # fmt: skip
    return problems


def _georef(value: Any, fail: Any) -> dict[str, float] | None:
    if value is None:
        return None
    keys = {"lat": (-90, 90), "lon": (-180, 180), "bearing_deg": (-360, 360)}
    if not isinstance(value, dict) or set(value) - set(keys) or not {"lat", "lon"} <= set(value):
        fail("bad_georef", "georef is {lat, lon, bearing_deg?}", pointer="/georef")
        return None
    out: dict[str, float] = {}
    for key, (lo, hi) in keys.items():
        v = value.get(key, 0.0)
        if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v) or not lo <= v <= hi:
            fail("bad_georef", f"georef.{key} must be a number in {lo}..{hi}", pointer=f"/georef/{key}")
            return None
        out[key] = float(v)
    return out


def geometric_problems(plan: FloorPlan, limits: PlanLimits) -> list[Problem]:
    """Rules between features: containment, walkability, standing room beside shelves."""
    problems: list[Problem] = []
    outline = plan.outline
    shapely.prepare(outline)
    for fixture in plan.fixtures:
        # 1 cm² of slack: fixtures drawn flush with a wall must not fail on floating-point noise.
        if not outline.covers(fixture.polygon) and fixture.polygon.difference(outline).area > 1e-4:
            problems.append(Problem("fixture_outside_outline", "the fixture leaves the outline", feature_id=fixture.id))
    for zone in plan.zones:
        if not outline.intersects(zone.polygon):
            problems.append(
                Problem("zone_outside_outline", "the zone does not overlap the outline", feature_id=zone.id)
            )
    walkable = plan.walkable
    shapely.prepare(walkable)
    for kind, spots in (("entrance", plan.entrances), ("checkout", plan.checkouts)):
        for spot in spots:
            if not shapely.dwithin(walkable, spot.point, POINT_TOLERANCE_M):
                problems.append(Problem("not_walkable", f"the {kind} is not in walkable space", feature_id=spot.id))
    for poi in plan.pois:
        if not shapely.dwithin(outline, poi.point, POINT_TOLERANCE_M):
            problems.append(
                Problem("poi_outside_outline", "the point of interest is not on the floor", feature_id=poi.id)
            )
    if not plan.entrances:
        problems.append(Problem("missing_entrance", "a plan needs at least one entrance", pointer="/features"))
    if not plan.checkouts:
        problems.append(Problem("missing_checkout", "a plan needs at least one checkout", pointer="/features"))
    if plan.shelves:
        sides = shapely.buffer([s.line for s in plan.shelves], limits.shelf_side_m, cap_style="flat")
        room = shapely.area(shapely.intersection(sides, walkable))
        for shelf, area in zip(plan.shelves, room, strict=True):
            if area < 0.01:
                problems.append(
                    Problem(
                        "no_walkable_side",
                        f"no walkable space within {limits.shelf_side_m:g} m of the shelf on either side",
                        feature_id=shelf.id,
                    )
                )
    return problems
