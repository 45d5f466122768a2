"""IMDF archives shaped like real venue exports, generated: several buildings and levels, rooms
joined only by their openings, doors on the level boundary, a door into the stairs, a lift,
units without fixtures, fixtures without a shelving category, walls at any angle and far from
the venue's display point, and the archive zipped flat or as one folder."""

from __future__ import annotations

import io
import math
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

import orjson
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, box, mapping
from shapely.geometry.base import BaseGeometry

BASE = (-0.1276, 51.5072)  # lon, lat of the display point

#: Gondolas in the sales room (local metres, before rotation): 1.2 m deep, 10 m long.
GONDOLA_X = (4.0, 8.0, 12.0, 16.0, 20.0)
#: The doors between the corridor and the sales room, on y = 6.
ROOM_DOORS = ((10.0, 12.0), (21.5, 23.5))
ENTRANCE = ((2.0, 4.0), 0.0)  # x range on the level's front wall, y = 0
TOILETS = {"en": "Toilets", "de": "Toiletten", "ar": "دورات المياه", "zh-Hans": "厕所"}


@dataclass(frozen=True)
class Venue:
    """How to shape the archive."""

    rotate_deg: float = 0.0
    offset_m: tuple[float, float] = (0.0, 0.0)  # the building from the display point
    folder: str | None = None  # zip it as this folder
    shelving: bool = True  # gondolas carry the category "shelving" (else "furniture")
    empty_building_first: bool = True  # a second building whose ground level has no units, listed first
    upper_level: bool = True
    mapping: dict[str, Any] | None = None  # aislepath.json
    #: The first floor is a shop floor too, joined to the ground by the stairs and the lift (a lobby
    #: on the ground floor with doors into both; on the first floor the same, and a gondola).
    connected: bool = False


def uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aislepath-venue/{name}"))


def venue_imdf(venue: Venue = Venue()) -> bytes:
    files = venue_files(venue)
    buffer = io.BytesIO()
    prefix = f"{venue.folder}/" if venue.folder else ""
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if venue.folder:
            archive.writestr(prefix, b"")  # the folder's own entry, as zip tools write it
            archive.writestr(f"__MACOSX/{prefix}._manifest.json", b"\x00\x05\x16\x07")
        for name, content in files.items():
            wrap = name not in ("manifest.json", "aislepath.json")
            body = {"type": "FeatureCollection", "features": content} if wrap else content
            archive.writestr(prefix + name, orjson.dumps(body))
    return buffer.getvalue()


