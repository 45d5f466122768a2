"""Directions: a route told as steps a shopper can read or hear, in their language.

The path is cut where it turns. Each piece is a ``walk`` step ("turn left and walk 12 m along
aisle 4") that carries its part of the path; between them come the stops ("Olive Oil is on your
right: Aisle 4 left 2, shelf 3"), so the steps' paths, joined, are the route's path and their
lengths add up to its length.

How a path is read:

- **Turns.** A path bends at the corners of the walkable space; going round the end of a
  gondola takes two or three bends a few decimetres apart. Consecutive pieces whose heading is
  within 25° of the run's main heading (that of its longest piece), and pieces shorter than a
  metre, belong to one walk; a walk shorter than a metre joins its neighbour. The turn between
  two walks is the change of main heading: under 20° straight on, under 50° slight, under 135°
  a turn, under 170° sharp, beyond that a U-turn.
- **Aisles.** A walk of 2 m or more is *along* an aisle when shelf faces of that aisle run within
  20° of its direction, at most 2 m to either side of it, beside at least 40% of its length
  (the aisle beside the longest stretch wins). A turn within a metre of the end of the aisle the
  shopper walked along is "at the end of aisle 4".
- **Sides.** A product is on the left or right of the direction the shopper arrived in (the last
  piece of the walk at least 0.3 m long: the step into place), or ahead or behind when it lies
  within 30° of straight ahead or behind.

The words are templates per language (:data:`PHRASES`); a language without templates gets English.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Annotated, Literal

import msgspec
import numpy as np

from catalog.languages import preferred
from routing.kernels import along_aisles
from stores.floorplan.artifact import NavArtifact

Turn = Literal["straight", "slight_left", "left", "sharp_left", "uturn", "sharp_right", "right", "slight_right"]
Side = Literal["left", "right", "ahead", "behind"]
Action = Literal["start", "walk", "pick", "end", "connector"]

#: Pieces shorter than this (metres) never make a walk of their own.
SHORT_M = 1.0
#: A piece within this many degrees of its walk's main heading continues that walk.
KEEP_DEG = 25.0
#: A walk this long (metres) or longer may be along an aisle.
AISLE_MIN_M = 2.0
AISLE_ANGLE_DEG = 20.0
AISLE_REACH_M = 2.0
AISLE_SHARE = 0.4
#: A turn this close (metres) to the end of the aisle just walked is at its end.
AISLE_END_M = 1.0
#: The side of a product is judged from the last piece of the walk at least this long (metres):
#: the step into place, not the metres before it.
ARRIVAL_M = 0.3
#: Within this many degrees of straight ahead (or behind) a product is ahead (behind), not beside.
SIDE_DEG = 30.0


def _doc(description: str) -> msgspec.Meta:
    return msgspec.Meta(description=description)


class Direction(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One step of the directions: a walk (with the turn that begins it), or a stop on the way (the
    start, a product to pick, the end). The walks' paths, joined, are the route's path."""

    action: Annotated[Action, _doc("`start`, `walk`, `pick` (a product of the list) or `end`.")]
    text: Annotated[str, _doc("The step in words, in the answer's language (`language`).")]
    distance_m: Annotated[float, _doc("The walk's length, metres (0 for a stop).")]
    path: Annotated[list[list[float]], _doc("This step's part of the path as [x, y] points (a stop: its point).")]
    stop: Annotated[int | msgspec.UnsetType, _doc("The stop it is at: its index in `stops` (stops).")] = msgspec.UNSET
    turn: Annotated[Turn | msgspec.UnsetType, _doc("How to turn before walking (walks after the first).")] = (
        msgspec.UNSET
    )
    aisle: Annotated[str | msgspec.UnsetType, _doc("The aisle walked along (walks), when there is one.")] = (
        msgspec.UNSET
    )
    side: Annotated[Side | msgspec.UnsetType, _doc("Which hand the product is on (picks), when clear.")] = msgspec.UNSET
    connector: Annotated[
        str | msgspec.UnsetType, _doc("The connector taken to another level (`connector` steps): its id in the plan.")
    ] = msgspec.UNSET
    level_id: Annotated[
        str | msgspec.UnsetType,
        _doc("The level the step is on (a `connector` step: the level it arrives at); stores with levels only."),
    ] = msgspec.UNSET


