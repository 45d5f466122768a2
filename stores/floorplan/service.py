"""Floor plan versions: upload (parse, validate, compile, store, activate), roll back, read.

An upload is all or nothing: parsing and compiling happen before the transaction; the new
version row and the store's pointer to it are written in one commit. Concurrent uploads to one
store each get their own version number (a unique constraint plus retry).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from stores.floorplan.artifact import (
    NavArtifact,
    dump_artifact,
    is_current,
    load_artifact,
    read_header,
)
from stores.floorplan.build import build, build_upload, upload_format
from stores.floorplan.compile import Compiled
from stores.floorplan.diff import plan_diff
from stores.floorplan.plan import FloorPlan
from stores.floorplan.worker import CompilePool
from stores.infra.db import transaction
from stores.infra.errors import Conflict, NotFound, Problem
from stores.infra.versioned import VersionedCache
from stores.models import FloorplanVersion, Store, utcnow
from stores.service import get_store

_UPLOAD_ATTEMPTS = 8
log = logging.getLogger("aislepath.floorplans")


class NoFloorPlan(Conflict):
    """The store has no live floor plan yet (409)."""


@dataclass(frozen=True, slots=True)
class Uploaded:
    version: int
    report: dict[str, Any]
    live: bool = True


def _report(plan: FloorPlan, compiled: Compiled, seconds: float, previous_shelves: set[str]) -> dict[str, Any]:
    shelves = {s.id for s in plan.shelves}
    return {
        "features": {
            "fixtures": len(plan.fixtures),
            "shelves": len(plan.shelves),
            "zones": len(plan.zones),
            "entrances": len(plan.entrances),
            "checkouts": len(plan.checkouts),
            **({"connectors": len(plan.landings)} if plan.landings else {}),
        },
        "floor_area_m2": round(plan.outline.area, 1),
        "walkable_area_m2": round(plan.walkable.area, 1),
        "navigation": {
            "corners": len(compiled.corners),
            "edges": len(compiled.edges),
            "stand_points": int(compiled.shelf_slot_count.sum()),
        },
        "compile_ms": round(seconds * 1000, 1),
        "dropped_shelves": sorted(previous_shelves - shelves),
        "added_shelves": sorted(shelves - previous_shelves) if previous_shelves else [],
        **({"import": plan.imported} if plan.imported is not None else {}),
        **({"levels": _levels_report(plan, compiled)} if plan.levels else {}),
    }


def _levels_report(plan: FloorPlan, compiled: Compiled) -> list[dict[str, Any]]:
    """Per level: its features, its connectors, and the mobilities that cannot reach it."""
    report = []
    for k, level in enumerate(plan.levels):
        connectors = sorted({c.connector for c in plan.landings if c.on_level == k})
        report.append({
            "id": level.id, "ordinal": level.ordinal, "name": level.name,
            "shelves": sum(1 for s in plan.shelves if s.on_level == k),
            "entrances": sum(1 for e in plan.entrances if e.on_level == k),
            "checkouts": sum(1 for c in plan.checkouts if c.on_level == k),
            "connectors": connectors,
            "unreachable_by": [m for m, levels in compiled.unreachable_levels.items() if level.id in levels],
        })  # fmt: skip
    return report


async def _document(session: AsyncSession, store_id: str, version: int | None) -> dict[str, Any] | None:
    """The canonical v1 document of a version (None for none)."""
    if version is None:
        return None
    document: dict[str, Any] = orjson.loads((await plan_source(session, store_id, version))[1])
    return document


def _shelf_ids(document: dict[str, Any] | None) -> set[str]:
    if document is None:
        return set()
    return {str(f["properties"]["id"]) for f in document["features"] if f["properties"].get("kind") == "shelf"}


#: Drafts a store keeps (the newest); older drafts that were never published are purged.
KEEP_DRAFTS = 10


class DropsPlacements(Conflict):
    """Publishing would drop placed products (their shelves are gone) and was not confirmed."""


async def _check_drops(
    session: AsyncSession,
    store_id: str,
    dropped_shelves: list[str],
    dropped_placements: DroppedPlacements | None,
    version: int | None,
) -> list[dict[str, Any]]:
    """The placements publishing would drop; DropsPlacements when there are any and ``version``
    (the version to publish, None when only counting) was not confirmed."""
    if dropped_placements is None or not dropped_shelves:
        return []
    dropped = await dropped_placements(session, store_id, dropped_shelves)
    if dropped and version is not None:
        what = f"version {version}" if version else "this plan"
        message = (f"publishing {what} drops {len(dropped)} placed product(s) on {len(dropped_shelves)} shelf/shelves "
                   "it no longer has; send confirm_drops=true to publish anyway")  # fmt: skip
        raise DropsPlacements(
            "Publishing would drop placed products.",
            [Problem("drops_placements", message, pointer="/confirm_drops",
                     extra={"placements": len(dropped), "shelves": sorted(dropped_shelves)[:100]})],
        )  # fmt: skip
    return dropped


#: Given (session, store id, dropped shelf ids), the placements on them; supplied by the catalog,
#: which ``stores`` must not import.
DroppedPlacements = Callable[[AsyncSession, str, list[str]], Awaitable[list[dict[str, Any]]]]
#: Called inside the transaction that makes a plan live: (session, store id, old artifact or
#: None, new artifact). The catalog records there which products moved.
PlanSwitched = Callable[[AsyncSession, str, NavArtifact | None, NavArtifact], Awaitable[None]]


async def _load(session: AsyncSession, store_id: str, version: int | None) -> NavArtifact | None:
    """A version's artifact, loaded from the database (None if there is no such version)."""
    if version is None:
        return None
    data = await session.scalar(
        select(FloorplanVersion.artifact).where(
            FloorplanVersion.store_id == store_id, FloorplanVersion.version == version
        )
    )
    if data is None:
        return None
    if not is_current(bytes(data)):
        data = await recompile(session, store_id, version)
    # In a thread: a big store's artifact takes tens of milliseconds to load (walkable space,
    # its grid), which would pause every request of this worker. The geometries it makes are
    # new, so no prepared geometry is shared across threads (libgeos/geos#825).
    return await asyncio.to_thread(load_artifact, bytes(data), store_id, version)


