"""Write the API reference (docs/api.md) from the app's own OpenAPI document.

``python -m api.reference > docs/api.md``; ``tests/api/test_reference.py`` fails when the file
and the app disagree, so the reference in the repository is always the API that runs.
"""

from __future__ import annotations

from typing import Any

from api.app import create_app
from api.openapi import served
from stores.infra.settings import Settings

_METHODS = ("get", "post", "put", "patch", "delete")


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "oneOf" in schema or "anyOf" in schema:
        return " | ".join(_type(s) for s in schema.get("oneOf", schema.get("anyOf", [])))
    if "enum" in schema:
        return " | ".join(f"`{v}`" for v in schema["enum"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    return str(schema.get("type", "any"))


def _parameters(operation: dict[str, Any]) -> list[str]:
    lines = []
    for p in operation.get("parameters", []):
        if p.get("in") in ("path", "query"):
            required = " (required)" if p.get("required") else ""
            about = f": {p['description']}" if p.get("description") else ""
            lines.append(f"- `{p['name']}` in {p['in']}, {_type(p.get('schema', {}))}{required}{about}")
    return lines


def _bodies(operation: dict[str, Any]) -> list[str]:
    lines = []
    body = operation.get("requestBody", {}).get("content", {})
    for media, content in body.items():
        lines.append(f"- request body ({media}): {_type(content.get('schema', {}))}")
    problems = []
    for status, response in sorted(operation.get("responses", {}).items()):
        for media, content in response.get("content", {}).items():
            if media == "application/problem+json":
                problems.append(status)
            else:
                lines.append(f"- {status} ({media}): {_type(content.get('schema', {}))}")
    if problems:
        lines.append(f"- problem details: {', '.join(problems)}")
    return lines


def _schemas(document: dict[str, Any]) -> list[str]:
    lines = ["## Schemas", ""]
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        properties = schema.get("properties", {})
        if not properties:
            continue
        required = set(schema.get("required", []))
        lines += [f"### {name}", "", "| field | type | required |", "|---|---|---|"]
        lines += [f"| `{field}` | {_type(spec)} | {'yes' if field in required else ''} |"
                  for field, spec in properties.items()]  # fmt: skip
        lines.append("")
    return lines


def reference(document: dict[str, Any]) -> str:
    """The markdown reference of an OpenAPI document."""
    lines = [
        "# API reference",
        "",
        "Generated from the running app's OpenAPI document (`python -m api.reference > docs/api.md`); "
        "a server serves the same document at `/schema/openapi.json` and Swagger UI at `/schema/swagger`. "
        "Errors are RFC 9457 problem details (`application/problem+json`) with an `errors` list naming "
        "every bad field; `docs/security.md` lists every limit and what it answers.",
        "",
        "## Operations",
        "",
    ]
    for path, item in sorted(document.get("paths", {}).items()):
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            lines += [f"### `{method.upper()} {path}`", "", operation.get("summary", ""), ""]
            lines += _parameters(operation) + _bodies(operation) + [""]
    return "\n".join(lines + _schemas(document)).rstrip() + "\n"


def current() -> str:
    app = create_app(Settings(auto_migrate=False))
    return reference(served(app))


if __name__ == "__main__":
    print(current(), end="")
