"""IMDF (OGC Indoor Mapping Data Format 1.0) archives mapped onto the v1 floor plan format.

IMDF is in WGS84; v1 is in metres. The archive is projected to an azimuthal equidistant frame
centred on the venue's display point (north up), and that point becomes the plan's ``georef``.
One level is imported: the one with ordinal 0 (else the lowest). The mapping is written down in
docs/floorplan-format.md.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Polygon, mapping, shape

from stores.floorplan.parse import PlanInvalid
from stores.infra.errors import Problem

MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
MAX_MEMBER_BYTES = 50 * 1024 * 1024

#: Unit categories a shopper walks through; every other unit is an obstacle.
WALKABLE_UNITS = {
    "walkway", "room", "unspecified", "unenclosedarea", "lobby", "foodservice", "ramp", "footbridge",
    "platform", "waitingroom", "opentobelow_walkable",
}  # fmt: skip
#: Amenity categories that are places to pay.
CHECKOUT_AMENITIES = {"cashier", "checkout", "paystation", "selfcheckout"}
#: Fixture categories whose long faces hold products.
SHELF_FIXTURES = {"shelving", "shelf", "gondola", "rack", "display", "refrigerator", "freezer"}


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


def _read_collection(archive: zipfile.ZipFile, name: str, required: bool = False) -> list[dict[str, Any]]:
    try:
        info = archive.getinfo(name)
    except KeyError:
        if required:
            raise _fail(f"{name} is missing", "imdf_missing_file", f"/{name}") from None
        return []
    if info.file_size > MAX_MEMBER_BYTES:
        raise _fail(f"{name} is larger than {MAX_MEMBER_BYTES} bytes", "imdf_too_large", f"/{name}")
    try:
        document = orjson.loads(_read_member(archive, info))
    except orjson.JSONDecodeError as exc:
        raise _fail(f"{name} is not JSON: {exc}", "malformed_json", f"/{name}") from exc
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


def _props(feature: dict[str, Any]) -> dict[str, Any]:
    return feature.get("properties") or {}


def _name(feature: dict[str, Any]) -> str | None:
    names = _props(feature).get("name")
    if isinstance(names, dict) and names:
        return str(names.get("en") or next(iter(names.values())))
    return None


def _ordinal(level: dict[str, Any]) -> int:
    ordinal = _props(level).get("ordinal", 0)
    if ordinal is None:
        return 0
    if not isinstance(ordinal, int) or isinstance(ordinal, bool):
        raise _fail(f"level {level['id']}: ordinal must be an integer, not {ordinal!r}", "bad_imdf", "/level.geojson")
    return ordinal


def imdf_to_v1(data: bytes) -> dict[str, Any]:
    """A v1 GeoJSON document from an IMDF zip (raises PlanInvalid naming what is wrong)."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise _fail("archive too large", "imdf_too_large")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _fail("not a zip archive") from exc
    with archive:
        if sum(i.file_size for i in archive.infolist()) > 4 * MAX_ARCHIVE_BYTES:
            raise _fail("archive expands too much", "imdf_too_large")
        _read_manifest(archive)
        venues = _read_collection(archive, "venue.geojson", required=True)
        levels = _read_collection(archive, "level.geojson", required=True)
        units = _read_collection(archive, "unit.geojson", required=True)
        fixtures = _read_collection(archive, "fixture.geojson")
        openings = _read_collection(archive, "opening.geojson")
        amenities = _read_collection(archive, "amenity.geojson")
        sections = _read_collection(archive, "section.geojson")
    if not levels:
        raise _fail("level.geojson has no levels", pointer="/level.geojson")
    level = min(levels, key=lambda f: (abs(_ordinal(f)), _ordinal(f)))
    venue = _Venue(venues, units, fixtures, openings, amenities, sections)
    try:
        return _convert(level, venue)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError) as exc:
        # Anything the checks above did not foresee: still a 422 that says where, never a 500.
        raise _fail(f"a feature could not be converted ({type(exc).__name__}: {exc})") from exc


@dataclass(frozen=True, slots=True)
class _Venue:
    """The archive's feature collections (structure checked)."""

    venues: list[dict[str, Any]]
    units: list[dict[str, Any]]
    fixtures: list[dict[str, Any]]
    openings: list[dict[str, Any]]
    amenities: list[dict[str, Any]]
    sections: list[dict[str, Any]]


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


def _outline(level: dict[str, Any], project: _Projector) -> Polygon:
    outline = project.metres(level, "level.geojson")
    if outline.geom_type == "MultiPolygon":
        outline = max(outline.geoms, key=lambda g: g.area)
    if outline.geom_type != "Polygon":
        message = f"level {level['id']}: its geometry must be a Polygon, not a {outline.geom_type}"
        raise _fail(message, pointer="/level.geojson")
    return outline


def _obstacles(units: list[dict[str, Any]], outline: Polygon, project: _Projector) -> list[dict[str, Any]]:
    """Units a shopper does not walk through, as fixtures."""
    out = []
    for unit in units:
        category = str(_props(unit).get("category", "unspecified"))
        if category not in WALKABLE_UNITS:
            for poly in _polygons(project.metres(unit, "unit.geojson").intersection(outline)):
                out.append(_feature("fixture", poly, id=f"unit-{unit['id']}", name=_name(unit) or category))
    return out


