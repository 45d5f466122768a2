"""Closures: a shelf or an area that shoppers cannot use right now.

Opening or lifting a closure bumps ``stores.closures_version`` in the same transaction; each
worker derives a route table that avoids the active closures (``routing.closures``) once per
change and caches it by (store, floor plan version, active closure ids), so every route avoids
the closure at once and nothing is recompiled.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from routing.closures import close_areas
from routing.table import CornerTable
from stores.floorplan.artifact import NavArtifact
from stores.floorplan.levels import WALKING, shifted
from stores.infra.db import transaction
from stores.infra.errors import Invalid, NotFound, Problem
from stores.infra.versioned import VersionedCache
from stores.models import Closure, Store, as_utc

MAX_CLOSURE_AREA_M2 = 20_000.0
MAX_ACTIVE = 200


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def _is_active(closure: Closure, now: datetime) -> bool:
    until = _aware(closure.until)
    return until is None or until > now


def _check(
    artifact: NavArtifact,
    shelf: str | None,
    polygon: Any,
    until: datetime | None,
    connector: str | None = None,
    level_id: str | None = None,
) -> None:
    problems: list[Problem] = []
    if shelf is None and polygon is None and connector is None:
        problems.append(Problem("required", "give a shelf, a polygon or a connector", pointer=""))
    if shelf is not None and shelf not in artifact.shelves:
        problems.append(Problem("unknown_shelf", f"the live floor plan has no shelf {shelf!r}", pointer="/shelf"))
    if connector is not None and connector not in artifact.connectors:
        problems.append(Problem("unknown_connector", f"the live floor plan has no connector {connector!r}",
                                pointer="/connector"))  # fmt: skip
    if level_id is not None and polygon is None:
        problems.append(Problem("invalid_level", "level_id says where a polygon lies: give one", pointer="/level_id"))
    elif polygon is not None and artifact.frame.levelled and level_id not in artifact.frame.ids:
        problems.append(Problem("invalid_level", f"this store has levels: level_id must be one of "
                                f"{', '.join(artifact.frame.ids)}", pointer="/level_id"))  # fmt: skip
    elif polygon is not None and not artifact.frame.levelled and level_id is not None:
        problems.append(Problem("invalid_level", "this store has one level: leave level_id out", pointer="/level_id"))
    elif polygon is not None:
        try:
            if not isinstance(polygon, dict) or polygon.get("type") != "Polygon":
                raise ValueError("a closure polygon must be a GeoJSON Polygon")
            geometry = shape(polygon)
            coordinates = shapely.get_coordinates(geometry)
            if not np.isfinite(coordinates).all() or np.abs(coordinates).max() > 5000:
                raise ValueError("coordinates must be finite store-frame metres")
            if not geometry.is_valid or geometry.area <= 0:
                raise ValueError(f"invalid polygon: {shapely.is_valid_reason(geometry)}")
            if geometry.area > MAX_CLOSURE_AREA_M2:
                raise ValueError(f"at most {MAX_CLOSURE_AREA_M2:g} m²")
            if not artifact.nav.intersects(_in_frame(artifact, polygon, level_id)):
                raise ValueError("the polygon does not touch the walkable space")
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
            problems.append(Problem("invalid_polygon", str(exc), pointer="/polygon"))
    if until is not None and _aware(until) <= datetime.now(UTC):  # type: ignore[operator]
        problems.append(Problem("in_the_past", "until must be in the future", pointer="/until"))
    if problems:
        raise Invalid("The closure is invalid.", problems)


def _in_frame(artifact: NavArtifact, polygon: dict[str, Any], level_id: str | None) -> BaseGeometry:
    """A closure's polygon in the compile frame (its level moved into place)."""
    geometry = shape(polygon)
    if level_id is None or not artifact.frame.levelled:
        return geometry
    return shifted(geometry, artifact.frame.dx(artifact.frame.ids.index(level_id)))


async def open_closure(
    session: AsyncSession,
    store_id: str,
    artifact: NavArtifact,
    shelf: str | None = None,
    polygon: dict[str, Any] | None = None,
    until: datetime | None = None,
    connector: str | None = None,
    level_id: str | None = None,
) -> Closure:
    _check(artifact, shelf, polygon, until, connector, level_id)
    active = await active_closures(session, store_id)
    if len(active) >= MAX_ACTIVE:
        raise Invalid("Too many closures.", [Problem("too_many", f"at most {MAX_ACTIVE} active closures", pointer="")])
    closure = Closure(id=secrets.token_hex(8), store_id=store_id, shelf=shelf, polygon=polygon, until=_aware(until),
                      connector=connector, level_id=level_id)  # fmt: skip
    session.add(closure)
    await session.execute(update(Store).where(Store.id == store_id).values(closures_version=Store.closures_version + 1))
    await session.commit()
    return closure


