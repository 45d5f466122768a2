"""``Idempotency-Key`` on every write: a retry gets the first answer and changes nothing.

A write (POST, PUT, PATCH, DELETE) that carries the header is run once per client and key: the
first answer (any status below 500) is kept for 24 hours (``stores.infra.idempotency``) and a
retry with the same key and the same request gets it again, marked ``Idempotent-Replayed: true``.
The same key with another request is ``422 idempotency_key_reused``; a retry while the first is
still running is ``409 idempotency_key_in_use`` (try again in a second). An answer of 500 or more
gives the key up, so a retry runs again. The client is its token, else its ``X-Client-Id``, else its
address, each hashed: a key belongs to one client.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from api.problems import problem, send_early
from stores.infra import idempotency

HEADER = b"idempotency-key"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: POSTs that only read (a route, a batch locate): a retry is safe as it is, and their answers
#: (shopping lists) are never stored.
READS = ("/route", "/locate")
MAX_KEY = 200


def _client(scope: Scope, headers: dict[bytes, bytes]) -> bytes:
    for name in (b"authorization", b"x-client-id"):
        if name in headers:
            return name + b"=" + headers[name]
    client = scope.get("client")
    return b"address=" + (client[0] if client else "unknown").encode()


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
    """Problem details naming the header, sent before any handler (a retry-later for 409)."""
    errors = [{"pointer": "/headers/Idempotency-Key", "code": code, "message": message}]
    response = problem(status, message, errors, headers={"Retry-After": "1"} if status == 409 else None)
    await send_early(response, scope, receive, send)


def idempotency_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] not in WRITES or scope["path"].endswith(READS):
            await app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            await app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY or not key.isprintable():
            message = f"an Idempotency-Key is 1 to {MAX_KEY} printable characters"
            await _refuse(scope, receive, send, 400, "bad_idempotency_key", message)
            return
        # The whole body, to fingerprint the request, bounded as every body is.
        limit = scope["app"].state.settings.max_body_bytes
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            event = await receive()
            if event["type"] != "http.request":
                return  # the client is gone: nothing to run, nothing to keep
            chunks.append(event.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await _refuse(scope, receive, send, 413, "too_large", f"the body is larger than {limit} bytes")
                return
            more = event.get("more_body", False)
        body = b"".join(chunks)
        fingerprint = hashlib.sha256(
            b"\n".join([scope["method"].encode(), scope["raw_path"], scope.get("query_string", b""), body])
        ).hexdigest()
        key_id = hashlib.sha256(_client(scope, headers) + b"\n" + key.encode()).hexdigest()
        sessions = scope["app"].state.wiring.database.sessionmaker
        stored = await idempotency.claim(sessions, key_id, fingerprint)
        if stored is not None:
            await _replay(stored, fingerprint, scope, receive, send)
            return
        await _run_once(app, scope, body, send, sessions, key_id)

    return middleware


async def _replay(stored: idempotency.Stored, fingerprint: str, scope: Scope, receive: Receive, send: Send) -> None:
    if stored.fingerprint != fingerprint:
        message = "this Idempotency-Key was used for another request; use a new key for a new request"
        await _refuse(scope, receive, send, 422, "idempotency_key_reused", message)
    elif stored.status is None:
        message = "the first request with this key is still running"
        await _refuse(scope, receive, send, 409, "idempotency_key_in_use", message)
    else:
        body = stored.body or b""
        media_type = (stored.media_type or "application/json").encode()
        headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode()),
                   (b"idempotent-replayed", b"true")]  # fmt: skip
        await send({"type": "http.response.start", "status": stored.status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})


async def _run_once(app: ASGIApp, scope: Scope, body: bytes, send: Send, sessions: Any, key_id: str) -> None:
    """Run the request with the body already read, pass its answer on and keep it."""
    replayed = False

    async def receive_body() -> ReceiveMessage:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    status = 500
    media_type: str | None = None
    parts: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal status, media_type
        if message["type"] == "http.response.start":
            status = message["status"]
            media_type = next(
                (v.decode("latin-1") for k, v in message.get("headers", []) if k.lower() == b"content-type"), None
            )
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
        await send(message)

    try:
        await app(scope, receive_body, keep)
    except BaseException:
        await idempotency.release(sessions, key_id)
        raise
    if status >= 500:
        await idempotency.release(sessions, key_id)
    else:
        await idempotency.answer(sessions, key_id, status, media_type, b"".join(parts))
