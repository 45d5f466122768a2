"""Stores on several levels: the compile frame, vertical connectors, and who may use which.

**The compile frame.** A plan's levels are laid side by side along x, each moved right by its
``dx`` (a level's width plus :data:`LEVEL_GAP_M` from the next), so that one planar geometry holds
every level and nothing on one level can see, touch or snap to another. Validation, the
visibility graph, stand points and closures all run on that frame unchanged; a connector (a
lift, stairs) is the only way between levels, as an edge of the navigation graph. Coordinates
leave the system in each level's own frame with the level's id (:class:`LevelFrame`). A v1 plan
has no levels: its frame is the identity.

**Mobility.** ``walking`` may use every connector; ``trolley`` no stairs, escalators only where the
plan marks them ``trolley_safe``, travelators, ramps and lifts; ``step_free`` (a wheelchair, a
pram) lifts and ramps only. Each keeps its own clearance from fixtures (half the width it needs):
0.30 m walking (a shopper), 0.45 m trolley (a 0.6 m trolley and the hands beside it), 0.60 m
step-free (a 0.7 m wheelchair and room to turn the hands), so a narrow aisle that a shopper can
squeeze through is not offered to a wheelchair. A connector whose ``width_m`` is narrower than a
mobility needs (0.6 m trolley, 0.8 m step-free, the ADA/EN 81-70 door width) is not used by it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely.affinity
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from stores.floorplan.plan import Landing, Level

#: Room between two levels in the compile frame (metres): far beyond any snap or reach distance.
LEVEL_GAP_M = 100.0
#: A plan has at most this many levels.
MAX_LEVELS = 20

CONNECTOR_TYPES = ("stairs", "escalator", "travelator", "lift", "ramp")
DIRECTIONS = ("up", "down", "both")
#: What one level change costs by default (seconds): the wait and the ride of a lift, the climb of
#: one storey of stairs, the ride of an escalator or an inclined travelator, a ramp's walk.
DEFAULT_SECONDS = {"stairs": 20.0, "escalator": 30.0, "travelator": 40.0, "lift": 60.0, "ramp": 40.0}
#: A second spent on a connector counts as this many metres of walking when routes are compared
#: (the walking speed the ETA assumes by default): a lift is taken when it saves the time it costs.
METRES_PER_SECOND = 1.0
MAX_CONNECTOR_SECONDS = 600.0


def shifted(geometry: BaseGeometry, dx: float) -> BaseGeometry:
    """``geometry`` moved ``dx`` metres along x: onto its level's place in the compile frame, or
    (``-dx``) back into the level's own frame."""
    return shapely.affinity.translate(geometry, xoff=dx) if dx else geometry


@dataclass(frozen=True, slots=True)
class Mobility:
    name: str
    clearance_m: float
    #: A connector narrower than this (when the plan gives its width) is not used.
    min_width_m: float


MOBILITIES: dict[str, Mobility] = {
    "walking": Mobility("walking", 0.30, 0.0),
    "trolley": Mobility("trolley", 0.45, 0.6),
    "step_free": Mobility("step_free", 0.60, 0.8),
}
WALKING = "walking"


def default_trolley_safe(kind: str) -> bool:
    """Whether a trolley may use a connector of this type unless the plan says otherwise."""
    return kind in ("travelator", "lift", "ramp")


def allows(mobility: Mobility, landing: Landing) -> bool:
    """Whether ``mobility`` may use the connector ``landing`` belongs to."""
    if landing.width_m is not None and landing.width_m < mobility.min_width_m:
        return False
    if mobility.name == "trolley":
        return landing.type != "stairs" and (
            landing.trolley_safe if landing.trolley_safe is not None else default_trolley_safe(landing.type)
        )
    if mobility.name == "step_free":
        return landing.type in ("lift", "ramp")
    return True


@dataclass(frozen=True, slots=True)
class Link:
    """One way along a connector: from one landing to the next one up or down (indices into the
    plan's landings), what it costs, and the connector."""

    origin: int
    target: int
    seconds: float
    connector: str


def connector_links(landings: Sequence[Landing], levels: Sequence[Level]) -> list[Link]:
    """Every way a connector may be taken: between landings on consecutive levels it serves, up
    and down (``both``), only up or only down; a lift going past a level stops there too."""
    by_connector: dict[str, list[int]] = {}
    for i, landing in enumerate(landings):
        by_connector.setdefault(landing.connector, []).append(i)
    links: list[Link] = []
    for connector, members in by_connector.items():
        members.sort(key=lambda i: levels[landings[i].on_level].ordinal)
        for lower, upper in itertools.pairwise(members):
            first = landings[lower]
            seconds = first.seconds if first.seconds is not None else DEFAULT_SECONDS[first.type]
            if first.direction in ("up", "both"):
                links.append(Link(lower, upper, seconds, connector))
            if first.direction in ("down", "both"):
                links.append(Link(upper, lower, seconds, connector))
    return links


@dataclass(frozen=True, slots=True)
class LevelFrame:
    """Where each level sits in the compile frame: level ``k`` covers x from
    ``x0 + k * stride - LEVEL_GAP_M / 2`` to the next level's start, moved by ``k * stride``."""

    ids: tuple[str, ...] = ()
    x0: float = 0.0
    stride: float = 0.0

    @property
    def levelled(self) -> bool:
        return bool(self.ids)

    def dx(self, k: int) -> float:
        return k * self.stride

    def level_of(self, x: NDArray[np.float64] | float) -> NDArray[np.int64]:
        """The level index of compile-frame x values."""
        xs = np.asarray(x, dtype=float)
        if not self.ids:
            return np.zeros(xs.shape, dtype=np.int64)
        k = np.floor((xs - self.x0 + LEVEL_GAP_M / 2) / self.stride).astype(np.int64)
        return np.clip(k, 0, len(self.ids) - 1)

    def level_id(self, x: float) -> str | None:
        return self.ids[int(self.level_of(x))] if self.ids else None

    def to_level(self, x: float, y: float) -> tuple[float, float, str | None]:
        """A compile-frame point in its level's own frame, and the level's id (None: no levels)."""
        if not self.ids:
            return x, y, None
        k = int(self.level_of(x))
        return x - self.dx(k), y, self.ids[k]

    def to_frame(self, x: float, y: float, level_id: str | None) -> tuple[float, float] | None:
        """A point on level ``level_id`` in the compile frame (None: no such level)."""
        if not self.ids:
            return (x, y) if level_id is None else None
        if level_id not in self.ids:
            return None
        return x + self.dx(self.ids.index(level_id)), y

    def as_json(self) -> dict[str, object]:
        return {"ids": list(self.ids), "x0": self.x0, "stride": self.stride}

    @classmethod
    def from_json(cls, value: dict[str, Any] | None) -> LevelFrame:
        if not value:
            return cls()
        return cls(tuple(value["ids"]), float(value["x0"]), float(value["stride"]))
