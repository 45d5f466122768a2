"""A picture of a floor plan: outline, fixtures, zones by temperature, labelled shelves,
entrances and checkouts; optionally a route drawn on top.

Sizes follow the plan's extent, so a 300 m² shop and a 100,000 m² hypermarket both read: the
image is about 1,600 px on its long side (2 to 40 px a metre), and lines, labels and markers are
sized for a 60 m store and grow (or shrink, to 0.4 of it) with the plan; y is flipped (SVG grows
downwards): an SVG y is ``data-flip`` (on the root) minus the store's y. Every shelf, fixture,
zone, entrance and checkout is an element with an id (``shelf-<id>``, ``fixture-<id>``, …) and a
``class``, for a console to style, hover and click.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from stores.floorplan.plan import FloorPlan
from stores.infra.errors import Invalid, Problem

ZONE_FILL = {"ambient": "#fdf6e3", "chilled": "#d6ecfa", "frozen": "#a9cdf0"}


def _ring(coords: Sequence[tuple[float, ...]], height: float) -> str:
    return "M" + " L".join(f"{x:.2f},{height - y:.2f}" for x, y, *_ in coords) + " Z"


def _polygon_path(polygon: Polygon, height: float) -> str:
    rings = [polygon.exterior, *polygon.interiors]
    return " ".join(_ring(list(r.coords), height) for r in rings)


#: The store size the base sizes below are drawn for (metres across).
BASE_SPAN_M = 60.0
#: The long side of the image (pixels), and the bounds on its scale (pixels a metre).
IMAGE_PX = 1600.0
PX_PER_M = (2.0, 40.0)


def _id(kind: str, value: str) -> str:
    return escape(f"{kind}-{value}", {'"': "&quot;"})


def scale_of(span_m: float) -> float:
    """How much larger than for a BASE_SPAN_M store lines, labels and markers are drawn.

    >>> scale_of(60.0), scale_of(600.0), scale_of(5.0)
    (1.0, 10.0, 0.4)
    """
    return max(0.4, span_m / BASE_SPAN_M)


@dataclass(frozen=True, slots=True)
class _Canvas:
    """A picture's frame in metres: ``k``, how much larger than for a 60 m store things are drawn;
    ``h``, the SVG y of the store's y = 0 (SVG grows downwards); and its ``<svg>`` opening."""

    k: float
    h: float
    margin: float
    opening: str

    @classmethod
    def of(cls, minx: float, miny: float, maxx: float, maxy: float, margin_k: float) -> _Canvas:
        """About IMAGE_PX on the long side of the extent, ``margin_k`` times ``k`` metres around it."""
        k = scale_of(max(maxx - minx, maxy - miny))
        margin = margin_k * k
        width, height = maxx - minx + 2 * margin, maxy - miny + 2 * margin
        px = min(max(IMAGE_PX / max(width, height), PX_PER_M[0]), PX_PER_M[1])
        h = maxy + margin
        opening = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{minx - margin:.2f} {h - maxy - margin:.2f} '
                   f'{width:.2f} {height:.2f}" width="{width * px:.0f}" height="{height * px:.0f}" '
                   f'font-family="sans-serif" data-flip="{h:.2f}">')  # fmt: skip
        return cls(k, h, margin, opening)


