"""Typed settings, read once from the environment.

Every knob the service has is here, once: its name, default and meaning; its environment variable
is ``AISLEPATH_<NAME>`` unless the field says otherwise. README.md lists them for operators.
Nothing else in the code base reads ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_sqlite_url() -> str:
    return f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / 'aislepath.sqlite3'}"


def _setting(default: Any = None, *, env: str | None = None, upper: bool = False, blank_is_off: bool = False,
             factory: Any = None) -> Any:  # fmt: skip
    """A setting: its default, and how it is read (the variable is ``AISLEPATH_<NAME>`` unless
    ``env`` names another; ``upper`` upper-cases the value; ``blank_is_off``: an empty value
    is kept, meaning "off", rather than falling back to the default)."""
    metadata = {"env": env, "upper": upper, "blank_is_off": blank_is_off}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def _parse(kind: str, raw: str) -> Any:
    """A value from the environment, by the setting's annotated type."""
    if kind == "bool":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    return raw


@dataclass(frozen=True, slots=True)
class Settings:
    """Service settings. Build with :meth:`from_env`; tests build them directly."""

    database_url: str = _setting(factory=default_sqlite_url, env="DATABASE_URL")
    admin_token: str | None = None
    auto_migrate: bool = True
    #: Largest request body accepted, in bytes (floor plans are the biggest bodies).
    max_body_bytes: int = 20 * 1024 * 1024
    #: SQLite ``PRAGMA synchronous``: FULL never loses a committed write, even on power loss.
    sqlite_synchronous: str = _setting("FULL", upper=True)
    sqlite_busy_timeout_ms: int = 10_000
    #: Connection pool per worker (PostgreSQL). Size it so workers x (pool + overflow)
    #: stays under the server's max_connections.
    db_pool_size: int = 10
    db_max_overflow: int = 10
    #: Seconds a worker waits for a new database connection (PostgreSQL) before the request is
    #: answered 503: nothing hangs on a database that is away (asyncpg's own default is 60 s).
    db_connect_timeout_s: float = 5.0
    log_level: str = _setting("INFO", upper=True)
    #: One JSON line per request on the ``aislepath.access`` logger.
    access_log: bool = True
    locator_max_limit: int = 100
    #: Compiled stores kept in each worker's memory (a hypermarket is a few MB).
    artifact_cache_entries: int = _setting(64, env="AISLEPATH_ARTIFACT_CACHE")
    #: Memory those compiled stores (and route tables derived for closures) may hold per worker,
    #: in MiB: the least recently used go first. Older versions of a store go at once.
    artifact_cache_mb: int = 1024
    #: Route ETA: walking speed with a trolley, and seconds to pick one item from a shelf.
    walk_speed_mps: float = 0.9
    pick_seconds: float = 15.0
    #: Behind a load balancer: its addresses (comma-separated), whose X-Forwarded-For is trusted
    #: (``aislepath serve --forwarded-allow-ips`` sets it for its workers).
    forwarded_allow_ips: str | None = None
    #: Web origins (comma-separated, such as ``https://console.example.com``) whose pages may call
    #: the API from a browser (CORS); empty: none. ``*`` allows any origin (no credentials).
    cors_origins: str = ""
    #: The key of the HMAC that turns a reporting client into an anonymous reporter (feedback
    #: counts distinct clients). Set the same secret on every host; unset, it is derived from
    #: the database URL (the same on every host of one deployment).
    reporter_key: str | None = None

    @property
    def reporter_secret(self) -> bytes:
        seed = self.reporter_key if self.reporter_key else f"aislepath-reporter:{self.database_url}"
        return hashlib.sha256(seed.encode()).digest()

    #: The key of the managers' console's session cookies (encrypted and signed with it). Set the
    #: same key on every host; unset, it is derived from the database URL and the admin token.
    console_key: str | None = None
    #: How long a console sign-in lasts (hours), and whether its cookies need HTTPS (turn off only
    #: for a console reached over plain HTTP on a trusted network).
    console_session_hours: float = 8.0
    console_secure_cookies: bool = True

    @property
    def console_secret(self) -> bytes:
        seed = self.console_key or f"aislepath-console:{self.database_url}:{self.admin_token or ''}"
        return hashlib.sha256(seed.encode()).digest()

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
    rate_limit_feedback: str = _setting("10/minute;200/day", blank_is_off=True)
    rate_limit_expensive: str = _setting("300/minute", blank_is_off=True)
    rate_limit_write: str = _setting("300/minute", blank_is_off=True)
    rate_limit_upload: str = _setting("20/hour", blank_is_off=True)
    rate_limit_draft: str = _setting("120/hour", blank_is_off=True)
    #: Ceiling per network address, whatever client ids it sends (stops id rotation).
    rate_limit_per_address: str = _setting("6000/minute", blank_is_off=True)
    rate_limit_storage: str = "async+memory://"
    #: Days that feedback and search-miss rows are kept (then deleted by the hourly purge).
    feedback_retention_days: int = 365
    search_log_retention_days: int = 90
    #: Reports ("not at this location", "found elsewhere") that flag a placement as doubtful.
    wrong_location_reports: int = 3
    #: PostgreSQL: keep store and catalog versions in memory, told of changes by LISTEN/NOTIFY
    #: (stores.infra.probe). Turn off where LISTEN cannot work (PgBouncer in transaction mode): every
    #: hot request then reads the versions, as on SQLite.
    version_watch: bool = True
    #: Prometheus metrics at ``/metrics`` (stores.infra.metrics), with per-route request latency.
    metrics: bool = True
    #: A bearer token ``/metrics`` asks for (empty: open, like /health; restrict it at the balancer).
    metrics_token: str = ""
    #: OpenTelemetry spans per request, exported by OTLP/HTTP (api.tracing; the ``tracing`` extra).
    tracing: bool = False
    #: Where the workers of one server write their metrics (prometheus-client's own variable;
    #: ``aislepath serve`` sets it): a starting worker drops the live gauges of dead ones there.
    prometheus_multiproc_dir: str = _setting("", env="PROMETHEUS_MULTIPROC_DIR")
    #: Search: queries whose matches each worker remembers (0: none). A few KB each at most.
    search_cache_queries: int = 1024
    #: Search: a JSON file of a chain's own synonyms (``{"term": "what it means"}``), over the built-in ones.
    search_synonyms: str = ""
    #: Where SpatiaLite is, if not on the loader path.
    spatialite_library_path: str = _setting("mod_spatialite", env="SPATIALITE_LIBRARY_PATH")

    @classmethod
    def from_env(cls) -> Settings:
        """Every setting from its environment variable; unset (or empty) ones keep their default."""
        values: dict[str, Any] = {}
        for setting in dataclasses.fields(cls):
            name = setting.metadata.get("env") or f"AISLEPATH_{setting.name.upper()}"
            raw = os.environ.get(name)
            if raw is None or (raw == "" and not setting.metadata.get("blank_is_off")):
                continue
            kind = str(setting.type).split(" |")[0]
            value = _parse(kind, raw.upper() if setting.metadata.get("upper") else raw)
            values[setting.name] = None if value == "" and "None" in str(setting.type) else value
        return cls(**values)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