def _fixtures(fixtures: list[dict[str, Any]], outline: Polygon, project: _Projector) -> list[dict[str, Any]]:
    """Fixtures, and the long faces of shelving fixtures as shelves."""
    out = []
    for fixture in fixtures:
        category = str(_props(fixture).get("category", "")).lower()
        for i, poly in enumerate(_polygons(project.metres(fixture, "fixture.geojson").intersection(outline))):
            fid = str(fixture["id"]) if i == 0 else f"{fixture['id']}-{i}"
            out.append(_feature("fixture", poly, id=fid, name=_name(fixture)))
            if category in SHELF_FIXTURES:
                for side, face in _long_faces(poly):
                    out.append(_feature("shelf", face, id=f"{fid}-{side}", label=f"{_name(fixture) or 'Shelf'} {side}"))
    return out


def _temperature(department: str) -> str:
    lowered = department.lower()
    if "frozen" in lowered:
        return "frozen"
    if "chill" in lowered or "dairy" in lowered or "refriger" in lowered:
        return "chilled"
    return "ambient"


def _zones(sections: list[dict[str, Any]], outline: Polygon, project: _Projector) -> list[dict[str, Any]]:
    """Sections as department zones (the temperature guessed from the name)."""
    out = []
    for section in sections:
        name = _name(section) or str(_props(section).get("category", "section"))
        for i, poly in enumerate(_polygons(project.metres(section, "section.geojson").intersection(outline))):
            zid = f"{section['id']}" + (f"-{i}" if i else "")
            out.append(_feature("zone", poly, id=zid, department=name, temperature=_temperature(name)))
    return out


def _entrances(openings: list[dict[str, Any]], outline: Polygon, project: _Projector) -> list[dict[str, Any]]:
    """Pedestrian openings in the outer wall, as entrances on the boundary."""
    boundary = outline.exterior
    out = []
    for opening in openings:
        if not str(_props(opening).get("category", "")).startswith("pedestrian"):
            continue
        line = project.metres(opening, "opening.geojson")
        if line.distance(boundary) <= 0.5:  # a door in the outer wall is a way in
            point = boundary.interpolate(boundary.project(line.interpolate(0.5, normalized=True)))
            out.append(_feature("entrance", point, id=str(opening["id"])))
    return out


def _checkouts(amenities: list[dict[str, Any]], unit_ids: set[Any], project: _Projector) -> list[dict[str, Any]]:
    """Places to pay in the level's units, as checkouts."""
    out = []
    for amenity in amenities:
        props = _props(amenity)
        if str(props.get("category", "")).lower() not in CHECKOUT_AMENITIES:
            continue
        linked = props.get("unit_ids") or []
        if not isinstance(linked, list) or not all(isinstance(u, str) for u in linked):
            raise _fail(f"amenity {amenity['id']}: unit_ids must be a list of ids", pointer="/amenity.geojson")
        if set(linked) & unit_ids:
            geom = project.metres(amenity, "amenity.geojson")
            out.append(_feature("checkout", geom, id=str(amenity["id"]), type=props.get("category")))
    return out


def _convert(level: dict[str, Any], venue: _Venue) -> dict[str, Any]:
    """The v1 document of one level, from features whose structure has been checked."""

    def on_level(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [f for f in features if _props(f).get("level_id") == level["id"]]

    project = _Projector(_origin(venue.venues[0] if venue.venues else level))
    outline = _outline(level, project)
    units = on_level(venue.units)
    features = [
        _feature("outline", outline),
        *_obstacles(units, outline, project),
        *_fixtures(on_level(venue.fixtures), outline, project),
        *_zones(on_level(venue.sections), outline, project),
        *_entrances(on_level(venue.openings), outline, project),
        *_checkouts(venue.amenities, {u.get("id") for u in units}, project),
    ]
    origin = project.origin
    return {"type": "FeatureCollection", "features": features,
            "georef": {"lat": origin[1], "lon": origin[0], "bearing_deg": 0.0}}  # fmt: skip


def _read_manifest(archive: zipfile.ZipFile) -> None:
    try:
        manifest = orjson.loads(archive.read("manifest.json"))
    except KeyError:
        raise _fail("manifest.json is missing", "imdf_missing_file", "/manifest.json") from None
    except orjson.JSONDecodeError as exc:
        raise _fail(f"manifest.json is not JSON: {exc}", "malformed_json", "/manifest.json") from exc
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
    return [p for p in parts if isinstance(p, Polygon) and p.area > 0.01]


def _long_faces(polygon: Polygon) -> list[tuple[str, LineString]]:
    """The two long sides of the fixture's minimum rotated rectangle (the faces shoppers pick from)."""
    rect = shapely.minimum_rotated_rectangle(polygon)
    coords = list(rect.exterior.coords)[:4]
    edges = [LineString([coords[i], coords[(i + 1) % 4]]) for i in range(4)]
    long_edges = sorted(range(4), key=lambda i: -edges[i].length)[:2]
    return [(side, edges[i]) for side, i in zip("ab", sorted(long_edges), strict=True) if edges[i].length >= 0.5]


def _feature(kind: str, geometry: Any, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": orjson.loads(orjson.dumps(mapping(geometry))),
        "properties": {"kind": kind, **{k: v for k, v in props.items() if v is not None}},
    }
