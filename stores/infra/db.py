"""The one place that creates database engines and sessions.

SQLite connections load SpatiaLite and set WAL, foreign keys, the busy timeout and the
synchronous level on every connect; PostgreSQL connections need nothing extra (PostGIS is an
extension created by the first migration).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session
from sqlalchemy.pool import NullPool, QueuePool

from stores.infra.errors import BadText, Problem
from stores.infra.metrics import DB_POOL_IN_USE, DB_POOL_SIZE
from stores.infra.settings import Settings

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and read back as aware UTC on every database.

    PostgreSQL keeps the zone (timestamptz); SQLite stores text without one and would hand back
    naive datetimes, which are not RFC 3339 date-times and compare wrongly with aware ones.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_SYNCHRONOUS_LEVELS = {"OFF", "NORMAL", "FULL", "EXTRA"}


def _sqlite_on_connect(settings: Settings):  # type: ignore[no-untyped-def]
    synchronous = settings.sqlite_synchronous
    if synchronous not in _SYNCHRONOUS_LEVELS:
        raise ValueError(f"AISLEPATH_SQLITE_SYNCHRONOUS must be one of {sorted(_SYNCHRONOUS_LEVELS)}")
    library = settings.spatialite_library_path

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # aiosqlite's adapter runs the real sqlite3 connection in a thread; load the extension there.
        raw = getattr(dbapi_conn, "driver_connection", None)
        if raw is not None and hasattr(dbapi_conn, "run_async"):
            dbapi_conn.run_async(lambda conn: conn.enable_load_extension(True))
            dbapi_conn.run_async(lambda conn: conn.load_extension(library))
            dbapi_conn.run_async(lambda conn: conn.enable_load_extension(False))
        else:
            dbapi_conn.enable_load_extension(True)
            dbapi_conn.load_extension(library)
            dbapi_conn.enable_load_extension(False)
        cursor = dbapi_conn.cursor()
        # The busy timeout first: switching a new file to WAL waits for a lock another process
        # (a worker migrating at start-up) may hold.
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    return on_connect


def _preload_native_libraries() -> None:
    """Import the modules with native code before SQLite loads SpatiaLite.

    SQLite opens extensions with RTLD_GLOBAL, so SpatiaLite's own GEOS, PROJ and minizip become
    global symbols; a library with its own copies (shapely's GEOS, pyproj's PROJ) that is loaded
    *after* that can bind to the wrong copy, which corrupted the heap at exit in our tests
    ("double free or corruption"). Loading ours first keeps each on its own copy.
    """
    # The libraries themselves, not the domain modules that use them (this is the ground floor).
    import shapely  # noqa: F401


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    """Text with NUL never reaches a database: PostgreSQL cannot store it, so SQLite must not either
    (a store's data moves between the two). Same refusal, same 400, on both."""
    if _has_nul(parameters):
        raise BadText("Text may not contain NUL characters.", [Problem("invalid_text", "remove NUL (\\u0000)")])


def create_engine(settings: Settings, *, pooled: bool = True) -> AsyncEngine:
    """Create the async engine for ``settings.database_url`` (SQLite+SpatiaLite or PostGIS)."""
    engine = _create_engine(settings, pooled=pooled)
    event.listen(engine.sync_engine, "before_cursor_execute", _refuse_nul)
    return engine


def _create_engine(settings: Settings, *, pooled: bool) -> AsyncEngine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        _preload_native_libraries()
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, poolclass=None if pooled else NullPool)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect(settings))
        return engine
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported DATABASE_URL backend {url.get_backend_name()!r}")
    if not pooled:
        return create_async_engine(url, poolclass=NullPool)
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"timeout": settings.db_connect_timeout_s},
    )


#: Values per ``IN (...)`` list: stays under SQLite's bound-parameter limit.
IN_CHUNK = 900


def in_chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in slices small enough for one ``IN (...)`` list on every database."""
    for i in range(0, len(values), IN_CHUNK):
        yield values[i : i + IN_CHUNK]


def dialect_insert(session: AsyncSession) -> Any:
    """``insert`` of the session's dialect, for ``on_conflict_do_update`` (SQLite and PostgreSQL)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


@dataclass(slots=True)
class Database:
    """An engine and its session factory, created once per process."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    #: This database's own session class, so commit hooks see only its sessions.
    session_class: type[Session]

    @classmethod
    def connect(cls, settings: Settings) -> Database:
        engine = create_engine(settings)
        _count_connections(engine)
        session_class = type("WorkerSession", (Session,), {})
        return cls(
            engine, async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class), session_class
        )

    def on_commit(self, tables: frozenset[str], callback: Callable[[], None]) -> None:
        """Call ``callback`` after each transaction, committed through this database's sessions,
        that wrote to one of ``tables`` (by ``session.execute`` of an insert, update or delete, or
        by a flush of ORM objects)."""

        def executed(state: ORMExecuteState) -> None:
            dml = state.is_insert or state.is_update or state.is_delete
            written = getattr(state.statement, "table", None) if dml else None
            if written is not None and written.name in tables:
                state.session.info["wrote_watched"] = True

        def flushing(session: Session, _context: Any, _instances: Any) -> None:
            changed = (*session.new, *session.dirty, *session.deleted)
            if any(getattr(obj, "__tablename__", None) in tables for obj in changed):
                session.info["wrote_watched"] = True

        def committed(session: Session) -> None:
            if session.info.pop("wrote_watched", False):
                callback()

        def rolled_back(session: Session) -> None:
            session.info.pop("wrote_watched", None)

        event.listen(self.session_class, "do_orm_execute", executed)
        event.listen(self.session_class, "before_flush", flushing)
        event.listen(self.session_class, "after_commit", committed)
        event.listen(self.session_class, "after_rollback", rolled_back)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def dispose(self) -> None:
        DB_POOL_SIZE.dec(_capacity(self.engine))
        await self.engine.dispose()


def _capacity(engine: AsyncEngine) -> int:
    pool = engine.sync_engine.pool
    return int(pool.size() + max(getattr(pool, "_max_overflow", 0), 0)) if isinstance(pool, QueuePool) else 0


def _count_connections(engine: AsyncEngine) -> None:
    """Keep the pool metrics (stores.infra.metrics): connections checked out, and what the pool may hold."""
    DB_POOL_SIZE.inc(_capacity(engine))
    event.listen(engine.sync_engine.pool, "checkout", lambda *_: DB_POOL_IN_USE.inc())
    event.listen(engine.sync_engine.pool, "checkin", lambda *_: DB_POOL_IN_USE.dec())


@asynccontextmanager
async def transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit what the block wrote, or roll all of it back, whatever the block raised: one
    change is all or nothing. Unlike ``session.begin()`` it also takes a session that has
    already begun (a request's session after its first read, with SQLAlchemy's autobegin)."""
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
