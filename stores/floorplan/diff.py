"""What a new floor plan changes against the live one: shelves, entrances and checkouts added,
removed or moved. Pure: the live plan is its canonical v1 document."""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from stores.floorplan.plan import FloorPlan

#: A feature that keeps its id but lies farther than this from where it was has moved.
MOVED_M = 0.5

_KINDS = {"shelf": "shelves", "entrance": "entrances", "checkout": "checkouts"}


def _features(plan: FloorPlan) -> dict[str, dict[str, BaseGeometry]]:
    return {
        "shelf": {s.id: s.line for s in plan.shelves},
        "entrance": {e.id: e.point for e in plan.entrances},
        "checkout": {c.id: c.point for c in plan.checkouts},
    }


def _document_features(document: dict[str, Any]) -> dict[str, dict[str, BaseGeometry]]:
    out: dict[str, dict[str, BaseGeometry]] = {kind: {} for kind in _KINDS}
    for feature in document.get("features", []):
        props = feature.get("properties") or {}
        if props.get("kind") in out:
            out[props["kind"]][str(props.get("id"))] = shape(feature["geometry"])
    return out


def plan_diff(plan: FloorPlan, live: dict[str, Any] | None) -> dict[str, Any]:
    """``{"shelves" | "entrances" | "checkouts": {"added", "removed", "moved"}}`` (sorted ids)
    of ``plan`` against the ``live`` document (everything added when there is none).

    A feature has moved when its new geometry is more than MOVED_M from the old one anywhere
    (Hausdorff distance): a shelf re-drawn 10 cm off is the same shelf; one that went to another
    aisle keeps its placements but sends shoppers elsewhere.
    """
    new = _features(plan)
    old = _document_features(live) if live is not None else {kind: {} for kind in _KINDS}
    out: dict[str, Any] = {}
    for kind, name in _KINDS.items():
        both = new[kind].keys() & old[kind].keys()
        out[name] = {
            "added": sorted(new[kind].keys() - old[kind].keys()),
            "removed": sorted(old[kind].keys() - new[kind].keys()),
            "moved": sorted(i for i in both if new[kind][i].hausdorff_distance(old[kind][i]) > MOVED_M),
        }
    return out