async def _load_existing(session: AsyncSession, store_id: str, version: int) -> NavArtifact:
    artifact = await _load(session, store_id, version)
    if artifact is None:
        raise NotFound(f"Store {store_id!r} has no floor plan version {version}.")
    return artifact


def _rebuild(source: bytes, store_id: str, version: int) -> bytes:
    plan, compiled, _ = build(orjson.loads(source))
    return dump_artifact(store_id, version, plan, compiled)


async def recompile(session: AsyncSession, store_id: str, version: int) -> bytes:
    """Compile a stored version again from its source (the canonical v1 GeoJSON it was built
    from) and store the new artifact: an artifact of an older format is never a 500, and the
    next worker loads the stored one. Written in a transaction of its own, so the caller's
    session is left as it was; workers that race write the same bytes."""
    _, source = await plan_source(session, store_id, version)
    artifact = await asyncio.to_thread(_rebuild, bytes(source), store_id, version)
    async with AsyncSession(session.bind, expire_on_commit=False) as writer, writer.begin():
        await writer.execute(
            update(FloorplanVersion)
            .where(FloorplanVersion.store_id == store_id, FloorplanVersion.version == version)
            .values(artifact=artifact, artifact_sha256=read_header(artifact)["sha256"])
        )
    log.info("recompiled %s v%d: its artifact was of another format", store_id, version)
    return artifact


async def recompile_outdated(session: AsyncSession) -> list[tuple[str, int]]:
    """Recompile every stored version whose artifact is of another format; returns which."""
    query = select(FloorplanVersion.store_id, FloorplanVersion.version, FloorplanVersion.artifact)
    done = []
    for store_id, version, data in (await session.execute(query)).all():
        if not is_current(bytes(data)):
            await recompile(session, store_id, version)
            done.append((store_id, version))
    return done