async def lift_closure(session: AsyncSession, store_id: str, closure_id: str) -> None:
    async with transaction(session):
        result = await session.execute(delete(Closure).where(Closure.store_id == store_id, Closure.id == closure_id))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound(f"Store {store_id!r} has no closure {closure_id!r}.")
        await session.execute(
            update(Store).where(Store.id == store_id).values(closures_version=Store.closures_version + 1)
        )


async def active_closures(session: AsyncSession, store_id: str) -> list[Closure]:
    now = datetime.now(UTC)
    rows = (await session.scalars(select(Closure).where(Closure.store_id == store_id).order_by(Closure.id))).all()
    return [c for c in rows if _is_active(c, now)]


@dataclass(frozen=True)
class RouteTable:
    """The table routes use: the compiled one, or one derived to avoid the active closures."""

    table: CornerTable
    closed_points: np.ndarray  # bool per point of the table: unusable stand point
    closed_shelves: frozenset[str]
    closure_ids: tuple[str, ...]


def open_table(artifact: NavArtifact, mobility: str = WALKING) -> RouteTable:
    """The compiled table of ``mobility`` with nothing closed (a draft's preview routes)."""
    table = artifact.tables[mobility].table
    return RouteTable(table, np.zeros(len(table.points), dtype=bool), frozenset(), ())


class RouteTables:
    """Per-worker route tables: per store, the active closures of its closures version, and the
    table for (floor plan version, active closure ids)."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], max_entries: int = 64, max_bytes: int | None = None
    ) -> None:
        self._sessions = sessions
        self._closures: VersionedCache[str, list[Closure]] = VersionedCache(max_entries, settle=False, name="closures")
        # A table derived for closures holds its own corner tables; the compiled one is shared
        # with the artifact (counted there).
        self._tables: VersionedCache[str, RouteTable] = VersionedCache(
            max_entries,
            max_bytes=max_bytes,
            weigh=lambda t: t.table.array_bytes if t.closure_ids else 0,
            name="route_tables",
        )

    async def get(self, artifact: NavArtifact, closures_version: int, mobility: str = WALKING) -> RouteTable:
        store_id = artifact.store_id

        async def read_closures(_: list[Closure] | None) -> list[Closure]:
            async with self._sessions() as session:
                return await active_closures(session, store_id)

        closures = await self._closures.get(store_id, closures_version, read_closures)
        now = datetime.now(UTC)
        active = [c for c in closures if _is_active(c, now)]
        ids = tuple(c.id for c in active)

        async def derive(_: RouteTable | None) -> RouteTable:
            return await _route_table(artifact, active, ids, mobility)

        return await self._tables.get(f"{store_id}\x00{mobility}", (artifact.version, ids), derive)


async def _route_table(
    artifact: NavArtifact, active: list[Closure], ids: tuple[str, ...], mobility: str = WALKING
) -> RouteTable:
    areas = [_in_frame(artifact, c.polygon, c.level_id) for c in active if c.polygon]
    mine = artifact.tables[mobility]
    closed = {artifact.connector_ids.index(c.connector) for c in active if c.connector in artifact.connectors}
    rides = None
    if closed or (areas and len(mine.rides)):
        keep = ~np.isin(mine.ride_connector, sorted(closed))
        rides = (mine.rides[keep], mine.ride_lengths[keep])
    table, closed_points = await asyncio.to_thread(
        close_areas, mine.table, mine.edges, mine.edge_lengths, areas, *(rides or (None, None))
    )
    closed_shelves = frozenset(c.shelf for c in active if c.shelf)
    closed_points = closed_points.copy()  # never write into the table's own mask
    for shelf_id in closed_shelves:
        info = artifact.shelves.get(shelf_id)
        if info is not None:
            start = int(artifact.shelf_slot_start[info.index])
            closed_points[start : start + int(artifact.shelf_slot_count[info.index])] = True
    return RouteTable(table, closed_points, closed_shelves, ids)