@dataclass(frozen=True, slots=True)
class Phrases:
    """The words of one language. ``{m}`` is a whole number of metres."""

    walk: str
    walk_aisle: str
    turns: dict[Turn, str]
    then: str  # {turn}, {walk}
    aisle_end: str  # {aisle}, {rest}
    start_entrance: str
    start_here: str
    end: str
    pick_side: str  # {name}, {side}, {place}
    sides: dict[Side, str]
    pick_at: str  # {name}, {place}
    pick_zone: str  # {name}, {department}
    shelf_level: str  # {label}, {level}
    ride: str  # {connector}, {way}, {level}
    connectors: dict[str, str]  # per connector type: how the sentence names it
    ways: dict[str, str]  # up, down


PHRASES: dict[str, Phrases] = {
    "en": Phrases(
        walk="walk {m} m", walk_aisle="walk {m} m along aisle {aisle}",
        turns={"straight": "go straight on", "slight_left": "bear left", "left": "turn left",
               "sharp_left": "turn sharp left", "uturn": "turn around", "sharp_right": "turn sharp right",
               "right": "turn right", "slight_right": "bear right"},
        then="{turn} and {walk}", aisle_end="at the end of aisle {aisle}, {rest}",
        start_entrance="start at entrance {id}", start_here="start where you stand", end="finish at checkout {id}",
        pick_side="{name} is {side}: {place}",
        sides={"left": "on your left", "right": "on your right", "ahead": "in front of you", "behind": "behind you"},
        pick_at="{name}: {place}", pick_zone="{name}: in the {department} department",
        shelf_level="{label}, shelf {level}",
        ride="take the {connector} {way} to {level}",
        connectors={"lift": "lift", "stairs": "stairs", "escalator": "escalator", "travelator": "travelator",
                    "ramp": "ramp"},
        ways={"up": "up", "down": "down"},
    ),
    "de": Phrases(
        walk="{m} m gehen", walk_aisle="{m} m durch Gang {aisle} gehen",
        turns={"straight": "geradeaus", "slight_left": "halb links", "left": "links abbiegen",
               "sharp_left": "scharf links abbiegen", "uturn": "umkehren", "sharp_right": "scharf rechts abbiegen",
               "right": "rechts abbiegen", "slight_right": "halb rechts"},
        then="{turn} und {walk}", aisle_end="am Ende von Gang {aisle} {rest}",
        start_entrance="Start am Eingang {id}", start_here="Start an Ihrem Standort", end="Ziel: Kasse {id}",
        pick_side="{name} finden Sie {side}: {place}",
        sides={"left": "links", "right": "rechts", "ahead": "vor sich", "behind": "hinter sich"},
        pick_at="{name}: {place}", pick_zone="{name}: in der Abteilung {department}",
        shelf_level="{label}, Regalboden {level}",
        ride="{way} mit {connector}: {level}",
        connectors={"lift": "dem Aufzug", "stairs": "der Treppe", "escalator": "der Rolltreppe",
                    "travelator": "dem Rollsteig", "ramp": "der Rampe"},
        ways={"up": "nach oben", "down": "nach unten"},
    ),
    "fr": Phrases(
        walk="marchez {m} m", walk_aisle="marchez {m} m dans l'allée {aisle}",
        turns={"straight": "continuez tout droit", "slight_left": "serrez à gauche", "left": "tournez à gauche",
               "sharp_left": "tournez franchement à gauche", "uturn": "faites demi-tour",
               "sharp_right": "tournez franchement à droite", "right": "tournez à droite",
               "slight_right": "serrez à droite"},
        then="{turn} et {walk}", aisle_end="au bout de l'allée {aisle}, {rest}",
        start_entrance="départ à l'entrée {id}", start_here="départ de votre position", end="arrivée à la caisse {id}",
        pick_side="{name} est {side} : {place}",
        sides={"left": "à votre gauche", "right": "à votre droite", "ahead": "devant vous", "behind": "derrière vous"},
        pick_at="{name} : {place}", pick_zone="{name} : au rayon {department}",
        shelf_level="{label}, étagère {level}",
        ride="prenez {connector} pour {way} : {level}",
        connectors={"lift": "l'ascenseur", "stairs": "l'escalier", "escalator": "l'escalier mécanique",
                    "travelator": "le tapis roulant", "ramp": "la rampe"},
        ways={"up": "monter", "down": "descendre"},
    ),
    "es": Phrases(
        walk="camine {m} m", walk_aisle="camine {m} m por el pasillo {aisle}",
        turns={"straight": "siga recto", "slight_left": "manténgase a la izquierda", "left": "gire a la izquierda",
               "sharp_left": "gire bruscamente a la izquierda", "uturn": "dé la vuelta",
               "sharp_right": "gire bruscamente a la derecha", "right": "gire a la derecha",
               "slight_right": "manténgase a la derecha"},
        then="{turn} y {walk}", aisle_end="al final del pasillo {aisle}, {rest}",
        start_entrance="salida desde la entrada {id}", start_here="salida desde donde está",
        end="llegada a la caja {id}",
        pick_side="{name} está {side}: {place}",
        sides={"left": "a su izquierda", "right": "a su derecha", "ahead": "delante de usted",
               "behind": "detrás de usted"},
        pick_at="{name}: {place}", pick_zone="{name}: en la sección {department}",
        shelf_level="{label}, estante {level}",
        ride="tome {connector} para {way}: {level}",
        connectors={"lift": "el ascensor", "stairs": "la escalera", "escalator": "la escalera mecánica",
                    "travelator": "la cinta transportadora", "ramp": "la rampa"},
        ways={"up": "subir", "down": "bajar"},
    ),
    "nl": Phrases(
        walk="loop {m} m", walk_aisle="loop {m} m door gangpad {aisle}",
        turns={"straight": "ga rechtdoor", "slight_left": "houd links aan", "left": "sla linksaf",
               "sharp_left": "sla scherp linksaf", "uturn": "keer om", "sharp_right": "sla scherp rechtsaf",
               "right": "sla rechtsaf", "slight_right": "houd rechts aan"},
        then="{turn} en {walk}", aisle_end="aan het eind van gangpad {aisle}: {rest}",
        start_entrance="start bij ingang {id}", start_here="start waar u staat", end="eindig bij kassa {id}",
        pick_side="{name} staat {side}: {place}",
        sides={"left": "aan uw linkerhand", "right": "aan uw rechterhand", "ahead": "voor u", "behind": "achter u"},
        pick_at="{name}: {place}", pick_zone="{name}: op de afdeling {department}",
        shelf_level="{label}, plank {level}",
        ride="neem {connector} naar {way}: {level}",
        connectors={"lift": "de lift", "stairs": "de trap", "escalator": "de roltrap", "travelator": "de rolpad",
                    "ramp": "de hellingbaan"},
        ways={"up": "boven", "down": "beneden"},
    ),
}  # fmt: skip

