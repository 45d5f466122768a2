"""The OpenAPI document tells the truth about errors: every operation lists the problem-details
answers it can give (RFC 9457, ``application/problem+json``), not the framework's own shape."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.openapi.spec import Components, OpenAPIMediaType, OpenAPIResponse, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

PROBLEM_JSON = "application/problem+json"
#: What any operation may answer, and what only guarded ones add.
COMMON = {
    "400": "Malformed or ill-typed input; `errors` names each bad field",
    "404": "No such store, product or resource",
    "409": "Not possible in the current state (e.g. no floor plan yet)",
    "413": "Body too large",
    "415": "Unsupported media type",
    "422": "Input breaks a rule; `errors` lists every problem (pointer, feature_id or row)",
    "429": "Too many requests from this client; see Retry-After",
    "503": "The database is unavailable; see Retry-After",
}
GUARDED = {"401": "Missing, malformed, unknown or revoked token", "403": "This token may not do this"}
_AUTH_GUARDS = {"admin_only", "store_manager"}


def _problem_schema() -> Schema:
    text = Schema(type=OpenAPIType.STRING)
    error = Schema(
        type=OpenAPIType.OBJECT,
        required=["code", "message"],
        properties={
            "code": text,
            "message": text,
            "pointer": text,
            "feature_id": text,
            "parameter": text,
            "row": Schema(type=OpenAPIType.INTEGER),
        },
        additional_properties=Schema(),
    )
    return Schema(
        type=OpenAPIType.OBJECT,
        required=["type", "title", "status"],
        properties={
            "type": text,
            "title": text,
            "status": Schema(type=OpenAPIType.INTEGER),
            "detail": text,
            "errors": Schema(type=OpenAPIType.ARRAY, items=error),
        },
        description="RFC 9457 problem details",
    )


def _guarded_operations(app: Litestar) -> set[tuple[str, str]]:
    out = set()
    for route in app.routes:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        for handler in getattr(route, "route_handlers", []):
            if {g.__name__ for g in handler.resolve_guards()} & _AUTH_GUARDS:
                out |= {(path, method.lower()) for method in handler.http_methods}
    return out


def document_problems(app: Litestar) -> None:
    schema = app.openapi_schema
    schema.components = schema.components or Components()
    schema.components.schemas = {**(schema.components.schemas or {}), "Problem": _problem_schema()}
    content = {PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))}
    guarded = _guarded_operations(app)
    for path, item in (schema.paths or {}).items():
        for method in ("get", "post", "put", "patch", "delete"):
            operation: Any = getattr(item, method, None)
            if operation is None:
                continue
            codes = {**COMMON, **(GUARDED if (path, method) in guarded else {})}
            responses = dict(operation.responses or {})
            for code, description in codes.items():
                responses[code] = OpenAPIResponse(description=description, content=content)
            operation.responses = responses
