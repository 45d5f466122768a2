"""IMDF archives made by the test set-up, following the OGC IMDF 1.0 structure: a manifest and
one GeoJSON FeatureCollection per feature type, WGS84 coordinates, UUID ids, ``feature_type`` on
every feature, ``level_id`` references and display points."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

import orjson
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, box, mapping

ORIGIN = (13.4132, 52.5219)  # lon, lat


def _uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aislepath-test/{name}"))


def grocery_imdf(drop: tuple[str, ...] = ()) -> bytes:
    """A 30 m x 20 m one-level grocery: walkway, a storeroom, four shelving gondolas, a service
    desk, a front door, two cashiers, and two sections (bakery, frozen)."""
    return zip_imdf({name: body for name, body in grocery_imdf_files().items() if name not in drop})


def zip_imdf(files: dict[str, Any]) -> bytes:
    """An archive of ``files``: the manifest as given, every other file a FeatureCollection of
    the features listed (or the given document as it is, when it is not a list)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            wrap = name != "manifest.json" and isinstance(content, list)
            archive.writestr(
                name, orjson.dumps({"type": "FeatureCollection", "features": content} if wrap else content)
            )
    return buffer.getvalue()


def grocery_imdf_files() -> dict[str, Any]:
    """The files of :func:`grocery_imdf`, name -> manifest or list of features."""
    to_wgs84 = Transformer.from_crs(
        f"+proj=aeqd +lat_0={ORIGIN[1]} +lon_0={ORIGIN[0]} +units=m +ellps=WGS84", "EPSG:4326", always_xy=True
    ).transform

    def geo(geom: Any) -> dict[str, Any]:
        return orjson.loads(orjson.dumps(mapping(shapely.transform(geom, to_wgs84, interleaved=False))))

    def feature(kind: str, key: str, geom: Any, **props: Any) -> dict[str, Any]:
        return {"id": _uid(key), "type": "Feature", "feature_type": kind, "geometry": geo(geom), "properties": props}

    display = {"type": "Point", "coordinates": list(ORIGIN)}
    venue_id, level_id = _uid("venue"), _uid("level")
    venue = feature(
        "venue",
        "venue",
        box(-15, -10, 15, 10),
        category="retailstore",
        name={"en": "Test Grocer"},
        display_point=display,
        address_id=None,
        restriction=None,
        hours=None,
        phone=None,
        website=None,
    )
    level = feature(
        "level",
        "level",
        box(-15, -10, 15, 10),
        category="unspecified",
        outdoor=False,
        ordinal=0,
        name={"en": "Ground"},
        short_name={"en": "0"},
        display_point=display,
        address_id=None,
        building_ids=None,
        restriction=None,
    )
    units = [
        feature(
            "unit",
            "walkway",
            box(-15, -10, 15, 10).difference(box(10, 6, 15, 10)),
            category="walkway",
            level_id=level_id,
            name=None,
            alt_name=None,
            restriction=None,
            accessibility=None,
            display_point=None,
        ),
        feature(
            "unit",
            "storeroom",
            box(10, 6, 15, 10),
            category="nonpublic",
            level_id=level_id,
            name={"en": "Storeroom"},
            alt_name=None,
            restriction="employeesonly",
            accessibility=None,
            display_point=None,
        ),
    ]
    fixtures = [
        feature(
            "fixture",
            f"gondola{i}",
            box(x, -3, x + 1.2, 5),
            category="shelving",
            level_id=level_id,
            name={"en": f"Gondola {i}"},
            alt_name=None,
            anchor_id=None,
            display_point=None,
        )
        for i, x in enumerate((-10.0, -6.0, -2.0, 2.0), start=1)
    ] + [
        feature(
            "fixture",
            "desk",
            box(6, 2, 8, 4),
            category="desk",
            level_id=level_id,
            name={"en": "Service desk"},
            alt_name=None,
            anchor_id=None,
            display_point=None,
        )
    ]
    openings = [
        feature(
            "opening",
            "door",
            LineString([(-13, -10), (-11, -10)]),
            category="pedestrian.principal",
            level_id=level_id,
            accessibility=None,
            access_control=None,
            door={"type": "sliding", "automatic": True},
            name=None,
            alt_name=None,
            display_point=None,
        )
    ]
    amenities = [
        feature(
            "amenity",
            f"till{i}",
            Point(x, -8),
            category="cashier",
            unit_ids=[_uid("walkway")],
            name={"en": f"Till {i}"},
            alt_name=None,
            hours=None,
            phone=None,
            website=None,
            address_id=None,
            correlation_id=None,
            accessibility=None,
        )
        for i, x in enumerate((4.0, 8.0), start=1)
    ]
    sections = [
        feature(
            "section", key, geom, category="retail", level_id=level_id, name={"en": title}, alt_name=None,
            restriction=None, accessibility=None, address_id=None, correlation_id=None, parents=None,
            display_point=None,
        )
        for key, title, geom in (
            ("bakery", "Bakery", box(-12, -4, -4, 6)),
            ("frozen", "Frozen foods", box(-4, -4, 4, 6)),
        )
    ]  # fmt: skip
    files = {
        "manifest.json": {
            "version": "1.0.0",
            "created": "2026-11-23T00:00:00Z",
            "language": "en",
            "generated_by": "aislepath tests",
        },
        "venue.geojson": [venue],
        "level.geojson": [level],
        "unit.geojson": units,
        "fixture.geojson": fixtures,
        "opening.geojson": openings,
        "amenity.geojson": amenities,
        "section.geojson": sections,
    }
    assert venue_id
    return files
