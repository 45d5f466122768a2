"""Turn request-validation failures into a complete list of problems.

msgspec stops at the first bad field; a store tool wants to see every bad field at once. When a
JSON body fails to decode into its struct, we check each field on its own and report them all,
each with a JSON pointer.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

_PATH = re.compile(r"`\$([^`]*)`")


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
