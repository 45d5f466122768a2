"""The OpenAPI document, finished for client generators and the people who read it.

Litestar writes the document from the handlers and their types; :func:`finish_document` then adds
what it cannot know, once, in place, before the document is first served:

- every operation's problem-details answers (RFC 9457, ``application/problem+json``);
- the bearer security scheme, required on guarded operations and optional elsewhere;
- the request bodies that handlers read raw (floor plan uploads, product imports) by media type;
- one named schema per enum value set (``Stock``, ``Confidence``…), so a generated client has one
  type per enum, not one per field;
- each schema's description from its class docstring;
- an example for every schema, request and response (``api.examples``).

:func:`gaps` lists what the document still lacks; the tests require it to be empty.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any, get_args

import msgspec
import orjson
from litestar import Litestar

from api import examples
from api.catalog import ProductIn
from api.schemas import ENUMS

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
_METHODS = ("get", "put", "post", "delete", "patch", "head")
BEARER = "bearer"
_REF = "#/components/schemas/"

_BINARY = {"type": "string", "format": "binary"}
#: Bodies that handlers read raw, by operation id: media type to schema.
RAW_BODIES: dict[str, tuple[str, dict[str, Any]]] = {
    "uploadFloorPlan": (
        "The plan: v1 GeoJSON, an IMDF archive (a zip; one folder inside is fine), or a DXF drawing (alone, "
        "or zipped with its `aislepath.json` layer mapping).",
        {
            "application/geo+json": {"$ref": _REF + "FloorPlan"},
            "application/json": {"$ref": _REF + "FloorPlan"},
            "application/zip": _BINARY,
            "image/vnd.dxf": _BINARY,
        },
    ),
    # One media type per operation where a generator must tell bodies apart by their Python type.
    "importProducts": (
        "Products: a JSON array.",
        {"application/json": {"type": "array", "items": {"$ref": _REF + "ProductIn"}}},
    ),
    "importProductsCsv": (
        "Products: CSV (UTF-8) with a header row.",
        {"text/csv": {"type": "string", "format": "binary"}},
    ),
    "replacePlacementsCsv": (
        "The planogram: CSV (UTF-8) with a header row (sku, shelf, position_m, level, stock).",
        {"text/csv": {"type": "string", "format": "binary"}},
    ),
    "upsertPlacementsCsv": (
        "Placements: CSV (UTF-8) with a header row (sku, shelf, position_m, level, stock).",
        {"text/csv": {"type": "string", "format": "binary"}},
    ),
}
#: Schemas only raw bodies use (Litestar does not see them in any handler's types).
_EXTRA_SCHEMAS = (ProductIn,)


def _problem_schema() -> dict[str, Any]:
    text = {"type": "string"}
    error = {
        "type": "object",
        "description": "One problem: what is wrong (`code`, `message`) and where.",
        "required": ["code", "message"],
        "properties": {
            "code": {**text, "description": "A stable, machine-readable code, e.g. `not_walkable`."},
            "message": {**text, "description": "What is wrong, for people."},
            "pointer": {**text, "description": "A JSON pointer into the request body."},
            "feature_id": {**text, "description": "The floor plan feature at fault."},
            "parameter": {**text, "description": "The query or path parameter at fault."},
            "row": {"type": "integer", "description": "The CSV or array row at fault (1 = the first data row)."},
        },
        "additionalProperties": {},
    }
    return {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {**text, "description": "A URI naming the kind of problem."},
            "title": {**text, "description": "A short summary of the kind."},
            "status": {"type": "integer", "description": "The HTTP status code."},
            "detail": {**text, "description": "What went wrong in this request."},
            "instance": {**text, "description": "This occurrence: `urn:request:<request id>`."},
            "errors": {"type": "array", "items": error, "description": "Every problem found, not only the first."},
        },
    }


def _guarded_operations(app: Litestar) -> set[tuple[str, str]]:
    out = set()
    for route in app.routes:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        for handler in getattr(route, "route_handlers", []):
            if {g.__name__ for g in handler.resolve_guards()} & _AUTH_GUARDS:
                out |= {(path, method.lower()) for method in handler.http_methods}
    return out


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, operation) of the document."""
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                yield path, method, item[method]