DEFAULT_LANGUAGE = "en"


def directions_language(accept_language: str | None) -> str:
    """The language directions are given in: the one ``Accept-Language`` prefers among those with
    templates (``de-AT`` gets German), else English."""
    return preferred(accept_language, PHRASES) or DEFAULT_LANGUAGE


@dataclass
class _Walk:
    """Consecutive pieces of a leg that read as one walk."""

    points: list[list[float]]
    length: float
    heading: float  # degrees, of its longest piece (0 east, 90 north)
    longest: float = 0.0

    def add(self, point: list[float], length: float, heading: float) -> None:
        self.points.append(point)
        self.length += length
        if length > self.longest:
            self.longest, self.heading = length, heading

    def absorb(self, later: _Walk) -> None:
        for point, (a, b) in zip(later.points[1:], itertools.pairwise(later.points), strict=True):
            self.add(point, math.dist(a, b), _heading(a, b))


def _heading(a: list[float], b: list[float]) -> float:
    return math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))


def _change(new: float, old: float) -> float:
    """``new - old`` in degrees, in (-180, 180]; positive is anticlockwise: to the left."""
    delta = (new - old) % 360.0
    return delta - 360.0 if delta > 180.0 else delta


def _walks(points: list[list[float]]) -> list[_Walk]:
    """A leg's polyline as walks (see the module's docstring)."""
    walks: list[_Walk] = []
    for a, b in itertools.pairwise(points):
        length = math.dist(a, b)
        if length < 1e-9:
            continue
        heading = _heading(a, b)
        if walks and (length < SHORT_M or abs(_change(heading, walks[-1].heading)) <= KEEP_DEG):
            walks[-1].add(b, length, heading)
        else:
            walks.append(_Walk([a, b], length, heading, length))
    merged: list[_Walk] = []
    for walk in walks:
        if merged and walk.length < SHORT_M:
            merged[-1].absorb(walk)
        elif merged and merged[-1].length < SHORT_M:
            short = merged.pop()
            short.absorb(walk)
            merged.append(short)
        else:
            merged.append(walk)
    return merged


