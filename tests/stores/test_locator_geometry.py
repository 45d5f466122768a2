"""The locator's geometry: geodesic distances and search boxes that never miss a store."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stores.locator import HALF_MERIDIAN_M, WGS84, geodesic_distances_m, search_boxes


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def test_known_distance_paris_to_new_york() -> None:
    # Published WGS84 geodesic CDG-JFK area reference: Paris (48.8566, 2.3522) to New York
    # (40.7128, -74.0060) is 5,837 km (spherical great circle ~5,837 km as well).
    d = geodesic_distances_m(48.8566, 2.3522, np.array([40.7128]), np.array([-74.0060]))[0]
    assert 5_820_000 < d < 5_860_000


def test_distance_is_symmetric_across_antimeridian() -> None:
    d = geodesic_distances_m(0.0, 179.9, np.array([0.0]), np.array([-179.9]))[0]
    assert 22_000 < d < 23_000  # 0.2 degrees of equator, not 359.8


lats = st.floats(min_value=-90, max_value=90, allow_nan=False)
lons = st.floats(min_value=-180, max_value=180, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(lats, lons, lats, lons)
def test_geodesic_agrees_with_mean_sphere_within_its_known_error(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    d = float(geodesic_distances_m(lat1, lon1, np.array([lat2]), np.array([lon2]))[0])
    h = haversine_m(lat1, lon1, lat2, lon2)
    # A sphere of mean radius is off by up to ~0.56% (north-south near the equator); the
    # ellipsoidal geodesic we use is exact, so this only guards against gross mistakes.
    assert abs(d - h) <= 0.006 * max(h, 1.0) + 0.01


def _in_some_box(lat: float, lon: float, boxes: list) -> bool:  # type: ignore[type-arg]
    return any(b.min_lat <= lat <= b.max_lat and b.min_lon <= lon <= b.max_lon for b in boxes)


@settings(max_examples=500, deadline=None)
@given(
    lats,
    lons,
    st.floats(min_value=1.0, max_value=HALF_MERIDIAN_M),
    st.floats(min_value=0, max_value=360),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_every_point_within_the_radius_is_in_a_box(
    lat: float, lon: float, radius: float, azimuth: float, fraction: float
) -> None:
    # Walk a geodesic from the centre for up to the radius; where we land must be covered.
    lon2, lat2, _ = WGS84.fwd(lon, lat, azimuth, radius * fraction)
    boxes = search_boxes(lat, lon, radius)
    assert all(b.min_lon <= b.max_lon and b.min_lat <= b.max_lat for b in boxes)
    assert _in_some_box(lat2, lon2, boxes), (lat2, lon2, boxes)


def test_boxes_split_at_the_antimeridian_and_open_at_the_poles() -> None:
    assert len(search_boxes(10.0, 179.99, 50_000)) == 2
    polar = search_boxes(89.9, 0.0, 50_000)
    assert len(polar) == 1 and polar[0].min_lon == -180.0 and polar[0].max_lon == 180.0
    small = search_boxes(45.0, 7.0, 1_000)
    assert len(small) == 1 and small[0].max_lon - small[0].min_lon < 0.05
