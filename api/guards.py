"""Who may call what. Shoppers need no token; writes need an admin or the store's manager."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from api.ratelimit import RateLimits, client_address, publishing_or_draft, rate_limited
from api.sessions import carries_session, console_principal
from api.wiring import wiring_of
from stores.tokens import Principal, authenticate


async def _principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    try:
        principal = await _authenticate(connection)
    except NotAuthorizedException:
        # The classes count after authentication, so without this a failed one is never
        # counted: guessing tokens (each a database read) would be unlimited. 429 once the
        # address is past its ceiling.
        limits: RateLimits = wiring_of(connection.app.state).rate_limits
        await limits.check_address(client_address(connection))
        raise
    connection.state.principal = principal
    return principal


async def _authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    header = connection.headers.get("authorization")
    if not header:
        # The console's pages call the API with their session (and its CSRF header): api.console.
        if carries_session(connection) and (principal := await console_principal(connection)) is not None:
            return principal
        raise NotAuthorizedException("This needs an Authorization: Bearer token.")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise NotAuthorizedException("Malformed Authorization header; expected 'Bearer <token>'.")
    wiring = wiring_of(connection.app.state)
    async with wiring.database.sessionmaker() as session:
        principal = await authenticate(session, secret, wiring.settings.admin_token)
    if principal is None:
        raise NotAuthorizedException("Unknown or revoked token.")
    return principal


async def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if (await _principal(connection)).role != "admin":
        raise PermissionDeniedException("This needs an admin token.")


async def store_manager(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Admin, or a manager token that names the ``store_id`` in the path."""
    principal = await _principal(connection)
    store_id = str(connection.path_params.get("store_id", ""))
    if not principal.may_write(store_id):
        raise PermissionDeniedException(f"This token may not change store {store_id!r}.")


# Guard lists for handlers: who may call, then how often (see api.ratelimit).

ADMIN_WRITE = [admin_only, rate_limited("write")]
MANAGER_WRITE = [store_manager, rate_limited("write")]
MANAGER_UPLOAD = [store_manager, rate_limited(publishing_or_draft)]
MANAGER_PUBLISH = [store_manager, rate_limited("upload")]
MANAGER_READ = [store_manager, rate_limited("expensive")]
SHOPPER_EXPENSIVE = [rate_limited("expensive")]
