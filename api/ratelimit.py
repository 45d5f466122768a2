"""Per-client rate limits as route guards: 429 problem details with ``Retry-After``.

The counting is the ``limits`` library's sliding-window counter, in each worker's memory by
default or in a shared store (Redis, Memcached) named by ``AISLEPATH_RATE_LIMIT_STORAGE``, so
that several hosts do not multiply a client's limit. While a shared store fails, requests are
served uncounted (and the failure logged and counted): an outage of the limiter's store must not
become an outage of the service.

Who is a client:
- a caller with a token (managers, admins): the token;
- a shopper: the app's ``X-Client-Id`` header (a random id per installation), else the address.

Shoppers in one store often share one public address (the store's Wi-Fi), so the address alone
would throttle a whole store; a per-address ceiling, much higher, still stops one machine that
rotates client ids. Keys live only in memory and only for the window: nothing is stored.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler

from stores.infra.metrics import RATE_LIMIT_STORE_ERRORS, RATE_LIMITED
from stores.infra.settings import Settings

CLIENT_ID_HEADER = "x-client-id"
_REDIS = ("async+redis://", "async+rediss://", "async+redis+unix://")
#: While the shared store fails, requests are let through (logged at most this often).
STORE_WARN_EVERY_S = 30.0
log = logging.getLogger(__name__)
_MAX_CLIENT_ID = 64

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def _parse(spec: str) -> list[RateLimitItem]:
    return list(parse_many(spec)) if spec.strip() else []


class RateLimits:
    """The limits of each class of endpoint, and the shared per-address ceiling."""

    def __init__(self, settings: Settings) -> None:
        uri = settings.rate_limit_storage
        # Redis through redis-py's asyncio client (the limits library's default is coredis).
        options = {"implementation": "redispy"} if uri.startswith(_REDIS) else {}
        self._limiter = SlidingWindowCounterRateLimiter(storage_from_string(uri, **options))
        self._store_failed_at = -math.inf
        self._classes: dict[str, list[RateLimitItem]] = {
            "feedback": _parse(settings.rate_limit_feedback),
            "expensive": _parse(settings.rate_limit_expensive),
            "write": _parse(settings.rate_limit_write),
            "upload": _parse(settings.rate_limit_upload),
            "draft": _parse(settings.rate_limit_draft),
        }
        self._per_address = _parse(settings.rate_limit_per_address)

    async def check(self, name: str, client: str, address: str) -> None:
        """Count one request of class ``name``; raise 429 if any limit is exhausted. The class's
        first limit and what is left of it are announced on the answer (:data:`RATE_LIMIT`)."""
        checks = [(item, (name, client)) for item in self._classes[name]]
        checks += [(item, ("address", address)) for item in self._per_address]
        await self._hit(checks)
        if self._classes[name] and time.monotonic() - self._store_failed_at > STORE_WARN_EVERY_S:
            item = self._classes[name][0]
            try:
                stats = await self._limiter.get_window_stats(item, name, client)
            except Exception:  # the store failed between the two calls: no headers this time
                return
            RATE_LIMIT.set(_headers(name, item, stats.remaining, stats.reset_time))

    async def check_address(self, address: str) -> None:
        """Count one request against the per-address ceiling only; 429 if it is exhausted. For
        a failed authentication, which no class counts (the classes count after it)."""
        await self._hit([(item, ("address", address)) for item in self._per_address])

    async def _hit(self, checks: list[tuple[RateLimitItem, tuple[str, str]]]) -> None:
        try:
            await self._count(checks)
        except TooManyRequestsException:
            raise
        except Exception as exc:  # the shared store is away: serve rather than refuse everyone
            now = time.monotonic()
            if now - self._store_failed_at > STORE_WARN_EVERY_S:
                log.warning("rate limits not counted, their store failed: %s", type(exc).__name__)
            self._store_failed_at = now
            RATE_LIMIT_STORE_ERRORS.inc()

    async def _count(self, checks: list[tuple[RateLimitItem, tuple[str, str]]]) -> None:
        for item, identifiers in checks:
            if not await self._limiter.hit(item, *identifiers):
                RATE_LIMITED.labels(identifiers[0]).inc()
                stats = await self._limiter.get_window_stats(item, *identifiers)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                raise TooManyRequestsException(
                    f"Too many requests: at most {item.amount} per {item.get_expiry()} s here. "
                    f"Try again in {retry_after} s.",
                    headers={
                        "Retry-After": str(retry_after),
                        **dict(_headers(identifiers[0], item, 0, stats.reset_time)),
                    },
                )


#: The RateLimit and RateLimit-Policy headers (IETF draft-ietf-httpapi-ratelimit-headers) of the
#: request being answered, set by its guard; api.http.platform_middleware puts them on the answer.
RATE_LIMIT: ContextVar[dict[str, str] | None] = ContextVar("rate_limit", default=None)


def _headers(name: str, item: RateLimitItem, remaining: int, reset_time: float) -> dict[str, str]:
    reset = max(0, math.ceil(reset_time - time.time()))
    return {
        "RateLimit-Policy": f'"{name}";q={item.amount};w={item.get_expiry()}',
        "RateLimit": f'"{name}";r={max(0, remaining)};t={reset}',
    }


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else "unknown"


def client_key(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[str, str]:
    """(client key, address) for the limits; see the module docstring."""
    address = client_address(connection)
    principal = connection.state.get("principal")
    if principal is not None:
        return f"token:{principal.token_id or 'bootstrap'}", address
    client_id = connection.headers.get(CLIENT_ID_HEADER, "").strip()
    if client_id and len(client_id) <= _MAX_CLIENT_ID and client_id.isprintable():
        return f"client:{client_id}", address
    return f"address:{address}", address


def rate_limited(name: str | Callable[[ASGIConnection[Any, Any, Any, Any]], str]) -> Guard:
    """A guard counting requests of class ``name`` (or of the class it names for the request).
    Put it after the auth guards."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        limits: RateLimits = connection.app.state.wiring.rate_limits
        client, address = client_key(connection)
        await limits.check(name if isinstance(name, str) else name(connection), client, address)

    guard.__name__ = f"rate_limited_{name if isinstance(name, str) else name.__name__}"
    return guard


def publishing_or_draft(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """An upload that publishes at once counts as ``upload``; one that makes a draft, as ``draft``."""
    return "upload" if connection.query_params.get("publish", "").lower() in ("true", "1") else "draft"