def render_svg(
    plan: FloorPlan,
    route: Sequence[tuple[float, float]] | None = None,
    title: str = "",
    stops: Sequence[tuple[float, float, str]] = (),
    unrouted: Sequence[str] = (),
    numbers: Sequence[int] | None = None,
    runs: Sequence[Sequence[tuple[float, float]]] = (),
) -> str:
    """SVG text in metres, north up, sized from the plan's extent (one level: see
    ``FloorPlan.on_level``). With a route (a polyline, or its ``runs`` on this level): its
    item ``stops`` (x, y, what is picked there) numbered in walking order (``numbers``: their
    numbers, when only some are on this level), and the items it could not route (``unrouted``)
    listed in the top-left corner."""
    minx, miny, maxx, maxy = plan.outline.bounds
    canvas = _Canvas.of(minx, miny, maxx, maxy, margin_k=1.0)
    k, h, margin = canvas.k, canvas.h, canvas.margin

    parts = [
        canvas.opening,
        f"<title>{escape(title)}</title>",
        f'<path id="outline" d="{_polygon_path(plan.outline, h)}" fill="#ffffff" stroke="#333" '
        f'stroke-width="{0.25 * k:.3g}" fill-rule="evenodd"/>',
    ]
    for zone in plan.zones:
        fill = ZONE_FILL.get(zone.temperature, "#eeeeee")
        parts.append(
            f'<path id="{_id("zone", zone.id)}" class="zone" d="{_polygon_path(zone.polygon, h)}" fill="{fill}" '
            f'fill-opacity="0.7" stroke="none"><title>{escape(zone.department)} ({zone.temperature})</title></path>'
        )
    for fixture in plan.fixtures:
        parts.append(
            f'<path id="{_id("fixture", fixture.id)}" class="fixture" d="{_polygon_path(fixture.polygon, h)}" '
            f'fill="#b8b8b8" stroke="#666" stroke-width="{0.05 * k:.3g}">'
            f"<title>{escape(fixture.name or fixture.id)}</title></path>"
        )
    for shelf in plan.shelves:
        coords = list(shelf.line.coords)
        d = "M" + " L".join(f"{x:.2f},{h - y:.2f}" for x, y, *_ in coords)
        parts.append(
            f'<path id="{_id("shelf", shelf.id)}" class="shelf" d="{d}" stroke="#8b5a2b" '
            f'stroke-width="{0.18 * k:.3g}" fill="none"><title>{escape(shelf.label or shelf.id)}</title></path>'
        )
    labelled: set[str] = set()
    for shelf in plan.shelves:
        if shelf.aisle and shelf.aisle not in labelled:
            labelled.add(shelf.aisle)
            x, y = shelf.line.interpolate(0.5, normalized=True).coords[0]
            parts.append(
                f'<text class="aisle" x="{x:.2f}" y="{h - y:.2f}" font-size="{0.9 * k:.3g}" fill="#5a3a1a">'
                f"{escape(shelf.aisle)}</text>"
            )
    for spot in plan.entrances:
        x, y = spot.point.x, spot.point.y
        a, b = 0.8 * k, 0.6 * k
        parts.append(
            f'<path id="{_id("entrance", spot.id)}" class="entrance" d="M{x - a:.2f},{h - y + b:.2f} '
            f'L{x + a:.2f},{h - y + b:.2f} L{x:.2f},{h - y - a:.2f} Z" fill="#2e8b57">'
            f"<title>Entrance {escape(spot.id)}</title></path>"
        )
    for spot in plan.checkouts:
        x, y = spot.point.x, spot.point.y
        parts.append(
            f'<rect id="{_id("checkout", spot.id)}" class="checkout" x="{x - 0.5 * k:.2f}" y="{h - y - 0.5 * k:.2f}" '
            f'width="{k:.3g}" height="{k:.3g}" fill="#c0392b"><title>Checkout {escape(spot.id)}</title></rect>'
        )
    for poi in plan.pois:
        x, y = poi.point.x, poi.point.y
        category = escape(poi.category, {'"': "&quot;"})
        parts.append(
            f'<circle id="{_id("poi", poi.id)}" class="poi {category}" cx="{x:.2f}" cy="{h - y:.2f}" '
            f'r="{0.45 * k:.3g}" fill="#6c3483"><title>{escape(poi.name or poi.category)}</title></circle>'
        )
    for landing in plan.landings:
        x, y = landing.point.x, landing.point.y
        kind = escape(landing.type, {'"': "&quot;"})
        parts.append(
            f'<rect id="{_id("connector", landing.id)}" class="connector {kind}" x="{x - 0.6 * k:.2f}" '
            f'y="{h - y - 0.6 * k:.2f}" width="{1.2 * k:.3g}" height="{1.2 * k:.3g}" rx="{0.2 * k:.3g}" '
            f'fill="#1f618d"><title>{escape(landing.name or landing.type)} ({escape(landing.connector)})</title></rect>'
        )
    runs = list(runs) or ([route] if route else [])
    for i, run in enumerate(runs):
        d = "M" + " L".join(f"{x:.2f},{h - y:.2f}" for x, y in run)
        parts.append(
            f'<path id="{"route" if i == 0 else f"route-{i + 1}"}" class="route" d="{d}" stroke="#e67e22" '
            f'stroke-width="{0.35 * k:.3g}" fill="none" stroke-linejoin="round"/>'
        )
        for x, y in (run[0], run[-1]):
            parts.append(f'<circle cx="{x:.2f}" cy="{h - y:.2f}" r="{0.5 * k:.3g}" fill="#e67e22"/>')
    for number, (x, y, what) in zip(numbers or range(1, len(stops) + 1), stops, strict=True):
        parts.append(
            f'<g id="stop-{number}" class="stop"><circle cx="{x:.2f}" cy="{h - y:.2f}" r="{0.7 * k:.3g}" '
            f'fill="#ffffff" stroke="#e67e22" stroke-width="{0.15 * k:.3g}"/><text x="{x:.2f}" y="{h - y:.2f}" '
            f'font-size="{0.8 * k:.3g}" text-anchor="middle" dominant-baseline="central" fill="#a04000">{number}'
            f"</text><title>{number}. {escape(what)}</title></g>"
        )
    if unrouted:
        lines = ["Not routed:", *unrouted[:20], *([f"… and {len(unrouted) - 20} more"] if len(unrouted) > 20 else [])]
        x0, y0, size = minx - margin / 2, h - maxy - margin / 2, 0.8 * k
        parts.append(f'<g id="unrouted" class="unrouted" font-size="{size:.3g}" fill="#c0392b">')
        parts += [
            f'<text x="{x0:.2f}" y="{y0 + (i + 1) * size * 1.25:.2f}">{escape(t)}</text>' for i, t in enumerate(lines)
        ]
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def level_shown(plan: FloorPlan, level_id: str | None) -> int:
    """The index of the level a picture of ``plan`` shows (None: the ground floor); 422 for a
    level it does not have."""
    k = plan.level_index(level_id)
    if k is None:
        message = (f"this plan's levels are {', '.join(v.id for v in plan.levels)}" if plan.levels
                   else "this plan has one level: leave level_id out")  # fmt: skip
        raise Invalid("Unknown level.", [Problem("invalid_level", message, pointer="level_id")])
    return k


