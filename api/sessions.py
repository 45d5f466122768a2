"""Console sessions as the API sees them: who a request with the console's session cookie is.

``api.console`` signs managers in; this is the part ``api.guards`` needs to let the console's pages
call the API with their session (kept apart so that the guards need not import the pages).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig

from api.wiring import wiring_of
from stores import tokens
from stores.infra.settings import Settings
from stores.tokens import Principal

SESSION_COOKIE = "aislepath_console"
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"


#: The API's paths and the operations endpoints: the session and CSRF middleware step aside at
#: once (a regular expression on the path), so a phone's requests pay next to nothing for them.
NOT_CONSOLE = ["^/v1/", "^/health$", "^/ready$", "^/metrics", "^/schema"]


@functools.cache
def session_cookies(settings: Settings) -> CookieBackendConfig:
    """The console's session cookie: encrypted and signed (AES-GCM) with the console key,
    HttpOnly, SameSite=Strict, Secure unless turned off, lasting ``console_session_hours``."""
    return CookieBackendConfig(
        secret=settings.console_secret, key=SESSION_COOKIE, max_age=int(settings.console_session_hours * 3600),
        secure=settings.console_secure_cookies, httponly=True, samesite="strict", path="/", exclude=NOT_CONSOLE,
    )  # fmt: skip


@functools.cache
def _backend(settings: Settings) -> ClientSideSessionBackend:
    return ClientSideSessionBackend(config=session_cookies(settings))


def carries_session(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether a request has the console's session cookie (its name, or its parts: ``name-0``, …)."""
    return any(key == SESSION_COOKIE or key.startswith(SESSION_COOKIE + "-") for key in connection.cookies)


async def _session(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> dict[str, Any]:
    """The session a request carries: set by the session middleware on the console's pages; read
    from the cookie here when the console calls the API (where that middleware steps aside)."""
    session = connection.scope.get("session")
    if isinstance(session, dict) and session:
        return session
    if not carries_session(connection):
        return {}
    loaded: dict[str, Any] = await _backend(settings).load_from_connection(connection)
    return loaded


def admin_fingerprint(settings: Settings) -> str:
    return hashlib.sha256(f"console:{settings.admin_token}".encode()).hexdigest()[:32]


async def console_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The principal of a live console session (None: none, expired, or its token revoked). For a
    request that changes something, the CSRF header must match the CSRF cookie as well."""
    wiring = wiring_of(connection.app.state)
    session = await _session(connection, wiring.settings)
    if not session.get("exp") or float(session["exp"]) < time.time():
        return None
    if connection.scope.get("method") not in ("GET", "HEAD", "OPTIONS"):
        sent, kept = connection.headers.get(CSRF_HEADER, ""), connection.cookies.get(CSRF_COOKIE, "")
        if not sent or not hmac.compare_digest(sent.encode(), kept.encode()):
            return None
    if session.get("admin"):
        fingerprint = admin_fingerprint(wiring.settings)
        ok = wiring.settings.admin_token and hmac.compare_digest(str(session["admin"]), fingerprint)
        return Principal("admin", frozenset(), None) if ok else None
    async with wiring.database.sessionmaker() as db:
        return await tokens.principal_of(db, str(session.get("token_id", "")))
