"""The worker's services, built once at start-up and handed to handlers by type.

A handler declares what it uses (``locations: NamedDependency[LocationIndexes]``) and
Litestar's dependency injection supplies it from the one frozen :class:`Wiring` object of the
app; nothing reads attributes off ``app.state`` by name. Each provider is cached (the services
live as long as the app), so injection costs a dictionary lookup per request.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import State
from litestar.di import Provide

from api.ratelimit import RateLimits
from catalog.locations import LocationIndexes
from catalog.search import SearchIndexes
from catalog.search_log import SearchMisses
from stores.closures import RouteTables
from stores.floorplan.service import ArtifactCache
from stores.floorplan.worker import CompilePool
from stores.infra import migrate
from stores.infra.db import Database
from stores.infra.lru import Lru
from stores.infra.probe import ANNOUNCED_TABLES, VersionProbe
from stores.infra.settings import Settings


@dataclass(frozen=True, slots=True)
class Wiring:
    settings: Settings
    database: Database
    head_revision: str | None
    probe: VersionProbe
    artifacts: ArtifactCache
    locations: LocationIndexes
    search: SearchIndexes
    route_tables: RouteTables
    compiler: CompilePool
    rate_limits: RateLimits
    search_misses: SearchMisses
    #: Drawn plans and routes (SVG text), keyed by store and versions.
    pictures: Lru[tuple[Any, ...], str]

    @classmethod
    def build(cls, settings: Settings) -> Wiring:
        database = Database.connect(settings)
        probe = VersionProbe(settings.database_url, watch=settings.version_watch)
        database.on_commit(ANNOUNCED_TABLES, probe.forget)  # read your own writes on this worker
        cache_bytes = settings.artifact_cache_mb * 1024 * 1024
        artifacts = ArtifactCache(settings.artifact_cache_entries, cache_bytes)
        return cls(
            settings=settings,
            database=database,
            head_revision=migrate.head_revision(),
            probe=probe,
            artifacts=artifacts,
            locations=LocationIndexes(
                artifacts,
                probe,
                database.sessionmaker,
                settings.artifact_cache_entries,
                settings.wrong_location_reports,
            ),
            search=SearchIndexes(probe, database.sessionmaker, settings.search_cache_queries),
            route_tables=RouteTables(database.sessionmaker, settings.artifact_cache_entries, cache_bytes),
            compiler=CompilePool(settings.compile_timeout_s, settings.compile_memory_mb),
            rate_limits=RateLimits(settings),
            search_misses=SearchMisses(database.sessionmaker),
            pictures=Lru(32, settle=False),
        )


def wiring_of(state: State) -> Wiring:
    wiring: Wiring = state.wiring
    return wiring


def _provider(name: str) -> Provide:
    def provide(state: State) -> Any:
        return getattr(wiring_of(state), name)

    return Provide(provide, use_cache=True, sync_to_thread=False)


def dependencies() -> dict[str, Provide]:
    """One dependency per service, by the field's name: ``settings``, ``locations``, ``search``,
    ... (new providers for each app: a cached provider keeps the first app's value)."""
    return {field.name: _provider(field.name) for field in dataclasses.fields(Wiring)}
