"""One JSON line per request on the ``aislepath.access`` logger.

It logs the method, the path (never the query string, which may hold a shopper's search) and
never a header, so tokens stay out of logs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson
from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from api.http import REQUEST_ID
from api.problems import on_domain_error, send_early
from stores.infra.errors import BadText, Problem

access = logging.getLogger("aislepath.access")


def _has_nul(scope: Scope) -> bool:
    return (
        "\x00" in scope.get("path", "")
        or b"%00" in scope.get("query_string", b"")
        or b"\x00" in scope.get("query_string", b"")
    )


def reject_nul_middleware(app: ASGIApp) -> ASGIApp:
    """A NUL character in the path or query is never a real id or search: 400 before any handler.

    (PostgreSQL text cannot hold NUL; SQLite can. Refusing it here answers the same on both.)
    The problem is rendered by the same handler as every BadText, and sent from here rather than
    raised, so that the access log around this middleware records the 400.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and _has_nul(scope):
            refusal = BadText(
                "The path or query contains a NUL character.",
                [Problem("invalid_text", "remove NUL (%00) characters")],
            )
            await send_early(on_domain_error(Request(scope), refusal), scope, receive, send)
            return
        await app(scope, receive, send)

    return middleware


def body_deadline_middleware(app: ASGIApp, timeout_s: float) -> ASGIApp:
    """A client that pauses longer than ``timeout_s`` between two parts of its request body gets
    408 and is let go: a slow upload would otherwise hold a request slot as long as it likes
    (the server's own header timeout ends slow headers). Once the body is complete, ``receive``
    is passed through as it is (waiting for a disconnect is not a slow body)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        complete = False

        async def deadline_receive() -> ReceiveMessage:
            nonlocal complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout(timeout_s):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(
                    status_code=408, detail=f"The request body did not arrive within {timeout_s:g} s; send it again."
                ) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await app(scope, deadline_receive, send)

    return middleware


def access_log_middleware(app: ASGIApp) -> ASGIApp:
    """One JSON line per request, with its id (``api.http.request_id_middleware`` sets it)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not access.isEnabledFor(logging.INFO):
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            record: dict[str, Any] = {
                "request_id": REQUEST_ID.get(),
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 2),
            }
            access.info(orjson.dumps(record).decode())

    return middleware
