"""Typed settings, read once from the environment.

Every knob the service has is here, with its environment variable and default; README.md lists
them for operators. Nothing else in the code base reads ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else int(raw)


def default_sqlite_url() -> str:
    return f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / 'aislepath.sqlite3'}"


@dataclass(frozen=True, slots=True)
class Settings:
    """Service settings. Build with :meth:`from_env`; tests build them directly."""

    database_url: str = field(default_factory=default_sqlite_url)
    admin_token: str | None = None
    auto_migrate: bool = True
    #: Largest request body accepted, in bytes (floor plans are the biggest bodies).
    max_body_bytes: int = 20 * 1024 * 1024
    #: SQLite ``PRAGMA synchronous``: FULL never loses a committed write, even on power loss.
    sqlite_synchronous: str = "FULL"
    sqlite_busy_timeout_ms: int = 10_000
    #: Connection pool per worker (PostgreSQL). Size it so workers x (pool + overflow)
    #: stays under the server's max_connections.
    db_pool_size: int = 10
    db_max_overflow: int = 10
    log_level: str = "INFO"
    #: One JSON line per request on the ``aislepath.access`` logger.
    access_log: bool = True
    locator_max_limit: int = 100
    #: Compiled stores kept in each worker's memory (a hypermarket is a few MB).
    artifact_cache_entries: int = 64
    #: Memory those compiled stores (and route tables derived for closures) may hold per worker,
    #: in MiB: the least recently used go first. Older versions of a store go at once.
    artifact_cache_mb: int = 1024
    #: Route ETA: walking speed with a trolley, and seconds to pick one item from a shelf.
    walk_speed_mps: float = 0.9
    pick_seconds: float = 15.0
    #: Behind a load balancer: its addresses (comma-separated), whose X-Forwarded-For is trusted
    #: (``aislepath serve --forwarded-allow-ips`` sets it for its workers).
    forwarded_allow_ips: str | None = None
    #: Seconds a client may take between two parts of a request body before it gets 408.
    body_timeout_s: float = 30.0
    #: A floor plan compile past this many seconds is stopped (422 too_complex).
    compile_timeout_s: float = 60.0
    #: Memory a floor plan compile may use on top of its process's start (MiB; the kernel's
    #: address-space limit on the compile child): past it the upload gets 422 too_complex.
    compile_memory_mb: int = 2048
    #: Per-client rate limits (``limits`` notation, ";" between several), by class of endpoint.
    #: A client is the app's ``X-Client-Id`` (else its address); a manager is its token.
    #: Empty disables a class. Each worker counts on its own unless ``rate_limit_storage``
    #: names a shared store (``async+redis://host:6379``), as several hosts need.
    rate_limit_feedback: str = "10/minute;200/day"
    rate_limit_expensive: str = "300/minute"
    rate_limit_write: str = "300/minute"
    rate_limit_upload: str = "20/hour"
    #: Ceiling per network address, whatever client ids it sends (stops id rotation).
    rate_limit_per_address: str = "6000/minute"
    rate_limit_storage: str = "async+memory://"
    #: Days that feedback and search-miss rows are kept (then deleted by the hourly purge).
    feedback_retention_days: int = 365
    search_log_retention_days: int = 90
    #: Reports ("not at this location", "found elsewhere") that flag a placement as doubtful.
    wrong_location_reports: int = 3
    #: PostgreSQL: keep store and catalog versions in memory, told of changes by LISTEN/NOTIFY
    #: (stores.probe). Turn off where LISTEN cannot work (PgBouncer in transaction mode): every
    #: hot request then reads the versions, as on SQLite.
    version_watch: bool = True
    #: Search: queries whose matches each worker remembers (0: none). A few KB each at most.
    search_cache_queries: int = 1024

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("DATABASE_URL") or default_sqlite_url(),
            admin_token=os.environ.get("AISLEPATH_ADMIN_TOKEN") or None,
            auto_migrate=_env_bool("AISLEPATH_AUTO_MIGRATE", True),
            max_body_bytes=_env_int("AISLEPATH_MAX_BODY_BYTES", 20 * 1024 * 1024),
            sqlite_synchronous=os.environ.get("AISLEPATH_SQLITE_SYNCHRONOUS", "FULL").upper(),
            sqlite_busy_timeout_ms=_env_int("AISLEPATH_SQLITE_BUSY_TIMEOUT_MS", 10_000),
            db_pool_size=_env_int("AISLEPATH_DB_POOL_SIZE", 10),
            db_max_overflow=_env_int("AISLEPATH_DB_MAX_OVERFLOW", 10),
            log_level=os.environ.get("AISLEPATH_LOG_LEVEL", "INFO").upper(),
            access_log=_env_bool("AISLEPATH_ACCESS_LOG", True),
            artifact_cache_entries=_env_int("AISLEPATH_ARTIFACT_CACHE", 64),
            artifact_cache_mb=_env_int("AISLEPATH_ARTIFACT_CACHE_MB", 1024),
            walk_speed_mps=float(os.environ.get("AISLEPATH_WALK_SPEED_MPS") or 0.9),
            pick_seconds=float(os.environ.get("AISLEPATH_PICK_SECONDS") or 15.0),
            forwarded_allow_ips=os.environ.get("AISLEPATH_FORWARDED_ALLOW_IPS") or None,
            body_timeout_s=float(os.environ.get("AISLEPATH_BODY_TIMEOUT_S") or 30.0),
            compile_timeout_s=float(os.environ.get("AISLEPATH_COMPILE_TIMEOUT_S") or 60.0),
            compile_memory_mb=_env_int("AISLEPATH_COMPILE_MEMORY_MB", 2048),
            rate_limit_feedback=os.environ.get("AISLEPATH_RATE_LIMIT_FEEDBACK", "10/minute;200/day"),
            rate_limit_expensive=os.environ.get("AISLEPATH_RATE_LIMIT_EXPENSIVE", "300/minute"),
            rate_limit_write=os.environ.get("AISLEPATH_RATE_LIMIT_WRITE", "300/minute"),
            rate_limit_upload=os.environ.get("AISLEPATH_RATE_LIMIT_UPLOAD", "20/hour"),
            rate_limit_per_address=os.environ.get("AISLEPATH_RATE_LIMIT_PER_ADDRESS", "6000/minute"),
            rate_limit_storage=os.environ.get("AISLEPATH_RATE_LIMIT_STORAGE", "async+memory://"),
            feedback_retention_days=_env_int("AISLEPATH_FEEDBACK_RETENTION_DAYS", 365),
            search_log_retention_days=_env_int("AISLEPATH_SEARCH_LOG_RETENTION_DAYS", 90),
            wrong_location_reports=_env_int("AISLEPATH_WRONG_LOCATION_REPORTS", 3),
            version_watch=_env_bool("AISLEPATH_VERSION_WATCH", True),
            search_cache_queries=_env_int("AISLEPATH_SEARCH_CACHE_QUERIES", 1024),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