async def upload_plan(
    session: AsyncSession,
    store_id: str,
    body: bytes,
    content_type: str,
    created_by: str | None = None,
    dropped_placements: DroppedPlacements | None = None,
    switched: PlanSwitched | None = None,
    compiler: CompilePool | None = None,
    publish: bool = True,
    confirm_drops: bool = False,
) -> Uploaded:
    """Validate, compile and store a new floor plan version: live at once (``publish``), or a
    draft with its diff against the live plan. Publishing a plan that drops placed products needs
    ``confirm_drops``; without it nothing is stored (DropsPlacements)."""
    store = await get_store(session, store_id)
    source_format = upload_format(body, content_type)
    if compiler is not None:
        plan, compiled, seconds = await compiler.build(body, source_format)
    else:
        plan, compiled, seconds = await asyncio.to_thread(build_upload, body, source_format)
    if plan.imported is not None:  # a zip is IMDF or a DXF drawing: the importer knows which
        source_format = str(plan.imported.get("format", source_format))
    live = await _document(session, store_id, store.floorplan_version)
    report = _report(plan, compiled, seconds, _shelf_ids(live))
    report["diff"] = await asyncio.to_thread(plan_diff, plan, live)
    if dropped_placements is not None:
        check = 0 if publish and not confirm_drops else None
        report["dropped_placements"] = await _check_drops(
            session, store_id, report["dropped_shelves"], dropped_placements, check
        )
        report["diff"]["placements_dropped"] = len(report["dropped_placements"])
    source = orjson.dumps(plan.to_geojson())
    for attempt in range(_UPLOAD_ATTEMPTS):
        try:
            version = await _store_version(
                session, store_id, plan, compiled, source_format, source, report, created_by,
                switched if publish else None, publish,
            )  # fmt: skip
        except (IntegrityError, OperationalError):
            # Another upload took this version number (or held SQLite's write lock): try the next.
            await session.rollback()
            await asyncio.sleep(0.02 * (attempt + 1))
            continue
        if not publish:
            await _purge_drafts(session, store_id)
        return Uploaded(version, report, live=publish)
    raise Conflict("Too many concurrent uploads to this store; try again.")


async def _purge_drafts(session: AsyncSession, store_id: str) -> None:
    """Delete the store's drafts (never published) beyond the newest KEEP_DRAFTS."""
    drafts = (
        await session.scalars(
            select(FloorplanVersion.version)
            .where(FloorplanVersion.store_id == store_id, FloorplanVersion.published_at.is_(None))
            .order_by(FloorplanVersion.version.desc())
            .offset(KEEP_DRAFTS)
        )
    ).all()
    if drafts:
        async with transaction(session):
            await session.execute(
                delete(FloorplanVersion).where(
                    FloorplanVersion.store_id == store_id,
                    FloorplanVersion.version.in_(drafts),
                    FloorplanVersion.published_at.is_(None),
                )
            )


async def _store_version(
    session: AsyncSession,
    store_id: str,
    plan: FloorPlan,
    compiled: Compiled,
    source_format: str,
    source: bytes,
    report: dict[str, Any],
    created_by: str | None,
    switched: PlanSwitched | None,
    publish: bool = True,
) -> int:
    """Insert the next version and (``publish``) point the store at it, in one transaction."""
    latest = await session.scalar(
        select(func.coalesce(func.max(FloorplanVersion.version), 0)).where(FloorplanVersion.store_id == store_id)
    )
    version = int(latest or 0) + 1
    artifact = await asyncio.to_thread(dump_artifact, store_id, version, plan, compiled)
    session.add(
        FloorplanVersion(
            store_id=store_id,
            version=version,
            source_format=source_format,
            source=source,
            report=report,
            artifact=artifact,
            artifact_sha256=read_header(artifact)["sha256"],
            created_by=created_by,
            published_at=utcnow() if publish else None,
        )
    )
    if switched is not None:
        old = await _load(session, store_id, await live_version_or_none(session, store_id))
        await switched(session, store_id, old, await asyncio.to_thread(load_artifact, artifact, store_id, version))
    if publish:
        await session.execute(update(Store).where(Store.id == store_id).values(floorplan_version=version))
    await session.commit()
    return version


async def live_version_or_none(session: AsyncSession, store_id: str) -> int | None:
    return await session.scalar(select(Store.floorplan_version).where(Store.id == store_id))