def venue_files(venue: Venue) -> dict[str, Any]:
    to_wgs84 = Transformer.from_crs(
        f"+proj=aeqd +lat_0={BASE[1]} +lon_0={BASE[0]} +units=m +ellps=WGS84", "EPSG:4326", always_xy=True
    ).transform
    angle = math.radians(venue.rotate_deg)
    cos, sin = math.cos(angle), math.sin(angle)

    def place(geom: BaseGeometry, dx: float = 0.0) -> BaseGeometry:
        def move(x: Any, y: Any) -> tuple[Any, Any]:
            x = x + dx
            return (venue.offset_m[0] + x * cos - y * sin, venue.offset_m[1] + x * sin + y * cos)

        return shapely.transform(shapely.transform(geom, move, interleaved=False), to_wgs84, interleaved=False)

    def feature(kind: str, key: str, geom: BaseGeometry, dx: float = 0.0, **props: Any) -> dict[str, Any]:
        geometry = orjson.loads(orjson.dumps(mapping(place(geom, dx)))) if geom is not None else None
        return {"id": uid(key), "type": "Feature", "feature_type": kind, "geometry": geometry, "properties": props}

    ground, upper, other = uid("level-b1-0"), uid("level-b1-1"), uid("level-b2-0")
    floor = box(0, 0, 40, 24)
    levels = [
        feature("level", "level-b1-0", floor, category="unspecified", outdoor=False, ordinal=0,
                name={"en": "Ground floor", "fr": "Rez-de-chaussée"}, building_ids=[uid("b1")]),
    ]  # fmt: skip
    if venue.upper_level:
        levels.append(feature("level", "level-b1-1", floor, category="unspecified", outdoor=False, ordinal=1,
                              name={"en": "First floor"}, building_ids=[uid("b1")]))  # fmt: skip
    if venue.empty_building_first:
        levels.insert(0, feature("level", "level-b2-0", floor, dx=60.0, category="parking", outdoor=False,
                                 ordinal=0, name={"en": "Car park"}, building_ids=[uid("b2")]))  # fmt: skip

    def unit(key: str, geom: BaseGeometry, category: str, level: str = ground, **props: Any) -> dict[str, Any]:
        return feature("unit", key, geom, category=category, level_id=level, **props)

    units = [
        # The front is drawn in two units with no opening between them: one space, as exports draw it.
        unit("corridor", box(0, 0, 20, 6), "walkway"),
        unit("hall", box(20, 0, 40, 6), "unspecified"),
        unit("sales", box(0, 6, 28, 24), "room", name={"en": "Sales floor", "de": "Verkaufsfläche"}),
        unit("store", box(28, 6, 40, 12 if venue.connected else 16), "nonpublic", name={"en": "Storeroom"}),
        unit("stairs", box(28, 16, 34, 24), "stairs"),
        unit("lift", box(34, 16, 40, 24), "elevator", name={"en": "Lift", "de": "Aufzug"}),
    ]
    if venue.connected:
        units += [
            unit("lobby", box(28, 12, 40, 16), "walkway"),
            unit("upper-hall", box(0, 0, 40, 16), "walkway", level=upper),
            unit("upper-west", box(0, 16, 28, 24), "walkway", level=upper),
            unit("upper-stairs", box(28, 16, 34, 24), "stairs", level=upper),
            unit("upper-lift", box(34, 16, 40, 24), "elevator", level=upper),
        ]
    elif venue.upper_level:
        units.append(unit("upper-walkway", box(0, 0, 40, 24), "walkway", level=upper))

    def opening(key: str, line: LineString, category: str = "pedestrian", level: str = ground) -> dict[str, Any]:
        return feature("opening", key, line, category=category, level_id=level, door=None)

    openings = [
        opening("entrance", LineString([(ENTRANCE[0][0], 0), (ENTRANCE[0][1], 0)]), "pedestrian.principal"),
        *(opening(f"room-door-{i}", LineString([(x0, 6), (x1, 6)])) for i, (x0, x1) in enumerate(ROOM_DOORS)),
        opening("store-door", LineString([(32, 6), (33.2, 6)]), "service"),
        opening("stairs-door", LineString([(28, 18), (28, 19.5)])),
        opening("emergency", LineString([(40, 2), (40, 3.5)]), "emergencyexit"),
    ]
    if venue.connected:
        openings += [
            opening("lobby-door", LineString([(28, 13), (28, 14.5)])),
            *(opening(f"{key}-{where}", LineString([(x, 16), (x + 1.5, 16)]), level=level)
              for key, x in (("stairs-door", 29.0), ("lift-door", 36.0))
              for where, level in (("ground", ground), ("upper", upper))),
        ]  # fmt: skip
    shelf_category = "shelving" if venue.shelving else "furniture"
    fixtures = [
        feature("fixture", f"gondola-{i}", box(x, 9, x + 1.2, 19), category=shelf_category, level_id=ground,
                name={"en": f"Aisle {i}"})
        for i, x in enumerate(GONDOLA_X, start=1)
    ] + [
        feature("fixture", "counter", box(29, 2, 31, 4), category="desk", level_id=ground, name={"en": "Till 3"}),
        feature("fixture", "bench", box(24.5, 20, 25.5, 21), category="furniture", level_id=ground),
    ]  # fmt: skip
    if venue.connected:
        fixtures.append(feature("fixture", "upper-gondola", box(6, 4, 7.2, 12), category=shelf_category,
                                level_id=upper, name={"en": "Upstairs aisle"}))  # fmt: skip

    def amenity(key: str, xy: tuple[float, float], category: str, **props: Any) -> dict[str, Any]:
        return feature("amenity", key, Point(xy), category=category, unit_ids=[uid("hall")], **props)

    amenities = [amenity(f"till-{i}", (x, 3), "cashier") for i, x in ((1, 20), (2, 24), (3, 30))]
    amenities.append(amenity("toilets", (38, 3), "restroom", name=TOILETS))
    sections = [
        feature("section", key, geom, category="retail", level_id=ground, name={"en": title})
        for key, title, geom in (("bakery", "Bakery", box(2, 8, 14, 22)),
                                 ("frozen", "Frozen foods", box(14, 8, 26, 22)))
    ]  # fmt: skip
    venue_feature = feature("venue", "venue", box(0, 0, 40, 24), category="retailstore", name={"en": "Venue"},
                            display_point={"type": "Point", "coordinates": list(BASE)})  # fmt: skip
    files: dict[str, Any] = {
        "manifest.json": {"version": "1.0.0", "created": "2026-12-01T00:00:00Z", "language": "en"},
        "venue.geojson": [venue_feature],
        "level.geojson": levels,
        "unit.geojson": units,
        "fixture.geojson": fixtures,
        "opening.geojson": openings,
        "amenity.geojson": amenities,
        "section.geojson": sections,
    }
    if venue.mapping is not None:
        files["aislepath.json"] = venue.mapping
    assert other and upper
    return files


