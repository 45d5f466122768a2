"""What the importers (IMDF, DXF) share: the manager's mapping file, the faces of a gondola, a
department's temperature. (Their features are made by ``stores.floorplan.plan.v1_feature``.)"""

from __future__ import annotations

import shapely
from shapely.geometry import LineString, Polygon

#: The manager's mapping, optional, beside the drawing or manifest.json in the archive.
MAPPING_FILE = "aislepath.json"


def temperature_of(department: str) -> str:
    lowered = department.lower()
    if "frozen" in lowered:
        return "frozen"
    if "chill" in lowered or "dairy" in lowered or "refriger" in lowered:
        return "chilled"
    return "ambient"


def long_faces(polygon: Polygon) -> list[tuple[str, LineString]]:
    """The two long sides of the fixture's minimum rotated rectangle (the faces shoppers pick from)."""
    rect = shapely.minimum_rotated_rectangle(polygon)
    coords = list(rect.exterior.coords)[:4]
    edges = [LineString([coords[i], coords[(i + 1) % 4]]) for i in range(4)]
    long_edges = sorted(range(4), key=lambda i: -edges[i].length)[:2]
    return [(side, edges[i]) for side, i in zip("ab", sorted(long_edges), strict=True) if edges[i].length >= 0.5]
