"""The in-memory floor plan: what a v1 or v2 GeoJSON document (or an IMDF archive) describes.

A v2 plan's features are held in the compile frame (``stores.floorplan.levels``): every level
moved right by its ``dx``, so one planar geometry holds them all. ``on_level`` is the index of a
feature's level in ``FloorPlan.levels`` (0 in a v1 plan, which has no levels)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from stores.floorplan.levels import LevelFrame, shifted

TEMPERATURES = ("ambient", "chilled", "frozen")


#: A label in several languages: (language tag, text) pairs, as given.
Names = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Fixture:
    id: str
    polygon: Polygon
    name: str | None = None
    names: Names = ()
    on_level: int = 0


@dataclass(frozen=True, slots=True)
class Shelf:
    id: str
    line: LineString
    aisle: str | None = None
    label: str | None = None
    department: str | None = None
    names: Names = ()  # the label in other languages
    on_level: int = 0


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    polygon: Polygon
    department: str
    temperature: str = "ambient"
    names: Names = ()
    on_level: int = 0


@dataclass(frozen=True, slots=True)
class Spot:
    """An entrance or a checkout."""

    id: str
    point: Point
    type: str | None = None
    on_level: int = 0


@dataclass(frozen=True, slots=True)
class Poi:
    """A point of interest: a restroom, the service desk, a pharmacy counter (shown, not routed to)."""

    id: str
    point: Point
    category: str
    name: str | None = None
    names: Names = ()
    on_level: int = 0


@dataclass(frozen=True, slots=True)
class Level:
    """A storey of the store (plan format v2): its id, its ordinal (0 the ground floor, -1 the one
    below), its name for shoppers, and its x offset in the compile frame."""

    id: str
    ordinal: int
    name: str
    names: Names = ()
    dx: float = 0.0


@dataclass(frozen=True, slots=True)
class Landing:
    """Where a vertical connector (stairs, an escalator, a travelator, a lift, a ramp) is boarded
    or left on one level. The landings that share ``connector`` are one connector; ``direction``
    is the way it runs from lower to higher ordinals (``up``, ``down`` or ``both``)."""

    id: str
    point: Point
    connector: str
    type: str
    direction: str = "both"
    seconds: float | None = None
    trolley_safe: bool | None = None
    width_m: float | None = None
    name: str | None = None
    names: Names = ()
    on_level: int = 0


@dataclass
class FloorPlan:
    #: The sales floor: a Polygon (v1), or a MultiPolygon of each level's in ``levels`` order (v2).
    outline: BaseGeometry
    fixtures: list[Fixture] = field(default_factory=list)
    shelves: list[Shelf] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    entrances: list[Spot] = field(default_factory=list)
    checkouts: list[Spot] = field(default_factory=list)
    pois: list[Poi] = field(default_factory=list)
    georef: dict[str, float] | None = None
    #: What an import (IMDF, DXF) made of its source, for the upload's report; not part of the plan.
    imported: dict[str, Any] | None = None
    #: Plan format v2: the storeys, lowest ordinal first (empty: a v1 plan, one level).
    levels: list[Level] = field(default_factory=list)
    landings: list[Landing] = field(default_factory=list)
    frame: LevelFrame = field(default_factory=LevelFrame)

    @cached_property
    def walkable(self) -> BaseGeometry:
        """The sales floor minus everything a shopper cannot walk through."""
        if not self.fixtures:
            return self.outline
        return self.outline.difference(shapely.union_all([f.polygon for f in self.fixtures]))

    def level_outline(self, k: int) -> Polygon:
        """Level ``k``'s outline, in the compile frame."""
        return self.outline if not self.levels else list(self.outline.geoms)[k]

    def to_geojson(self) -> dict[str, Any]:
        """The plan as a canonical GeoJSON FeatureCollection: v1, or v2 when it has levels (each
        feature in its level's own frame, with its ``level_id``)."""
        doc: dict[str, Any] = {"type": "FeatureCollection"}
        if not self.levels:
            doc["features"] = self._features(v1_feature)
        else:
            doc["levels"] = [
                {"id": v.id, "ordinal": v.ordinal, "name": v.name} | ({"names": dict(v.names)} if v.names else {})
                for v in self.levels
            ]
            doc["features"] = [
                feature for k, level in enumerate(self.levels)
                for feature in self.on_level(k)._features(functools.partial(v1_feature, level_id=level.id))
            ]  # fmt: skip
        if self.georef is not None:
            doc["georef"] = dict(self.georef)
        return doc

    def level_index(self, level_id: str | None) -> int | None:
        """The index of level ``level_id`` (None given: the ground floor, ordinal 0, else the
        lowest); None for an unknown level, or any level of a plan without levels."""
        if not self.levels:
            return 0 if level_id is None else None
        ids = [v.id for v in self.levels]
        if level_id is None:
            return next((k for k, v in enumerate(self.levels) if v.ordinal == 0), 0)
        return ids.index(level_id) if level_id in ids else None

    def on_level(self, k: int) -> FloorPlan:
        """Level ``k`` alone, in its own frame, as a one-level plan (what its pictures draw)."""
        dx = self.levels[k].dx if self.levels else 0.0

        def here(geometry: Any) -> Any:
            return shifted(geometry, -dx)

        def mine(items: list[Any]) -> list[Any]:
            return [replace(i, **{g: here(getattr(i, g))}) for i in items if i.on_level == k
                    for g in ("polygon", "line", "point") if hasattr(i, g)]  # fmt: skip

        return FloorPlan(
            outline=here(self.level_outline(k)), fixtures=mine(self.fixtures), shelves=mine(self.shelves),
            zones=mine(self.zones), entrances=mine(self.entrances), checkouts=mine(self.checkouts),
            pois=mine(self.pois), georef=self.georef, landings=mine(self.landings),
        )  # fmt: skip

    def _features(self, feature: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
        features = [feature("outline", self.outline)]
        features += [
            feature("fixture", f.polygon, id=f.id, name=f.name, names=dict(f.names) or None) for f in self.fixtures
        ]
        features += [
            feature("shelf", s.line, id=s.id, aisle=s.aisle, label=s.label, department=s.department,
                    names=dict(s.names) or None)
            for s in self.shelves
        ]  # fmt: skip
        features += [
            feature("zone", z.polygon, id=z.id, department=z.department, temperature=z.temperature,
                    names=dict(z.names) or None)
            for z in self.zones
        ]  # fmt: skip
        features += [feature("entrance", e.point, id=e.id) for e in self.entrances]
        features += [feature("checkout", c.point, id=c.id, type=c.type) for c in self.checkouts]
        features += [
            feature("poi", p.point, id=p.id, category=p.category, name=p.name, names=dict(p.names) or None)
            for p in self.pois
        ]
        features += [
            feature("connector", c.point, id=c.id, connector=c.connector, type=c.type,
                    direction=None if c.direction == "both" else c.direction, seconds=c.seconds,
                    trolley_safe=c.trolley_safe, width_m=c.width_m, name=c.name, names=dict(c.names) or None)
            for c in self.landings
        ]  # fmt: skip
        return features


def v1_feature(kind: str, geometry: BaseGeometry, **props: Any) -> dict[str, Any]:
    """A v1 GeoJSON feature of ``kind``: the geometry as plain lists (it round-trips through JSON),
    the properties given, those set to None left out."""
    properties = {"kind": kind, **{k: v for k, v in props.items() if v is not None}}
    return {"type": "Feature", "geometry": _plain(shapely.geometry.mapping(geometry)), "properties": properties}


def _plain(value: Any) -> Any:
    """Tuples (from shapely's mapping) to lists, so the document round-trips through JSON."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
