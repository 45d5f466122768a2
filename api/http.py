"""HTTP as clients expect it: request ids, HEAD on every GET, and validators on versioned reads.

- **Request ids.** The incoming ``X-Request-Id`` (letters, digits, ``.-_:``, at most 64) or the
  trace id of a W3C ``traceparent`` is used; else one is made. It is echoed on every answer, logged
  with it, and named in every problem's ``instance``.
- **HEAD.** A HEAD request is answered as its GET, without the body (headers, status and length
  as the GET's), so every GET has HEAD.
- **ETags.** A versioned read names what its answer is made of (the store, the floor plan version,
  the planogram and catalog versions) in a strong ETag. An answer that is costly to make checks
  ``If-None-Match`` first (:func:`conditional`); for one already made (a product's locations, a
  store), :func:`platform_middleware` turns a matching answer into ``304 Not Modified``.
- **Compression** is Litestar's (brotli or gzip above 1 KB), on every send. A big answer held in
  memory (the store bundle: 10 MB, 50 to 90 ms to compress) keeps its compressed forms beside it
  instead (:class:`Encoded`), each made once, on first demand, and its route is left out of the
  framework's compression.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import itertools
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar

import brotli
from litestar import Request, Response
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.ratelimit import RATE_LIMIT
from stores.infra.metrics import REQUEST_SECONDS
from stores.infra.text import preference_order

#: The request being answered (its id), for problem details and logs.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")


#: Request ids this process makes: a random prefix per process and a counter (no system call
#: per request, unique across workers and hosts).
_PREFIX = secrets.token_hex(4)
_COUNTER = itertools.count(1)


def request_id_of(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The request's id: the client's ``X-Request-Id`` if it is sane, else the trace id of its
    ``traceparent``, else a new one."""
    incoming = traceparent = None
    for name, value in headers:
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
        elif name == b"traceparent":
            traceparent = value.decode("latin-1")
    if incoming is not None and _CLIENT_ID.fullmatch(incoming):
        return incoming
    if traceparent is not None and (match := _TRACEPARENT.fullmatch(traceparent.strip())):
        return match.group(1)
    return f"{_PREFIX}{next(_COUNTER):08x}"


def platform_middleware(app: ASGIApp, measured: bool = True) -> ASGIApp:
    """Around the whole app (routing included): every answer gets the request's id
    (``X-Request-Id``); HEAD is answered as GET without the body; a GET whose answer carries an
    ETag the client's ``If-None-Match`` names becomes ``304 Not Modified`` without its body; and
    (``measured``) its time is recorded per route template, method and status
    (stores.infra.metrics.REQUEST_SECONDS; a few microseconds, where Litestar's Prometheus
    middleware took about 40 on the hot lookup: docs/benchmarks.md)."""
    timers: dict[tuple[str, str, int], Any] = {}

    def record(scope: Scope, method: str, status: int, started: float) -> None:
        key = (scope.get("path_template") or "unmatched", method, status)
        timer = timers.get(key)
        if timer is None:
            timer = timers[key] = REQUEST_SECONDS.labels(key[0], method, str(status))
        timer.observe(time.perf_counter() - started)

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        status = 500
        headers = scope["headers"]
        request_id = request_id_of(headers)
        token = REQUEST_ID.set(request_id)
        limits = RATE_LIMIT.set(None)
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        if_none_match = (
            next((v for k, v in headers if k == b"if-none-match"), None) if scope["method"] == "GET" else None
        )
        drop_body = head

        async def send_wrapper(message: Message) -> None:
            nonlocal drop_body, status
            if message["type"] == "http.response.start":
                status = message["status"]
                out = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
                if (announced := RATE_LIMIT.get()) is not None and not any(k == b"ratelimit" for k, _ in out):
                    out += [(k.lower().encode(), v.encode()) for k, v in announced.items()]
                if if_none_match is not None and message["status"] == 200:
                    etag = next((v for k, v in out if k.lower() == b"etag"), None)
                    if etag is not None and _matches(if_none_match.decode("latin-1"), etag.decode("latin-1")):
                        drop_body = True
                        keep = (b"etag", b"cache-control", b"x-request-id", b"vary", b"x-floorplan-version")
                        out = [(k, v) for k, v in out if k.lower() in keep]
                        message = {**message, "status": 304}
                message["headers"] = out
            elif message["type"] == "http.response.body" and drop_body:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            RATE_LIMIT.reset(limits)
            REQUEST_ID.reset(token)
            if measured:
                record(scope, method, status, started)

    return middleware


