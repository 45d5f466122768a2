"""The worker's services, built once at start-up and handed to handlers as one typed object.

A handler declares ``services: NamedDependency[Wiring]`` and reads the typed fields it uses
(``services.locations``); nothing reads attributes off ``app.state`` by name. One dependency,
not one per service: Litestar 2 resolves two or more dependencies of a handler in an anyio task
group, a task each, on every request. Measured in-process on the locations lookup: 41.1 µs a
request with this one dependency, 102.7 µs with two injected services (33.6 µs before any
injection; docs/benchmarks.md). The provider is cached (the services live as long as the app).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.datastructures import State
from litestar.di import Provide

from api.http import Encoded
from api.ratelimit import RateLimits
from catalog import synonyms
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
from stores.infra.versioned import VersionedCache


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
    #: Each store's offline bundle (catalog.bundle), built once per version.
    #: Per (store, language): the bundle of a store version.
    bundles: VersionedCache[tuple[str, str | None], Encoded]

    @classmethod
    def build(cls, settings: Settings) -> Wiring:
        database = Database.connect(settings)
        probe = VersionProbe(
            settings.database_url, watch=settings.version_watch, connect_timeout_s=settings.db_connect_timeout_s
        )
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
            search=SearchIndexes(
                probe, database.sessionmaker, settings.search_cache_queries, synonyms.load(settings.search_synonyms)
            ),
            route_tables=RouteTables(database.sessionmaker, settings.artifact_cache_entries, cache_bytes),
            compiler=CompilePool(settings.compile_timeout_s, settings.compile_memory_mb),
            rate_limits=RateLimits(settings),
            search_misses=SearchMisses(database.sessionmaker),
            pictures=Lru(32, settle=False),
            bundles=VersionedCache(
                settings.artifact_cache_entries, max_bytes=cache_bytes, weigh=len, settle=False, name="bundles"
            ),
        )


def wiring_of(state: State) -> Wiring:
    wiring: Wiring = state.wiring
    return wiring


def dependencies() -> dict[str, Provide]:
    """``services``: the app's :class:`Wiring` (a new provider for each app: a cached provider
    keeps the first app's value)."""
    return {"services": Provide(wiring_of, use_cache=True, sync_to_thread=False)}