def _document_problems(document: dict[str, Any], guarded: set[tuple[str, str]]) -> None:
    content = {PROBLEM_JSON: {"schema": {"$ref": _REF + "Problem"}}}
    for path, method, operation in operations(document):
        codes = {**COMMON, **(GUARDED if (path, method) in guarded else {})}
        responses = operation.setdefault("responses", {})
        for code, description in codes.items():
            responses[code] = {"description": description, "content": content}


def _document_security(document: dict[str, Any], guarded: set[tuple[str, str]]) -> None:
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (`POST /v1/tokens`): `admin`, or `manager` of the stores it names. "
        "Shoppers need none: open operations count their rate limits per `X-Client-Id` header, else per address.",
    }
    for path, method, operation in operations(document):
        # Open operations say so (`[]`): generated clients then take a client with or without a token.
        operation["security"] = [{BEARER: []}] if (path, method) in guarded else []


#: Path (and common query) parameters, described once.
PARAMETERS = {
    "store_id": "The store's id.",
    "sku": "The product's sku.",
    "version": "A floor plan version's number.",
    "closure_id": "The closure's id.",
    "token_id": "The token's id.",
    "since": "A bundle version (`<plan>.<planogram>.<catalog>`): answer only what changed since it.",
    "publish": "Publish at once instead of storing a draft.",
    "confirm_drops": "Publish even though placed products lose their shelf (they are dropped).",
}


def _describe_parameters(document: dict[str, Any]) -> None:
    for _, _, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if not parameter.get("description") and parameter.get("name") in PARAMETERS:
                parameter["description"] = PARAMETERS[parameter["name"]]


