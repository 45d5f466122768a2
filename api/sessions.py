"""Console sessions as the API sees them: who a request with the console's session cookie is.

``api.console`` signs managers in; this is the part ``api.guards`` needs to let the console's pages
call the API with their session (kept apart so that the guards need not import the pages).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from litestar.connection import ASGIConnection

from api.wiring import wiring_of
from stores import tokens
from stores.infra.settings import Settings
from stores.tokens import Principal

SESSION_COOKIE = "aislepath_console"
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"


def admin_fingerprint(settings: Settings) -> str:
    return hashlib.sha256(f"console:{settings.admin_token}".encode()).hexdigest()[:32]


async def console_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The principal of a live console session (None: none, expired, or its token revoked). For a
    request that changes something, the CSRF header must match the CSRF cookie as well."""
    session = connection.scope.get("session") or {}
    if not isinstance(session, dict) or not session.get("exp") or float(session["exp"]) < time.time():
        return None
    if connection.scope.get("method") not in ("GET", "HEAD", "OPTIONS"):
        sent, kept = connection.headers.get(CSRF_HEADER, ""), connection.cookies.get(CSRF_COOKIE, "")
        if not sent or not hmac.compare_digest(sent.encode(), kept.encode()):
            return None
    wiring = wiring_of(connection.app.state)
    if session.get("admin"):
        fingerprint = admin_fingerprint(wiring.settings)
        ok = wiring.settings.admin_token and hmac.compare_digest(str(session["admin"]), fingerprint)
        return Principal("admin", frozenset(), None) if ok else None
    async with wiring.database.sessionmaker() as db:
        return await tokens.principal_of(db, str(session.get("token_id", "")))
