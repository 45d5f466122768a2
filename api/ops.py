"""Liveness, readiness and metrics."""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal

import msgspec
from litestar import get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, ServiceUnavailableException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusController
from sqlalchemy.exc import DBAPIError

from api.schemas import doc
from api.wiring import Wiring
from stores.infra.migrate import current_revision


class Health(msgspec.Struct):
    """The process answers."""

    status: Annotated[Literal["ok"], doc("Always `ok`.")]


class Ready(msgspec.Struct):
    """The process can serve: its database is reachable and at the schema the code expects."""

    status: Annotated[Literal["ready"], doc("Always `ready` (else 503).")]
    database: Annotated[str, doc("The database's dialect: `sqlite` or `postgresql`.")]
    revision: Annotated[str | None, doc("The schema's migration revision.")]


@get("/health", tags=["operations"], operation_id="health", summary="The process is up")
async def health() -> Health:
    """For a liveness probe: answers without the database."""
    return Health("ok")


@get(
    "/ready", tags=["operations"], operation_id="ready", summary="The database is reachable and migrations are current"
)
async def ready(services: NamedDependency[Wiring]) -> Ready:
    """For a readiness probe and a balancer's health check: 503 with Retry-After while the database is away."""
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


async def _metrics_token(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    token = connection.app.state.settings.metrics_token
    if token and not hmac.compare_digest(connection.headers.get("authorization", ""), f"Bearer {token}"):
        raise NotAuthorizedException("GET /metrics needs the metrics token (AISLEPATH_METRICS_TOKEN).")


class MetricsController(PrometheusController):
    """``GET /metrics``: the Prometheus text format, every worker's samples (stores.infra.metrics).
    Not in the OpenAPI document: it is for Prometheus, not for apps."""

    path = "/metrics"
    include_in_schema = False
    guards = [_metrics_token]