def _turn(delta: float) -> Turn:
    size = abs(delta)
    if size < 20.0:
        return "straight"
    if size >= 170.0:
        return "uturn"
    side = "left" if delta > 0 else "right"
    if size < 50.0:
        return f"slight_{side}"  # type: ignore[return-value]
    return side if size < 135.0 else f"sharp_{side}"  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class _Aisles:
    """The store's aisle shelf faces as arrays (``NavArtifact.aisle_segments``)."""

    starts: np.ndarray
    ends: np.ndarray
    which: np.ndarray
    names: list[str]
    unit: np.ndarray  # (m, 2) each face's direction
    offset: np.ndarray  # (m,) its line's offset: unit turned left . any point of it

    def read(self, walks: list[_Walk]) -> tuple[list[int | None], list[bool]]:
        """For every walk at once: the aisle it runs along (an index into ``names``, or None), and
        whether it ends within :data:`AISLE_END_M` of that aisle's far end (or past it); the
        compiled loop over walks and faces is ``routing.kernels.along_aisles``."""
        if not walks:
            return [], []
        p = np.array([w.points[0] for w in walks], dtype=np.float64)
        q = np.array([w.points[-1] for w in walks], dtype=np.float64)
        aisle, at_end = along_aisles(
            p, q, self.starts, self.ends, self.unit, self.offset, self.which, len(self.names),
            math.cos(math.radians(AISLE_ANGLE_DEG)), AISLE_REACH_M, AISLE_SHARE, AISLE_MIN_M, AISLE_END_M,
        )  # fmt: skip
        return [a if a >= 0 else None for a in aisle.tolist()], at_end.tolist()


@dataclass
class StopWords:
    """What a stop's step says: for items the product's name and place, already in the language."""

    kind: str
    id: str | None = None
    name: str | None = None
    label: str | None = None
    level: int | None = None
    approximate: bool = False
    stand: tuple[float, float] = (0.0, 0.0)
    place: tuple[float, float] | None = None  # where on the shelf the product is


@dataclass
class _Telling:
    words: Phrases
    aisles: _Aisles
    steps: list[Direction] = field(default_factory=list)
    heading: float | None = None
    arrival: float | None = None  # the heading of the last step into place
    last_aisle: int | None = None  # the aisle the last walk ran along
    at_end: bool = False  # whether it ended at that aisle's end

    def walk(self, walk: _Walk, aisle: int | None, at_end: bool) -> None:
        """A walk step; ``aisle`` is the aisle it runs along, ``at_end`` whether it ends at that
        aisle's end (where the next turn is)."""
        measure = {"m": max(1, round(walk.length))}
        text = (self.words.walk_aisle.format(aisle=self.aisles.names[aisle], **measure) if aisle is not None
                else self.words.walk.format(**measure))  # fmt: skip
        turn: Turn | msgspec.UnsetType = msgspec.UNSET
        if self.heading is not None:
            turn = _turn(_change(walk.heading, self.heading))
            text = self.words.then.format(turn=self.words.turns[turn], walk=text)
            if turn in ("left", "right", "sharp_left", "sharp_right") and self.last_aisle is not None and self.at_end:
                text = self.words.aisle_end.format(aisle=self.aisles.names[self.last_aisle], rest=text)
        self.steps.append(Direction(
            action="walk", text=_sentence(text), distance_m=round(walk.length, 2), path=walk.points, turn=turn,
            aisle=self.aisles.names[aisle] if aisle is not None else msgspec.UNSET,
        ))  # fmt: skip
        self.heading, self.last_aisle, self.at_end = walk.heading, aisle, at_end
        points = walk.points
        self.arrival = next((_heading(points[i - 1], points[i]) for i in range(len(points) - 1, 0, -1)
                             if math.dist(points[i - 1], points[i]) >= ARRIVAL_M), walk.heading)  # fmt: skip

    def ride(self, artifact: NavArtifact, storeys: Storeys, a: list[float], b: list[float]) -> None:
        """A ``connector`` step from ``a`` (the last point on one level) to ``b`` (the first on the next)."""
        connector, kind, here, there = storeys.ride(artifact, a, b)
        way = "up" if storeys.ordinals[there] > storeys.ordinals[here] else "down"
        words = self.words
        text = words.ride.format(connector=words.connectors[kind], way=words.ways[way], level=storeys.names[there])
        self.steps.append(Direction(action="connector", text=_sentence(text), distance_m=0.0, path=[a, b],
                                    connector=connector))  # fmt: skip
        self.heading = None  # a new level: the next walk begins without a turn

    def stop(self, index: int, stop: StopWords) -> None:
        point = [round(stop.stand[0], 2), round(stop.stand[1], 2)]
        words = self.words
        side: Side | msgspec.UnsetType = msgspec.UNSET
        if stop.kind == "start":
            text = words.start_entrance.format(id=stop.id) if stop.id else words.start_here
            action: Action = "start"
        elif stop.kind == "end":
            text, action = words.end.format(id=stop.id), "end"
        else:
            action = "pick"
            place = stop.label or ""
            if stop.level is not None and not stop.approximate:
                place = words.shelf_level.format(label=place, level=stop.level)
            side = self._side(stop)
            if stop.approximate:
                text = words.pick_zone.format(name=stop.name, department=stop.label)
            elif isinstance(side, str):
                text = words.pick_side.format(name=stop.name, side=words.sides[side], place=place)
            else:
                text = words.pick_at.format(name=stop.name, place=place)
        self.steps.append(Direction(action=action, text=_sentence(text), distance_m=0.0, path=[point], stop=index,
                                    side=side))  # fmt: skip

    def _side(self, stop: StopWords) -> Side | msgspec.UnsetType:
        if self.arrival is None or stop.place is None or stop.approximate:
            return msgspec.UNSET
        wx, wy = stop.place[0] - stop.stand[0], stop.place[1] - stop.stand[1]
        if math.hypot(wx, wy) < 1e-6:
            return msgspec.UNSET
        off = _change(math.degrees(math.atan2(wy, wx)), self.arrival)  # > 0: to the left
        if abs(off) <= SIDE_DEG:
            return "ahead"
        if abs(off) >= 180.0 - SIDE_DEG:
            return "behind"
        return "left" if off > 0 else "right"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class Storeys:
    """How directions name a store's levels and connectors (stores with levels): each level's
    name in the answer's language, by index, and the artifact's frame and connectors."""

    names: list[str]
    ordinals: list[int]

    def ride(self, artifact: NavArtifact, a: list[float], b: list[float]) -> tuple[str, str, int, int]:
        """The connector that takes a walk from ``a`` (on one level) to ``b`` (on another): its id
        and type, and the two levels' indices."""
        frame = artifact.frame
        here, there = int(frame.level_of(a[0])), int(frame.level_of(b[0]))
        best, gap = None, math.inf
        for connector in artifact.connectors.values():
            ends = {k: (x, y) for k, x, y in connector.landings}
            if here in ends and there in ends:
                d = math.dist(ends[here], a) + math.dist(ends[there], b)
                if d < gap:
                    best, gap = connector, d
        assert best is not None, "a walk changes level only by a connector"
        return best.id, best.type, here, there


