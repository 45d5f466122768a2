"""A picture of a floor plan: outline, fixtures, zones by temperature, labelled shelves,
entrances and checkouts; optionally a route drawn on top."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from shapely.geometry import Polygon

from stores.floorplan.plan import FloorPlan

ZONE_FILL = {"ambient": "#fdf6e3", "chilled": "#d6ecfa", "frozen": "#a9cdf0"}


def _ring(coords: Sequence[tuple[float, ...]], height: float) -> str:
    return "M" + " L".join(f"{x:.2f},{height - y:.2f}" for x, y, *_ in coords) + " Z"


def _polygon_path(polygon: Polygon, height: float) -> str:
    rings = [polygon.exterior, *polygon.interiors]
    return " ".join(_ring(list(r.coords), height) for r in rings)


def render_svg(plan: FloorPlan, route: Sequence[tuple[float, float]] | None = None, title: str = "") -> str:
    """SVG text, 10 px per metre, north up."""
    minx, miny, maxx, maxy = plan.outline.bounds
    margin = 1.0
    width, height = maxx - minx + 2 * margin, maxy - miny + 2 * margin
    h = maxy + margin  # flip y: SVG grows downwards

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{minx - margin:.2f} {h - maxy - margin:.2f} '
        f'{width:.2f} {height:.2f}" width="{width * 10:.0f}" height="{height * 10:.0f}" '
        'font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<path d="{_polygon_path(plan.outline, h)}" fill="#ffffff" stroke="#333" stroke-width="0.25" '
        'fill-rule="evenodd"/>',
    ]
    for zone in plan.zones:
        fill = ZONE_FILL.get(zone.temperature, "#eeeeee")
        parts.append(
            f'<path d="{_polygon_path(zone.polygon, h)}" fill="{fill}" fill-opacity="0.7" stroke="none">'
            f"<title>{escape(zone.department)} ({zone.temperature})</title></path>"
        )
    for fixture in plan.fixtures:
        parts.append(
            f'<path d="{_polygon_path(fixture.polygon, h)}" fill="#b8b8b8" stroke="#666" stroke-width="0.05">'
            f"<title>{escape(fixture.name or fixture.id)}</title></path>"
        )
    for shelf in plan.shelves:
        coords = list(shelf.line.coords)
        d = "M" + " L".join(f"{x:.2f},{h - y:.2f}" for x, y, *_ in coords)
        parts.append(
            f'<path d="{d}" stroke="#8b5a2b" stroke-width="0.18" fill="none">'
            f"<title>{escape(shelf.label or shelf.id)}</title></path>"
        )
    labelled: set[str] = set()
    for shelf in plan.shelves:
        if shelf.aisle and shelf.aisle not in labelled:
            labelled.add(shelf.aisle)
            x, y = shelf.line.interpolate(0.5, normalized=True).coords[0]
            parts.append(
                f'<text x="{x:.2f}" y="{h - y:.2f}" font-size="0.9" fill="#5a3a1a">{escape(shelf.aisle)}</text>'
            )
    for spot in plan.entrances:
        x, y = spot.point.x, spot.point.y
        parts.append(
            f'<path d="M{x - 0.8:.2f},{h - y + 0.6:.2f} L{x + 0.8:.2f},{h - y + 0.6:.2f} L{x:.2f},{h - y - 0.8:.2f} Z" '
            f'fill="#2e8b57"><title>Entrance {escape(spot.id)}</title></path>'
        )
    for spot in plan.checkouts:
        x, y = spot.point.x, spot.point.y
        parts.append(
            f'<rect x="{x - 0.5:.2f}" y="{h - y - 0.5:.2f}" width="1" height="1" fill="#c0392b">'
            f"<title>Checkout {escape(spot.id)}</title></rect>"
        )
    if route:
        d = "M" + " L".join(f"{x:.2f},{h - y:.2f}" for x, y in route)
        parts.append(f'<path d="{d}" stroke="#e67e22" stroke-width="0.35" fill="none" stroke-linejoin="round"/>')
        for x, y in (route[0], route[-1]):
            parts.append(f'<circle cx="{x:.2f}" cy="{h - y:.2f}" r="0.5" fill="#e67e22"/>')
    parts.append("</svg>")
    return "\n".join(parts)
