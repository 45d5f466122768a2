"""Liveness and readiness."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException
from sqlalchemy.exc import DBAPIError

from api.wiring import Wiring
from stores.infra.migrate import current_revision


class Health(msgspec.Struct):
    status: str


class Ready(msgspec.Struct):
    status: str
    database: str
    revision: str | None


@get("/health", tags=["operations"], summary="The process is up")
async def health() -> Health:
    return Health("ok")


@get("/ready", tags=["operations"], summary="The database is reachable and migrations are current")
async def ready(services: NamedDependency[Wiring]) -> Ready:
    database, head_revision = services.database, services.head_revision
    try:
        async with database.engine.connect() as connection:
            revision = await current_revision(connection)
    except (DBAPIError, OSError):
        raise ServiceUnavailableException("The database is unreachable.", headers={"Retry-After": "2"}) from None
    if revision != head_revision:
        raise ServiceUnavailableException(
            f"The schema is at {revision!r}, the code expects {head_revision!r}.", headers={"Retry-After": "5"}
        )
    return Ready("ready", database.dialect, revision)
