"""Store locator geometry: geodesic distances and index-friendly search boxes.

Distances are geodesics on the WGS84 ellipsoid (Karney's algorithm, via pyproj). The database
prefilters with bounding boxes on the spatial index; boxes are computed conservatively so no
store within the radius is ever missed, including across the antimeridian and over the poles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import Geod

WGS84 = Geod(ellps="WGS84")

#: Smallest meridional radius of curvature of WGS84 (at the equator), a(1 - e^2): a geodesic of
#: length d never spans more than d / this radians of latitude.
_MIN_CURVATURE_RADIUS_M = 6_335_439.0
#: Longest possible geodesic (half the meridian, pole to pole): a radius this large is the world.
HALF_MERIDIAN_M = 20_003_931.5
#: 1% slack on box extents, so float rounding in an R-tree (float32 in SQLite) never drops a point.
_BOX_MARGIN = 1.01


@dataclass(frozen=True, slots=True)
class Box:
    """A lon/lat rectangle with ``min_lon <= max_lon`` (never crossing the antimeridian)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


def geodesic_distances_m(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Geodesic distance in metres from (lat, lon) to each (lats[i], lons[i]) on WGS84.

    >>> round(float(geodesic_distances_m(0, 0, np.array([0.0]), np.array([1.0]))[0]))
    111319
    """
    if len(lats) == 0:
        return np.zeros(0)
    n = len(lats)
    _, _, dist = WGS84.inv(np.full(n, lon), np.full(n, lat), lons, lats)
    return np.asarray(dist, dtype=float)


def search_boxes(lat: float, lon: float, radius_m: float) -> list[Box]:
    """Boxes that together cover every point within ``radius_m`` of (lat, lon).

    One box normally; two when the circle crosses the antimeridian; a full band of longitudes
    when it reaches a pole.
    """
    if radius_m >= HALF_MERIDIAN_M:
        return [Box(-180.0, -90.0, 180.0, 90.0)]
    delta = radius_m / _MIN_CURVATURE_RADIUS_M * _BOX_MARGIN  # angular radius, radians
    dlat = math.degrees(delta)
    min_lat, max_lat = lat - dlat, lat + dlat
    if max_lat >= 90.0 or min_lat <= -90.0:
        return [Box(-180.0, max(min_lat, -90.0), 180.0, min(max_lat, 90.0))]
    # On a sphere the circle's widest longitude is asin(sin(delta) / cos(lat)).
    ratio = math.sin(min(delta, math.pi / 2)) / math.cos(math.radians(lat))
    if ratio >= 1.0:
        return [Box(-180.0, min_lat, 180.0, max_lat)]
    dlon = math.degrees(math.asin(ratio)) * _BOX_MARGIN
    if dlon >= 180.0:
        return [Box(-180.0, min_lat, 180.0, max_lat)]
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        return [Box(west + 360.0, min_lat, 180.0, max_lat), Box(-180.0, min_lat, east, max_lat)]
    if east > 180.0:
        return [Box(west, min_lat, 180.0, max_lat), Box(-180.0, min_lat, east - 360.0, max_lat)]
    return [Box(west, min_lat, east, max_lat)]
