"""The in-memory floor plan: what a v1 GeoJSON document (or an IMDF archive) describes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

TEMPERATURES = ("ambient", "chilled", "frozen")


#: A label in several languages: (language tag, text) pairs, as given.
Names = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Fixture:
    id: str
    polygon: Polygon
    name: str | None = None
    names: Names = ()


@dataclass(frozen=True, slots=True)
class Shelf:
    id: str
    line: LineString
    aisle: str | None = None
    label: str | None = None
    department: str | None = None
    names: Names = ()  # the label in other languages


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    polygon: Polygon
    department: str
    temperature: str = "ambient"
    names: Names = ()


@dataclass(frozen=True, slots=True)
class Spot:
    """An entrance or a checkout."""

    id: str
    point: Point
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Poi:
    """A point of interest: a restroom, the service desk, a pharmacy counter (shown, not routed to)."""

    id: str
    point: Point
    category: str
    name: str | None = None
    names: Names = ()


@dataclass
class FloorPlan:
    outline: Polygon
    fixtures: list[Fixture] = field(default_factory=list)
    shelves: list[Shelf] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    entrances: list[Spot] = field(default_factory=list)
    checkouts: list[Spot] = field(default_factory=list)
    pois: list[Poi] = field(default_factory=list)
    georef: dict[str, float] | None = None
    #: What an import (IMDF, DXF) made of its source, for the upload's report; not part of the plan.
    imported: dict[str, Any] | None = None

    @cached_property
    def walkable(self) -> BaseGeometry:
        """The sales floor minus everything a shopper cannot walk through."""
        if not self.fixtures:
            return self.outline
        return self.outline.difference(shapely.union_all([f.polygon for f in self.fixtures]))

    def to_geojson(self) -> dict[str, Any]:
        """The plan as a canonical v1 GeoJSON FeatureCollection."""

        feature = v1_feature
        features = [feature("outline", self.outline)]
        features += [
            feature("fixture", f.polygon, id=f.id, name=f.name, names=dict(f.names) or None) for f in self.fixtures
        ]
        features += [
            feature(
                "shelf",
                s.line,
                id=s.id,
                aisle=s.aisle,
                label=s.label,
                department=s.department,
                names=dict(s.names) or None,
            )
            for s in self.shelves
        ]
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
        doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
        if self.georef is not None:
            doc["georef"] = dict(self.georef)
        return doc


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
