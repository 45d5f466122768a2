"""Turn request-validation failures into a complete list of problems.

msgspec stops at the first bad field; a store tool wants to see every bad field at once. When a
JSON body fails to decode into its struct, we check each field on its own and report them all,
each with a JSON pointer.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import numpy as np
from litestar import Request

from stores.infra.errors import DomainError, Problem

_PATH = re.compile(r"`\$([^`]*)`")

#: Deepest JSON nesting any endpoint accepts. The deepest real body is a GeoJSON MultiPolygon
#: (collection, features, feature, geometry, coordinates, polygon, ring, point: 8); decoders
#: recurse, so a body nested thousands deep would otherwise cost a RecursionError (a 500) or,
#: streamed, gigabytes.
MAX_JSON_DEPTH = 32
#: A JSON string (escapes included): its brackets are text, not nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_JSON_MEDIA = ("text/csv", "application/zip", "multipart/", "application/dxf", "image/vnd.dxf")


class TooDeep(DomainError):
    """A JSON body nested deeper than any endpoint reads."""


def json_depth(body: bytes) -> int:
    """How deep ``body``'s arrays and objects nest, read without parsing (linear in the size;
    strings are skipped, so brackets inside them do not count). Malformed JSON gets a number
    too; the decoder refuses it afterwards.

    >>> json_depth(b'{"a": [[1], "[[[["], "b": {}}')
    3
    """
    skeleton = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if not skeleton:
        return 0
    brackets = np.frombuffer(skeleton, dtype=np.uint8)
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


async def refuse_deep_json(request: Request[Any, Any, Any]) -> None:
    """``before_request``: a JSON body nested past :data:`MAX_JSON_DEPTH` is a 400 before any
    decoder sees it (the body is read once; Litestar keeps it for the handler)."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    media = request.headers.get("content-type", "").lower()
    if media.startswith(_NOT_JSON_MEDIA):
        return
    body = await request.body()
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:  # cannot nest deeper than it opens
        return
    if body.lstrip()[:1] in (b"[", b"{") and (depth := json_depth(body)) > MAX_JSON_DEPTH:
        raise TooDeep(
            "The JSON body is nested too deep.",
            [Problem("too_deep", f"nested {depth} deep; at most {MAX_JSON_DEPTH} levels are accepted", pointer="")],
        )


def _pointer(prefix: str, msgspec_path: str) -> str:
    # "$.a[0].b" -> "/a/0/b"
    parts = re.findall(r"\.([^.\[]+)|\[(\d+)\]", msgspec_path)
    return prefix + "".join("/" + (name or index) for name, index in parts)


def _message(exc: msgspec.ValidationError) -> tuple[str, str]:
    """(message without the location suffix, msgspec path or '')."""
    text = str(exc)
    match = _PATH.search(text)
    path = match.group(1) if match else ""
    return re.sub(r" - at `\$[^`]*`$", "", text), path


def struct_problems(raw: bytes, struct_type: type[msgspec.Struct]) -> list[dict[str, Any]]:
    """Every problem with ``raw`` as JSON for ``struct_type``; empty if it decodes."""
    try:
        msgspec.json.decode(raw, type=struct_type)
        return []
    except msgspec.ValidationError:
        pass
    except msgspec.DecodeError as exc:
        return [{"pointer": "", "code": "malformed_json", "message": str(exc)}]
    document = msgspec.json.decode(raw)
    if not isinstance(document, dict):
        return [{"pointer": "", "code": "invalid_type", "message": "expected a JSON object"}]
    problems: list[dict[str, Any]] = []
    fields = msgspec.structs.fields(struct_type)
    known = {f.encode_name for f in fields}
    for field in fields:
        pointer = "/" + field.encode_name
        if field.encode_name not in document:
            if field.required:
                problems.append({"pointer": pointer, "code": "required", "message": "this field is required"})
            continue
        try:
            msgspec.convert(document[field.encode_name], type=field.type, strict=True)
        except msgspec.ValidationError as exc:
            message, path = _message(exc)
            problems.append({"pointer": _pointer(pointer, path), "code": "invalid", "message": message})
    config = struct_type.__struct_config__
    if config.forbid_unknown_fields:
        problems.extend(
            {"pointer": "/" + name, "code": "unknown_field", "message": "this field is not allowed"}
            for name in document
            if name not in known
        )
    return problems