def _by_level(leg: list[list[float]], artifact: NavArtifact) -> list[list[list[float]]]:
    """A leg's polyline cut where it changes level: the pieces, each on one level (a ride joins
    the last point of one piece to the first of the next)."""
    if not artifact.frame.levelled or len(leg) < 2:
        return [leg]
    levels = artifact.frame.level_of(np.asarray([p[0] for p in leg]))
    pieces, start = [], 0
    for i in np.flatnonzero(levels[1:] != levels[:-1]):
        pieces.append(leg[start : i + 1])
        start = int(i) + 1
    pieces.append(leg[start:])
    return pieces


def tell(
    artifact: NavArtifact,
    stops: list[StopWords],
    legs: list[list[list[float]]],
    language: str,
    storeys: Storeys | None = None,
) -> list[Direction]:
    """The directions of a walk through ``stops`` (start, items, end) along ``legs`` (the polyline
    from each stop to the next), in ``language`` (a key of :data:`PHRASES`). In a store with
    levels, a leg that changes level has a ``connector`` step where it does ("take the lift up to
    Level 1"), between the walks on each level."""
    telling = _Telling(PHRASES[language], _Aisles(*artifact.aisle_segments))
    per_leg = [[(piece, _walks(piece)) for piece in _by_level(leg, artifact)] for leg in legs]
    aisles, at_end = telling.aisles.read([walk for pieces in per_leg for _, walks in pieces for walk in walks])
    read = iter(zip(aisles, at_end, strict=True))
    telling.stop(0, stops[0])
    for k, pieces in enumerate(per_leg):
        for i, (piece, walks) in enumerate(pieces):
            if i:
                assert storeys is not None, "a store with levels is told with its storeys"
                telling.ride(artifact, storeys, pieces[i - 1][0][-1], piece[0])
            for walk in walks:
                telling.walk(walk, *next(read))
        telling.stop(k + 1, stops[k + 1])
    return telling.steps