T = TypeVar("T")


def strong_etag(*parts: object) -> str:
    """A strong ETag for an answer made of ``parts`` (versions, ids, options)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in candidates


def language_headers(language: str | None) -> dict[str, str]:
    """An answer whose words follow Accept-Language says so to caches, and in which language it is."""
    return {"Vary": "Accept-Language", **({"Content-Language": language} if language else {})}


def validators(etag: str, max_age_s: int = 0) -> dict[str, str]:
    """The ETag and ``Cache-Control`` of a versioned answer: use it ``max_age_s`` seconds without
    asking, then ask again (a 304 is cheap). An answer already made gets its 304 from
    :func:`platform_middleware`."""
    return {"ETag": etag, "Cache-Control": f"public, max-age={max_age_s}, must-revalidate"}


async def conditional(
    request: Request[Any, Any, Any],
    etag: str,
    make: Callable[[], Awaitable[Response[T]]],
    max_age_s: int = 0,
    headers: dict[str, str] | None = None,
) -> Response[T]:
    """For an answer costly to make (read from the database, built): ``304`` when
    ``If-None-Match`` names ``etag``, before making it; else ``await make()``. Both carry the
    :func:`validators` and ``headers``."""
    extra = {**validators(etag, max_age_s), **(headers or {})}
    if _matches(request.headers.get("if-none-match"), etag):
        not_modified: Response[Any] = Response(b"", status_code=304, headers=extra)
        return not_modified
    response = await make()
    response.headers.update(extra)
    return response


#: Below this, an answer goes as it is (as Litestar's compression's ``minimum_size``).
COMPRESS_FROM_BYTES = 1024
_COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    # Made once per answer and sent many times: a little more effort than per-send compression.
    "br": lambda raw: brotli.compress(raw, quality=6),
    "gzip": lambda raw: gzip.compress(raw, 6),
}


class Encoded:
    """An answer's bytes and its compressed forms, each made once (in a thread) when first asked for."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._forms: dict[str, asyncio.Task[bytes]] = {}

    def __len__(self) -> int:
        """Its weight in a cache: the raw bytes, and room for its compressed forms (about a tenth)."""
        return len(self.raw) + len(self.raw) // 5

    async def form(self, encoding: str) -> bytes:
        """The answer in ``encoding`` (``br``, ``gzip``); concurrent first requests share one compression."""
        task = self._forms.get(encoding)
        if task is None:
            task = self._forms[encoding] = asyncio.ensure_future(asyncio.to_thread(_COMPRESS[encoding], self.raw))
        return await asyncio.shield(task)


def chosen_encoding(accept_encoding: str | None) -> str | None:
    """The compression the client prefers among brotli and gzip (None: as it is)."""
    for coding in preference_order(accept_encoding or ""):
        if coding in ("br", "gzip", "identity"):
            return None if coding == "identity" else coding
        if coding == "x-gzip":
            return "gzip"
        if coding == "*":
            return "br"
    return None


async def encoded_response(
    request: Request[Any, Any, Any], answer: Encoded, media_type: str, headers: dict[str, str] | None = None
) -> Response[Any]:
    """``answer`` in the encoding the request accepts (for a route the framework does not compress)."""
    headers = {**(headers or {})}
    headers["Vary"] = ", ".join(filter(None, [headers.get("Vary"), "Accept-Encoding"]))
    encoding = chosen_encoding(request.headers.get("accept-encoding"))
    if encoding is None or len(answer.raw) < COMPRESS_FROM_BYTES:
        return Response(answer.raw, media_type=media_type, headers=headers)
    body = await answer.form(encoding)
    return Response(body, media_type=media_type, headers={**headers, "Content-Encoding": encoding})