#: Feature kinds as drawn in a problem picture: fill, stroke.
_PROBLEM_STYLE = {"outline": ("#ffffff", "#333"), "fixture": ("#b8b8b8", "#666"), "zone": ("none", "#9ab"),
                  "shelf": ("none", "#8b5a2b")}  # fmt: skip


def render_problems(document: Any, problems: Sequence[Problem], level_id: str | None = None) -> str:
    """A plan that failed validation, drawn as it was sent, with its problems on it: every
    readable feature (of one level: ``level_id``, else the first problem's), the features named
    by a problem highlighted (class ``bad``), the offending point of an invalid geometry marked
    (class ``offending``), each problem's message beside its feature; problems of no feature
    listed in the top-left corner."""
    raw = document.get("features") if isinstance(document, dict) else None
    features: list[dict[str, Any]] = [f for f in raw if isinstance(f, dict)] if isinstance(raw, list) else []

    def props_of(feature: dict[str, Any]) -> dict[str, Any]:
        props = feature.get("properties")
        return props if isinstance(props, dict) else {}

    by_id: dict[str, dict[str, Any]] = {}
    for feature in features:
        if props_of(feature).get("id") is not None:
            by_id.setdefault(str(props_of(feature)["id"]), feature)
    if level_id is None:
        for problem in problems:
            named = by_id.get(problem.feature_id or "")
            if named is not None and props_of(named).get("level_id"):
                level_id = str(props_of(named)["level_id"])
                break
    drawn: list[tuple[dict[str, Any], BaseGeometry]] = []
    for feature in features:
        props = props_of(feature)
        if level_id is not None and props.get("level_id") not in (None, level_id):
            continue
        try:
            geometry = shape(feature.get("geometry"))
        except Exception:  # anything unreadable is left out of the picture
            continue
        if not geometry.is_empty and np.isfinite(shapely.get_coordinates(geometry)).all():
            drawn.append((props, geometry))
    if not drawn:
        minx, miny, maxx, maxy = 0.0, 0.0, 10.0, 10.0
    else:
        minx, miny, maxx, maxy = shapely.total_bounds([g for _, g in drawn])
    canvas = _Canvas.of(minx, miny, maxx, maxy, margin_k=2.0)
    k, h, margin = canvas.k, canvas.h, canvas.margin
    bad = {p.feature_id: p for p in problems if p.feature_id}
    parts = [canvas.opening, f"<title>{len(problems)} problem(s)</title>"]
    notes: list[tuple[Problem, BaseGeometry]] = []
    for props, geometry in drawn:
        kind, fid = str(props.get("kind", "")), str(props.get("id", ""))
        fill, stroke = _PROBLEM_STYLE.get(kind, ("#2e8b57", "#2e8b57"))
        found = bad.get(fid)
        cls = f"{escape(kind, {chr(34): '&quot;'})}" + (" bad" if found else "")
        ident = f' id="{_id(kind, fid)}"' if fid else ""
        if found:
            fill, stroke = ("#f5b7b1" if fill != "none" else "none"), "#c0392b"
        width_ = (0.35 if found else 0.1) * k
        if isinstance(geometry, Polygon):
            d = _polygon_path(geometry, h)
            parts.append(f'<path{ident} class="{cls}" d="{d}" fill="{fill}" stroke="{stroke}" '
                         f'stroke-width="{width_:.3g}" fill-rule="evenodd"/>')  # fmt: skip
        elif geometry.geom_type == "LineString":
            d = "M" + " L".join(f"{x:.2f},{h - y:.2f}" for x, y, *_ in geometry.coords)
            parts.append(f'<path{ident} class="{cls}" d="{d}" fill="none" stroke="{stroke}" '
                         f'stroke-width="{max(width_, 0.18 * k):.3g}"/>')  # fmt: skip
        elif geometry.geom_type == "Point":
            parts.append(f'<circle{ident} class="{cls}" cx="{geometry.x:.2f}" cy="{h - geometry.y:.2f}" '
                         f'r="{0.5 * k:.3g}" fill="{stroke}"/>')  # fmt: skip
        if found:
            notes.append((found, geometry))
    for problem, geometry in notes:
        at = _offending_point(geometry) or geometry.representative_point()
        x, y = at.x, at.y
        parts.append(f'<circle class="offending" cx="{x:.2f}" cy="{h - y:.2f}" r="{0.6 * k:.3g}" fill="none" '
                     f'stroke="#c0392b" stroke-width="{0.2 * k:.3g}"/>')  # fmt: skip
        parts.append(f'<text class="message" data-feature="{_id("", problem.feature_id or "")[1:]}" '
                     f'x="{x + 0.8 * k:.2f}" y="{h - y:.2f}" font-size="{0.8 * k:.3g}" fill="#c0392b">'
                     f"{escape(problem.message)}</text>")  # fmt: skip
    loose = [p for p in problems if not p.feature_id or p.feature_id not in {n.feature_id for n, _ in notes}]
    size = 0.8 * k
    for i, problem in enumerate(loose[:20]):
        where = f"{problem.feature_id or problem.pointer or ''}: " if (problem.feature_id or problem.pointer) else ""
        parts.append(f'<text class="message loose" x="{minx - margin / 2:.2f}" '
                     f'y="{h - maxy - margin / 2 + (i + 1) * size * 1.3:.2f}" font-size="{size:.3g}" '
                     f'fill="#c0392b">{escape(where + problem.message)}</text>')  # fmt: skip
    parts.append("</svg>")
    return "\n".join(parts)


def _offending_point(geometry: BaseGeometry) -> Point | None:
    """Where an invalid geometry goes wrong, as GEOS says ("Self-intersection[3 4]")."""
    reason = shapely.is_valid_reason(geometry)
    found = re.search(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)", reason or "")
    return Point(float(found.group(1)), float(found.group(2))) if found else None