def local(venue: Venue, xy: tuple[float, float]) -> tuple[float, float]:
    """Where a point of the venue's own drawing lies in the imported plan's frame (metres from
    the display point, before the projection's sub-millimetre distortion)."""
    angle = math.radians(venue.rotate_deg)
    x, y = xy
    return (
        venue.offset_m[0] + x * math.cos(angle) - y * math.sin(angle),
        venue.offset_m[1] + x * math.sin(angle) + y * math.cos(angle),
    )


def large_venue_imdf(levels: int = 4, width: float = 150.0, depth: float = 100.0) -> bytes:
    """A venue of ``levels`` levels of ``width`` x ``depth`` m each (4 x 15,000 m² by default): per
    level a front walkway, a sales hall walled off from it with a door every 20 m and gondolas in
    columns, a storeroom, stairs and a lift; tills in the walkway, the entrance on the front wall."""
    to_wgs84 = Transformer.from_crs(
        f"+proj=aeqd +lat_0={BASE[1]} +lon_0={BASE[0]} +units=m +ellps=WGS84", "EPSG:4326", always_xy=True
    ).transform

    def feature(kind: str, key: str, geom: BaseGeometry, **props: Any) -> dict[str, Any]:
        geometry = orjson.loads(orjson.dumps(mapping(shapely.transform(geom, to_wgs84, interleaved=False))))
        return {"id": uid(key), "type": "Feature", "feature_type": kind, "geometry": geometry, "properties": props}

    files: dict[str, Any] = {name: [] for name in ("level.geojson", "unit.geojson", "fixture.geojson",
                                                   "opening.geojson", "amenity.geojson")}  # fmt: skip
    hall_x = width - 30.0
    for n in range(levels):
        level = uid(f"big-{n}")
        files["level.geojson"].append(feature("level", f"big-{n}", box(0, 0, width, depth), category="unspecified",
                                              ordinal=n, name={"en": f"Level {n}"}))  # fmt: skip
        units = [(f"walk-{n}", box(0, 0, width, 8), "walkway"), (f"hall-{n}", box(0, 8, hall_x, depth), "room"),
                 (f"store-{n}", box(hall_x, 8, width, depth - 12), "nonpublic"),
                 (f"stairs-{n}", box(hall_x, depth - 12, width - 6, depth), "stairs"),
                 (f"lift-{n}", box(width - 6, depth - 12, width, depth), "elevator")]  # fmt: skip
        files["unit.geojson"] += [feature("unit", k, g, category=c, level_id=level) for k, g, c in units]
        doors = [
            (f"door-{n}-{i}", LineString([(x, 8), (x + 2, 8)])) for i, x in enumerate(range(10, int(hall_x) - 5, 20))
        ]
        doors.append((f"front-{n}", LineString([(4, 0), (7, 0)])))
        files["opening.geojson"] += [feature("opening", k, g, category="pedestrian", level_id=level) for k, g in doors]
        x = 4.0
        while x + 1.2 < hall_x - 4:
            for y in range(12, int(depth) - 25, 24):
                files["fixture.geojson"].append(feature("fixture", f"g-{n}-{x}-{y}", box(x, y, x + 1.2, y + 20),
                                                        category="shelving", level_id=level))  # fmt: skip
            x += 3.8
        files["amenity.geojson"] += [feature("amenity", f"till-{n}-{k}", Point(20 + 4 * k, 4), category="cashier",
                                             unit_ids=[uid(f"walk-{n}")]) for k in range(8)]  # fmt: skip
    files["manifest.json"] = {"version": "1.0.0", "language": "en"}
    files["venue.geojson"] = [feature("venue", "big-venue", box(0, 0, width, depth), category="retailstore",
                                      display_point={"type": "Point", "coordinates": list(BASE)})]  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            body = content if name == "manifest.json" else {"type": "FeatureCollection", "features": content}
            archive.writestr(name, orjson.dumps(body))
    return buffer.getvalue()