def _document_raw_bodies(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    _, components = msgspec.json.schema_components(_EXTRA_SCHEMAS, ref_template=_REF + "{name}")
    for name, schema in components.items():
        schemas.setdefault(name, schema)
    for _, _, operation in operations(document):
        if (raw := RAW_BODIES.get(operation.get("operationId", ""))) is not None:
            description, media = raw
            content = {m: {"schema": schema} for m, schema in media.items()}
            operation["requestBody"] = {"description": description, "required": True, "content": content}


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _hoist_enums(document: dict[str, Any]) -> None:
    """Every inline enum whose values are a named enum's becomes a reference to it."""
    schemas = document["components"]["schemas"]
    named = {frozenset(get_args(alias)): name for name, (alias, _) in ENUMS.items()}
    for name, (alias, description) in ENUMS.items():
        schemas[name] = {"type": "string", "enum": list(get_args(alias)), "title": name, "description": description}
    for holder in list(_walk({k: v for k, v in document.items() if k != "components"})) + [
        node for key, schema in schemas.items() if key not in ENUMS for node in _walk(schema)
    ]:
        for key, value in list(holder.items()):
            for i, child in enumerate(value) if isinstance(value, list) else [(None, value)]:
                if not isinstance(child, dict) or "enum" not in child:
                    continue
                values = [v for v in child["enum"] if v is not None]
                enum_name = named.get(frozenset(values))
                if enum_name is None or len(values) != len(set(values)):
                    continue
                rest = {k: v for k, v in child.items() if k not in ("enum", "type", "title")}
                ref = {"$ref": _REF + enum_name}
                new = {"oneOf": [ref, {"type": "null"}], **rest} if None in child["enum"] else {**ref, **rest}
                if i is None:
                    holder[key] = new
                else:
                    value[i] = new


def _refs(node: Any) -> set[str]:
    return {n["$ref"].removeprefix(_REF) for n in _walk(node) if isinstance(n.get("$ref"), str)}


def _reachable(schemas: dict[str, Any], roots: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in seen and name in schemas:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    return seen


def _request_defaults_in_words(document: dict[str, Any]) -> None:
    """A default of a field that only requests send is the server's business: it is said in the
    field's description, not as ``default``, which generators read as "always present" (so with
    openapi-typescript's defaults a minimal route request would not compile)."""
    schemas = document["components"]["schemas"]
    requests: set[str] = set()
    answers: set[str] = set()
    for _, _, operation in operations(document):
        requests |= _refs(operation.get("requestBody", {}))
        answers |= _refs(operation.get("responses", {}))
    for name in _reachable(schemas, requests) - _reachable(schemas, answers):
        for prop in schemas[name].get("properties", {}).values():
            if "default" in prop:
                default = prop.pop("default")
                if default is not None:
                    shown = orjson.dumps(default).decode()
                    prop["description"] = f"{prop.get('description', '').rstrip()} Default: `{shown}`.".lstrip()


def _describe_schemas(document: dict[str, Any]) -> None:
    """A schema's description is its class's docstring."""
    schemas = document["components"]["schemas"]
    for cls in _structs():
        schema = schemas.get(cls.__name__)
        if schema is not None and not schema.get("description") and cls.__doc__:
            schema["description"] = inspect.cleandoc(cls.__doc__)


def _structs() -> Iterator[type]:
    seen: set[type] = set()
    stack: list[type] = [msgspec.Struct]
    while stack:
        subclasses: list[type] = stack.pop().__subclasses__()
        for sub in subclasses:
            if sub not in seen and sub.__module__.split(".")[0] in ("api", "catalog", "stores"):
                seen.add(sub)
                yield sub
            stack.append(sub)


def _example_for(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """The example of a schema: its component's, or built from its items'."""
    if "$ref" in schema:
        found = document["components"]["schemas"].get(schema["$ref"].removeprefix(_REF), {})
        return (found.get("examples") or [None])[0]
    if schema.get("type") == "array" and "items" in schema:
        item = _example_for(document, schema["items"])
        return None if item is None else [item]
    return None


def _document_examples(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name, example in examples.SCHEMAS.items():
        if name in schemas:
            schemas[name]["examples"] = [example]
    for _, _, operation in operations(document):
        own = examples.MEDIA.get(operation.get("operationId", ""), {})
        bodies = [operation.get("requestBody", {})] + [
            response for code, response in operation.get("responses", {}).items() if code < "400"
        ]
        for body in bodies:
            for media, content in body.get("content", {}).items():
                example = own.get(media, _example_for(document, content.get("schema", {})))
                if example is not None:
                    content["example"] = example


def served(app: Litestar) -> dict[str, Any]:
    """The OpenAPI document the app serves at /schema/openapi.json (built once, then kept)."""
    document: dict[str, Any] = app.plugins.get("OpenAPIPlugin").provide_openapi_schema()
    return document


def finish_document(app: Litestar) -> None:
    """Finish the app's OpenAPI document in place: the one it serves."""
    document = served(app)
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = _problem_schema()
    guarded = _guarded_operations(app)
    _document_problems(document, guarded)
    _document_security(document, guarded)
    _document_raw_bodies(document)
    _hoist_enums(document)
    _request_defaults_in_words(document)
    _describe_schemas(document)
    _describe_parameters(document)
    _document_examples(document)


def gaps(document: dict[str, Any]) -> list[str]:
    """What a reader or a client generator would miss: operations without an id, a description
    or examples, schemas and properties without a description."""
    out = []
    ids = [operation.get("operationId") for _, _, operation in operations(document)]
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        if not re.fullmatch(r"[a-z][A-Za-z]+", operation.get("operationId") or ""):
            out.append(f"{where}: operationId {operation.get('operationId')!r} is not camelCase")
        if not operation.get("description"):
            out.append(f"{where}: no description")
        for parameter in operation.get("parameters", []):
            if not parameter.get("description"):
                out.append(f"{where}: parameter {parameter.get('name')} has no description")
        bodies = [("request", operation.get("requestBody", {}))] + [
            (code, response) for code, response in operation.get("responses", {}).items() if code < "400"
        ]
        for label, body in bodies:
            for media, content in body.get("content", {}).items():
                if "example" not in content:
                    out.append(f"{where} {label} {media}: no example")
    out += [f"operationId {i!r} is used twice" for i in set(ids) if ids.count(i) > 1]
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if not schema.get("description"):
            out.append(f"schema {name}: no description")
        for field, prop in schema.get("properties", {}).items():
            if not prop.get("description") and "const" not in prop:
                out.append(f"schema {name}.{field}: no description")
    return out