async def activate_version(
    session: AsyncSession,
    store_id: str,
    version: int,
    switched: PlanSwitched | None = None,
    dropped_placements: DroppedPlacements | None = None,
    confirm_drops: bool = False,
) -> int:
    """Make a version live (publish a draft, roll back or forward) in one transaction; one that
    drops placed products needs ``confirm_drops`` (else DropsPlacements, nothing changes)."""
    store = await get_store(session, store_id)
    exists = await session.scalar(
        select(FloorplanVersion.id).where(FloorplanVersion.store_id == store_id, FloorplanVersion.version == version)
    )
    if exists is None:
        raise NotFound(f"Store {store_id!r} has no floor plan version {version}.")
    if store.floorplan_version != version:
        live = await _document(session, store_id, store.floorplan_version)
        target = await _document(session, store_id, version)
        dropped = sorted(_shelf_ids(live) - _shelf_ids(target))
        await _check_drops(session, store_id, dropped, dropped_placements, None if confirm_drops else version)
    async with transaction(session):
        if switched is not None and store.floorplan_version != version:
            new = await _load(session, store_id, version)
            assert new is not None
            await switched(session, store_id, await _load(session, store_id, store.floorplan_version), new)
        await session.execute(update(Store).where(Store.id == store_id).values(floorplan_version=version))
        await session.execute(
            update(FloorplanVersion)
            .where(FloorplanVersion.store_id == store_id, FloorplanVersion.version == version)
            .where(FloorplanVersion.published_at.is_(None))
            .values(published_at=utcnow())
        )
    return version


async def list_versions(session: AsyncSession, store_id: str) -> tuple[int | None, list[FloorplanVersion]]:
    """(the live version, every version with its report), oldest first."""
    live = (await get_store(session, store_id)).floorplan_version
    rows = await session.execute(
        select(
            FloorplanVersion.version,
            FloorplanVersion.source_format,
            FloorplanVersion.report,
            FloorplanVersion.created_by,
            FloorplanVersion.created_at,
            FloorplanVersion.published_at,
        )
        .where(FloorplanVersion.store_id == store_id)
        .order_by(FloorplanVersion.version)
    )
    return live, list(rows.all())  # type: ignore[arg-type]


async def live_version(session: AsyncSession, store_id: str) -> int:
    version = await live_version_or_none(session, store_id)
    if version is None:
        await get_store(session, store_id)  # 404 for an unknown store
        raise NoFloorPlan(f"Store {store_id!r} has no floor plan yet.")
    return int(version)


async def live_version_for_read(session: AsyncSession, store_id: str) -> int:
    """The live version, or NotFound (a store without a plan has nothing to read)."""
    try:
        return await live_version(session, store_id)
    except NoFloorPlan as exc:
        raise NotFound(exc.detail) from exc


async def plan_source(session: AsyncSession, store_id: str, version: int | None = None) -> tuple[int, bytes]:
    """(version, canonical v1 GeoJSON bytes) of the live plan, or of ``version``."""
    if version is None:
        version = await live_version_for_read(session, store_id)
    source = await session.scalar(
        select(FloorplanVersion.source).where(
            FloorplanVersion.store_id == store_id, FloorplanVersion.version == version
        )
    )
    if source is None:
        raise NotFound(f"Store {store_id!r} has no floor plan version {version}.")
    return version, source


class ArtifactCache:
    """Per-worker loaded artifacts, one version per store, bounded in entries and in bytes (a
    rollback loads the older version again)."""

    def __init__(self, max_entries: int = 64, max_bytes: int | None = None) -> None:
        self._held: VersionedCache[str, NavArtifact] = VersionedCache(
            max_entries, max_bytes=max_bytes, weigh=lambda a: a.memory_bytes, name="artifacts"
        )

    @property
    def held_bytes(self) -> int:
        return self._held.bytes

    def __len__(self) -> int:
        return len(self._held)

    async def get(self, session: AsyncSession, store_id: str, version: int) -> NavArtifact:
        async def load(_: NavArtifact | None) -> NavArtifact:
            return await _load_existing(session, store_id, version)

        return await self._held.get(store_id, version, load)

    async def preview(self, session: AsyncSession, store_id: str, version: int) -> NavArtifact:
        """A version's artifact without holding it (a draft looked at by its manager must not push
        the live plan out of the worker's memory)."""
        held = self._held.peek(store_id)
        if held is not None and held[0] == version:
            return held[1]
        return await _load_existing(session, store_id, version)

    async def live(self, session: AsyncSession, store_id: str) -> NavArtifact:
        return await self.get(session, store_id, await live_version(session, store_id))
