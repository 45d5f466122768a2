"""The plan's picture reads from a corner shop to a hypermarket, and names its elements."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from stores.floorplan.parse import parse_plan
from stores.floorplan.svg import render_svg
from stores.floorplan.synthetic import synthetic_store

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("area_m2", [300, 4_000, 15_000, 40_000])
def test_sizes_follow_the_extent_of_the_plan(area_m2: float) -> None:
    plan = parse_plan(synthetic_store(area_m2, seed=3))
    minx, miny, maxx, maxy = plan.outline.bounds
    span = max(maxx - minx, maxy - miny)
    route = [(minx + 2, miny + 2), (maxx - 2, maxy - 2)]
    root = ET.fromstring(render_svg(plan, route=route, title="t"))
    width, height = float(root.attrib["width"]), float(root.attrib["height"])
    assert 600 <= max(width, height) <= 1_700  # readable on a screen, whatever the store
    px_per_m = max(width, height) / span
    line = float(root.find(f"{SVG}path[@id='route']").attrib["stroke-width"])  # type: ignore[union-attr]
    label = float(root.find(f"{SVG}text").attrib["font-size"])  # type: ignore[union-attr]
    assert line * px_per_m >= 3 and label * px_per_m >= 10  # the route and the aisle labels show
    assert line <= span / 50  # and do not swamp a small plan


def test_every_feature_is_an_element_with_an_id() -> None:
    document = synthetic_store(1_000, seed=1)
    document["features"].append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [3.0, 3.0]},
                                 "properties": {"kind": "poi", "id": "wc", "category": "restroom"}})  # fmt: skip
    plan = parse_plan(document)
    root = ET.fromstring(render_svg(plan))
    ids = {element.attrib.get("id") for element in root.iter()}
    expected = (
        {f"shelf-{s.id}" for s in plan.shelves}
        | {f"fixture-{f.id}" for f in plan.fixtures}
        | {f"zone-{z.id}" for z in plan.zones}
        | {f"entrance-{e.id}" for e in plan.entrances}
        | {f"checkout-{c.id}" for c in plan.checkouts}
        | {"poi-wc"}
    )
    assert expected <= ids
    assert {e.attrib["class"] for e in root.iter() if "class" in e.attrib} >= {"shelf", "fixture", "zone"}
