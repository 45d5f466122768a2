"""RFC 9457 problem details for every error the API can return, mapped in one place."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.types import Receive, Scope, Send
from litestar.utils.scope.state import ScopeState
from sqlalchemy.exc import DataError, DBAPIError, OperationalError

from api.http import REQUEST_ID
from api.validation import TooDeep, struct_problems
from stores.infra.errors import BadText, Conflict, DomainError, Invalid, NotFound, Unavailable, UnsupportedMedia

log = logging.getLogger("aislepath.errors")

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": f"https://aislepath.dev/problems/{phrase.lower().replace(' ', '-')}",
        "title": title or phrase,
        "status": status,
        "detail": detail,
    }
    if (request_id := REQUEST_ID.get()) is not None:
        body["instance"] = f"urn:aislepath:request:{request_id}"
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def send_early(response: Response[Any], scope: Scope, receive: Receive, send: Send) -> None:
    """Send a response made before any handler ran (a middleware's refusal) the way a handler's
    is sent, so that the layers around it (the access log, request ids) see it as any other."""
    await response.to_asgi_response(None, Request(scope))(scope, receive, send)


def _data_type(request: Request[Any, Any, Any]) -> type[msgspec.Struct] | None:
    field = request.route_handler.parsed_fn_signature.parameters.get("data")
    annotation = getattr(field, "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return annotation
    return None


_MISSING = re.compile(r"Missing required (\w+) parameter '([^']+)'")


def _validation_errors(request: Request[Any, Any, Any], exc: ValidationException) -> list[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors: list[dict[str, Any]] = []
    missing = _MISSING.search(str(exc.detail))
    if missing:
        source, name = missing.groups()
        errors.append(
            {
                "parameter": name,
                "in": source,
                "code": "required",
                "message": "this parameter is required",
            }
        )
    for item in extra:
        if not isinstance(item, dict):
            continue
        key, source = item.get("key"), item.get("source")
        if source == "body":
            struct_type = _data_type(request)
            body = ScopeState.from_scope(request.scope).body
            if struct_type is not None and isinstance(body, bytes):
                return struct_problems(body, struct_type) or errors
            errors.append({"pointer": "/" + str(key or ""), "code": "invalid", "message": item.get("message")})
        else:
            errors.append({"parameter": key, "in": source, "code": "invalid", "message": item.get("message")})
    return errors


def on_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = _validation_errors(request, exc)
    names = ", ".join(str(e.get("pointer") or e.get("parameter")) for e in errors) or "the request"
    return problem(400, f"Invalid input: {names}.", errors)


#: Each kind of domain error as (status, title, headers); a subclass answers as its nearest
#: listed ancestor (a PlanInvalid as Invalid). Domain errors know nothing of HTTP.
DOMAIN_STATUS: dict[type[DomainError], tuple[int, str, dict[str, str] | None]] = {
    DomainError: (400, "Bad request", None),
    BadText: (400, "Bad request", None),
    TooDeep: (400, "Bad request", None),
    NotFound: (404, "Not found", None),
    Conflict: (409, "Conflict", None),
    UnsupportedMedia: (415, "Unsupported media type", None),
    Invalid: (422, "Unprocessable content", None),
    Unavailable: (503, "Service unavailable", {"Retry-After": "2"}),
}


def domain_status(exc: DomainError) -> tuple[int, str, dict[str, str] | None]:
    for kind in type(exc).__mro__:
        if kind in DOMAIN_STATUS:
            return DOMAIN_STATUS[kind]
    raise AssertionError("unreachable: DomainError is listed")


def on_domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status, title, headers = domain_status(exc)
    return problem(status, exc.detail, [p.as_dict() for p in exc.problems], title=title, headers=headers)


def on_http_exception(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    headers = dict(exc.headers or {})
    if isinstance(exc, NotAuthorizedException):
        headers.setdefault("WWW-Authenticate", 'Bearer realm="aislepath"')
    return problem(exc.status_code, str(exc.detail), headers=headers or None)


def _sqlstate(exc: BaseException) -> str:
    """The SQLSTATE of a PostgreSQL error under SQLAlchemy's wrappers ("" if none)."""
    seen: BaseException | None = getattr(exc, "orig", None) or exc
    for _ in range(4):
        if seen is None:
            break
        state = getattr(seen, "sqlstate", None)
        if isinstance(state, str):
            return state
        seen = seen.__cause__
    return ""


def on_database_unavailable(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    if isinstance(exc, DataError) or _sqlstate(exc).startswith("22"):
        # The database refused a value from the request (SQLSTATE class 22, data exception). NUL
        # in text never gets here (stores.infra.db refuses it first, on both databases). The
        # transaction is rolled back, so nothing was written.
        return problem(
            400,
            "A value in the request cannot be stored.",
            errors=[{"code": "invalid_value", "message": "the database refused a value (out of range or malformed)"}],
        )
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.url.path,
            type(exc.orig).__name__,
        )
        return problem(503, "The database is unavailable; try again shortly.", headers={"Retry-After": "2"})
    return on_unexpected(request, exc)


def on_os_error(request: Request[Any, Any, Any], exc: OSError) -> Response[Any]:
    """A connection refused or reset, a timeout: the database (or the disk) is away for now."""
    log.warning("unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return problem(503, "The service's storage is unavailable; try again shortly.", headers={"Retry-After": "2"})


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "An unexpected error happened; it has been logged.")


EXCEPTION_HANDLERS = {
    ValidationException: on_validation,
    DomainError: on_domain_error,
    HTTPException: on_http_exception,
    DBAPIError: on_database_unavailable,
    OSError: on_os_error,
    Exception: on_unexpected,
}
